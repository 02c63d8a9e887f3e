package wire

import (
	"fmt"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestBoxes checks that the boxes cut from slabs are the values any(v)
// makes: the same dynamic type, equal, usable in type switches and maps,
// across slabs and a collection.
func TestBoxes(t *testing.T) {
	var b boxes
	b.wantStrs, b.wantInts = 3, 2
	var got, want []any
	for i := range 50 {
		s := fmt.Sprintf("value %d", i)
		n := i*1000 - 20000
		got = append(got, b.str(s), b.int(n))
		want = append(want, s, n)
	}
	got = append(got, b.str(""), b.int(7), b.int(-1))
	want = append(want, "", 7, -1)
	runtime.GC()
	require.Equal(t, want, got)
	seen := map[any]bool{}
	for i, v := range got {
		switch v := v.(type) {
		case string:
			assert.Equal(t, want[i], v)
		case int:
			assert.Equal(t, want[i], v)
		default:
			t.Fatalf("value %d has type %T", i, v)
		}
		assert.True(t, v == want[i], "value %d compares equal", i)
		seen[v] = true
	}
	assert.True(t, seen["value 3"])
	assert.True(t, seen[-20000])
}
