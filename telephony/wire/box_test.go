package wire_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/telephony/wire"
)

// TestDecodeBoxesAllocations bounds the allocations of a decoded user
// data: the list and a slab or two, not one box per value.
func TestDecodeBoxesAllocations(t *testing.T) {
	data := []byte(`{"v":1,"name":"EventUserEvent","switch":"S","userData":[` +
		`{"key":"a","type":"str","value":"one"},{"key":"b","type":"str","value":"two"},` +
		`{"key":"c","type":"int","value":123456},{"key":"d","type":"str","value":"three"},` +
		`{"key":"e","type":"int","value":-5},{"key":"f","type":"str","value":"four"}]}`)
	m, err := wire.DecodeOwned(data)
	require.NoError(t, err)
	require.Len(t, m.UserData, 6)
	assert.Equal(t, "three", m.UserData[3].Value)
	assert.Equal(t, 123456, m.UserData[2].Value)
	assert.Equal(t, -5, m.UserData[4].Value)
	if raceEnabled {
		return // the race detector's instrumentation allocates
	}
	allocs := testing.AllocsPerRun(100, func() {
		if _, err := wire.DecodeOwned(data); err != nil {
			t.Fatal(err)
		}
	})
	assert.LessOrEqual(t, allocs, 3.0, "the list, a slab of strings and one of integers")
}
