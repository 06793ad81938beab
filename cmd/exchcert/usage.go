package main

import (
	"fmt"
	"strings"
	"unicode"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// usage writes what cobra's default usage template writes, with one
// change: the flag lists are wrapped by pflag (FlagUsagesWrapped) at the
// width of the command's output. Help asks for the usage into a buffer
// (cobra's UsageString), so that width is defaultWidth; the help function
// then narrows every line to the terminal with fitLines.
//
// It is Go code rather than a template on purpose. A usage template is
// parsed and executed with text/template at every --help, about 0.3 ms of
// a 9 ms start (BENCHMARKS.md); cobra's own default is Go code for the
// same reason. TestUsageMatchesTemplate holds the two to the same output
// for every command.
func usage(c *cobra.Command) error {
	// As cobra's usage function does first: merge the parents' persistent
	// flags into the command's, which LocalFlags does, so that UseLine
	// sees them.
	c.LocalFlags()
	var b strings.Builder
	b.WriteString("Usage:")
	if c.Runnable() {
		b.WriteString("\n  " + c.UseLine())
	}
	if c.HasAvailableSubCommands() {
		b.WriteString("\n  " + c.CommandPath() + " [command]")
	}
	if len(c.Aliases) > 0 {
		b.WriteString("\n\nAliases:\n  " + c.NameAndAliases())
	}
	if c.HasExample() {
		b.WriteString("\n\nExamples:\n" + c.Example)
	}
	if c.HasAvailableSubCommands() {
		listed := func(sub *cobra.Command) bool { return sub.IsAvailableCommand() || sub.Name() == "help" }
		if len(c.Groups()) == 0 {
			b.WriteString("\n\nAvailable Commands:")
			for _, sub := range c.Commands() {
				if listed(sub) {
					fmt.Fprintf(&b, "\n  %-*s %s", sub.NamePadding(), sub.Name(), sub.Short)
				}
			}
		} else {
			for _, g := range c.Groups() {
				b.WriteString("\n\n" + g.Title)
				for _, sub := range c.Commands() {
					if sub.GroupID == g.ID && listed(sub) {
						fmt.Fprintf(&b, "\n  %-*s %s", sub.NamePadding(), sub.Name(), sub.Short)
					}
				}
			}
			if !c.AllChildCommandsHaveGroup() {
				b.WriteString("\n\nAdditional Commands:")
				for _, sub := range c.Commands() {
					if sub.GroupID == "" && listed(sub) {
						fmt.Fprintf(&b, "\n  %-*s %s", sub.NamePadding(), sub.Name(), sub.Short)
					}
				}
			}
		}
	}
	if c.HasAvailableLocalFlags() {
		b.WriteString("\n\nFlags:\n" + wrappedFlags(c.LocalFlags(), c))
	}
	if c.HasAvailableInheritedFlags() {
		b.WriteString("\n\nGlobal Flags:\n" + wrappedFlags(c.InheritedFlags(), c))
	}
	if c.HasHelpSubCommands() {
		b.WriteString("\n\nAdditional help topics:")
		for _, sub := range c.Commands() {
			if sub.IsAdditionalHelpTopicCommand() {
				fmt.Fprintf(&b, "\n  %-*s %s", sub.CommandPathPadding(), sub.CommandPath(), sub.Short)
			}
		}
	}
	if c.HasAvailableSubCommands() {
		fmt.Fprintf(&b, "\n\nUse \"%s [command] --help\" for more information about a command.", c.CommandPath())
	}
	b.WriteString("\n")
	_, err := c.OutOrStderr().Write([]byte(b.String()))
	return err
}

// wrappedFlags is a flag list wrapped to the width of the command's
// output, without trailing white space.
func wrappedFlags(fs *pflag.FlagSet, c *cobra.Command) string {
	return strings.TrimRightFunc(fs.FlagUsagesWrapped(widthOf(c.OutOrStdout())), unicode.IsSpace)
}
