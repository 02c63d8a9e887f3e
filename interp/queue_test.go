package interp

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestQueueCopiesAndReleases checks that the ring copies every field of
// an event, whichever it has, and leaves a slot it frees zero, as put
// expects of the slots it writes.
func TestQueueCopiesAndReleases(t *testing.T) {
	full := Event{Name: "a.b", Type: External, SendID: "s", Origin: "o", OriginType: "t",
		InvokeID: "i", Data: map[string]any{"k": 1}, Raw: "raw"}
	tests := []Event{
		{Name: "ping"},
		full,
		{Name: "e", Type: Platform, Data: 0},
		{Name: "f", InvokeID: "x"},
	}
	var q queue
	for round := range 3 {
		for _, ev := range tests {
			q.push(&ev)
		}
		for i, want := range tests {
			got := q.pop()
			require.Equal(t, want, *got, "round %d, event %d", round, i)
		}
		q.push(&full)
		q.reset()
		require.Zero(t, q.len())
	}
	for i := range q.ring {
		if i != q.popped-1 {
			assert.Zero(t, q.ring[i], "slot %d", i)
		}
	}
}
