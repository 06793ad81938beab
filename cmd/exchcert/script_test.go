package main

import (
	"errors"
	"flag"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/rogpeppe/go-internal/testscript"

	"github.com/exchcert/exchcert/internal/testpki"
)

var update = flag.Bool("update", false, "rewrite the want files of testscript cmp commands")

func TestMain(m *testing.M) {
	testscript.Main(m, map[string]func(){
		"exchcert": func() { os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr, os.Getenv)) },
	})
}

// scriptCmds are the custom testscript commands; test files for each
// command add theirs in init.
var scriptCmds = map[string]func(ts *testscript.TestScript, neg bool, args []string){
	"exits":    cmdExits,
	"maxwidth": cmdMaxWidth,
	"mode":     cmdMode,
	"testpki":  cmdTestPKI,
}

func TestScripts(t *testing.T) {
	testscript.Run(t, testscript.Params{
		Dir:                 filepath.Join("..", "..", "testdata", "script"),
		Cmds:                scriptCmds,
		RequireExplicitExec: true,
		RequireUniqueNames:  true,
		UpdateScripts:       *update,
		Setup: func(env *testscript.Env) error {
			// Text for people fits 80 columns unless COLUMNS says otherwise;
			// the scripts match whole lines, so they get wide ones, and
			// cli_surface.txtar checks the fitting at COLUMNS=80.
			env.Setenv("COLUMNS", "1000")
			return nil
		},
	})
}

// exits CODE PROGRAM ARGS... runs PROGRAM and checks its exit code exactly;
// stdout and stderr are kept for the commands that follow, as exec does.
func cmdExits(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 2 {
		ts.Fatalf("usage: exits CODE PROGRAM [ARGS...]")
	}
	want, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("exits: bad code %q", args[0])
	}
	err = ts.Exec(args[1], args[2:]...)
	got := 0
	var ee *exec.ExitError
	switch {
	case errors.As(err, &ee):
		got = ee.ExitCode()
	case err != nil:
		ts.Fatalf("exits: %v", err)
	}
	if got != want {
		ts.Fatalf("%s exited %d, want %d", args[1], got, want)
	}
}

// mode PERM FILE checks a file's permission bits (skipped on Windows, which
// has no such bits).
func cmdMode(ts *testscript.TestScript, neg bool, args []string) {
	if len(args) != 2 {
		ts.Fatalf("usage: mode PERM FILE")
	}
	want, err := strconv.ParseUint(args[0], 8, 32)
	if err != nil {
		ts.Fatalf("mode: bad permission %q", args[0])
	}
	st, err := os.Stat(ts.MkAbs(args[1]))
	ts.Check(err)
	if isWindows() {
		return
	}
	got := st.Mode().Perm()
	if (got == os.FileMode(want)) == neg {
		ts.Fatalf("%s has mode %04o, want %s%04o", args[1], got, map[bool]string{true: "not ", false: ""}[neg], want)
	}
}

// testpki chain DIR NAME... writes a fresh test PKI into DIR: root.pem,
// intermediate.pem, leaf.pem (for the names; the first is the Common Name),
// leaf.key, fullchain.pem (leaf then intermediate).
func cmdTestPKI(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) < 3 || args[0] != "chain" {
		ts.Fatalf("usage: testpki chain DIR NAME...")
	}
	dir := ts.MkAbs(args[1])
	ts.Check(os.MkdirAll(dir, 0o755))
	root, err := testpki.NewRoot("exchcert Test Root")
	ts.Check(err)
	inter, err := root.Intermediate("exchcert Test Intermediate")
	ts.Check(err)
	leaf, err := inter.Issue(testpki.Template{CommonName: args[2], DNSNames: args[2:]})
	ts.Check(err)
	key, err := testpki.KeyPEM(leaf.Key)
	ts.Check(err)
	write := func(name string, data []byte) {
		ts.Check(testpki.WriteFile(filepath.Join(dir, name), data))
	}
	write("root.pem", testpki.PEM(root.Cert.Cert))
	write("intermediate.pem", testpki.PEM(inter.Cert.Cert))
	write("leaf.pem", testpki.PEM(leaf.Cert))
	write("leaf.key", key)
	write("fullchain.pem", testpki.PEM(leaf.Cert, inter.Cert.Cert))
}

// maxwidth N checks that no line of the last command's stdout is longer
// than N characters.
func cmdMaxWidth(ts *testscript.TestScript, neg bool, args []string) {
	if neg || len(args) != 1 {
		ts.Fatalf("usage: maxwidth N")
	}
	n, err := strconv.Atoi(args[0])
	if err != nil {
		ts.Fatalf("maxwidth: bad width %q", args[0])
	}
	for i, l := range strings.Split(ts.ReadFile("stdout"), "\n") {
		if w := utf8.RuneCountInString(l); w > n {
			ts.Fatalf("stdout line %d is %d characters long, more than %d:\n%s", i+1, w, n, l)
		}
	}
}
