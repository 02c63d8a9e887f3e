package conformance

import (
	"cmp"
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
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

// maxLog is how many log lines a Result keeps per file.
const maxLog = 40

// Options configure Run. The zero value runs every test of the suite in
// SuiteDir(DefaultDir).
type Options struct {
	// Dir is the suite directory (manifest.tsv and ecma/); "" means
	// SuiteDir(DefaultDir).
	Dir string
	// DocDir holds the test documents and the files they load; "" means
	// Dir/ecma.
	DocDir string
	// IDs restricts the run to these test ids (each must be in the
	// manifest); nil runs every test.
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
	if o.DocDir == "" {
		o.DocDir = filepath.Join(o.Dir, "ecma")
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
	// ID, Section, Anchor and Mandatory come from the manifest.
	ID        string
	Section   string
	Anchor    string
	Mandatory bool
	// Judgement is how the test was judged.
	Judgement Judgement
	// Status is the outcome; Reason explains any status but Pass.
	Status Status
	Reason string
	// Duration is the wall time the test took; Virtual is the virtual
	// time its documents used.
	Duration time.Duration
	Virtual  time.Duration
	// Log holds the test's <log> output and the errors the engine
	// reported, as "file: label: message" lines (at most 40 per file);
	// lines of invoked sessions name the session as "file[n]".
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
	tests, err := ReadManifest(o.Dir)
	if err != nil {
		return Report{}, err
	}
	if o.IDs != nil {
		byID := make(map[string]Test, len(tests))
		for _, t := range tests {
			byID[t.ID] = t
		}
		sel := make([]Test, 0, len(o.IDs))
		for _, id := range o.IDs {
			t, ok := byID[id]
			if !ok {
				return Report{}, fmt.Errorf("test %q is not in the manifest of %s", id, o.Dir)
			}
			sel = append(sel, t)
		}
		tests = sel
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

// runTest runs the documents of t and judges the outcome.
func runTest(t Test, o Options) Result {
	res := Result{ID: t.ID, Section: t.Section, Anchor: t.Anchor, Mandatory: t.Mandatory, Judgement: t.Judgement()}
	start := time.Now()
	defer func() { res.Duration = time.Since(start) }()
	if res.Judgement == HTTP && !hasDocument(t) {
		tr, err := runPostCheck(o)
		res.Log, res.Virtual = traceLog(&tr), tr.Virtual
		if err != nil {
			res.Status, res.Reason = Fail, err.Error()
			return res
		}
		res.Status, res.Reason = judge(t, []Trace{tr})
		return res
	}
	if len(t.Files) == 0 {
		res.Status, res.Reason = Error, "the manifest lists no document"
		return res
	}
	var traces []Trace
	for _, f := range t.Files {
		var env runEnv
		if res.Judgement == HTTP {
			var err error
			if env, err = newHTTPEnv(); err != nil {
				res.Status, res.Reason = Error, err.Error()
				return res
			}
		}
		tr := runFileGuarded(filepath.Join(o.DocDir, f), o, env)
		env.close()
		traces = append(traces, tr)
		res.Log = append(res.Log, traceLog(&tr)...)
		res.Virtual += tr.Virtual
		// Automatic tests stop at the first document that does not pass.
		if st, _ := judgePass(&tr); st != Pass && res.Judgement == Automatic {
			break
		}
	}
	res.Status, res.Reason = judge(t, traces)
	return res
}

// hasDocument reports whether the test has SCXML documents to run (513 has
// only instructions).
func hasDocument(t Test) bool {
	for _, f := range t.Files {
		if strings.HasSuffix(f, ".scxml") {
			return true
		}
	}
	return false
}

// runEnv is what a document's host needs beyond the data models: the
// extra I/O processors, the relay through which events from other
// goroutines reach the host, and how to release them. The zero value adds
// nothing.
type runEnv struct {
	ioprocs map[string]interp.IOProcessor
	relay   *relay
	forget  func(sessionID string)
	release func()
	// onIdle is called once, when the top-level session first waits.
	onIdle func(s *interp.Session)
}

func (e runEnv) close() {
	if e.release != nil {
		e.release()
	}
}

// relay hands events from other goroutines (an HTTP processor's handlers)
// to the host of the document, once there is one.
type relay struct {
	mu sync.Mutex
	h  *host.Host
}

func (r *relay) set(h *host.Host) {
	r.mu.Lock()
	r.h = h
	r.mu.Unlock()
}

// deliver is an interp/basichttp Deliver function.
func (r *relay) deliver(id string, ev *interp.Event) {
	r.mu.Lock()
	h := r.h
	r.mu.Unlock()
	if h != nil {
		_ = h.Send(id, ev)
	}
}

// traceLog renders the logs and errors of a trace as "file: label: message"
// lines, at most maxLog.
func traceLog(tr *Trace) []string {
	var out []string
	add := func(line string) {
		if len(out) < maxLog {
			out = append(out, line)
		}
	}
	if tr.LoadErr != nil {
		add(tr.File + ": load error: " + firstLine(tr.LoadErr))
	}
	for i, s := range tr.Sessions {
		who := tr.File
		if i > 0 {
			who = fmt.Sprintf("%s[%d]", tr.File, i)
		}
		for _, l := range s.Logs {
			add(fmt.Sprintf("%s: %s: %s", who, l.Label, l.Message))
		}
		for _, e := range s.Errors {
			add(fmt.Sprintf("%s: error: %s", who, e))
		}
	}
	return out
}

// runFileGuarded runs one document on its own goroutine so that a runaway
// that ignores interruption cannot stall the whole suite: after twice the
// timeout the file counts as timed out and its goroutine is abandoned.
func runFileGuarded(path string, o Options, env runEnv) Trace {
	done := make(chan Trace, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- Trace{File: filepath.Base(path), LoadErr: fmt.Errorf("runner panic: %v", p)}
			}
		}()
		done <- runFile(path, o, env)
	}()
	hard := time.NewTimer(2 * o.Timeout)
	defer hard.Stop()
	select {
	case r := <-done:
		return r
	case <-hard.C:
		return Trace{File: filepath.Base(path), Sessions: []*SessionTrace{{}}, TimedOut: true,
			Stop: fmt.Sprintf("still running %v after the wall-time guard; abandoned", o.Timeout)}
	}
}

// runFile loads one document and runs it to its end on a virtual clock.
func runFile(path string, o Options, env runEnv) Trace {
	tr := Trace{File: filepath.Base(path)}
	src, err := os.ReadFile(path)
	if err != nil {
		tr.LoadErr = fmt.Errorf("reading document: %w", err)
		return tr
	}
	tr.Source = string(src)
	doc, err := scxml.Parse(path, src, nil)
	if err != nil {
		tr.LoadErr, tr.LoadErrLines = err, errorLines(err)
		return tr
	}
	runDoc(&tr, doc, o, env)
	return tr
}

// runDoc runs a loaded document on a host on a virtual clock, recording
// into tr. The host settles everything due at the current time (events
// from other goroutines included) before the clock moves to the next due
// timer.
func runDoc(tr *Trace, doc *scxml.Document, o Options, env runEnv) *interp.Session {
	rec := newRecorder(tr)
	clock := interp.NewVirtualClock(time.Now())
	t0 := clock.Now()
	opts := interp.Options{IOProcessors: env.ioprocs}
	rec.hook(&opts, host.Datamodels())
	h, err := host.New(host.Config{
		Engine: opts,
		Clock:  clock,
		Limits: host.Limits{Microsteps: o.MaxMicrosteps, OnBreach: "terminate"},
	})
	if err != nil {
		tr.LoadErr = err
		return nil
	}
	defer h.Close()
	if env.forget != nil {
		h.OnDone(func(s *interp.Session) { env.forget(s.ID()) })
	}
	if env.relay != nil {
		env.relay.set(h)
		defer env.relay.set(nil)
	}
	chart, err := h.Engine().Compile(doc)
	if err != nil {
		tr.LoadErr, tr.LoadErrLines = err, errorLines(err)
		return nil
	}
	// The wall-time guard: a session that keeps its host busy is given
	// up on; a script that runs away is stopped by the host's script
	// time limit.
	ctx, cancel := context.WithTimeout(context.Background(), o.Timeout)
	defer cancel()
	s, err := h.Start(chart, interp.StartOptions{})
	if err != nil {
		tr.LoadErr = fmt.Errorf("starting session: %w", err)
		return nil
	}
	defer func() {
		tr.Virtual = clock.Now().Sub(t0)
		if s.Done() {
			rec.done(s)
		}
	}()
	for {
		if err := h.SettleContext(ctx); err != nil {
			if ctx.Err() != nil {
				tr.TimedOut, tr.Stop = true, fmt.Sprintf("no final state after %v of wall time", o.Timeout)
			} else {
				tr.Stop = err.Error()
			}
			return s
		}
		if env.onIdle != nil {
			env.onIdle(s)
			env.onIdle = nil
			continue
		}
		if s.Done() {
			return s
		}
		due, ok := h.NextDue()
		if !ok {
			tr.Stop = "stuck: not in a final state and no event can arrive"
			return s
		}
		if due.Sub(t0) > o.MaxVirtual {
			tr.Stop = fmt.Sprintf("stuck: no final state within %v of virtual time", o.MaxVirtual)
			return s
		}
		clock.Set(due)
	}
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
