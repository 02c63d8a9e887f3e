package wire_test

import (
	"math"
	"runtime"
	"strings"
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

// TestDecodeSizesListsByTheList bounds what a list's decoding allocates
// and keeps by the list, not by what follows it in the message: each
// message holds one pair, then patterns a pair opens with, or a boxed
// value follows, repeated over 800 KB outside the list. What the list
// costs is what the message costs less what it costs with no list.
func TestDecodeSizesListsByTheList(t *testing.T) {
	const size = 800 << 10
	fill := func(unit string) string { return strings.Repeat(unit, size/len(unit)) }
	const compact, typed = `[["a","b"]]`, `[{"key":"a","type":"str","value":"b"}]`
	tests := []struct{ name, list, rest string }{
		{"compact, pair openings after", compact, `"x":["[` + fill(`","[`) + `"]`},
		{"compact, value openings in a string", compact, `"x":"` + fill(`\",`) + `"`},
		{"typed, objects after", typed, `"x":[{}` + fill(`,{}`) + `]`},
		{"typed, types after", typed, `"x":["str"` + fill(`,"str"`) + `]`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			message := func(list string) []byte {
				return []byte(`{"v":2,"name":"E","userData":` + list + `,` + tc.rest + `}`)
			}
			data, none := message(tc.list), message("null")
			m, err := wire.DecodeOwned(data)
			require.NoError(t, err)
			require.Len(t, m.UserData, 1)
			assert.LessOrEqual(t, cap(m.UserData), 256, "the pairs kept")
			if raceEnabled {
				return // the race detector's instrumentation allocates
			}
			decode := func(data []byte) func() {
				return func() {
					_, err := wire.DecodeOwned(data)
					require.NoError(t, err)
				}
			}
			assert.LessOrEqual(t, int64(allocated(decode(data)))-int64(allocated(decode(none))), int64(16<<10), "bytes the list costs")
		})
	}
}

// allocated returns the bytes f allocates, the least of a few runs.
func allocated(f func()) uint64 {
	least := uint64(math.MaxUint64)
	var before, after runtime.MemStats
	for range 3 {
		runtime.ReadMemStats(&before)
		f()
		runtime.ReadMemStats(&after)
		least = min(least, after.TotalAlloc-before.TotalAlloc)
	}
	return least
}

// TestDecodeSizesTwoListsAMessage bounds a message that repeats its user
// data member: the user data and the parameters of a message are sized
// by what follows them, and any further list starts small, so 10,000
// members cost neither 10,000 sizings nor 10,000 slices of the sizings'
// ceiling.
func TestDecodeSizesTwoListsAMessage(t *testing.T) {
	const lists = 10000
	data := []byte(`{"v":2,"name":"E"` + strings.Repeat(`,"userData":[["a","b"],["c","d"]]`, lists) + `}`)
	m, err := wire.DecodeOwned(data)
	require.NoError(t, err)
	require.Len(t, m.UserData, 2)
	if raceEnabled {
		return // the race detector's instrumentation allocates
	}
	got := allocated(func() {
		_, err := wire.DecodeOwned(data)
		require.NoError(t, err)
	})
	assert.LessOrEqual(t, got, uint64(lists*200), "bytes: about 4 pairs and 4 boxes a list")
}
