package box_test

import (
	"fmt"
	"math"
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/internal/box"
)

type boxer interface {
	String(string) any
	Int(int) any
}

// TestSlab checks that the boxes are the values any(v) makes: the same
// dynamic type, equal, usable in type switches and maps, across slices
// and a collection, for a Slab and for Cells.
func TestSlab(t *testing.T) {
	t.Run("Slab", func(t *testing.T) { checkBoxes(t, &box.Slab{WantStrings: 3, WantInts: 2}) })
	t.Run("Cells", func(t *testing.T) { checkBoxes(t, &box.Cells{Want: 5}) })
}

func checkBoxes(t *testing.T, b boxer) {
	var got, want []any
	for i := range 50 {
		s := fmt.Sprintf("value %d", i)
		n := i*1000 - 20000
		got = append(got, b.String(s), b.Int(n))
		want = append(want, s, n)
	}
	got = append(got, b.String(""), b.Int(7), b.Int(-1), b.Int(1<<40))
	want = append(want, "", 7, -1, 1<<40)
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
	assert.Equal(t, "value 49", fmt.Sprint(got[98]))
}

// TestSlabFloat checks a Slab's float boxes as TestSlab its others:
// signed zero, infinities and fractions keep their values and sign.
func TestSlabFloat(t *testing.T) {
	b := box.Slab{WantFloats: 5}
	var got, want []any
	for i := range 50 {
		f := float64(i*1000-20000) / 8
		got = append(got, b.Float(f))
		want = append(want, f)
	}
	got = append(got, b.Float(0), b.Float(math.Copysign(0, -1)), b.Float(math.Inf(1)))
	want = append(want, 0.0, math.Copysign(0, -1), math.Inf(1))
	runtime.GC()
	require.Equal(t, want, got)
	for i, v := range got {
		f, ok := v.(float64)
		require.True(t, ok, "value %d has type %T", i, v)
		assert.Equal(t, math.Signbit(want[i].(float64)), math.Signbit(f), "value %d's sign", i)
		assert.True(t, v == want[i], "value %d compares equal", i)
	}
}

// TestSlabAllocations: one allocation per slice, not one per value.
func TestSlabAllocations(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		b := box.Slab{WantStrings: 10, WantInts: 10, WantFloats: 10}
		for i := range 10 {
			_ = b.String("some text")
			_ = b.Int(1000 + i)
			_ = b.Float(float64(i) + 0.5)
		}
	})
	assert.LessOrEqual(t, allocs, 3.0)
}

func ExampleSlab() {
	var b box.Slab
	b.WantStrings = 2
	values := []any{b.String("Callback_Agents"), b.Int(-1), b.String("VQ_Callback")}
	for _, v := range values {
		switch v := v.(type) {
		case string:
			fmt.Println("string", v)
		case int:
			fmt.Println("int", v)
		}
	}
	// Output:
	// string Callback_Agents
	// int -1
	// string VQ_Callback
}

// TestCellsAllocateOnce checks that values of both kinds share one
// allocation when Want covers them.
func TestCellsAllocateOnce(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() {
		b := box.Cells{Want: 4}
		_, _, _, _ = b.String("a"), b.Int(1000), b.String("b"), b.Int(-1)
	})
	assert.LessOrEqual(t, allocs, 1.0)
}
