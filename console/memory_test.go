package console_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/console"
	"github.com/orca-scxml/orca/trace"
)

var epoch = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// fill adds n sessions to m: services svc-0..3, every third one a
// callback, every fifth ended; some share a start time.
func fill(m *console.Memory, n int) []console.Summary {
	var all []console.Summary
	for i := range n {
		s := console.Summary{
			ID: fmt.Sprintf("S%06d", i), Service: fmt.Sprintf("svc-%d", i%4), Document: "callback-scheduled",
			Started: epoch.Add(time.Duration(i/2) * time.Second), CustomerNumber: fmt.Sprintf("555%04d", i%97),
		}
		if i%3 == 0 {
			s.CallbackID = fmt.Sprintf("CB%06d", i)
			s.CallbackState = []string{"SCHEDULED", "QUEUED", "PROCESSING"}[i%9/3]
		}
		m.Start(s, nil)
		if i%5 == 0 {
			m.End(s.ID, s.Started.Add(time.Minute))
			s.State, s.Ended = console.StateEnded, s.Started.Add(time.Minute)
		} else {
			s.State = console.StateRunning
		}
		all = append(all, s)
	}
	return all
}

// reference selects and orders sessions as Sessions must, by brute force.
func reference(all []console.Summary, q console.Query) []string {
	var out []console.Summary
	for _, s := range all {
		if (q.Service == "" || s.Service == q.Service) && (q.State == "" || s.State == q.State) &&
			(q.CallbackState == "" || s.CallbackState == q.CallbackState) &&
			(q.CustomerNumber == "" || s.CustomerNumber == q.CustomerNumber) &&
			(q.CallbackID == "" || s.CallbackID == q.CallbackID) && (!q.Callbacks || s.CallbackID != "") {
			out = append(out, s)
		}
	}
	slices.SortFunc(out, func(a, b console.Summary) int {
		if c := b.Started.Compare(a.Started); c != 0 {
			return c
		}
		if a.ID > b.ID {
			return -1
		}
		return 1
	})
	ids := make([]string, len(out))
	for i, s := range out {
		ids[i] = s.ID
	}
	return ids
}

func TestMemoryPaging(t *testing.T) {
	// 10,000 sessions make the state and service sets larger than the
	// size Memory sorts, so both ways of listing are exercised.
	m := console.NewMemory(console.MemoryOptions{KeepEnded: -1 + 1<<30})
	all := fill(m, 10000)
	ctx := context.Background()
	for _, q := range []console.Query{
		{},
		{Limit: 7},
		{Service: "svc-1"},
		{State: console.StateEnded, Limit: 100},
		{State: console.StateRunning, Service: "svc-2", Limit: 333},
		{Callbacks: true, CallbackState: "QUEUED"},
		{CustomerNumber: "5550042", Limit: 5},
		{CustomerNumber: "5550042", State: console.StateRunning, Limit: 4},
		{CallbackID: "CB000300"},
		{CallbackID: "nope"},
		{Service: "svc-1", CallbackID: "CB000300"},
	} {
		t.Run(fmt.Sprintf("%+v", q), func(t *testing.T) {
			want := reference(all, q)
			// Forward through every page.
			var got []string
			var cursors []string
			p, err := m.Sessions(ctx, q)
			require.NoError(t, err)
			assert.Empty(t, p.Prev, "the first page has none before it")
			for {
				assert.Equal(t, len(want), p.Total)
				for _, s := range p.Sessions {
					got = append(got, s.ID)
				}
				if p.Next == "" {
					break
				}
				cursors = append(cursors, p.Prev)
				q2 := q
				q2.After = p.Next
				p, err = m.Sessions(ctx, q2)
				require.NoError(t, err)
				require.NotEmpty(t, p.Prev)
				require.NotEmpty(t, p.Sessions)
			}
			if want == nil {
				want = []string{}
			}
			if got == nil {
				got = []string{}
			}
			require.Equal(t, want, got)
			// And back from the last page to the first.
			var back []string
			for p.Prev != "" {
				q2 := q
				q2.Before = p.Prev
				p, err = m.Sessions(ctx, q2)
				require.NoError(t, err)
				ids := make([]string, len(p.Sessions))
				for i, s := range p.Sessions {
					ids[i] = s.ID
				}
				back = append(ids, back...)
			}
			if len(cursors) > 0 {
				limit := cmpOr(q.Limit, console.DefaultLimit)
				assert.Equal(t, want[:len(want)-len(want[len(cursors)*limit:])], back, "paging back")
			}
		})
	}
	_, err := m.Sessions(ctx, console.Query{After: "!!"})
	assert.ErrorContains(t, err, "malformed cursor")
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

func TestMemoryUpdatesIndexes(t *testing.T) {
	m := console.NewMemory(console.MemoryOptions{KeepEnded: 2})
	ctx := context.Background()
	for i := range 4 {
		m.Start(console.Summary{ID: fmt.Sprint("s", i), Service: "a", Started: epoch.Add(time.Duration(i) * time.Second)}, nil)
	}
	require.True(t, m.Update("s1", func(s *console.Summary) { s.Service = "b"; s.CallbackState = "QUEUED"; s.ID = "ignored" }))
	assert.False(t, m.Update("zz", func(*console.Summary) {}))
	p, err := m.Sessions(ctx, console.Query{Service: "b", CallbackState: "QUEUED"})
	require.NoError(t, err)
	require.Len(t, p.Sessions, 1)
	assert.Equal(t, "s1", p.Sessions[0].ID)
	p, err = m.Sessions(ctx, console.Query{Service: "a"})
	require.NoError(t, err)
	assert.Equal(t, 3, p.Total)

	// Ended sessions beyond KeepEnded are forgotten, oldest ended first.
	for _, id := range []string{"s3", "s0", "s2"} {
		m.End(id, epoch.Add(time.Hour))
	}
	_, err = m.Session(ctx, "s3")
	assert.True(t, errors.Is(err, console.ErrNotFound))
	sv, err := m.Services(ctx)
	require.NoError(t, err)
	assert.Equal(t, []console.Service{{Name: "a", Live: 0, Ended: 2}, {Name: "b", Live: 1}}, sv)
}

func TestMemorySubscribe(t *testing.T) {
	m := console.NewMemory(console.MemoryOptions{})
	m.Start(console.Summary{ID: "s", Started: epoch}, nil)
	ctx, cancel := context.WithCancel(context.Background())
	ch, err := m.Subscribe(ctx, "s")
	require.NoError(t, err)
	_, err = m.Subscribe(ctx, "other")
	require.ErrorIs(t, err, console.ErrNotFound)

	rec := m.Recorder()
	rec.Log("s", "", "hello")
	rec.Record("s", &trace.Step{Atomic: []string{"a"}, Active: []string{"a"}})
	u := <-ch
	require.NotNil(t, u.Step)
	assert.Equal(t, []trace.Log{{Message: "hello"}}, u.Step.Logs)
	assert.Equal(t, []string{"a"}, u.Summary.Atomic)
	assert.Equal(t, 1, u.Summary.Steps)
	m.End("s", epoch.Add(time.Second))
	u = <-ch
	assert.Equal(t, console.StateEnded, u.Summary.State)

	// A subscriber that falls behind is told to read the session again.
	for range 300 {
		m.Update("s", func(s *console.Summary) { s.CallbackState = "X" })
	}
	for range 256 {
		<-ch
	}
	m.Update("s", func(s *console.Summary) {})
	u = <-ch
	assert.True(t, u.Resync)
	cancel()
	for range ch {
	}
}

func TestRecorderBounds(t *testing.T) {
	dm := json.RawMessage(`{"big":"` + string(make([]byte, 0)) + fmt.Sprintf("%0500d", 0) + `"}`)
	for _, tc := range []struct {
		name        string
		opts        console.RecorderOptions
		keep, first int
	}{
		{"steps", console.RecorderOptions{Steps: 5}, 5, 15},
		// Three data models of 500 bytes and three repeats fit in 3600
		// bytes; without repeats kept once, only four steps would.
		{"bytes", console.RecorderOptions{Steps: 100, Bytes: 3600}, 6, 14},
		{"default", console.RecorderOptions{}, 20, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := console.NewRecorder(tc.opts)
			for i := range 20 {
				r.Error("s", errors.New("e"))
				// Every step has its own data model (one in two repeats
				// the previous, and is kept once).
				d := append(json.RawMessage(nil), dm...)
				d[2] = byte('a' + i/2)
				r.Record("s", &trace.Step{Time: epoch.Add(time.Duration(i) * time.Second), Datamodel: d})
			}
			steps, dropped := r.History("s")
			require.Len(t, steps, tc.keep)
			assert.Equal(t, tc.first, dropped)
			assert.Equal(t, tc.first, steps[0].Index)
			assert.Equal(t, 19, steps[len(steps)-1].Index)
			for _, s := range steps {
				assert.Equal(t, []string{"e"}, s.Errors)
			}
			r.Forget("s")
			steps, _ = r.History("s")
			assert.Empty(t, steps)
		})
	}
	// The newest step stays whatever its size.
	r := console.NewRecorder(console.RecorderOptions{Bytes: 10})
	r.Record("s", &trace.Step{Datamodel: dm})
	r.Record("s", &trace.Step{Datamodel: dm})
	steps, dropped := r.History("s")
	assert.Len(t, steps, 1)
	assert.Equal(t, 1, dropped)
}

func TestRecorderEnd(t *testing.T) {
	r := console.NewRecorder(console.RecorderOptions{})
	// Nothing recorded yet: no end either.
	r.End("none", epoch, true)
	steps, _ := r.History("none")
	assert.Empty(t, steps)

	r.Record("s", &trace.Step{Time: epoch, Atomic: []string{"done"}, Active: []string{"done"}, Final: true})
	// Reaching a final state with nothing after: no end record.
	r.End("s", epoch.Add(time.Second), false)
	steps, _ = r.History("s")
	require.Len(t, steps, 1)

	// What ending produced (a final UserEvent) is filed in the end record,
	// with the configuration the session ended in.
	r.UserEvent("s", trace.UserData{DN: "REPORTING", Data: map[string]any{"_CB_FINAL": "1"}})
	r.End("s", epoch.Add(2*time.Second), false)
	steps, _ = r.History("s")
	require.Len(t, steps, 2)
	assert.Equal(t, &trace.Step{Index: 1, Time: epoch.Add(2 * time.Second), Ended: true, Atomic: []string{"done"}, Active: []string{"done"}, Final: true,
		UserEvents: []trace.UserData{{DN: "REPORTING", Data: map[string]any{"_CB_FINAL": "1"}}}}, steps[1])

	// A session cut short gets its end filed with nothing to show.
	r.Record("c", &trace.Step{Time: epoch, Atomic: []string{"wait"}, Active: []string{"wait"}})
	r.End("c", epoch.Add(time.Second), true)
	steps, _ = r.History("c")
	require.Len(t, steps, 2)
	assert.True(t, steps[1].Ended)
	assert.Equal(t, []string{"wait"}, steps[1].Atomic)
}

func TestMemoryCountsMacrostepsWithoutTheEnd(t *testing.T) {
	m := console.NewMemory(console.MemoryOptions{})
	assert.False(t, m.Has("s"))
	m.Start(console.Summary{ID: "s", Started: epoch}, nil)
	assert.True(t, m.Has("s"))
	rec := m.Recorder()
	rec.Record("s", &trace.Step{Atomic: []string{"a"}, Active: []string{"a"}})
	rec.Error("s", errors.New("cancelled"))
	rec.End("s", epoch, true)
	m.End("s", epoch)
	d, err := m.Session(context.Background(), "s")
	require.NoError(t, err)
	assert.Equal(t, 1, d.Summary.Steps)
	assert.Len(t, d.History, 2)
}

func TestRecorderTotal(t *testing.T) {
	step := func(i int) *trace.Step {
		return &trace.Step{Time: epoch.Add(time.Duration(i) * time.Second), Datamodel: json.RawMessage(fmt.Sprintf(`{"i":%0900d}`, i))}
	}
	size := step(0).Size()
	// Room for ten steps in all.
	r := console.NewRecorder(console.RecorderOptions{Total: int64(10 * size)})
	for _, id := range []string{"a", "b", "c"} {
		for i := range 3 {
			r.Record(id, step(i))
		}
	}
	st := r.Stats()
	assert.Equal(t, console.RecorderStats{Sessions: 3, Steps: 9, Bytes: int64(9 * size)}, st)

	// Two more steps of c: a, recorded least recently, loses its oldest.
	r.Record("c", step(3))
	r.Record("c", step(4))
	got := func(id string) []int {
		steps, _ := r.History(id)
		var idx []int
		for _, s := range steps {
			idx = append(idx, s.Index)
		}
		return idx
	}
	assert.Equal(t, []int{1, 2}, got("a"))
	assert.Equal(t, []int{0, 1, 2}, got("b"))
	assert.Equal(t, []int{0, 1, 2, 3, 4}, got("c"))
	assert.Equal(t, console.RecorderStats{Sessions: 3, Steps: 10, Bytes: int64(10 * size)}, r.Stats())

	// Many more: the others keep their newest only.
	for i := 5; i < 14; i++ {
		r.Record("c", step(i))
	}
	assert.Equal(t, []int{2}, got("a"))
	assert.Equal(t, []int{2}, got("b"))
	assert.Equal(t, []int{6, 7, 8, 9, 10, 11, 12, 13}, got("c"))
	assert.Equal(t, console.RecorderStats{Sessions: 3, Steps: 10, Bytes: int64(10 * size)}, r.Stats())

	// With room for fewer steps than sessions, the least recently
	// recorded lose their newest too.
	small := console.NewRecorder(console.RecorderOptions{Total: int64(2 * size)})
	for i, id := range []string{"a", "b", "c"} {
		small.Record(id, step(i))
	}
	steps, _ := small.History("a")
	assert.Empty(t, steps)
	steps, _ = small.History("c")
	assert.Len(t, steps, 1)
	assert.Equal(t, console.RecorderStats{Sessions: 3, Steps: 2, Bytes: int64(2 * size)}, small.Stats())

	r.Forget("c")
	assert.Equal(t, console.RecorderStats{Sessions: 2, Steps: 2, Bytes: int64(2 * size)}, r.Stats())
}

func TestMemoryFilterMatchingEverySession(t *testing.T) {
	// One service, callbacks only: those filters select nothing out.
	m := console.NewMemory(console.MemoryOptions{KeepEnded: 1 << 20})
	var all []console.Summary
	for i := range 6000 {
		s := console.Summary{ID: fmt.Sprintf("S%06d", i), Service: "only", Started: epoch.Add(time.Duration(i) * time.Second),
			CallbackID: fmt.Sprintf("S%06d", i), CallbackState: []string{"SCHEDULED", "QUEUED"}[i%2], State: console.StateRunning}
		m.Start(s, nil)
		all = append(all, s)
	}
	ctx := context.Background()
	for _, q := range []console.Query{
		{Service: "only"},
		{Service: "only", Callbacks: true},
		{Service: "only", Callbacks: true, CallbackState: "QUEUED", Limit: 500},
		{Service: "only", State: console.StateRunning, CallbackState: "SCHEDULED"},
		{Service: "other"},
	} {
		want := reference(all, q)
		p, err := m.Sessions(ctx, q)
		require.NoError(t, err)
		assert.Equal(t, len(want), p.Total, "%+v", q)
		got := []string{}
		for _, s := range p.Sessions {
			got = append(got, s.ID)
		}
		assert.Equal(t, want[:min(len(want), cmpOr(q.Limit, console.DefaultLimit))], got, "%+v", q)
	}
}
