package interp_test

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
)

// MarshalValue keeps what plain JSON does not carry (integers' Go types,
// NaN, -0, XML, keys starting with "$") and writes maps' keys sorted, so
// that the same value is the same bytes.
func TestMarshalValue(t *testing.T) {
	for _, c := range []struct {
		name string
		v    any
		json string
		back any // when it differs from v
	}{
		{"null", nil, `null`, nil},
		{"bool", true, `true`, nil},
		{"string", "a\"b\n", `"a\"b\n"`, nil},
		{"float", 1.5, `1.5`, nil},
		{"int", 42, `{"$i":"42"}`, nil},
		{"int64", int64(-7), `{"$l":"-7"}`, nil},
		{"uint8", uint8(3), `3`, 3.0},
		{"NaN", math.NaN(), `{"$n":"NaN"}`, nil},
		{"-0", math.Copysign(0, -1), `{"$n":"-0"}`, nil},
		{"+Inf", math.Inf(1), `{"$n":"Infinity"}`, nil},
		{"XML", &interp.XMLNode{Text: "<a/>"}, `{"$x":"<a/>"}`, nil},
		{"strings", []string{"x", "y"}, `["x","y"]`, []any{"x", "y"}},
		{"string map", map[string]string{"b": "2", "a": "1"}, `{"a":"1","b":"2"}`, map[string]any{"a": "1", "b": "2"}},
		{"send id", interp.SendIDData{SendID: "s\"1"}, `{"sendid":"s\"1"}`, map[string]any{"sendid": "s\"1"}},
		{"nested, sorted, $ keys", map[string]any{"z": []any{1, nil}, "$i": "not an int", "a": map[string]any{"$$": 1.0}},
			`{"$$i":"not an int","a":{"$$$":1},"z":[{"$i":"1"},null]}`, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			data, err := interp.MarshalValue(c.v)
			require.NoError(t, err)
			assert.Equal(t, c.json, string(data))
			back, err := interp.UnmarshalValue(data)
			require.NoError(t, err)
			want := c.v
			if c.back != nil {
				want = c.back
			}
			if f, ok := want.(float64); ok && (math.IsNaN(f) || f == 0) {
				g, ok := back.(float64)
				require.True(t, ok)
				assert.Equal(t, math.IsNaN(f), math.IsNaN(g))
				assert.Equal(t, math.Signbit(f), math.Signbit(g))
				return
			}
			assert.Equal(t, want, back)
		})
	}
	// encoding/json writes SendIDData as the map it stands for.
	for _, v := range []any{interp.SendIDData{SendID: "$x<"}, map[string]any{"v": interp.SendIDData{SendID: "y"}}} {
		got, err := json.Marshal(v)
		require.NoError(t, err)
		want, err := interp.MarshalValue(v)
		require.NoError(t, err)
		assert.JSONEq(t, string(want), string(got))
	}
	_, err := interp.MarshalValue(map[string]any{"k": struct{}{}})
	assert.ErrorContains(t, err, "k: a value of type struct {} has no neutral form")
	many := map[string]any{}
	for i := range 200 {
		many[string(rune('a'+i%26))+string(rune('a'+i/26))] = i
	}
	data, err := interp.MarshalValue(many)
	require.NoError(t, err)
	back, err := interp.UnmarshalValue(data)
	require.NoError(t, err)
	assert.Equal(t, many, back, "more keys than sorted on the stack")
}
