package main

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// unknownCommand matches cobra's error for a mistyped command, without
// the suggestion lines cobra may add after it. Compiled when first
// needed, not at every start.
var unknownCommand = sync.OnceValue(func() *regexp.Regexp {
	return regexp.MustCompile(`^unknown command "([^"]*)" for "([^"]*)"`)
})

// suggestCommand rewrites cobra's unknown-command error into one line
// with the commands the user may have meant.
func suggestCommand(root *cobra.Command, err error) error {
	m := unknownCommand().FindStringSubmatch(err.Error())
	if m == nil {
		return err
	}
	cmd := root
	if path := strings.Fields(m[2]); len(path) > 1 {
		if c, _, ferr := root.Find(path[1:]); ferr == nil {
			cmd = c
		}
	}
	if cmd.SuggestionsMinimumDistance <= 0 {
		cmd.SuggestionsMinimumDistance = 2 // cobra sets it on the root only
	}
	msg := fmt.Sprintf("unknown command %q for %q", m[1], m[2])
	if s := cmd.SuggestionsFor(m[1]); len(s) > 0 {
		return &usageError{errors.New(msg + "; did you mean " + orList(s) + "?")}
	}
	return &usageError{fmt.Errorf("%s ('%s --help' lists the commands)", msg, cmd.CommandPath())}
}

// suggestFlag adds "did you mean" to pflag's unknown-flag error: the flags
// of cmd within two edits of the one typed, or that start with it.
func suggestFlag(cmd *cobra.Command, err error) error {
	typed, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return err
	}
	var found []string
	seen := map[string]bool{}
	visit := func(f *pflag.Flag) {
		if f.Hidden || seen[f.Name] {
			return
		}
		seen[f.Name] = true
		if strings.HasPrefix(f.Name, typed) || editDistance(typed, f.Name) <= 2 {
			found = append(found, "--"+f.Name)
		}
	}
	cmd.Flags().VisitAll(visit)
	cmd.InheritedFlags().VisitAll(visit)
	if len(found) == 0 {
		return fmt.Errorf("%w ('%s --help' lists the flags)", err, cmd.CommandPath())
	}
	return fmt.Errorf("%w; did you mean %s?", err, orList(found))
}

// orList joins names as "a", "a or b", "a, b or c".
func orList(names []string) string {
	if len(names) == 1 {
		return names[0]
	}
	return strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
}

// editDistance is the Levenshtein distance of a and b.
func editDistance(a, b string) int {
	prev := make([]int, len(b)+1)
	cur := make([]int, len(b)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(a); i++ {
		cur[0] = i
		for j := 1; j <= len(b); j++ {
			cost := 1
			if a[i-1] == b[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev, cur = cur, prev
	}
	return prev[len(b)]
}
