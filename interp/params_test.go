package interp_test

import (
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

func TestParamNames(t *testing.T) {
	doc, err := scxml.Parse("params.scxml", []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript"><state id="s"/></scxml>`), nil)
	require.NoError(t, err)
	c, err := interp.Compile(doc, datamodels)
	require.NoError(t, err)
	for _, tc := range []struct {
		name     string
		params   map[string]any
		defaults map[string]any
		want     []string
	}{
		{"none", nil, nil, nil},
		{"params", map[string]any{"b": 1.0, "a": "x", "c": nil}, nil, []string{"a", "b", "c"}},
		{"defaults", nil, map[string]any{"z": 1.0, "y": 2.0}, []string{"y", "z"}},
		{"both, a name in each once", map[string]any{"b": 1.0, "d": 2.0}, map[string]any{"a": 0.0, "b": 0.0, "c": 0.0}, []string{"a", "b", "c", "d"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s, err := newBenchEngine().Start(c, interp.StartOptions{Params: tc.params, Defaults: tc.defaults})
			require.NoError(t, err)
			assert.Equal(t, tc.want, s.ParamNames())
		})
	}
}

// TestSnapshotParams pins that a snapshot writes the start parameters as
// MarshalValue writes the map they make, whatever their values.
func TestSnapshotParams(t *testing.T) {
	doc, err := scxml.Parse("params.scxml", []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript"><state id="s"/></scxml>`), nil)
	require.NoError(t, err)
	c, err := interp.Compile(doc, datamodels)
	require.NoError(t, err)
	params := map[string]any{"phone": "5551234", "quote": "a \"b\"\n\u2028é", "n": 1.5, "i": 42, "l": int64(-7),
		"nan": math.NaN(), "yes": true, "none": nil, "$dollar": "x", "list": []any{"a", 2.0}, "obj": map[string]any{"k": "v"}}
	defaults := map[string]any{"phone": "ignored", "vq": "VQ_1", "big": 1e300}
	e := newBenchEngine()
	s, err := e.Start(c, interp.StartOptions{Params: params, Defaults: defaults})
	require.NoError(t, err)
	e.Step(s)
	e.Run()
	st, err := s.Snapshot()
	require.NoError(t, err)
	want, err := interp.MarshalValue(s.Params())
	require.NoError(t, err)
	assert.Equal(t, string(want), string(st.Params))
}
