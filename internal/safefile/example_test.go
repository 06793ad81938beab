package safefile_test

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/exchcert/exchcert/internal/safefile"
)

// Write a private key and its request as one unit; a second run without
// Force refuses and leaves the first key alone.
func ExampleWrite() {
	dir, _ := os.MkdirTemp("", "safefile")
	defer os.RemoveAll(dir)
	key := filepath.Join(dir, "exch2.acme.com.key")
	csr := filepath.Join(dir, "exch2.acme.com.csr")

	files := []safefile.File{
		{Name: key, Data: []byte("-----BEGIN PRIVATE KEY-----\n...")}, // 0600
		{Name: csr, Data: []byte("-----BEGIN CERTIFICATE REQUEST-----\n..."), Perm: 0o644},
	}
	fmt.Println(safefile.Write(safefile.Options{}, files...))

	err := safefile.Write(safefile.Options{}, files...)
	var pe *fs.PathError
	if errors.Is(err, fs.ErrExist) && errors.As(err, &pe) {
		fmt.Printf("%s: file exists (use --force to replace it)\n", filepath.Base(pe.Path))
	}
	// Output:
	// <nil>
	// exch2.acme.com.key: file exists (use --force to replace it)
}
