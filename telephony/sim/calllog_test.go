package sim

import (
	"bytes"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCallLogsKeepCopies: the bytes the log hands out are its own copies,
// never changed by the caller's reuse of its buffer nor by the events
// added after them to the same block or to a new one; Resend's view
// (after) returns them in order, the last logPerCall of a call.
func TestCallLogsKeepCopies(t *testing.T) {
	l := newCallLogs()
	buf := make([]byte, 0, 4096)
	var kept [][]byte
	var want [][]byte
	for i := range logPerCall + 10 {
		// Sizes from small to larger than a block.
		buf = append(buf[:0], bytes.Repeat([]byte{byte('a' + i%26)}, 100+i*60)...)
		k := l.add("C1", fmt.Sprint("E", i), uint64(i+1), buf)
		require.Equal(t, buf, k)
		assert.Equal(t, len(k), cap(k), "an event's bytes end at its length: appending to them copies")
		kept = append(kept, k)
		want = append(want, bytes.Clone(buf))
		l.add("C2", "Other", uint64(i+1), []byte("x"))
		clear(buf[:cap(buf)]) // the caller reuses its buffer
	}
	for i := range kept {
		require.Equal(t, want[i], kept[i], "event %d", i)
	}
	evs := l.after("C1", 0)
	require.Len(t, evs, logPerCall)
	for i, ev := range evs {
		n := i + 10
		assert.Equal(t, fmt.Sprint("E", n), ev.name)
		assert.Equal(t, uint64(n+1), ev.seq)
		assert.Equal(t, want[n], ev.data)
	}
	assert.Len(t, l.after("C1", uint64(logPerCall+8)), 2)
	assert.Empty(t, l.after("C3", 0))
	assert.LessOrEqual(t, l.chunk, chunkMax)
	assert.Greater(t, l.chunk, chunkFirst, "a call that outgrew its first block makes the next calls' larger")
}

// TestCallLogsForgetOldestCalls: the log keeps the events of the latest
// logCalls calls.
func TestCallLogsForgetOldestCalls(t *testing.T) {
	l := newCallLogs()
	const n = 2*logCalls + 5
	for i := range n {
		l.add(fmt.Sprint("C", i), "EventDialing", 1, []byte("{}"))
		if i%7 == 0 && i > 0 {
			// A later event of a call still logged adds no call.
			l.add(fmt.Sprint("C", i-1), "EventReleased", 2, []byte("{}"))
		}
	}
	assert.Len(t, l.m, logCalls)
	assert.Len(t, l.order, logCalls)
	for i := range n {
		evs := l.after(fmt.Sprint("C", i), 0)
		if i < n-logCalls {
			assert.Empty(t, evs, "call %d", i)
		} else {
			assert.NotEmpty(t, evs, "call %d", i)
		}
	}
}

// TestCallLogsFirstBlockFollowsCalls: a call that outgrows its first
// block makes the next calls' larger, and calls that take less bring it
// down again as the large ones are forgotten.
func TestCallLogsFirstBlockFollowsCalls(t *testing.T) {
	l := newCallLogs()
	big := make([]byte, 3000)
	for i := range 4 {
		l.add("big", "E", uint64(i+1), big)
	}
	assert.Equal(t, 12<<10, l.chunk)
	for i := range 2 * logCalls {
		l.add(fmt.Sprint("C", i), "E", 1, []byte("{}"))
	}
	assert.Equal(t, chunkFirst, l.chunk)
}
