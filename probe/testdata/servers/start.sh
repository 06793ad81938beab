#!/usr/bin/env bash
# Starts real mail and web servers on 127.0.0.1 for the probe integration
# test: Postfix (SMTP with and without STARTTLS), Dovecot (IMAP4 and POP3
# with STARTTLS and over implicit TLS) and nginx (HTTPS answering the
# Autodiscover and EWS paths with 401 and chosen WWW-Authenticate offers).
#
# Usage: start.sh DIR
#
# DIR holds the certificates (chain files, leaf first, and keys) and gets
# every configuration file, queue, log and PID file; nothing outside DIR is
# written. Each server runs in the foreground of a background job; its PID
# goes into DIR/pids, one per line, which stop.sh reads. Ports come from
# the environment, chosen free by the caller at run time:
#
#   SMTP_SERVERS   lines "PORT CHAIN KEY TLS" (TLS: yes offers STARTTLS, no does not)
#   DOVECOT_PORTS  "IMAP IMAPS POP3 POP3S"
#   DOVECOT_CHAIN  DOVECOT_KEY   the chain and key Dovecot serves
#   HTTPS_SERVERS  lines "PORT CHAIN KEY AUTH", AUTH the WWW-Authenticate
#                  values separated by "|" (e.g. Negotiate|NTLM|Basic realm="x")
#   HTTP_WEBROOTS  lines "PORT ROOT": plain http serving the files in the
#                  folder ROOT (the ACME webroot test), text/plain
#
# Every listener binds 127.0.0.1 only. Needs root: Postfix's master refuses
# to run as anyone else.
set -euo pipefail

dir=${1:?usage: start.sh DIR}
dir=$(cd "$dir" && pwd)
: >"$dir/pids"

# Postfix and Dovecot refuse configuration and queue folders that other
# users cannot search, or that are writable by them.
chmod 0755 "$dir"

sbin=/usr/sbin
daemon_dir=$("$sbin/postconf" -d -h daemon_directory 2>/dev/null || echo /usr/lib/postfix/sbin)

start_bg() { # NAME COMMAND... : runs COMMAND in the background, logs to DIR/NAME.out
	local name=$1
	shift
	"$@" >>"$dir/$name.out" 2>&1 </dev/null &
	echo $! >>"$dir/pids"
}

# --- Postfix --------------------------------------------------------------
if [ -n "${SMTP_SERVERS:-}" ]; then
	pf=$dir/postfix
	mkdir -p "$pf/conf" "$pf/queue" "$pf/data"
	chmod 0755 "$pf" "$pf/conf" "$pf/queue"
	chown postfix "$pf/data"
	cat >"$pf/conf/main.cf" <<EOF
compatibility_level = 3.6
queue_directory = $pf/queue
data_directory = $pf/data
mail_owner = postfix
myhostname = mail.probe.test
mydomain = probe.test
myorigin = \$myhostname
mydestination =
relay_domains =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = 127.0.0.1
inet_protocols = ipv4
maillog_file = $dir/postfix.log
maillog_file_prefixes = $dir
smtpd_banner = \$myhostname ESMTP
smtpd_tls_security_level = may
smtpd_tls_loglevel = 1
smtp_dns_support_level = disabled
disable_dns_lookups = yes
EOF
	{
		while read -r port chain key tls; do
			[ -n "$port" ] || continue
			level=may
			[ "$tls" = yes ] || level=none
			echo "127.0.0.1:$port inet n - n - - smtpd -o smtpd_tls_security_level=$level -o smtpd_tls_chain_files=$dir/$key,$dir/$chain"
		done <<<"$SMTP_SERVERS"
		cat <<'EOF'
cleanup   unix  n - n - 0 cleanup
qmgr      unix  n - n 300 1 qmgr
tlsmgr    unix  - - n 1000? 1 tlsmgr
rewrite   unix  - - n - - trivial-rewrite
bounce    unix  - - n - 0 bounce
defer     unix  - - n - 0 bounce
trace     unix  - - n - 0 bounce
verify    unix  - - n - 1 verify
flush     unix  n - n 1000? 0 flush
proxymap  unix  - - n - - proxymap
anvil     unix  - - n - 1 anvil
scache    unix  - - n - 1 scache
postlog   unix-dgram n - n - 1 postlogd
EOF
	} >"$pf/conf/master.cf"
	# "postfix check" creates the queue folders with their owners.
	"$sbin/postfix" -c "$pf/conf" check >>"$dir/postfix.out" 2>&1
	start_bg postfix "$daemon_dir/master" -c "$pf/conf" -d
fi

# --- Dovecot --------------------------------------------------------------
if [ -n "${DOVECOT_PORTS:-}" ]; then
	read -r imap imaps pop3 pop3s <<<"$DOVECOT_PORTS"
	dv=$dir/dovecot
	mkdir -p "$dv/run" "$dv/state"
	chmod 0755 "$dv" "$dv/run"
	# Its own configuration only: nothing from /etc/dovecot is included.
	cat >"$dv/dovecot.conf" <<EOF
base_dir = $dv/run
state_dir = $dv/state
log_path = $dir/dovecot.log
listen = 127.0.0.1
protocols = imap pop3
ssl = yes
ssl_cert = <$dir/$DOVECOT_CHAIN
ssl_key = <$dir/$DOVECOT_KEY
ssl_dh = </usr/share/dovecot/dh.pem
default_login_user = dovenull
default_internal_user = dovecot
mail_location = mbox:/nonexistent
passdb {
  driver = static
  args = password=unused-in-tests
}
userdb {
  driver = static
  args = uid=nobody gid=nogroup home=/nonexistent
}
service imap-login {
  inet_listener imap {
    address = 127.0.0.1
    port = $imap
  }
  inet_listener imaps {
    address = 127.0.0.1
    port = $imaps
    ssl = yes
  }
}
service pop3-login {
  inet_listener pop3 {
    address = 127.0.0.1
    port = $pop3
  }
  inet_listener pop3s {
    address = 127.0.0.1
    port = $pop3s
    ssl = yes
  }
}
EOF
	start_bg dovecot "$sbin/dovecot" -F -c "$dv/dovecot.conf"
fi

# --- nginx ----------------------------------------------------------------
if [ -n "${HTTPS_SERVERS:-}" ] || [ -n "${HTTP_WEBROOTS:-}" ]; then
	ng=$dir/nginx
	mkdir -p "$ng/logs" "$ng/tmp"
	{
		cat <<EOF
worker_processes 1;
pid $ng/nginx.pid;
error_log $dir/nginx.log;
events { worker_connections 64; }
http {
  access_log off;
  client_body_temp_path $ng/tmp/body;
  proxy_temp_path $ng/tmp/proxy;
  fastcgi_temp_path $ng/tmp/fastcgi;
  uwsgi_temp_path $ng/tmp/uwsgi;
  scgi_temp_path $ng/tmp/scgi;
EOF
		while read -r port chain key auth; do
			[ -n "$port" ] || continue
			cat <<EOF
  server {
    listen 127.0.0.1:$port ssl;
    server_name _;
    ssl_certificate $dir/$chain;
    ssl_certificate_key $dir/$key;
    # IIS matches paths without regard to case, and so does this.
    location ~* ^/(autodiscover/autodiscover\.xml|ews/exchange\.asmx)$ {
EOF
			IFS='|' read -r -a offers <<<"$auth"
			for o in "${offers[@]}"; do
				[ -n "$o" ] || continue
				printf "      add_header WWW-Authenticate '%s' always;\n" "${o//\'/}"
			done
			cat <<EOF
      return 401;
    }
    location / { return 404; }
  }
EOF
		done <<<"${HTTPS_SERVERS:-}"
		while read -r port root; do
			[ -n "$port" ] || continue
			cat <<EOF
  server {
    listen 127.0.0.1:$port;
    server_name _;
    root $root;
    default_type text/plain;
    location / { try_files \$uri =404; }
  }
EOF
		done <<<"${HTTP_WEBROOTS:-}"
		echo "}"
	} >"$ng/nginx.conf"
	start_bg nginx "$sbin/nginx" -p "$ng" -e "$dir/nginx.log" -c "$ng/nginx.conf" -g 'daemon off;'
fi
