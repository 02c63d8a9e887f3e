package chartfuzz

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// The host limits the fuzzed charts run under. A chart may break them;
// it must not get past them.
var limits = host.Limits{
	ScriptTime: 5 * time.Millisecond, Microsteps: 100, InternalEvents: 100,
	InternalQueue: 100, ExternalQueue: 100, DelayedSends: 50,
}

const (
	// maxRounds bounds the rounds of a run: each settles the host at the
	// current time, then feeds one external event or moves the clock.
	maxRounds = 32
	// busyFor is how long one settling may take before the chart counts
	// as keeping itself busy.
	busyFor = 500 * time.Millisecond
	// hangAfter is when a run that has not returned counts as hung: far
	// beyond what maxRounds rounds of bounded macrosteps take.
	hangAfter = 20 * time.Second
)

var epoch = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// FuzzChart runs random valid charts on a host on a virtual clock with
// its limits and checks that none panics, none runs past the limits, and
// nothing is left behind: once the session is cancelled and the clock has
// passed every delay, no session or timer remains and every session that
// started has ended.
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
	f.Fuzz(func(t *testing.T, data []byte) {
		src := NewSource(data)
		lim := limits
		lim.OnBreach = "error"
		if src.Intn(2) == 1 {
			lim.OnBreach = "terminate"
		}
		text := Chart(src, Options{Spin: true, SpinOnExit: true, EventlessCondErrors: true})
		doc, err := scxml.Parse("fuzz.scxml", []byte(text), nil)
		if err != nil {
			t.Fatalf("the generator made a chart that does not load: %v\n%s", err, text)
		}
		chart, err := interp.Compile(doc, host.Datamodels())
		if err != nil {
			t.Fatalf("the generator made a chart that does not compile: %v\n%s", err, text)
		}
		clock := interp.NewVirtualClock(epoch)
		h, err := host.New(host.Config{Clock: clock, Limits: lim, Engine: interp.Options{Datamodels: host.Datamodels()}})
		if err != nil {
			t.Fatal(err)
		}
		defer h.Close()
		var started, ended atomic.Int64
		h.OnStart(func(*interp.Session) { started.Add(1) })
		h.OnDone(func(*interp.Session) { ended.Add(1) })
		finished := make(chan error, 1)
		go func() {
			defer func() {
				if p := recover(); p != nil {
					finished <- fmt.Errorf("panic: %v", p)
				}
			}()
			finished <- run(h, clock, chart, src)
		}()
		select {
		case err := <-finished:
			if err != nil {
				t.Fatalf("%v\n%s", err, text)
			}
		case <-time.After(hangAfter):
			t.Fatalf("the run did not end within %v (limits %+v, %d rounds)\n%s", hangAfter, lim, maxRounds, text)
		}
		if n := h.Len(); n != 0 {
			t.Fatalf("%d sessions left after cancel\n%s", n, text)
		}
		if due, ok := h.NextDue(); ok {
			t.Fatalf("a timer due %v is left after every session ended\n%s", due, text)
		}
		if started.Load() != ended.Load() {
			t.Fatalf("%d sessions started, %d ended\n%s", started.Load(), ended.Load(), text)
		}
	})
}

// settle settles h. A chart that keeps itself busy at one instant (it
// sends itself an event in every macrostep) never settles: after
// busyFor, settle reports it busy rather than hanging on it.
func settle(h *host.Host) (busy bool, err error) {
	ctx, cancel := context.WithTimeout(context.Background(), busyFor)
	defer cancel()
	err = h.SettleContext(ctx)
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, host.ErrNeverSettles) {
		return true, nil
	}
	return false, err
}

// run starts chart and drives it: between rounds it sends the session an
// event or moves the clock to the next delay, as the bytes say; then it
// cancels what is left and lets every delay pass.
func run(h *host.Host, clock *interp.VirtualClock, chart *interp.Chart, src *Source) error {
	s, err := h.Start(chart, interp.StartOptions{})
	if err != nil {
		return fmt.Errorf("start: %w", err)
	}
	for round := 0; round < maxRounds && !s.Done(); round++ {
		busy, err := settle(h)
		if err != nil {
			return err
		}
		if busy || s.Done() {
			break
		}
		due, pending := h.NextDue()
		switch {
		case pending && (src.Exhausted() || src.Intn(3) == 0):
			clock.Set(due)
		case !src.Exhausted():
			ev := &interp.Event{Name: []string{"a", "b", "c", "error.platform", "done.state.s1"}[src.Intn(5)], Type: interp.External}
			if err := h.Send(s.ID(), ev); err != nil && !errors.Is(err, host.ErrNoSession) {
				return fmt.Errorf("send: %w", err)
			}
		default:
			round = maxRounds
		}
	}
	if !s.Done() {
		if err := h.Cancel(context.Background(), s.ID()); err != nil && !errors.Is(err, host.ErrNoSession) {
			return fmt.Errorf("cancel: %w", err)
		}
	}
	if _, err := settle(h); err != nil {
		return err
	}
	clock.Advance(24 * time.Hour)
	_, err = settle(h)
	return err
}
