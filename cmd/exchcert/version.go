package main

import (
	"fmt"
	"io"
	"runtime"
	"runtime/debug"

	"github.com/spf13/cobra"
)

// Set at release time with -ldflags "-X main.stampedVersion=v1.2.3
// -X main.stampedCommit=<sha> -X main.stampedDate=<RFC 3339>"
// (scripts/release.sh). A plain `go build` or `go install` leaves them
// empty, and the build information the go command records stands in.
var (
	stampedVersion = ""
	stampedCommit  = ""
	stampedDate    = ""
)

// versionSchema identifies the JSON form of exchcert version.
const versionSchema = "exchcert.version/v1"

// versionInfo is what exchcert version prints, and its JSON document.
type versionInfo struct {
	Schema    string `json:"schema"`
	Version   string `json:"version"`          // v1.2.3, or (devel) for a build from a checkout
	Commit    string `json:"commit,omitempty"` // the VCS revision
	Modified  bool   `json:"modified"`         // built from a checkout with uncommitted changes
	Date      string `json:"date,omitempty"`   // the release build's time, else the commit's
	GoVersion string `json:"go_version"`
	Platform  string `json:"platform"` // GOOS/GOARCH
}

// buildVersion reads the stamped values and the binary's build
// information (runtime/debug.ReadBuildInfo); stamped values win.
func buildVersion() versionInfo {
	v := versionInfo{Schema: versionSchema, Version: "(devel)", GoVersion: runtime.Version(), Platform: runtime.GOOS + "/" + runtime.GOARCH}
	if bi, ok := debug.ReadBuildInfo(); ok {
		if bi.Main.Version != "" {
			v.Version = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				v.Commit = s.Value
			case "vcs.time":
				v.Date = s.Value
			case "vcs.modified":
				v.Modified = s.Value == "true"
			}
		}
	}
	if stampedVersion != "" {
		v.Version = stampedVersion
	}
	if stampedCommit != "" {
		v.Commit = stampedCommit
	}
	if stampedDate != "" {
		v.Date = stampedDate
	}
	return v
}

// String is the one line of exchcert --version.
func (v versionInfo) String() string {
	s := "exchcert " + v.Version
	if v.Commit != "" {
		c := v.Commit
		if len(c) > 12 {
			c = c[:12]
		}
		if v.Modified {
			c += "+modified"
		}
		s += " (" + c
		if v.Date != "" {
			s += ", " + v.Date
		}
		s += ")"
	}
	return s + ", " + v.GoVersion + " " + v.Platform
}

func newVersionCmd(a *app) *cobra.Command {
	var output outputFlag
	cmd := &cobra.Command{
		Use:   "version",
		Short: "Print the version, commit and build of exchcert",
		Long: `Version prints the exchcert release, the commit it was built from, the build
date, and the Go version and platform. A release binary has them stamped in;
a binary built from a checkout takes them from the Go build information.`,
		Example: `  exchcert version
  exchcert --version
  exchcert version -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			v := buildVersion()
			return a.report(output, v, func(w io.Writer) error {
				_, err := fmt.Fprintln(w, v.String())
				return err
			})
		},
	}
	addOutputFlag(cmd, &output)
	return cmd
}

// addVersionFlag gives the root command --version, printing the line of
// exchcert version.
func addVersionFlag(root *cobra.Command) {
	root.Version = buildVersion().String()
	root.SetVersionTemplate("{{.Version}}\n")
}
