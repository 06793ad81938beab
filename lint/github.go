package lint

import (
	"bufio"
	"fmt"
	"io"
	"path/filepath"
	"strings"

	"github.com/exchcert/exchcert/finding"
)

// githubWriter prints GitHub Actions workflow commands, one annotation per
// finding (https://docs.github.com/en/actions/reference/workflow-commands-for-github-actions),
// then the summary as a plain log line.
type githubWriter struct {
	w io.Writer
}

func (g *githubWriter) WriteFile(f *File) error {
	b := bufio.NewWriter(g.w)
	file := escapeProperty(filepath.ToSlash(f.Path))
	if f.IgnoredReason != "" {
		fmt.Fprintf(b, "::notice file=%s,line=1,title=ignored::%s\n", file, escapeData(cleanKeep("ignored: "+f.IgnoredReason, "\r\n")))
	}
	for _, x := range f.Findings {
		fmt.Fprintf(b, "::%s file=%s,line=%d,title=%s::%s\n", githubLevel(x.Severity), file, max(x.Line, 1),
			escapeProperty(githubTitle(x)), escapeData(cleanKeep(sarifText(x), "\r\n")))
	}
	return b.Flush()
}

func (g *githubWriter) Close(s *Summary) error {
	_, err := fmt.Fprintf(g.w, "exchcert lint: %s\n", s)
	return err
}

func githubLevel(s finding.Severity) string {
	switch s {
	case finding.Error:
		return "error"
	case finding.Warning:
		return "warning"
	}
	return "notice"
}

func githubTitle(x Finding) string {
	if x.Source == SourceExchcert {
		return x.Code
	}
	return x.Code + " (" + x.Source + ")"
}

// escapeData escapes a workflow command's message as @actions/core does
// (toolkit packages/core/src/command.ts escapeData): the runner decodes
// %25, %0D and %0A.
func escapeData(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A").Replace(s)
}

// escapeProperty escapes a property value (file=, title=) as @actions/core
// does (escapeProperty): also ':' and ',', which end a value.
func escapeProperty(s string) string {
	return strings.NewReplacer("%", "%25", "\r", "%0D", "\n", "%0A", ":", "%3A", ",", "%2C").Replace(cleanKeep(s, "\r\n"))
}
