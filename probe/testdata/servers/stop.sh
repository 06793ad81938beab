#!/usr/bin/env bash
# Stops the servers start.sh started in DIR, by the PIDs it recorded:
# SIGTERM (each master then stops its own children), and SIGKILL for any
# still there after five seconds.
#
# Usage: stop.sh DIR
set -uo pipefail

dir=${1:?usage: stop.sh DIR}
[ -f "$dir/pids" ] || exit 0
mapfile -t pids <"$dir/pids"
for p in "${pids[@]}"; do
	[ -n "$p" ] && kill -TERM "$p" 2>/dev/null
done
for _ in $(seq 50); do
	alive=0
	for p in "${pids[@]}"; do
		# A zombie (state Z) has stopped; only its parent's wait is missing.
		[ -n "$p" ] && [ -r "/proc/$p/stat" ] && [ "$(cut -d' ' -f3 "/proc/$p/stat")" != Z ] && alive=1
	done
	[ "$alive" = 0 ] && exit 0
	sleep 0.1
done
for p in "${pids[@]}"; do
	[ -n "$p" ] && kill -KILL "$p" 2>/dev/null
done
exit 0
