package ecmascript

import (
	"testing"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestInterrupt(t *testing.T) {
	b := newBuilder()
	loop := b.script("while (true) {}")
	m := b.model(t)
	go func() {
		time.Sleep(20 * time.Millisecond)
		m.Interrupt("stop requested")
	}()
	err := m.Exec(loop)
	require.ErrorIs(t, err, ErrInterrupted)
	assert.Contains(t, err.Error(), "stop requested")
	assert.Contains(t, err.Error(), testFile+":1:5: script: interrupted")
	// The runtime is usable afterwards.
	assert.Equal(t, 2.0, eval(t, m, "1 + 1"))
}

func TestWatchdog(t *testing.T) {
	w := NewWatchdog(2 * time.Millisecond)
	defer w.Stop()
	b := newBuilder()
	loop := b.script("while (true) {}")
	quick := b.script("var n = (typeof n === 'number' ? n : 0) + 1")
	m := b.model(t)
	const budget = 30 * time.Millisecond
	require.NoError(t, w.Watch(m, budget))

	// Quick macrosteps are not interrupted.
	for i := 0; i < 1000; i++ {
		m.BeginMacrostep()
		require.NoError(t, m.Exec(quick))
		m.EndMacrostep()
	}

	m.BeginMacrostep()
	start := time.Now()
	err := m.Exec(loop)
	elapsed := time.Since(start)
	require.ErrorIs(t, err, ErrInterrupted)
	assert.Contains(t, err.Error(), "macrostep exceeded its time budget of 30ms")
	assert.GreaterOrEqual(t, elapsed, budget)
	assert.Less(t, elapsed, budget+500*time.Millisecond)
	// The rest of the macrostep and the next ones work.
	require.NoError(t, m.Exec(quick))
	m.EndMacrostep()
	m.BeginMacrostep()
	assert.Equal(t, 1001.0, eval(t, m, "n"))
	m.EndMacrostep()

	// A macrostep that stays busy is interrupted again.
	m.BeginMacrostep()
	require.ErrorIs(t, m.Exec(loop), ErrInterrupted)
	require.ErrorIs(t, m.Exec(loop), ErrInterrupted)
	m.EndMacrostep()

	// Unwatched, or closed, data models are left alone.
	w.Unwatch(m)
	w.mu.Lock()
	assert.Empty(t, w.watched)
	w.mu.Unlock()
	require.NoError(t, w.Watch(m, budget))
	m.Close()
	w.mu.Lock()
	assert.Empty(t, w.watched)
	w.mu.Unlock()
	assert.ErrorIs(t, w.Watch(m, budget), ErrClosed)
}

func TestWatchdogRejects(t *testing.T) {
	w := NewWatchdog(time.Millisecond)
	defer w.Stop()
	other := NewWatchdog(time.Millisecond)
	defer other.Stop()
	m := newBuilder().model(t)
	assert.Error(t, w.Watch(m, 0))
	assert.Error(t, w.Watch(fakeDatamodel{}, time.Second))
	require.NoError(t, w.Watch(m, time.Second))
	require.NoError(t, w.Watch(m, 2*time.Second))
	assert.Error(t, other.Watch(m, time.Second))
	w.Stop() // Stop twice is fine.
}

func TestWatchdogLateInterruptIsCleared(t *testing.T) {
	// An interrupt for a macrostep that has ended must not stop the next.
	m := newBuilder().model(t)
	m.BeginMacrostep()
	seq := m.seq.Load()
	m.EndMacrostep()
	m.interruptMacrostep(seq, "late")
	m.BeginMacrostep()
	assert.Equal(t, 1.0, eval(t, m, "1"))
	m.EndMacrostep()

	// One that arrives while the macrostep runs but after its last script
	// is cleared by its end.
	m.BeginMacrostep()
	m.interruptMacrostep(m.seq.Load(), "at the end")
	m.EndMacrostep()
	m.BeginMacrostep()
	assert.Equal(t, 1.0, eval(t, m, "1"))
	m.EndMacrostep()
}

type fakeDatamodel struct{ interp.Datamodel }
