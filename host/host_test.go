package host_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

func TestStartRunsTheFirstMacrostep(t *testing.T) {
	for _, shards := range []int{1, 4} {
		t.Run(fmt.Sprintf("%d shards", shards), func(t *testing.T) {
			h := newHost(t, host.Config{Shards: shards})
			require.NoError(t, h.Go(context.Background()))
			c, fl := chart(t, echo), chart(t, flood)
			var wg sync.WaitGroup
			for i := range 40 {
				wg.Go(func() {
					ch := c
					if i%2 == 1 {
						// A session flooding itself is as started as any.
						ch = fl
					}
					s, err := h.Start(ch, interp.StartOptions{})
					require.NoError(t, err)
					var active []string
					var running bool
					require.NoError(t, h.Do(context.Background(), s.ID(), func(s *interp.Session) {
						active, running = s.Active(), s.Running()
					}))
					assert.True(t, running)
					assert.NotEmpty(t, active)
				})
			}
			wg.Wait()
			assert.Equal(t, 40, h.Len())
			require.NoError(t, h.Drain(context.Background(), 0))
			assert.Equal(t, 0, h.Len())
			_, err := h.Start(c, interp.StartOptions{})
			assert.ErrorIs(t, err, host.ErrClosed)
		})
	}
}

func TestHooksAndLocals(t *testing.T) {
	h := newHost(t, host.Config{Clock: interp.NewVirtualClock(time.Unix(0, 0))})
	var order []string
	var macrosteps atomic.Int64
	h.OnStart(func(s *interp.Session) {
		order = append(order, "start 1")
		s.SetLocal("record", &[]string{"started"})
	})
	h.OnStart(func(s *interp.Session) { order = append(order, "start 2") })
	h.OnMacrostep(func(s *interp.Session, ev *interp.Event) {
		macrosteps.Add(1)
		rec := s.Local("record").(*[]string)
		name := "init"
		if ev != nil {
			name = ev.Name
		}
		*rec = append(*rec, name)
	})
	var final []string
	h.OnDone(func(s *interp.Session) {
		order = append(order, "done 1")
		final = *s.Local("record").(*[]string)
	})
	h.OnDone(func(s *interp.Session) { order = append(order, "done 2") })
	s, err := h.Start(chart(t, echo), interp.StartOptions{ID: "S1"})
	require.NoError(t, err)
	assert.Equal(t, "S1", s.ID())
	assert.Equal(t, []string{"a"}, s.Active(), "Start ran the first macrostep")
	for _, name := range []string{"ping", "go", "stop"} {
		require.NoError(t, h.Send("S1", &interp.Event{Name: name}))
	}
	require.NoError(t, h.Settle())
	assert.True(t, s.Done())
	assert.Equal(t, []string{"start 1", "start 2", "done 1", "done 2"}, order)
	assert.Equal(t, []string{"started", "init", "ping", "go", "stop"}, final)
	assert.EqualValues(t, 4, macrosteps.Load())
	st := h.Stats()
	assert.EqualValues(t, 1, st.Started)
	assert.EqualValues(t, 1, st.Ended)
	assert.EqualValues(t, 3, st.Events)
	assert.Equal(t, 0, st.Live)

	// An event for no session is lost, and said so.
	var lost []string
	h.OnLost(func(id string, ev *interp.Event, err error) { lost = append(lost, id+" "+ev.Name+": "+err.Error()) })
	err = h.Send("S1", &interp.Event{Name: "late"})
	require.ErrorIs(t, err, host.ErrNoSession)
	assert.Equal(t, []string{`S1 late: no such session: "S1"`}, lost)
}

func TestSessionsOnDifferentShardsReachEachOther(t *testing.T) {
	h := newHost(t, host.Config{Shards: 8})
	require.NoError(t, h.Go(context.Background()))
	done := make(chan string, 1)
	h.OnDone(func(s *interp.Session) {
		if f := s.Final(); f != nil {
			done <- s.ID() + " " + f.ID
		}
	})
	// Ids on different shards: the receiver's id hashes elsewhere with
	// 7 chances in 8; try until one does.
	receiver := chart(t, `<state id="wait"><transition event="hello" target="got"/></state><final id="got"/>`)
	sender := chart(t, `<datamodel><data id="to"/></datamodel>
		<state id="s"><onentry><send event="hello" targetexpr="'#_scxml_' + to"/></onentry>
			<transition event="error.*" target="failed"/></state><final id="failed"/>`)
	for i := range 8 {
		rid := fmt.Sprintf("R%d", i)
		_, err := h.Start(receiver, interp.StartOptions{ID: rid})
		require.NoError(t, err)
		_, err = h.Start(sender, interp.StartOptions{ID: fmt.Sprintf("S%d", i), Params: map[string]any{"to": rid}})
		require.NoError(t, err)
		select {
		case got := <-done:
			assert.Equal(t, rid+" got", got)
		case <-time.After(5 * time.Second):
			t.Fatal("the event did not arrive")
		}
	}
}

func TestDeferredStarts(t *testing.T) {
	clock := interp.NewVirtualClock(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	h := newHost(t, host.Config{Clock: clock, Shards: 2})
	require.NoError(t, h.Go(context.Background()))
	c := chart(t, echo)
	at := clock.Now().Add(time.Hour)
	id, err := h.StartAt(at, c, interp.StartOptions{ID: "LATER"})
	require.NoError(t, err)
	_, err = h.StartAt(at, c, interp.StartOptions{ID: "CANCELLED"})
	require.NoError(t, err)
	got, ok := h.Pending(id)
	require.True(t, ok)
	assert.Equal(t, at, got)
	assert.True(t, h.Live(id))
	assert.ErrorIs(t, h.Do(context.Background(), id, func(*interp.Session) {}), host.ErrNoSession)
	assert.ErrorIs(t, h.Send(id, &interp.Event{Name: "ping"}), host.ErrNoSession)
	require.NoError(t, h.Cancel(context.Background(), "CANCELLED"))
	assert.False(t, h.Live("CANCELLED"))
	assert.Equal(t, 1, h.Stats().Pending)

	clock.Advance(time.Hour)
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := h.Do(context.Background(), id, func(s *interp.Session) { assert.Equal(t, []string{"a"}, s.Active()) })
		if err == nil {
			break
		}
		require.True(t, time.Now().Before(deadline), "the session did not start when its time came")
		time.Sleep(time.Millisecond)
	}
	_, ok = h.Pending(id)
	assert.False(t, ok)
	assert.False(t, h.Live("CANCELLED"))
	st := h.Stats()
	assert.Equal(t, 1, st.Live)
	assert.Equal(t, 0, st.Pending)
}

func TestDrainGivesSessionsGraceThenCancels(t *testing.T) {
	h := newHost(t, host.Config{Shards: 2})
	require.NoError(t, h.Go(context.Background()))
	var mu sync.Mutex
	ended := map[string]string{}
	h.OnDone(func(s *interp.Session) {
		mu.Lock()
		defer mu.Unlock()
		ended[s.ID()] = "cancelled"
		if f := s.Final(); f != nil {
			ended[s.ID()] = f.ID
		}
	})
	quick := chart(t, `<state id="a"><onentry><send event="t" delay="50ms"/></onentry><transition event="t" target="over"/></state><final id="over"/>`)
	forever := chart(t, `<state id="a"><invoke id="kid"><content><scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0"><state id="k"/></scxml></content></invoke></state>`)
	_, err := h.Start(quick, interp.StartOptions{ID: "quick"})
	require.NoError(t, err)
	_, err = h.Start(forever, interp.StartOptions{ID: "forever"})
	require.NoError(t, err)
	require.NoError(t, h.Drain(context.Background(), 300*time.Millisecond))
	mu.Lock()
	defer mu.Unlock()
	assert.Equal(t, "over", ended["quick"])
	assert.Equal(t, "cancelled", ended["forever"])
	assert.Len(t, ended, 3, "the invoked child ended too")
	assert.Equal(t, 0, h.Len())
}

func TestVirtualTimeWithAParticipant(t *testing.T) {
	start := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	clock := interp.NewVirtualClock(start)
	p := &ticker{every: 3 * time.Second, next: start.Add(3 * time.Second)}
	h := newHost(t, host.Config{Clock: clock, Participants: []host.Participant{p}})
	p.h = h
	var logs []string
	h.OnMacrostep(func(s *interp.Session, ev *interp.Event) {
		if ev != nil {
			logs = append(logs, fmt.Sprintf("%s %s", clock.Now().Sub(start), ev.Name))
		}
	})
	_, err := h.Start(chart(t, `<state id="s">
			<onentry><send event="timer" delay="5s"/></onentry>
			<transition event="timer" target="t"/>
		</state>
		<state id="t"><transition event="tick" target="done"/></state>
		<final id="done"/>`), interp.StartOptions{ID: "S"})
	require.NoError(t, err)
	require.NoError(t, h.Settle())
	assert.Equal(t, start, clock.Now(), "settling does not move the clock")
	next, ok := h.NextDue()
	require.True(t, ok)
	assert.Equal(t, start.Add(3*time.Second), next, "the participant's due time counts")
	require.NoError(t, h.Advance(4*time.Second))
	assert.Equal(t, []string{"3s tick"}, logs)
	require.NoError(t, h.Advance(3*time.Second))
	assert.Equal(t, []string{"3s tick", "5s timer", "6s tick"}, logs)
	assert.Equal(t, 0, h.Len())
	assert.Equal(t, start.Add(7*time.Second), clock.Now())
}

// ticker is a participant that sends "tick" to session S every so often.
type ticker struct {
	h     *host.Host
	every time.Duration
	now   time.Time
	next  time.Time
}

func (p *ticker) SetTime(t time.Time) {
	if t.After(p.now) {
		p.now = t
	}
}
func (p *ticker) NextDue() (time.Time, bool) { return p.next, true }
func (p *ticker) Flush() int {
	n := 0
	for !p.next.After(p.now) {
		_ = p.h.Send("S", &interp.Event{Name: "tick"})
		p.next = p.next.Add(p.every)
		n++
	}
	return n
}

func TestRun(t *testing.T) {
	t.Run("until done", func(t *testing.T) {
		// An input another goroutine reads counts as work in flight.
		var open atomic.Int64
		open.Store(1)
		h := newHost(t, host.Config{Busy: func() int { return int(open.Load()) }})
		s, err := h.Start(chart(t, echo), interp.StartOptions{})
		require.NoError(t, err)
		go func() {
			for _, name := range []string{"ping", "go", "stop"} {
				time.Sleep(5 * time.Millisecond)
				_ = h.Send(s.ID(), &interp.Event{Name: name})
			}
			open.Store(0)
		}()
		require.NoError(t, h.Run(context.Background(), s.Done))
		assert.Equal(t, "end", s.Final().ID)
	})
	t.Run("idle", func(t *testing.T) {
		h := newHost(t, host.Config{})
		s, err := h.Start(chart(t, echo), interp.StartOptions{})
		require.NoError(t, err)
		assert.ErrorIs(t, h.Run(context.Background(), s.Done), host.ErrIdle)
	})
	t.Run("timers and posted calls", func(t *testing.T) {
		var inFlight atomic.Int64
		inFlight.Store(1)
		h := newHost(t, host.Config{Busy: func() int { return int(inFlight.Load()) }})
		s, err := h.Start(chart(t, `<state id="a"><onentry><send event="t" delay="30ms"/></onentry>
			<transition event="t" target="b"/></state><state id="b"><transition event="go" target="end"/></state><final id="end"/>`), interp.StartOptions{})
		require.NoError(t, err)
		go func() {
			time.Sleep(80 * time.Millisecond)
			h.Post(s.ID(), func() { _ = h.Send(s.ID(), &interp.Event{Name: "go"}) })
			inFlight.Store(0)
		}()
		start := time.Now()
		require.NoError(t, h.Run(context.Background(), s.Done))
		assert.Equal(t, "end", s.Final().ID)
		assert.GreaterOrEqual(t, time.Since(start), 80*time.Millisecond)
	})
	t.Run("context", func(t *testing.T) {
		h := newHost(t, host.Config{})
		s, err := h.Start(chart(t, flood), interp.StartOptions{})
		require.NoError(t, err)
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		err = h.Run(ctx, s.Done)
		assert.True(t, errors.Is(err, context.DeadlineExceeded), "a session that floods itself still honours the deadline: %v", err)
	})
	t.Run("needs one shard and no goroutines", func(t *testing.T) {
		h := newHost(t, host.Config{Shards: 2})
		assert.Error(t, h.Run(context.Background(), nil))
		assert.Error(t, h.Settle())
		h1 := newHost(t, host.Config{})
		require.NoError(t, h1.Go(context.Background()))
		assert.Error(t, h1.Settle())
		assert.Error(t, h1.Advance(time.Second), "Advance needs a virtual clock")
	})
}

func TestCloseStopsShardsThatKeepBusy(t *testing.T) {
	h := newHost(t, host.Config{Shards: 1})
	require.NoError(t, h.Go(context.Background()))
	_, err := h.Start(chart(t, flood), interp.StartOptions{})
	require.NoError(t, err)
	closed := make(chan struct{})
	go func() {
		h.Close()
		close(closed)
	}()
	select {
	case <-closed:
	case <-time.After(5 * time.Second):
		t.Fatal("Close waits for a session that floods itself")
	}
	_, err = h.Start(chart(t, echo), interp.StartOptions{})
	assert.ErrorIs(t, err, host.ErrClosed)
}

// A session that sends itself an event in every macrostep keeps its
// engine busy; the end of a Settle's context waits for the step in
// progress, not for the rest of the engine's batch (interp.RunBatch steps,
// each of which may run scripts up to the script time limit).
func TestTheShardIsHandedBackBetweenSteps(t *testing.T) {
	tests := []struct {
		name string
		// at is the macrostep after which the context is cancelled.
		at int64
	}{
		{name: "after the first", at: 1},
		{name: "after the second", at: 2},
		{name: "after the hundredth", at: 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHost(t, host.Config{Shards: 1})
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var steps atomic.Int64
			h.OnMacrostep(func(*interp.Session, *interp.Event) {
				if steps.Add(1) == tt.at {
					cancel()
				}
			})
			_, err := h.Start(chart(t, flood), interp.StartOptions{})
			require.NoError(t, err)
			err = h.SettleContext(ctx)
			require.ErrorIs(t, err, context.Canceled)
			assert.Equal(t, tt.at, steps.Load(), "Settle returned right after the step its context ended in")
			// The next Settle goes on.
			ctx2, cancel2 := context.WithCancel(context.Background())
			defer cancel2()
			h.OnMacrostep(func(*interp.Session, *interp.Event) {
				if steps.Load() == tt.at+10 {
					cancel2()
				}
			})
			require.ErrorIs(t, h.SettleContext(ctx2), context.Canceled)
			assert.Equal(t, tt.at+10, steps.Load())
		})
	}
}

// Run, like Settle, returns right after the step its context ended in.
func TestRunReturnsBetweenSteps(t *testing.T) {
	h := newHost(t, host.Config{Shards: 1})
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var steps atomic.Int64
	h.OnMacrostep(func(*interp.Session, *interp.Event) {
		if steps.Add(1) == 50 {
			cancel()
		}
	})
	_, err := h.Start(chart(t, flood), interp.StartOptions{})
	require.NoError(t, err)
	require.ErrorIs(t, h.Run(ctx, nil), context.Canceled)
	assert.Equal(t, int64(50), steps.Load())
}

// got is what a call of DoLater received.
type got struct {
	n     float64
	state []string
	err   error
}

// look returns a DoLater call that reports the session's n and states.
func look(t *testing.T, out chan<- got) func(s *interp.Session, err error) {
	return func(s *interp.Session, err error) {
		if err != nil {
			out <- got{err: err}
			return
		}
		v, verr := s.Datamodel().Eval(&scxml.Expr{Kind: scxml.ValueExpr, Src: "n", Index: -1})
		assert.NoError(t, verr)
		n, _ := v.(float64)
		out <- got{n: n, state: s.Atomic()}
	}
}

func TestDoLater(t *testing.T) {
	for _, mode := range []string{"driven", "Go"} {
		t.Run(mode, func(t *testing.T) {
			h := newHost(t, host.Config{})
			_, err := h.Start(chart(t, echo), interp.StartOptions{ID: "S"})
			require.NoError(t, err)
			_, err = h.Start(chart(t, echo), interp.StartOptions{ID: "T"})
			require.NoError(t, err)
			// drive runs the host's calls: a driven host on the
			// test's goroutine, the other on its own.
			drive := func() {}
			if mode == "driven" {
				drive = func() { require.NoError(t, h.Settle()) }
			} else {
				require.NoError(t, h.Go(context.Background()))
			}
			wait := func(out <-chan got) got {
				t.Helper()
				select {
				case g := <-out:
					return g
				case <-time.After(5 * time.Second):
					require.FailNow(t, "the call never ran")
					return got{}
				}
			}

			// From another goroutine, after two events: the call sees
			// what they did.
			for range 2 {
				require.NoError(t, h.Send("S", &interp.Event{Name: "ping"}))
			}
			out := make(chan got, 1)
			queued := make(chan error)
			go func() { queued <- h.DoLater("S", look(t, out)) }()
			require.NoError(t, <-queued)
			if mode == "driven" {
				select {
				case <-out:
					require.FailNow(t, "a driven host's call ran before the host was driven")
				case <-time.After(10 * time.Millisecond):
				}
			}
			drive()
			g := wait(out)
			require.NoError(t, g.err)
			assert.Equal(t, 2.0, g.n)
			assert.Equal(t, []string{"a"}, g.state)

			// A session that ends before the call runs: fn learns it.
			require.NoError(t, h.Send("T", &interp.Event{Name: "go"}))
			require.NoError(t, h.Send("T", &interp.Event{Name: "stop"}))
			require.NoError(t, h.DoLater("T", look(t, out)))
			drive()
			g = wait(out)
			require.ErrorIs(t, g.err, host.ErrNoSession)

			// No such session.
			assert.ErrorIs(t, h.DoLater("nobody", look(t, out)), host.ErrNoSession)

			// A closed host refuses calls; Closed tells the waiters.
			select {
			case <-h.Closed():
				require.FailNow(t, "Closed before Close")
			default:
			}
			h.Close()
			select {
			case <-h.Closed():
			case <-time.After(5 * time.Second):
				require.FailNow(t, "Closed not closed by Close")
			}
			assert.ErrorIs(t, h.DoLater("S", look(t, out)), host.ErrClosed)
		})
	}
}

// TestDoLaterLeftOnAClosedHost: a call queued on a driven host that is
// closed before it is driven never runs, and Closed says so.
func TestDoLaterLeftOnAClosedHost(t *testing.T) {
	h := newHost(t, host.Config{})
	_, err := h.Start(chart(t, echo), interp.StartOptions{ID: "S"})
	require.NoError(t, err)
	out := make(chan got, 1)
	require.NoError(t, h.DoLater("S", look(t, out)))
	h.Close()
	<-h.Closed()
	assert.Empty(t, out)
}
