package chartfuzz

import (
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orca-scxml/orca/ecmascript"
	"github.com/orca-scxml/orca/internal/host"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// The host limits the fuzzed charts run under. A chart may break them;
// it must not get past them.
const (
	maxMicrosteps = 100
	scriptBudget  = 5 * time.Millisecond
	// maxRounds bounds the calls of Engine.Run (each at most
	// interp.RunBatch steps), feeding one external event or moving the
	// clock between them.
	maxRounds = 32
	// hangAfter is when a run that has not returned counts as hung: far
	// beyond what maxRounds rounds of bounded macrosteps take.
	hangAfter = 20 * time.Second
)

var epoch = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// FuzzChart runs random valid charts on a virtual clock with the host
// limits and checks that none panics, none runs past the limits, and
// nothing is left behind: once the session is cancelled and the clock has
// passed every delay, no session, timer or watched data model remains.
func FuzzChart(f *testing.F) {
	for _, seed := range [][]byte{
		{},
		{3, 4, 1, 2, 0, 5, 9, 3, 1, 7, 0, 2},
		{6, 2, 0, 0, 1, 3, 0, 2, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17},
		[]byte("a chart of several states that send and raise events to each other"),
		{5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 5, 17, 0, 17, 0, 17, 0},
		{0, 0, 0, 1, 1, 1, 0, 3, 3, 1, 4, 4, 4, 1, 9, 9, 10, 10, 11, 12, 13, 14, 15, 16, 2, 2, 2, 2},
	} {
		f.Add(seed)
	}
	wd := ecmascript.NewWatchdog(time.Millisecond)
	f.Cleanup(wd.Stop)
	f.Fuzz(func(t *testing.T, data []byte) {
		src := NewSource(data)
		limit := interp.LimitError
		if src.Intn(2) == 1 {
			limit = interp.LimitTerminate
		}
		text := Chart(src, Options{Spin: true})
		doc, err := scxml.Parse("fuzz.scxml", []byte(text), nil)
		if err != nil {
			t.Fatalf("the generator made a chart that does not load: %v\n%s", err, text)
		}
		chart, err := interp.Compile(doc, host.Datamodels())
		if err != nil {
			t.Fatalf("the generator made a chart that does not compile: %v\n%s", err, text)
		}
		var started, ended, watched atomic.Int64
		clock := interp.NewVirtualClock(epoch)
		eng := interp.NewEngine(interp.Options{
			Clock:         clock,
			Datamodels:    host.Datamodels(),
			MaxMicrosteps: maxMicrosteps,
			Limit:         limit,
			OnStart: func(s *interp.Session) {
				started.Add(1)
				if err := wd.Watch(s.Datamodel(), scriptBudget); err == nil {
					watched.Add(1)
				}
			},
			OnDone: func(s *interp.Session) {
				ended.Add(1)
				wd.Unwatch(s.Datamodel())
			},
		})
		finished := make(chan error, 1)
		go func() {
			defer func() {
				if p := recover(); p != nil {
					finished <- fmt.Errorf("panic: %v", p)
				}
			}()
			finished <- run(eng, clock, chart, src)
		}()
		select {
		case err := <-finished:
			if err != nil {
				t.Fatalf("%v\n%s", err, text)
			}
		case <-time.After(hangAfter):
			t.Fatalf("the run did not end within %v (limits: %d microsteps, %v of script per macrostep, %d rounds)\n%s",
				hangAfter, maxMicrosteps, scriptBudget, maxRounds, text)
		}
		if n := eng.Sessions(); n != 0 {
			t.Fatalf("%d sessions left after cancel\n%s", n, text)
		}
		if due, ok := eng.NextDue(); ok {
			t.Fatalf("a timer due %v is left after every session ended\n%s", due, text)
		}
		if started.Load() != ended.Load() {
			t.Fatalf("%d sessions started, %d ended\n%s", started.Load(), ended.Load(), text)
		}
		if started.Load() != watched.Load() {
			t.Fatalf("%d sessions started, %d watched by the script watchdog\n%s", started.Load(), watched.Load(), text)
		}
	})
}

// run starts chart and drives it: between runs it sends the session an
// event or moves the clock to the next delay, as the bytes say; then it
// cancels what is left and lets every delay pass.
func run(eng *interp.Engine, clock *interp.VirtualClock, chart *interp.Chart, src *Source) error {
	s, err := eng.Start(chart, interp.StartOptions{})
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	for round := 0; round < maxRounds && !s.Done(); round++ {
		eng.Run()
		if s.Done() {
			break
		}
		if !eng.Idle() {
			continue
		}
		due, pending := eng.NextDue()
		switch {
		case pending && (src.Exhausted() || src.Intn(3) == 0):
			clock.Set(due)
		case !src.Exhausted():
			ev := &interp.Event{Name: []string{"a", "b", "c", "error.platform", "done.state.s1"}[src.Intn(5)], Type: interp.External}
			if err := eng.Send(s.ID(), ev); err != nil {
				return fmt.Errorf("send: %w", err)
			}
		default:
			round = maxRounds
		}
	}
	if !s.Done() {
		if err := eng.Cancel(s.ID()); err != nil {
			return fmt.Errorf("cancel: %w", err)
		}
	}
	eng.Run()
	clock.Advance(24 * time.Hour)
	eng.Run()
	return nil
}
