package ors_test

import (
	"testing"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// _data reads the start parameters through: each has the type of its
// value, an object stays the same object, and writes, deletions and
// additions behave as on a plain object, survive a snapshot and list in
// order (the parameters by name, then what was added).
func TestDataObjectOfParams(t *testing.T) {
	src := orsDoc(`<state id="s">
    <onentry>
      <script>
        _data.o.k2 = 2;
        _data.n = _data.n + 1;
        _data.added = {x: 1};
        delete _data.b;
        delete _data.gone;
        delete _data.added2;
      </script>
      <log expr="[typeof _data.b, typeof _data.n, typeof _data.t, typeof _data.o, Array.isArray(_data.a), _data.z === null,
        _data.o === _data.o, _data.o.k + _data.o.k2, 'b' in _data, 'n' in _data, _data.nope === undefined].join(',')"/>
      <log expr="Object.keys(_data).join(',')"/>
    </onentry>
    <transition event="again">
      <script>_data.b = 'back'; _data.o.k3 = 3; delete _data.t;</script>
      <log expr="Object.keys(_data).join(',') + ' ' + JSON.stringify(_data)"/>
    </transition>
  </state>`)
	params := func() map[string]any {
		return map[string]any{"b": "s", "n": 2.0, "t": true, "o": map[string]any{"k": "v"}, "a": []any{1.0}, "z": nil, "gone": "g"}
	}
	h := newHarness(t, nil)
	s := h.startSrc(src, params())
	require.Empty(t, h.errs)
	assert.Equal(t, []string{
		"undefined,number,boolean,object,true,true,true,v2,false,true,true",
		"a,n,o,t,z,added",
	}, h.logs[:2])
	h.logs = nil

	st, err := s.Snapshot()
	require.NoError(t, err)

	h2 := newHarness(t, nil)
	doc, err := scxml.Parse("inline.scxml", []byte(src), h2.rt.LoadOptions())
	require.NoError(t, err)
	c, err := h2.eng.Compile(doc)
	require.NoError(t, err)
	_, err = h2.eng.Restore(c, st)
	require.NoError(t, err)

	want := `a,n,o,z,added,b {"a":[1],"n":3,"o":{"k":"v","k2":2,"k3":3},"z":null,"added":{"x":1},"b":"back"}`
	for _, x := range []*harness{h, h2} {
		require.NoError(t, x.eng.Send(s.ID(), &interp.Event{Name: "again"}))
		x.settle()
		require.Empty(t, x.errs)
		assert.Equal(t, []string{want}, x.logs)
	}
}
