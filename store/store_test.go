package store_test

import (
	"context"
	"encoding/json"
	"net"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/store"
)

// bus is an embedded NATS server that a test can stop and start again on
// the same port and store.
type bus struct {
	t    testing.TB
	dir  string
	port int
	e    *bridge.Embedded
}

func startBus(t testing.TB) *bus {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	b := &bus{t: t, dir: filepath.Join(t.TempDir(), "nats"), port: port}
	b.start()
	t.Cleanup(func() {
		if b.e != nil {
			b.e.Shutdown()
		}
	})
	return b
}

func (b *bus) start() {
	e, err := bridge.StartEmbedded(bridge.Options{DataDir: b.dir, Port: b.port, JetStream: true})
	require.NoError(b.t, err)
	b.e = e
}

func (b *bus) stop() {
	b.e.Shutdown()
	b.e = nil
}

func (b *bus) connect() *nats.Conn {
	b.t.Helper()
	return b.connectTo(b.port)
}

// connectTo connects to the bus through port (a proxy's).
func (b *bus) connectTo(port int) *nats.Conn {
	b.t.Helper()
	c, err := bridge.LoadCredentials(filepath.Join(b.dir, "bus"), false)
	require.NoError(b.t, err)
	nc, err := bridge.Connect("nats://127.0.0.1:"+itoa(port), bridge.ConnectOptions{
		Name: "store-test", NKeyFile: c.SeedFile(bridge.RoleOrca), ReconnectWait: 20 * time.Millisecond})
	require.NoError(b.t, err)
	b.t.Cleanup(nc.Close)
	return nc
}

func itoa(n int) string { return strconv.Itoa(n) }

// counter counts pings in n and keeps a delayed "later" an hour ahead.
const counter = `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">
	<datamodel><data id="n" expr="0"/></datamodel>
	<script>function bump(k) { n += k; return n; }</script>
	<state id="a">
		<onentry><send event="later" delay="1h"/></onentry>
		<transition event="ping"><assign location="n" expr="bump(1)"/></transition>
		<transition event="later" target="b"/>
	</state>
	<state id="b"><transition event="stop" target="end"/></state>
	<final id="end"/>
</scxml>`

// world is a host on a virtual clock with a store on the bus.
type world struct {
	h     *host.Host
	st    *store.Store
	chart *interp.Chart
}

func newWorld(t testing.TB, nc *nats.Conn, clock *interp.VirtualClock, o store.Options) *world {
	t.Helper()
	st, err := store.New(context.Background(), nc, o)
	require.NoError(t, err)
	t.Cleanup(st.Close)
	w := &world{st: st}
	w.h, err = host.New(host.Config{
		Engine: interp.Options{Datamodels: host.Datamodels()},
		Clock:  clock, Store: st,
		Chart: func(string) (*interp.Chart, error) { return w.chart, nil },
	})
	require.NoError(t, err)
	t.Cleanup(w.h.Close)
	doc, err := scxml.Parse("counter.scxml", []byte(counter), nil)
	require.NoError(t, err)
	w.chart, err = interp.Compile(doc, host.Datamodels())
	require.NoError(t, err)
	return w
}

func (w *world) n(t *testing.T, id string) float64 {
	t.Helper()
	var n float64
	require.NoError(t, w.h.Do(context.Background(), id, func(s *interp.Session) {
		v, err := s.Datamodel().Eval(&scxml.Expr{Kind: scxml.ValueExpr, Src: "n", Index: -1})
		require.NoError(t, err)
		n = v.(float64)
	}))
	return n
}

func flush(t testing.TB, st *store.Store) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, st.Flush(ctx))
}

// settleUntil drives h until cond holds, for up to 10 seconds: the
// snapshots of changes that linger are made by the goroutine that drives
// a host, as is the drop of a session fenced off.
func settleUntil(t testing.TB, h *host.Host, cond func() bool, msgAndArgs ...any) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			require.FailNow(t, "condition never satisfied", msgAndArgs...)
		}
		require.NoError(t, h.Settle())
		time.Sleep(5 * time.Millisecond)
	}
}

func TestRestartBringsSessionsBack(t *testing.T) {
	b := startBus(t)
	nc := b.connect()
	clock := interp.NewVirtualClock(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	w := newWorld(t, nc, clock, store.Options{})
	_, err := w.h.Start(w.chart, interp.StartOptions{ID: "S1"})
	require.NoError(t, err)
	_, err = w.h.Start(w.chart, interp.StartOptions{ID: "S2"})
	require.NoError(t, err)
	for range 3 {
		require.NoError(t, w.h.Send("S1", &interp.Event{Name: "ping"}))
	}
	require.NoError(t, w.h.Settle())
	require.NoError(t, w.h.Send("S2", &interp.Event{Name: "ping"}))
	require.NoError(t, w.h.Settle())
	flush(t, w.st)
	writes := w.st.Stats().Writes
	assert.True(t, writes >= 2 && writes <= 6, "a snapshot after every macrostep, those made while one is written in one: %d", writes)

	// A crash: the host and its store are dropped as they are.
	w.h.Close()
	w.st.Close()

	w2 := newWorld(t, nc, clock, store.Options{})
	require.NoError(t, w2.h.Settle())
	assert.True(t, w2.h.Live("S1"))
	assert.Equal(t, 2, w2.h.Stats().Kept, "adopted, not loaded")
	due, ok := w2.h.NextDue()
	require.True(t, ok)
	assert.Equal(t, clock.Now().Add(time.Hour), due, "the due time comes from the headers")
	assert.Equal(t, 3.0, w2.n(t, "S1"), "a call loads the session")
	require.NoError(t, w2.h.Send("S1", &interp.Event{Name: "ping"}))
	require.NoError(t, w2.h.Settle())
	assert.Equal(t, 4.0, w2.n(t, "S1"))

	// An hour later both sessions' sends fire, S2 loaded by its due time.
	require.NoError(t, w2.h.Advance(time.Hour))
	var atomic []string
	require.NoError(t, w2.h.Do(context.Background(), "S2", func(s *interp.Session) { atomic = s.Atomic() }))
	assert.Equal(t, []string{"b"}, atomic)
	require.NoError(t, w2.h.Send("S2", &interp.Event{Name: "stop"}))
	require.NoError(t, w2.h.Settle())
	assert.False(t, w2.h.Live("S2"))
	flush(t, w2.st)
	assert.EqualValues(t, 1, w2.st.Stats().Deletes, "an ended session leaves the bucket")

	w2.h.Close()
	w2.st.Close()
	w3 := newWorld(t, nc, clock, store.Options{})
	require.NoError(t, w3.h.Settle())
	assert.True(t, w3.h.Live("S1"))
	assert.False(t, w3.h.Live("S2"))
}

func TestWritesWaitForTheStore(t *testing.T) {
	b := startBus(t)
	nc := b.connect()
	clock := interp.NewVirtualClock(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	w := newWorld(t, nc, clock, store.Options{RetryMin: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond, AckWait: 500 * time.Millisecond})
	_, err := w.h.Start(w.chart, interp.StartOptions{ID: "S1"})
	require.NoError(t, err)
	require.NoError(t, w.h.Settle())
	flush(t, w.st)

	b.stop()
	for range 5 {
		require.NoError(t, w.h.Send("S1", &interp.Event{Name: "ping"}))
		require.NoError(t, w.h.Settle())
	}
	settleUntil(t, w.h, func() bool { return w.st.Stats().Failures >= 2 },
		"failed writes are retried and counted: %+v", w.st.Stats())
	st := w.st.Stats()
	assert.Equal(t, 1, st.Pending, "the latest snapshot waits, once per session")
	assert.NotEmpty(t, st.LastError)
	assert.Positive(t, st.Retries)

	b.start()
	flush(t, w.st)
	assert.Zero(t, w.st.Stats().Pending)

	w.h.Close()
	w.st.Close()
	w2 := newWorld(t, nc, clock, store.Options{})
	require.NoError(t, w2.h.Settle())
	assert.Equal(t, 5.0, w2.n(t, "S1"), "the snapshot written after the store came back is the last one")
}

func TestAStaleWriterIsFencedOff(t *testing.T) {
	b := startBus(t)
	nc := b.connect()
	clock := interp.NewVirtualClock(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	w := newWorld(t, nc, clock, store.Options{})
	_, err := w.h.Start(w.chart, interp.StartOptions{ID: "S1"})
	require.NoError(t, err)
	require.NoError(t, w.h.Settle())
	flush(t, w.st)

	// A second host loads the session and writes it: it owns it now.
	w2 := newWorld(t, nc, clock, store.Options{})
	require.NoError(t, w2.h.Settle())
	require.NoError(t, w2.h.Send("S1", &interp.Event{Name: "ping"}))
	require.NoError(t, w2.h.Settle())
	flush(t, w2.st)

	// The first one's next write names a revision that is not the
	// last: it is refused and the session dropped there.
	require.NoError(t, w.h.Send("S1", &interp.Event{Name: "ping"}))
	require.NoError(t, w.h.Settle())
	settleUntil(t, w.h, func() bool { return w.st.Stats().Fenced == 1 }, "the stale write is fenced off")
	settleUntil(t, w.h, func() bool { return !w.h.Live("S1") }, "the fenced session leaves the stale host")
	assert.Equal(t, 1.0, w2.n(t, "S1"))
}

// note is a session local kept by snapshots whose index is what it
// persists, as the GMS callback record is.
type note struct{ text string }

func (n *note) Persist() ([]byte, error)  { return []byte(strconv.Quote(n.text)), nil }
func (n *note) Index() ([]byte, error)    { return nil, nil }
func (n *note) Restore(data []byte) error { return json.Unmarshal(data, &n.text) }

// A macrostep that changes nothing a restored session would do otherwise
// (an event no transition takes: only the count of macrosteps and _event
// change) writes nothing; a local whose index is what it persists is
// written once, in the index header, and comes back with the session.
func TestUnchangedSnapshotsAndIndexes(t *testing.T) {
	b := startBus(t)
	nc := b.connect()
	clock := interp.NewVirtualClock(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	notes := func(w *world) {
		w.h.OnStart(func(s *interp.Session) { s.SetLocal("note", &note{text: "first"}) })
		w.h.OnRestore(func(s *interp.Session) { s.SetLocal("note", &note{}) })
	}
	w := newWorld(t, nc, clock, store.Options{})
	notes(w)
	var adopted []string
	_, err := w.h.Start(w.chart, interp.StartOptions{ID: "S1"})
	require.NoError(t, err)
	require.NoError(t, w.h.Send("S1", &interp.Event{Name: "ping"}))
	require.NoError(t, w.h.Settle())
	flush(t, w.st)
	before := w.st.Stats()

	for range 5 {
		require.NoError(t, w.h.Send("S1", &interp.Event{Name: "nothing"}))
		require.NoError(t, w.h.Settle())
		flush(t, w.st)
	}
	after := w.st.Stats()
	assert.Equal(t, before.Writes, after.Writes, "no write for macrosteps that changed nothing")
	assert.EqualValues(t, 5, after.Unchanged-before.Unchanged)

	require.NoError(t, w.h.Do(context.Background(), "S1", func(s *interp.Session) { s.Local("note").(*note).text = "second" }))
	require.NoError(t, w.h.Send("S1", &interp.Event{Name: "nothing"}))
	require.NoError(t, w.h.Settle())
	flush(t, w.st)
	assert.Equal(t, after.Writes+1, w.st.Stats().Writes, "a local changed: written")

	kv, err := jetstream.New(nc)
	require.NoError(t, err)
	bucket, err := kv.KeyValue(context.Background(), store.DefaultBucket)
	require.NoError(t, err)
	e, err := bucket.Get(context.Background(), "S1")
	require.NoError(t, err)
	var body map[string]json.RawMessage
	require.NoError(t, json.Unmarshal(e.Value(), &body))
	assert.NotContains(t, string(body["locals"]), "second", "the local is in the index header, not in the snapshot too")

	// Hibernated and loaded back (from the store's memory or the
	// bucket), the local comes back from the index.
	require.NoError(t, w.h.Hibernate(context.Background(), "S1"))
	var text string
	require.NoError(t, w.h.Do(context.Background(), "S1", func(s *interp.Session) { text = s.Local("note").(*note).text }))
	assert.Equal(t, "second", text)

	w.h.Close()
	w.st.Close()
	w2 := newWorld(t, nc, clock, store.Options{})
	notes(w2)
	w2.h.OnAdopt(func(id string, index map[string]json.RawMessage) { adopted = append(adopted, string(index["note"])) })
	require.NoError(t, w2.h.Settle())
	assert.Equal(t, []string{`"second"`}, adopted)
	require.NoError(t, w2.h.Do(context.Background(), "S1", func(s *interp.Session) { text = s.Local("note").(*note).text }))
	assert.Equal(t, "second", text, "restored from the index header")
	assert.Equal(t, 1.0, w2.n(t, "S1"))
}

// A session's first snapshot is written at once; the changes that follow
// within Options.Linger make one write, the last.
func TestChangesLinger(t *testing.T) {
	b := startBus(t)
	nc := b.connect()
	clock := interp.NewVirtualClock(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	for _, c := range []struct {
		linger time.Duration
		writes uint64
	}{{-1, 6}, {time.Hour, 2}} {
		w := newWorld(t, nc, clock, store.Options{Bucket: "LINGER" + strconv.Itoa(int(c.writes)), Linger: c.linger})
		_, err := w.h.Start(w.chart, interp.StartOptions{ID: "S1"})
		require.NoError(t, err)
		require.NoError(t, w.h.Settle())
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		require.NoError(t, w.st.Sync(ctx, "S1"), "the first snapshot does not linger")
		cancel()
		for range 5 {
			require.NoError(t, w.h.Send("S1", &interp.Event{Name: "ping"}))
			require.NoError(t, w.h.Settle())
			if c.linger < 0 {
				// Each change written before the next: a write still
				// waiting for its acknowledgement would take the next
				// change along.
				ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
				require.NoError(t, w.st.Sync(ctx, "S1"))
				cancel()
			}
		}
		if c.linger > 0 {
			assert.EqualValues(t, 1, w.st.Stats().Writes, "the changes linger")
			assert.Equal(t, 1, w.st.Stats().Pending)
		}
		flush(t, w.st) // a graceful stop writes what lingers
		assert.Equal(t, c.writes, w.st.Stats().Writes)
		w.h.Close()
		w.st.Close()
		w2 := newWorld(t, nc, clock, store.Options{Bucket: "LINGER" + strconv.Itoa(int(c.writes))})
		require.NoError(t, w2.h.Settle())
		assert.Equal(t, 5.0, w2.n(t, "S1"))
	}
}

// selfSend sends itself an event in its first macrostep, which leaves
// the event in its queue.
const selfSend = `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">
	<state id="a">
		<onentry><send event="go" targetexpr="'#_scxml_' + _sessionid"/></onentry>
		<transition event="go" target="b"/>
	</state>
	<state id="b"><transition event="stop" target="end"/></state>
	<final id="end"/>
</scxml>`

// A session whose first macrostep leaves events in its queue has its
// first snapshot made at once, the queue with it: Sync waits for it, and
// a process that dies then leaves the session, and what it was to do
// next, to the next, which loads it at once.
func TestFirstSnapshotOfABusySession(t *testing.T) {
	b := startBus(t)
	nc := b.connect()
	clock := interp.NewVirtualClock(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	doc, err := scxml.Parse("selfsend.scxml", []byte(selfSend), nil)
	require.NoError(t, err)
	chart, err := interp.Compile(doc, host.Datamodels())
	require.NoError(t, err)

	w := newWorld(t, nc, clock, store.Options{Bucket: "BUSY", Linger: time.Hour})
	w.chart = chart
	s, err := w.h.Start(chart, interp.StartOptions{ID: "S1"})
	require.NoError(t, err)
	require.Equal(t, 1, s.Queued(), "the first macrostep left its event waiting")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	require.NoError(t, w.st.Sync(ctx, "S1"))
	assert.EqualValues(t, 1, w.st.Stats().Writes, "the first snapshot is written before Sync returns")

	// The process dies here: no further macrostep, nothing flushed. The
	// next loads the session at once, as its queue has work, and it
	// takes the event it had sent itself.
	w2 := newWorld(t, nc, clock, store.Options{Bucket: "BUSY"})
	w2.chart = chart
	require.NoError(t, w2.h.Settle())
	st := w2.h.Stats()
	assert.EqualValues(t, 1, st.Loaded, "loaded without being asked: %+v", st)
	assert.Zero(t, st.Kept, "%+v", st)
	require.NoError(t, w2.h.Do(context.Background(), "S1", func(s *interp.Session) {
		assert.Equal(t, []string{"b"}, s.Active(), "the restored session took the event it had sent itself")
	}))
}

// indented is a local persisting indented JSON, its index the same.
type indented struct{ Text string }

func (n *indented) Persist() ([]byte, error)  { return json.MarshalIndent(n, "", "  ") }
func (n *indented) Index() ([]byte, error)    { return nil, nil }
func (n *indented) Restore(data []byte) error { return json.Unmarshal(data, n) }

// A local kept in the index header is written without its line breaks,
// which a NATS header cannot hold, and comes back whole.
func TestIndexWithLineBreaks(t *testing.T) {
	b := startBus(t)
	nc := b.connect()
	clock := interp.NewVirtualClock(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	w := newWorld(t, nc, clock, store.Options{Bucket: "INDENTED"})
	w.h.OnStart(func(s *interp.Session) { s.SetLocal("note", &indented{Text: "first\nline"}) })
	_, err := w.h.Start(w.chart, interp.StartOptions{ID: "S1"})
	require.NoError(t, err)
	require.NoError(t, w.h.Settle())
	flush(t, w.st)
	w.h.Close()
	w.st.Close()

	w2 := newWorld(t, nc, clock, store.Options{Bucket: "INDENTED"})
	w2.h.OnRestore(func(s *interp.Session) { s.SetLocal("note", &indented{}) })
	var adopted []string
	w2.h.OnAdopt(func(id string, index map[string]json.RawMessage) { adopted = append(adopted, string(index["note"])) })
	require.NoError(t, w2.h.Settle())
	assert.Equal(t, []string{`{"Text":"first\nline"}`}, adopted)
	var text string
	require.NoError(t, w2.h.Do(context.Background(), "S1", func(s *interp.Session) { text = s.Local("note").(*indented).Text }))
	assert.Equal(t, "first\nline", text)
}

// An event the host accepted for a session, waiting in its inbox when
// the session's snapshot is made, is part of the snapshot: a process
// that dies then leaves it to the next.
func TestSnapshotHoldsTheInbox(t *testing.T) {
	b := startBus(t)
	nc := b.connect()
	clock := interp.NewVirtualClock(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	w := newWorld(t, nc, clock, store.Options{Bucket: "INBOX"})
	_, err := w.h.Start(w.chart, interp.StartOptions{ID: "S1"})
	require.NoError(t, err)
	require.NoError(t, w.h.Settle())
	require.NoError(t, w.h.Send("S1", &interp.Event{Name: "ping"}))
	// Kept out of memory before the host delivers the event.
	require.NoError(t, w.h.Hibernate(context.Background(), "S1"))
	flush(t, w.st)

	// The process dies here.
	w2 := newWorld(t, nc, clock, store.Options{Bucket: "INBOX"})
	require.NoError(t, w2.h.Settle())
	assert.EqualValues(t, 1, w2.h.Stats().Loaded, "loaded at once: its queue has work")
	assert.Equal(t, 1.0, w2.n(t, "S1"), "the ping waiting in the inbox was in the snapshot")
}

// TestLingeringSnapshotsOnTheDriver drives a host on the test's goroutine
// while changes linger and the writer has their snapshots made: each is
// made by the driver (run with -race).
func TestLingeringSnapshotsOnTheDriver(t *testing.T) {
	b := startBus(t)
	nc := b.connect()
	clock := interp.NewVirtualClock(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	w := newWorld(t, nc, clock, store.Options{Linger: time.Millisecond})
	ids := []string{"S1", "S2", "S3"}
	for _, id := range ids {
		_, err := w.h.Start(w.chart, interp.StartOptions{ID: id})
		require.NoError(t, err)
	}
	require.NoError(t, w.h.Settle())
	flush(t, w.st)
	const rounds = 60
	for i := range rounds {
		for _, id := range ids {
			require.NoError(t, w.h.Send(id, &interp.Event{Name: "ping"}))
		}
		require.NoError(t, w.h.Settle())
		if i%3 == 0 {
			// The changes linger past Linger while the test drives.
			time.Sleep(2 * time.Millisecond)
		}
	}
	// The writer's last snapshots are made as the host is driven.
	settleUntil(t, w.h, func() bool { return w.st.Stats().Pending == 0 }, "every change written")
	flush(t, w.st)
	st := w.st.Stats()
	assert.Zero(t, st.Pending)
	assert.Greater(t, st.Writes, uint64(len(ids)), "lingering changes were written")

	// What the bucket holds is the sessions' last state.
	w.h.Close()
	w.st.Close()
	w2 := newWorld(t, nc, clock, store.Options{})
	require.NoError(t, w2.h.Settle())
	for _, id := range ids {
		assert.Equal(t, float64(rounds), w2.n(t, id), id)
	}
}
