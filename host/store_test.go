package host_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// counterStore keeps sessions of one chart whose only state is the data
// n: enough to see the host call a store at the right points. It
// "snapshots" n after each macrostep and "restores" a session by starting
// the chart again with that n.
type counterStore struct {
	t     *testing.T
	chart *interp.Chart
	keeps bool
	adopt map[string]time.Time

	mu       sync.Mutex
	saved    map[string]float64
	commits  map[string]int
	released []string
	loads    []string
}

func (st *counterStore) Open(_ context.Context, h *host.Host) error {
	for id, due := range st.adopt {
		if err := h.Adopt(id, due, nil); err != nil {
			return err
		}
	}
	return nil
}

func (st *counterStore) Commit(s *interp.Session) error {
	v, err := s.Datamodel().Eval(&scxml.Expr{Kind: scxml.ValueExpr, Src: "n", Index: -1})
	require.NoError(st.t, err)
	st.mu.Lock()
	defer st.mu.Unlock()
	st.saved[s.ID()] = v.(float64)
	st.commits[s.ID()]++
	return nil
}

func (st *counterStore) Release(s *interp.Session, kept bool) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	st.released = append(st.released, fmt.Sprintf("%s kept=%v", s.ID(), kept))
	if !kept {
		delete(st.saved, s.ID())
	}
	return nil
}

func (st *counterStore) Keeps() bool { return st.keeps }

func (st *counterStore) Load(eng *interp.Engine, id string) (*interp.Session, error) {
	st.mu.Lock()
	n, ok := st.saved[id]
	st.loads = append(st.loads, id)
	st.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("%w: %q", interp.ErrNoSession, id)
	}
	return eng.Start(st.chart, interp.StartOptions{ID: id, Params: map[string]any{"n": n}})
}

// counter counts pings in n; "later" is a delayed event an hour ahead.
const counter = `<datamodel><data id="n" expr="0"/></datamodel>
	<state id="a">
		<transition event="ping"><assign location="n" expr="n + 1"/></transition>
		<transition event="wait"><send event="later" delay="1h"/></transition>
		<transition event="later"><assign location="n" expr="n + 100"/></transition>
		<transition event="stop" target="end"/>
	</state>
	<final id="end"/>`

func newStoreHost(t *testing.T, st *counterStore) (*host.Host, *interp.VirtualClock) {
	clock := interp.NewVirtualClock(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	st.t, st.chart = t, chart(t, counter)
	st.saved, st.commits = map[string]float64{}, map[string]int{}
	h := newHost(t, host.Config{Clock: clock, Store: st})
	return h, clock
}

func value(t *testing.T, h *host.Host, id string) float64 {
	var n float64
	require.NoError(t, h.Do(context.Background(), id, func(s *interp.Session) {
		v, err := s.Datamodel().Eval(&scxml.Expr{Kind: scxml.ValueExpr, Src: "n", Index: -1})
		require.NoError(t, err)
		n = v.(float64)
	}))
	return n
}

func TestStoreCommitsAfterEachMacrostep(t *testing.T) {
	st := &counterStore{}
	h, _ := newStoreHost(t, st)
	s, err := h.Start(st.chart, interp.StartOptions{ID: "S"})
	require.NoError(t, err)
	for range 3 {
		require.NoError(t, h.Send("S", &interp.Event{Name: "ping"}))
	}
	require.NoError(t, h.Settle())
	assert.Equal(t, 4, st.commits["S"], "the initial macrostep and one per event")
	assert.Equal(t, 3.0, st.saved["S"])
	require.NoError(t, h.Send("S", &interp.Event{Name: "stop"}))
	require.NoError(t, h.Settle())
	assert.True(t, s.Done())
	assert.Equal(t, 4, st.commits["S"], "no commit for the macrostep that ends the session")
	assert.Equal(t, []string{"S kept=false"}, st.released)
	assert.NotContains(t, st.saved, "S")
}

func TestHibernation(t *testing.T) {
	st := &counterStore{}
	h, clock := newStoreHost(t, st)
	_, err := h.Start(st.chart, interp.StartOptions{ID: "S"})
	require.NoError(t, err)
	require.NoError(t, h.Send("S", &interp.Event{Name: "ping"}))
	require.NoError(t, h.Settle())

	// Out of memory, still known: an event brings it back.
	require.NoError(t, h.Hibernate(context.Background(), "S"))
	assert.Nil(t, h.Engine().Session("S"))
	assert.True(t, h.Live("S"))
	assert.Equal(t, []string{"S kept=true"}, st.released)
	require.NoError(t, h.Send("S", &interp.Event{Name: "ping"}))
	require.NoError(t, h.Settle())
	assert.Equal(t, []string{"S"}, st.loads)
	assert.Equal(t, 2.0, value(t, h, "S"))

	// A call brings it back too.
	require.NoError(t, h.Hibernate(context.Background(), "S"))
	assert.Equal(t, 2.0, value(t, h, "S"))
	assert.Equal(t, []string{"S", "S"}, st.loads)

	// So does its due time.
	require.NoError(t, h.Send("S", &interp.Event{Name: "wait"}))
	require.NoError(t, h.Settle())
	require.NoError(t, h.Hibernate(context.Background(), "S"))
	due, ok := h.NextDue()
	require.True(t, ok)
	assert.Equal(t, clock.Now().Add(time.Hour), due, "the host remembers when the hibernated session is due")
	require.NoError(t, h.Advance(time.Hour))
	assert.Equal(t, []string{"S", "S", "S"}, st.loads)
	assert.NotNil(t, h.Engine().Session("S"))

	// A session the store no longer has is forgotten.
	require.NoError(t, h.Hibernate(context.Background(), "S"))
	st.mu.Lock()
	delete(st.saved, "S")
	st.mu.Unlock()
	require.NoError(t, h.Send("S", &interp.Event{Name: "ping"}))
	require.NoError(t, h.Settle())
	assert.False(t, h.Live("S"))
}

func TestStoreRestoresAtOpenAndKeepsAtDrain(t *testing.T) {
	st := &counterStore{keeps: true, adopt: map[string]time.Time{"OLD": {}}}
	h, _ := newStoreHost(t, st)
	st.saved["OLD"] = 41
	var mu sync.Mutex
	var done []string
	h.OnDone(func(s *interp.Session) {
		mu.Lock()
		done = append(done, s.ID())
		mu.Unlock()
	})
	require.NoError(t, h.Go(context.Background()))
	assert.True(t, h.Live("OLD"), "adopted at Open")
	assert.Empty(t, st.loads, "loaded only when something reaches it")
	require.NoError(t, h.Send("OLD", &interp.Event{Name: "ping"}))
	assert.Eventually(t, func() bool {
		var n float64
		_ = h.Do(context.Background(), "OLD", func(s *interp.Session) {
			v, _ := s.Datamodel().Eval(&scxml.Expr{Kind: scxml.ValueExpr, Src: "n", Index: -1})
			n, _ = v.(float64)
		})
		return n == 42
	}, 5*time.Second, time.Millisecond)

	require.NoError(t, h.Drain(context.Background(), 0))
	mu.Lock()
	assert.Empty(t, done, "sessions a store keeps are not cancelled at shutdown")
	mu.Unlock()
	st.mu.Lock()
	defer st.mu.Unlock()
	assert.Contains(t, st.released, "OLD kept=true")
	assert.Equal(t, 42.0, st.saved["OLD"])
}

func TestHibernateNeedsAStore(t *testing.T) {
	h := newHost(t, host.Config{Clock: interp.NewVirtualClock(time.Unix(0, 0))})
	s, err := h.Start(chart(t, echo), interp.StartOptions{})
	require.NoError(t, err)
	assert.Error(t, h.Hibernate(context.Background(), s.ID()))
}
