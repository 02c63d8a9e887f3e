package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRecordsBlocks: the monitor's records keep their order across
// blocks, and dropping the oldest drops whole blocks, at least as many
// records as asked, never the newest block.
func TestRecordsBlocks(t *testing.T) {
	var rs records
	assert.Zero(t, rs.last())
	const n = 3*recordBlock + 10
	for i := 1; i <= n; i++ {
		rs.add(Record{Seq: i})
	}
	require.Equal(t, n, rs.len())
	assert.Equal(t, n, rs.last())
	all := rs.all()
	require.Len(t, all, n)
	for i, r := range all {
		require.Equal(t, i+1, r.Seq)
	}
	old := rs.dropOldest(recordBlock + 1)
	require.Len(t, old, 2)
	assert.Equal(t, 1, old[0][0].Seq)
	assert.Equal(t, n-2*recordBlock, rs.len())
	assert.Equal(t, 2*recordBlock+1, rs.all()[0].Seq)
	rs.dropOldest(n)
	assert.Equal(t, 10, rs.len(), "the newest block stays")
	rs.add(Record{Seq: n + 1})
	assert.Equal(t, n+1, rs.last())
}
