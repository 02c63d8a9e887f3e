package store_test

import (
	"context"
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
