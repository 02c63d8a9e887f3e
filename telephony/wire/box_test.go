package wire_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/telephony/wire"
)

// TestDecodeBoxesAllocations bounds the allocations of a decoded user
// data, in either form: the list and one slice of boxes for its strings
// and integers, not one box per value.
func TestDecodeBoxesAllocations(t *testing.T) {
	t.Run("typed", func(t *testing.T) {
		checkBoxes(t, []byte(`{"v":1,"name":"EventUserEvent","switch":"S","userData":[`+
			`{"key":"a","type":"str","value":"one"},{"key":"b","type":"str","value":"two"},`+
			`{"key":"c","type":"int","value":123456},{"key":"d","type":"str","value":"three"},`+
			`{"key":"e","type":"int","value":-5},{"key":"f","type":"str","value":"four"}]}`))
	})
	t.Run("compact", func(t *testing.T) {
		checkBoxes(t, []byte(`{"v":2,"name":"EventUserEvent","switch":"S","userData":[`+
			`["a","one"],["b","two"],["c",123456],["d","three"],["e",-5],["f","four"]]}`))
	})
}

func checkBoxes(t *testing.T, data []byte) {
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
	assert.LessOrEqual(t, allocs, 2.0, "the list and one slice of boxes")
}
