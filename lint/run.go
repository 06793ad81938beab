package lint

import (
	"context"
	"crypto/x509"
	"runtime"
	"sync"
	"time"

	"github.com/exchcert/exchcert/exchange"
	"github.com/exchcert/exchcert/finding"
	"github.com/exchcert/exchcert/plan"
)

// Options configure a run.
type Options struct {
	// Paths are the files and folders to check; none means ".".
	Paths []string
	// Exclude are patterns (path.Match syntax) of names or of
	// slash-separated paths below a folder given in Paths, to leave out.
	Exclude []string
	// FollowOutside opens symbolic links found in a folder whose target is
	// outside every path in Paths; without it such a link is a
	// link-outside finding and is not opened.
	FollowOutside bool
	// Jobs is the number of files checked at once; 0 or less means one per
	// CPU (runtime.GOMAXPROCS).
	Jobs int
	// Linter runs the zlint lints; nil runs exchcert's checks alone.
	Linter *Linter
	// LintCA runs the zlint lints on CA certificates too, not only on
	// end-entity certificates. CA certificates in a chain file come from
	// the CA; their lint findings are rarely the file owner's to fix.
	LintCA bool
	// Plan, when set, is the plan whose names every server certificate must
	// cover; its Exchange version and private_ca apply too.
	Plan *plan.Plan
	// Exchange is the target version when there is no plan; None: key
	// types are not checked against a version.
	Exchange exchange.Version
	// PrivateCA makes the public-CA rules (validity caps, internal names)
	// advice, as for an enterprise CA; a plan's private_ca does the same.
	PrivateCA bool
	// Roots are the trusted roots of the chain check; nil: the system roots.
	Roots *x509.CertPool
	// MinDays is the number of days a certificate must still be valid for:
	// fewer is an expires-soon warning (an error with FailSoon). 0 reports
	// only expired certificates.
	MinDays int
	// FailSoon makes expires-soon findings errors, for CI jobs that must
	// fail before a certificate runs out.
	FailSoon bool
	// Now is the time certificates are checked at; zero means time.Now().
	Now time.Time
	// Password returns the password for PFX files. It may be called from
	// several goroutines at once. Nil: PFX files that need a password are
	// findings.
	Password func() ([]byte, error)
	// FailOn is the lowest severity that fails a file and the run, usually
	// finding.Error or finding.Warning; the zero value, finding.Info, fails on any
	// finding.
	FailOn finding.Severity
	// Progress, when set, is called after every file, from one goroutine.
	Progress func(Progress)
}

// Progress says how far a run has got.
type Progress struct {
	Files            int           // files done, certificate files or not
	CertificateFiles int           // certificate files among them
	Elapsed          time.Duration // since the run started
	Done             bool          // the last call of the run
}

// Run checks every file under opt.Paths and hands each certificate file and
// each unreadable file to w, in walk order; files that are not certificate
// files are only counted. It returns the summary also passed to w.Close.
//
// Run returns a *PathError when a path in opt.Paths does not exist (before
// anything is written), the error of w, or ctx.Err(). Whatever it finds in
// the files is a finding, never an error.
func Run(ctx context.Context, opt Options, w Writer) (*Summary, error) {
	paths := opt.Paths
	if len(paths) == 0 {
		paths = []string{"."}
	}
	if err := checkPaths(paths); err != nil {
		return nil, err
	}
	if err := ValidateExclude(opt.Exclude); err != nil {
		return nil, err
	}
	jobs := opt.Jobs
	if jobs <= 0 {
		jobs = runtime.GOMAXPROCS(0)
	}
	if opt.Now.IsZero() {
		opt.Now = time.Now()
	}
	sum := &Summary{FailOn: opt.FailOn}
	if opt.Linter != nil {
		sum.Lints = opt.Linter.Len()
		sum.LintSources = opt.Linter.Sources()
		sum.LintSourcesOff = opt.Linter.Off()
	}
	c := newChecker(opt)
	start := time.Now()
	err := runOrdered(ctx, walkOptions{paths: paths, exclude: opt.Exclude, followOutside: opt.FollowOutside}, jobs, c.check, func(f *File) error {
		sum.add(f)
		if opt.Progress != nil {
			opt.Progress(Progress{Files: sum.Files, CertificateFiles: sum.CertificateFiles, Elapsed: time.Since(start)})
		}
		if f.Ignored && f.IgnoredReason == "" {
			return nil
		}
		return w.WriteFile(f)
	})
	if opt.Progress != nil {
		opt.Progress(Progress{Files: sum.Files, CertificateFiles: sum.CertificateFiles, Elapsed: time.Since(start), Done: true})
	}
	if err != nil {
		return nil, err
	}
	if err := w.Close(sum); err != nil {
		return nil, err
	}
	return sum, nil
}

// runOrdered walks paths, checks each file on one of jobs workers, and
// calls sink with the results in walk order. At most window files are
// between the walk and the sink at any time, so memory does not grow with
// the tree: the walk waits for a free slot, and a slot is freed only when
// its result has left through sink. The first error of sink or ctx ends
// the run and is returned.
func runOrdered(ctx context.Context, wo walkOptions, jobs int, check func(job) *File, sink func(*File) error) error {
	if jobs == 1 {
		// One file at a time needs no other goroutine: handing each file
		// from the walk to a worker and on to the sink would only add
		// the cost of the hand-offs.
		var sinkErr error
		err := walk(ctx, wo, func(j job) bool {
			if ctx.Err() != nil {
				return false
			}
			sinkErr = sink(check(j))
			return sinkErr == nil
		})
		if sinkErr != nil {
			return sinkErr
		}
		if err != nil {
			return err
		}
		return ctx.Err()
	}
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	window := 4 * jobs
	slots := make(chan struct{}, window)
	work := make(chan job, window)
	type result struct {
		seq int
		f   *File
	}
	results := make(chan result, window)

	var walkErr error
	go func() {
		defer close(work)
		walkErr = walk(ctx, wo, func(j job) bool {
			select {
			case slots <- struct{}{}:
			case <-ctx.Done():
				return false
			}
			select {
			case work <- j:
				return true
			case <-ctx.Done():
				return false
			}
		})
	}()

	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range work {
				// results has room for every job holding a slot, so
				// this send never blocks.
				results <- result{j.seq, check(j)}
			}
		}()
	}
	go func() {
		wg.Wait()
		close(results)
	}()

	// Results arrive in any order; pending holds those that came before
	// their turn. It never holds more than window entries.
	pending := make(map[int]*File, window)
	next := 0
	var sinkErr error
	for r := range results {
		if sinkErr != nil {
			continue // drain so the workers can finish
		}
		pending[r.seq] = r.f
		for {
			f, ok := pending[next]
			if !ok {
				break
			}
			delete(pending, next)
			next++
			<-slots
			if err := sink(f); err != nil {
				sinkErr = err
				cancel()
				break
			}
		}
	}
	switch {
	case sinkErr != nil:
		return sinkErr
	case walkErr != nil:
		return walkErr
	}
	return ctx.Err()
}
