package host

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGrowthEpochs feeds the host the live heap figures a watchdog reads:
// sessions being added do not start an epoch, memory growing while they
// hold still does, slowly or not.
func TestGrowthEpochs(t *testing.T) {
	h, err := New(Config{Limits: Limits{Memory: 10 << 20}})
	require.NoError(t, err)
	defer h.Close()
	// The test is the watchdog: the host's own would read the live heap
	// too, on its goroutine.
	h.wd.Stop()
	h.wd = nil
	const mb = 1 << 20
	sessions := func(n int) {
		for h.Len() < n {
			require.True(t, h.table.add(fmt.Sprint("S", h.Len()), &record{sh: h.shards[0]}))
		}
	}
	tick := func(live uint64, fresh bool) { h.liveHeap(live, fresh) }

	tick(5*mb, true) // no session: the base
	// A ramp: 1000 sessions of 50 KB; the heap lags behind.
	for n := 100; n <= 1000; n += 100 {
		sessions(n)
		tick(uint64(5*mb+(n-100)*50<<10), true)
	}
	tick(5*mb+1000*50<<10, true)
	tick(5*mb+1000*50<<10, true)
	assert.Zero(t, h.epoch.Load(), "sessions taken on are not growth")
	// More sessions, held still at each collection.
	sessions(1200)
	tick(5*mb+1200*50<<10, true)
	assert.Zero(t, h.epoch.Load())

	base := uint64(5*mb + 1200*50<<10)
	// A session grows 3 MB between collections: the fourth crosses 10 MB.
	for i := 1; i <= 4; i++ {
		tick(base+uint64(i*3*mb), false)
		tick(base+uint64(i*3*mb), true)
	}
	assert.EqualValues(t, 1, h.epoch.Load())
	// Stale figures (no collection) are not read.
	tick(base+100*mb, false)
	assert.EqualValues(t, 1, h.epoch.Load())
	tick(base+100*mb, true)
	assert.EqualValues(t, 2, h.epoch.Load())

	// Memory given back moves the mark down.
	tick(base, true)
	tick(base+5*mb, true)
	assert.EqualValues(t, 2, h.epoch.Load())
	tick(base+11*mb, true)
	assert.EqualValues(t, 3, h.epoch.Load())
}

func TestWalkDue(t *testing.T) {
	for n, want := range map[uint64]bool{1: false, 8: false, 63: false, 64: true, 100: false, 128: true, 512: true, 1000: false, 1024: true, 2048: true, 3000: false, 3072: true} {
		assert.Equal(t, want, sizeDue(n), "macrostep %d", n)
	}
}
