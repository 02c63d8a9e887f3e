package interp_test

import (
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
