package infomart_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/infomart"
	"github.com/orca-scxml/orca/infomart/icon"
	"github.com/orca-scxml/orca/infomart/internal/dbtest"
	"github.com/orca-scxml/orca/infomart/internal/fixture"
)

// BenchmarkIngestTransform stores batches of real callback events (the
// template paths of package fixture) as ICON does and transforms them,
// on each database: events/s, G_CUSTOM_DATA_S rows/s and CALLBACK_FACT
// rows/s.
func BenchmarkIngestTransform(b *testing.B) {
	day, err := fixture.Day(fixture.Epoch, 20)
	require.NoError(b, err)
	for _, backend := range dbtest.Backends {
		b.Run(backend, func(b *testing.B) {
			db := dbtest.DSN(b, backend)
			ctx := context.Background()
			mart, err := infomart.New(ctx, infomart.Options{DB: db})
			require.NoError(b, err)
			defer mart.Close()
			var events, kvps, facts int
			start := time.Now()
			b.ResetTimer()
			for i := range b.N {
				evs := make([]icon.Event, len(day))
				for j, e := range day {
					e.MsgID = fmt.Sprintf("%d/%s", i, e.MsgID)
					evs[j] = e
				}
				for lo := 0; lo < len(evs); lo += 256 {
					res, err := mart.Write(ctx, evs[lo:min(len(evs), lo+256)])
					require.NoError(b, err)
					events += res.Stored
					kvps += res.CustomRows + res.HistoryRows
				}
			}
			b.StopTimer()
			require.NoError(b, mart.Store().DB().QueryRow(`SELECT COUNT(*) FROM CALLBACK_FACT`).Scan(&facts))
			secs := time.Since(start).Seconds()
			b.ReportMetric(float64(events)/secs, "events/s")
			b.ReportMetric(float64(kvps)/secs, "idb-rows/s")
			b.ReportMetric(float64(facts)/secs, "facts/s")
		})
	}
}
