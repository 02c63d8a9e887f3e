package store_test

import (
	"context"
	"runtime"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/store"
)

// BenchmarkSnapshotWrite measures what the store costs a macrostep of a
// session it keeps: an event, the snapshot made after it, written to
// the bucket on the embedded NATS server and acknowledged (Sync). The
// changes do not linger, so that each op makes and writes one snapshot;
// the allocations are the whole process's (the host, the store, the
// NATS client and server). One op in 64 also ends a session and starts
// another, whose key is deleted and first snapshot written.
func BenchmarkSnapshotWrite(b *testing.B) {
	bs := startBus(b)
	nc := bs.connect()
	clock := interp.NewVirtualClock(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	w := newWorld(b, nc, clock, store.Options{Bucket: "BENCH", Linger: -1})
	start := func(id string) {
		_, err := w.h.Start(w.chart, interp.StartOptions{ID: id})
		require.NoError(b, err)
		require.NoError(b, w.h.Settle())
	}
	sync := func(id string) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		require.NoError(b, w.st.Sync(ctx, id))
	}
	n := 0
	id := "S0"
	start(id)
	sync(id)
	b.ReportAllocs()
	for b.Loop() {
		n++
		if n%64 == 0 {
			require.NoError(b, w.h.Cancel(context.Background(), id))
			id = "S" + itoa(n)
			start(id)
		} else {
			require.NoError(b, w.h.Send(id, &interp.Event{Name: "ping"}))
			require.NoError(b, w.h.Settle())
		}
		sync(id)
	}
	b.StopTimer()
	st := w.st.Stats()
	b.ReportMetric(float64(st.Writes)/float64(n), "writes/op")
}

// BenchmarkLiveSessions measures the heap a session the store keeps
// holds while it waits, its snapshot stored: the host's session, the
// store's entry of it, and the embedded NATS server's state of its key
// (the bucket's per-subject index, and the write cache of its head
// block while the server holds it). Each op starts, stores and leaves
// 1,000 sessions live; heap-B/session is the heap they hold, read after
// two collections (what pools hold is dropped by the second), and the
// sessions are cancelled before the next op.
func BenchmarkLiveSessions(b *testing.B) {
	bs := startBus(b)
	nc := bs.connect()
	clock := interp.NewVirtualClock(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	w := newWorld(b, nc, clock, store.Options{Bucket: "LIVE"})
	const n = 1000
	round := 0
	heap := func() uint64 {
		var m runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&m)
		return m.HeapAlloc
	}
	live := func(prefix string) []string {
		ids := make([]string, n)
		for i := range ids {
			ids[i] = prefix + itoa(i)
			_, err := w.h.Start(w.chart, interp.StartOptions{ID: ids[i]})
			require.NoError(b, err)
		}
		require.NoError(b, w.h.Settle())
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		for _, id := range ids {
			require.NoError(b, w.st.Sync(ctx, id))
		}
		return ids
	}
	end := func(ids []string) {
		for _, id := range ids {
			require.NoError(b, w.h.Cancel(context.Background(), id))
		}
		require.NoError(b, w.h.Settle())
		require.Eventually(b, func() bool { return w.st.Stats().Pending == 0 }, 30*time.Second, 10*time.Millisecond)
	}
	end(live("W")) // what the first sessions make once for all
	var held float64
	for b.Loop() {
		round++
		before := heap()
		ids := live("L" + itoa(round) + "-")
		held += float64(int64(heap())-int64(before)) / n
		b.StopTimer()
		end(ids)
		b.StartTimer()
	}
	b.ReportMetric(held/float64(round), "heap-B/session")
}
