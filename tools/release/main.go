// Command release builds the exchcert release archives: exchcert for
// windows/amd64, windows/arm64, linux/amd64, linux/arm64, darwin/amd64 and
// darwin/arm64, built with -trimpath and the version, commit and date
// stamped in (-ldflags -X), each in a .zip (Windows) or .tar.gz with the
// README and the install guide, a CycloneDX SBOM per platform made by
// cyclonedx-gomod (pinned below), and SHA256SUMS over all of them, in the
// format `sha256sum -c` reads. It then checks what it made (-verify does
// only that): every checksum, and every archive holds a binary of the
// version; the one for this machine's platform is run, the others are read
// with `go version -m`.
//
// Usage:
//
//	go run ./tools/release -version v1.2.0        # a release: clean checkout, semantic version
//	go run ./tools/release -snapshot              # CI: v0.0.0-snapshot.<commit>, uncommitted changes allowed
//	go run ./tools/release -verify -out dist      # check an existing dist folder
//
// The archives' file times are the commit's time, so the same commit gives
// the same archives.
package main

import (
	"archive/tar"
	"archive/zip"
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"time"
)

// cyclonedxGomod is the pinned SBOM generator.
const cyclonedxGomod = "github.com/CycloneDX/cyclonedx-gomod/cmd/cyclonedx-gomod@v1.10.0"

const mainPkg = "github.com/exchcert/exchcert/cmd/exchcert"

// targets are the platforms a release covers.
var targets = []struct{ goos, goarch string }{
	{"windows", "amd64"}, {"windows", "arm64"},
	{"linux", "amd64"}, {"linux", "arm64"},
	{"darwin", "amd64"}, {"darwin", "arm64"},
}

// extras are the files every archive carries besides the binary.
var extras = []string{"README.md", "docs/install.md"}

var semver = regexp.MustCompile(`^v\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$`)

type build struct {
	version, commit, date string
	modTime               time.Time
}

func main() {
	var (
		version  = flag.String("version", "", "the release `VERSION`, e.g. v1.2.0")
		snapshot = flag.Bool("snapshot", false, "a snapshot of the current checkout: version v0.0.0-snapshot.<commit>")
		out      = flag.String("out", "dist", "the `DIR` to write into (emptied first)")
		verify   = flag.Bool("verify", false, "only check the archives in -out")
	)
	flag.Parse()
	if err := run(*version, *snapshot, *out, *verify); err != nil {
		fmt.Fprintln(os.Stderr, "release:", err)
		os.Exit(1)
	}
}

func run(version string, snapshot bool, out string, verifyOnly bool) error {
	if verifyOnly {
		return verify(out)
	}
	b, err := describe(version, snapshot)
	if err != nil {
		return err
	}
	if err := os.RemoveAll(out); err != nil {
		return err
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	start := time.Now()
	// The SBOM tool runs on this machine: install it once for the host,
	// before GOOS and GOARCH name the targets.
	tools, err := os.MkdirTemp("", "exchcert-release-tools-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tools)
	install := exec.Command("go", "install", cyclonedxGomod)
	install.Env = append(os.Environ(), "GOBIN="+tools)
	install.Stdout, install.Stderr = os.Stderr, os.Stderr
	if err := install.Run(); err != nil {
		return fmt.Errorf("go install %s: %w", cyclonedxGomod, err)
	}
	sbomTool := filepath.Join(tools, "cyclonedx-gomod")
	if runtime.GOOS == "windows" {
		sbomTool += ".exe"
	}
	for _, t := range targets {
		t0 := time.Now()
		name, err := b.archive(sbomTool, out, t.goos, t.goarch)
		if err != nil {
			return fmt.Errorf("%s/%s: %w", t.goos, t.goarch, err)
		}
		fmt.Printf("%-40s %5.1fs\n", name, time.Since(t0).Seconds())
	}
	if err := writeSums(out); err != nil {
		return err
	}
	fmt.Printf("built %s (%s) in %.0fs\n", b.version, b.commit, time.Since(start).Seconds())
	return verify(out)
}

// describe works out the version, commit and date from git.
func describe(version string, snapshot bool) (build, error) {
	var b build
	commit, err := git("rev-parse", "HEAD")
	if err != nil {
		return b, err
	}
	date, err := git("show", "-s", "--format=%cI", "HEAD")
	if err != nil {
		return b, err
	}
	b.commit = commit
	if b.modTime, err = time.Parse(time.RFC3339, date); err != nil {
		return b, fmt.Errorf("commit date %q: %w", date, err)
	}
	b.date = b.modTime.UTC().Format(time.RFC3339)
	switch {
	case snapshot && version != "":
		return b, errors.New("give -version or -snapshot, not both")
	case snapshot:
		b.version = "v0.0.0-snapshot." + commit[:12]
	case !semver.MatchString(version):
		return b, fmt.Errorf("-version %q: want a semantic version such as v1.2.0 (or -snapshot)", version)
	default:
		dirty, err := git("status", "--porcelain")
		if err != nil {
			return b, err
		}
		if dirty != "" {
			return b, errors.New("the checkout has uncommitted changes: a release is built from a commit")
		}
		b.version = version
	}
	return b, nil
}

func git(args ...string) (string, error) {
	out, err := exec.Command("git", args...).Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			return "", fmt.Errorf("git %s: %v: %s", strings.Join(args, " "), err, ee.Stderr)
		}
		return "", fmt.Errorf("git %s: %w", strings.Join(args, " "), err)
	}
	return strings.TrimSpace(string(out)), nil
}

func baseName(version, goos, goarch string) string {
	return "exchcert_" + strings.TrimPrefix(version, "v") + "_" + goos + "_" + goarch
}

func exeName(goos string) string {
	if goos == "windows" {
		return "exchcert.exe"
	}
	return "exchcert"
}

// archive builds exchcert for one platform, packs it and writes its SBOM.
func (b build) archive(sbomTool, out, goos, goarch string) (string, error) {
	tmp, err := os.MkdirTemp("", "exchcert-release-")
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp)
	exe := filepath.Join(tmp, exeName(goos))
	ldflags := fmt.Sprintf("-s -w -X main.stampedVersion=%s -X main.stampedCommit=%s -X main.stampedDate=%s", b.version, b.commit, b.date)
	cmd := exec.Command("go", "build", "-trimpath", "-ldflags", ldflags, "-o", exe, "./cmd/exchcert")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS="+goos, "GOARCH="+goarch)
	cmd.Stdout, cmd.Stderr = os.Stderr, os.Stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("go build: %w", err)
	}
	if err := sbom(sbomTool, exe, filepath.Join(out, baseName(b.version, goos, goarch)+".cdx.json"), b.version); err != nil {
		return "", fmt.Errorf("SBOM: %w", err)
	}
	files := []archived{{exeName(goos), exe, 0o755}}
	for _, e := range extras {
		files = append(files, archived{filepath.Base(e), filepath.FromSlash(e), 0o644})
	}
	name := baseName(b.version, goos, goarch)
	if goos == "windows" {
		name += ".zip"
		return name, writeZip(filepath.Join(out, name), files, b.modTime)
	}
	name += ".tar.gz"
	return name, writeTarGz(filepath.Join(out, name), files, b.modTime)
}

type archived struct {
	name, path string
	mode       os.FileMode
}

func writeZip(path string, files []archived, mtime time.Time) error {
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, f := range files {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return err
		}
		h := &zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: mtime.UTC()}
		h.SetMode(f.mode)
		w, err := zw.CreateHeader(h)
		if err != nil {
			return err
		}
		if _, err := w.Write(data); err != nil {
			return err
		}
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

func writeTarGz(path string, files []archived, mtime time.Time) error {
	var buf bytes.Buffer
	gz := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gz)
	for _, f := range files {
		data, err := os.ReadFile(f.path)
		if err != nil {
			return err
		}
		h := &tar.Header{Name: f.name, Mode: int64(f.mode), Size: int64(len(data)), ModTime: mtime.UTC(), Typeflag: tar.TypeReg, Format: tar.FormatPAX}
		if err := tw.WriteHeader(h); err != nil {
			return err
		}
		if _, err := tw.Write(data); err != nil {
			return err
		}
	}
	if err := tw.Close(); err != nil {
		return err
	}
	if err := gz.Close(); err != nil {
		return err
	}
	return os.WriteFile(path, buf.Bytes(), 0o644)
}

// sbom writes the CycloneDX SBOM of a built binary: the Go modules
// compiled into it, as its build information records them.
func sbom(tool, exe, path, version string) error {
	cmd := exec.Command(tool, "bin", "-json", "-version", version, "-output", path, exe)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("%s: %w\n%s", cyclonedxGomod, err, stderr.Bytes())
	}
	var doc struct {
		BOMFormat  string `json:"bomFormat"`
		Components []struct {
			Name string `json:"name"`
		} `json:"components"`
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	if err := json.Unmarshal(data, &doc); err != nil || doc.BOMFormat != "CycloneDX" || len(doc.Components) == 0 {
		return fmt.Errorf("%s is not a CycloneDX SBOM with components (%v)", path, err)
	}
	return nil
}

// writeSums writes SHA256SUMS for every file in out.
func writeSums(out string) error {
	entries, err := os.ReadDir(out)
	if err != nil {
		return err
	}
	var b strings.Builder
	for _, e := range entries {
		if e.IsDir() || e.Name() == "SHA256SUMS" {
			continue
		}
		sum, err := fileSum(filepath.Join(out, e.Name()))
		if err != nil {
			return err
		}
		fmt.Fprintf(&b, "%s  %s\n", sum, e.Name())
	}
	return os.WriteFile(filepath.Join(out, "SHA256SUMS"), []byte(b.String()), 0o644)
}

func fileSum(path string) (string, error) {
	f, err := os.Open(path)
	if err != nil {
		return "", err
	}
	defer f.Close()
	h := sha256.New()
	if _, err := io.Copy(h, f); err != nil {
		return "", err
	}
	return hex.EncodeToString(h.Sum(nil)), nil
}

// verify checks a dist folder: SHA256SUMS lists every file and matches,
// there is an archive and an SBOM per target, and each archive's binary is
// exchcert of one version for its platform.
func verify(out string) error {
	sums, err := os.ReadFile(filepath.Join(out, "SHA256SUMS"))
	if err != nil {
		return err
	}
	listed := map[string]bool{}
	for _, line := range strings.Split(strings.TrimSpace(string(sums)), "\n") {
		sum, name, ok := strings.Cut(line, "  ")
		if !ok {
			return fmt.Errorf("SHA256SUMS: bad line %q", line)
		}
		got, err := fileSum(filepath.Join(out, name))
		if err != nil {
			return err
		}
		if got != sum {
			return fmt.Errorf("%s: SHA-256 %s, SHA256SUMS says %s", name, got, sum)
		}
		listed[name] = true
	}
	version := ""
	for _, t := range targets {
		pattern := filepath.Join(out, "exchcert_*_"+t.goos+"_"+t.goarch+map[bool]string{true: ".zip", false: ".tar.gz"}[t.goos == "windows"])
		matches, _ := filepath.Glob(pattern)
		if len(matches) != 1 {
			return fmt.Errorf("want one archive %s, found %d", filepath.Base(pattern), len(matches))
		}
		name := filepath.Base(matches[0])
		v := "v" + strings.TrimSuffix(strings.TrimSuffix(strings.TrimPrefix(name, "exchcert_"), ".zip"), ".tar.gz")
		v = strings.TrimSuffix(v, "_"+t.goos+"_"+t.goarch)
		if version == "" {
			version = v
		} else if v != version {
			return fmt.Errorf("%s: version %s, other archives %s", name, v, version)
		}
		sbomName := baseName(version, t.goos, t.goarch) + ".cdx.json"
		if !listed[name] || !listed[sbomName] {
			return fmt.Errorf("SHA256SUMS does not list %s and %s", name, sbomName)
		}
		if err := checkBinary(matches[0], t.goos, t.goarch, version); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	fmt.Printf("verified %d archives of exchcert %s, their SBOMs and SHA256SUMS\n", len(targets), version)
	return nil
}

// checkBinary extracts exchcert from an archive and checks its version:
// by running it on its own platform, else with go version -m.
func checkBinary(archive, goos, goarch, version string) error {
	data, names, err := extract(archive, exeName(goos))
	if err != nil {
		return err
	}
	for _, e := range extras {
		if !slices.Contains(names, filepath.Base(e)) {
			return fmt.Errorf("no %s in the archive", filepath.Base(e))
		}
	}
	tmp, err := os.MkdirTemp("", "exchcert-verify-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	exe := filepath.Join(tmp, exeName(goos))
	if err := os.WriteFile(exe, data, 0o755); err != nil {
		return err
	}
	if goos == runtime.GOOS && goarch == runtime.GOARCH {
		out, err := exec.Command(exe, "version", "-o", "json").Output()
		if err != nil {
			return fmt.Errorf("exchcert version: %w", err)
		}
		var v struct {
			Version, Commit, Date, Platform string
		}
		if err := json.Unmarshal(out, &v); err != nil {
			return fmt.Errorf("exchcert version -o json: %w", err)
		}
		if v.Version != version || len(v.Commit) != 40 || v.Date == "" || v.Platform != goos+"/"+goarch {
			return fmt.Errorf("exchcert version says %+v, want version %s for %s/%s", v, version, goos, goarch)
		}
		line, err := exec.Command(exe, "--version").Output()
		if err != nil || !strings.HasPrefix(string(line), "exchcert "+version+" (") {
			return fmt.Errorf("exchcert --version says %q (%v), want exchcert %s (…)", line, err, version)
		}
		fmt.Printf("%s/%s: ran it: %s", goos, goarch, line)
		return nil
	}
	out, err := exec.Command("go", "version", "-m", exe).Output()
	if err != nil {
		return fmt.Errorf("go version -m: %w", err)
	}
	m := string(out)
	for _, want := range []string{"\tpath\t" + mainPkg + "\n", "\tbuild\tGOOS=" + goos + "\n", "\tbuild\tGOARCH=" + goarch + "\n",
		"\tbuild\t-trimpath=true\n", "\tbuild\tCGO_ENABLED=0\n"} {
		if !strings.Contains(m, want) {
			return fmt.Errorf("go version -m does not show %q:\n%s", strings.TrimSpace(want), m)
		}
	}
	// With -trimpath the go command leaves -ldflags out of the build
	// information, so the stamped strings are looked for in the binary.
	if !bytes.Contains(data, []byte(version)) {
		return fmt.Errorf("the binary does not hold the version %s", version)
	}
	fmt.Printf("%s/%s: go version -m: %s for %s/%s, stamped %s\n", goos, goarch, mainPkg, goos, goarch, version)
	return nil
}

// extract returns the named file of a .zip or .tar.gz and the names of
// every file in it.
func extract(archive, want string) ([]byte, []string, error) {
	var data []byte
	var names []string
	if strings.HasSuffix(archive, ".zip") {
		zr, err := zip.OpenReader(archive)
		if err != nil {
			return nil, nil, err
		}
		defer zr.Close()
		for _, f := range zr.File {
			names = append(names, f.Name)
			if f.Name == want {
				rc, err := f.Open()
				if err != nil {
					return nil, nil, err
				}
				data, err = io.ReadAll(rc)
				rc.Close()
				if err != nil {
					return nil, nil, err
				}
			}
		}
	} else {
		f, err := os.Open(archive)
		if err != nil {
			return nil, nil, err
		}
		defer f.Close()
		gz, err := gzip.NewReader(f)
		if err != nil {
			return nil, nil, err
		}
		tr := tar.NewReader(gz)
		for {
			h, err := tr.Next()
			if err == io.EOF {
				break
			}
			if err != nil {
				return nil, nil, err
			}
			names = append(names, h.Name)
			if h.Name == want {
				if h.Mode&0o111 == 0 {
					return nil, nil, fmt.Errorf("%s is not executable in the archive", want)
				}
				if data, err = io.ReadAll(tr); err != nil {
					return nil, nil, err
				}
			}
		}
	}
	if data == nil {
		return nil, nil, fmt.Errorf("no %s in the archive", want)
	}
	return data, names, nil
}
