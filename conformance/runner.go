package conformance

import (
	"cmp"
	"fmt"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/orca-scxml/orca/internal/host"
	"github.com/orca-scxml/orca/interp"
)

// Defaults of Options.
const (
	// DefaultTimeout is the wall-time guard of one test file.
	DefaultTimeout = 10 * time.Second
	// DefaultMaxMicrosteps is the microstep limit per macrostep. No W3C
	// test comes near it; a runaway eventless loop hits it at once.
	DefaultMaxMicrosteps = 10000
	// DefaultMaxVirtual is how far the virtual clock may advance before a
	// test that has not ended counts as hung. The longest timer in the
	// suite is 30 s.
	DefaultMaxVirtual = 10 * time.Minute
)

// maxLog is how many <log> lines a Result keeps per file.
const maxLog = 40

// Options configure Run. The zero value runs the default selection from
// SuiteDir(DefaultDir).
type Options struct {
	// Dir is the suite directory (manifest.tsv and ecma/); "" means
	// SuiteDir(DefaultDir).
	Dir string
	// IDs restricts the run to these test ids (each must be in the
	// manifest); nil runs Select's choice.
	IDs []string
	// Workers is the number of tests run at once; 0 means GOMAXPROCS.
	Workers int
	// Timeout is the wall-time guard per test file; 0 means DefaultTimeout.
	Timeout time.Duration
	// MaxMicrosteps is the engine's microstep limit; 0 means
	// DefaultMaxMicrosteps.
	MaxMicrosteps int
	// MaxVirtual bounds the virtual time a test file may use; 0 means
	// DefaultMaxVirtual.
	MaxVirtual time.Duration
}

func (o Options) withDefaults() Options {
	if o.Dir == "" {
		o.Dir = SuiteDir(DefaultDir)
	}
	if o.Workers <= 0 {
		o.Workers = runtime.GOMAXPROCS(0)
	}
	if o.Timeout <= 0 {
		o.Timeout = DefaultTimeout
	}
	if o.MaxMicrosteps <= 0 {
		o.MaxMicrosteps = DefaultMaxMicrosteps
	}
	if o.MaxVirtual <= 0 {
		o.MaxVirtual = DefaultMaxVirtual
	}
	return o
}

// Status is the outcome of one test.
type Status uint8

// The statuses.
const (
	// Pass: every file reached the top-level final state "pass".
	Pass Status = iota
	// Fail: a file ended elsewhere, was terminated, or could make no more
	// progress.
	Fail
	// Error: a file could not be loaded or compiled, or the runner failed.
	Error
	// Timeout: a file exceeded the wall-time guard.
	Timeout
)

// String returns "pass", "fail", "error" or "timeout".
func (s Status) String() string {
	switch s {
	case Pass:
		return "pass"
	case Fail:
		return "fail"
	case Error:
		return "error"
	case Timeout:
		return "timeout"
	}
	return "Status(" + strconv.Itoa(int(s)) + ")"
}

// Result is the outcome of one test.
type Result struct {
	// ID, Section and Mandatory come from the manifest.
	ID        string
	Section   string
	Mandatory bool
	// Status is the outcome; Reason explains any status but Pass.
	Status Status
	Reason string
	// Duration is the wall time the test took.
	Duration time.Duration
	// Log holds the test's <log> output and the errors the engine
	// reported, as "file: label: message" lines (at most 40 per file).
	Log []string
}

// Report is the outcome of a run.
type Report struct {
	// Dir is the suite directory that was run.
	Dir string
	// Results holds one entry per test, in numeric id order.
	Results []Result
	// Elapsed is the wall time of the whole run.
	Elapsed time.Duration
}

// Passed returns the number of tests that passed.
func (r Report) Passed() int {
	n := 0
	for _, res := range r.Results {
		if res.Status == Pass {
			n++
		}
	}
	return n
}

// Failures returns the results of the tests that did not pass.
func (r Report) Failures() []Result {
	var out []Result
	for _, res := range r.Results {
		if res.Status != Pass {
			out = append(out, res)
		}
	}
	return out
}

// Run runs the selected tests of the suite and reports each outcome. The
// error is for problems with the suite itself (a missing or malformed
// manifest, an unknown id); test failures are in the Report.
func Run(opts Options) (Report, error) {
	o := opts.withDefaults()
	start := time.Now()
	all, err := ReadManifest(o.Dir)
	if err != nil {
		return Report{}, err
	}
	tests := Select(all)
	if o.IDs != nil {
		byID := make(map[string]Test, len(all))
		for _, t := range all {
			byID[t.ID] = t
		}
		tests = tests[:0]
		for _, id := range o.IDs {
			t, ok := byID[id]
			if !ok {
				return Report{}, fmt.Errorf("test %q is not in the manifest of %s", id, o.Dir)
			}
			tests = append(tests, t)
		}
	}
	results := make([]Result, len(tests))
	work := make(chan int)
	var wg sync.WaitGroup
	for range min(o.Workers, max(len(tests), 1)) {
		wg.Go(func() {
			for i := range work {
				results[i] = runTest(tests[i], o)
			}
		})
	}
	for i := range tests {
		work <- i
	}
	close(work)
	wg.Wait()
	slices.SortFunc(results, func(a, b Result) int {
		ai, aerr := strconv.Atoi(a.ID)
		bi, berr := strconv.Atoi(b.ID)
		if aerr == nil && berr == nil {
			return cmp.Compare(ai, bi)
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return Report{Dir: o.Dir, Results: results, Elapsed: time.Since(start)}, nil
}

// runTest runs every file of t; the first file that does not pass decides.
func runTest(t Test, o Options) Result {
	res := Result{ID: t.ID, Section: t.Section, Mandatory: t.Mandatory}
	start := time.Now()
	for _, f := range t.Files {
		fr := runFileGuarded(filepath.Join(o.Dir, "ecma", f), o)
		res.Log = append(res.Log, fr.log...)
		if fr.status != Pass {
			res.Status, res.Reason = fr.status, fr.reason
			if len(t.Files) > 1 {
				res.Reason = f + ": " + fr.reason
			}
			break
		}
	}
	res.Duration = time.Since(start)
	return res
}

// fileResult is the outcome of one document.
type fileResult struct {
	status Status
	reason string
	log    []string
}

// runFileGuarded runs one document on its own goroutine so that a runaway
// that ignores interruption cannot stall the whole suite: after twice the
// timeout the file counts as timed out and its goroutine is abandoned.
func runFileGuarded(path string, o Options) fileResult {
	done := make(chan fileResult, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- fileResult{status: Error, reason: fmt.Sprintf("panic: %v", p)}
			}
		}()
		done <- runFile(path, o)
	}()
	hard := time.NewTimer(2 * o.Timeout)
	defer hard.Stop()
	select {
	case r := <-done:
		return r
	case <-hard.C:
		return fileResult{status: Timeout, reason: fmt.Sprintf("still running %v after the wall-time guard; abandoned", o.Timeout)}
	}
}

// runFile runs one document to its end on a virtual clock.
func runFile(path string, o Options) fileResult {
	var fr fileResult
	name := filepath.Base(path)
	logf := func(format string, args ...any) {
		if len(fr.log) < maxLog {
			fr.log = append(fr.log, name+": "+fmt.Sprintf(format, args...))
		}
	}
	chart, err := host.LoadChart(path, nil)
	if err != nil {
		return fileResult{status: Error, reason: firstLine(err)}
	}
	var firstErr error
	clock := interp.NewVirtualClock(time.Now())
	t0 := clock.Now()
	eng := interp.NewEngine(interp.Options{
		Clock:         clock,
		Datamodels:    host.Datamodels(),
		MaxMicrosteps: o.MaxMicrosteps,
		Limit:         interp.LimitTerminate,
		Log: func(_ *interp.Session, label, msg string) {
			logf("%s: %s", label, msg)
		},
		OnError: func(_ *interp.Session, err error) {
			if firstErr == nil {
				firstErr = err
			}
			logf("error: %v", err)
		},
	})
	s, err := eng.Start(chart, interp.StartOptions{})
	if err != nil {
		return fileResult{status: Error, reason: fmt.Sprintf("starting session: %v", err)}
	}
	// The guard interrupts a script that runs away inside one Run; the
	// loop below checks the deadline between runs.
	expired := make(chan struct{})
	dm := s.Datamodel()
	guard := time.AfterFunc(o.Timeout, func() {
		close(expired)
		dm.Interrupt("conformance: wall-time guard")
	})
	defer guard.Stop()
	isExpired := func() bool {
		select {
		case <-expired:
			return true
		default:
			return false
		}
	}
	for {
		eng.Run()
		if s.Done() {
			break
		}
		if isExpired() {
			fr.status, fr.reason = Timeout, fmt.Sprintf("no final state after %v of wall time", o.Timeout)
			return fr
		}
		if !eng.Idle() {
			continue
		}
		due, ok := eng.NextDue()
		if !ok {
			fr.status, fr.reason = Fail, "stuck: not in a final state and no event can arrive"
			return withFirstErr(fr, firstErr)
		}
		if due.Sub(t0) > o.MaxVirtual {
			fr.status, fr.reason = Fail, fmt.Sprintf("stuck: no final state within %v of virtual time", o.MaxVirtual)
			return withFirstErr(fr, firstErr)
		}
		clock.Set(due)
	}
	switch {
	case s.Err() != nil:
		fr.status, fr.reason = Fail, "terminated: "+s.Err().Error()
		if isExpired() {
			fr.status = Timeout
		}
	case s.Final() == nil:
		fr.status, fr.reason = Fail, "ended without reaching a top-level final state"
		fr = withFirstErr(fr, firstErr)
	case s.Final().ID == "pass":
		fr.status = Pass
	default:
		fr.status, fr.reason = Fail, fmt.Sprintf("reached final state %q", s.Final().ID)
		fr = withFirstErr(fr, firstErr)
	}
	return fr
}

func withFirstErr(fr fileResult, err error) fileResult {
	if err != nil {
		fr.reason += "; first error: " + firstLine(err)
	}
	return fr
}

// firstLine returns the first line of err's message, with a count of the
// lines left out.
func firstLine(err error) string {
	msg := err.Error()
	if i := strings.IndexByte(msg, '\n'); i >= 0 {
		return fmt.Sprintf("%s (and %d more)", msg[:i], strings.Count(msg[i:], "\n"))
	}
	return msg
}
