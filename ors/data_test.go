package ors_test

import (
	"encoding/json"
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
		return map[string]any{"b": "s", "n": 2.0, "t": true, "o": map[string]any{"k": "v"}, "a": []any{1.0}, "z": nil, "gone": "g",
			"u": map[string]any{"k": "untouched"}}
	}
	h := newHarness(t, nil)
	s := h.startSrc(src, params())
	require.Empty(t, h.errs)
	assert.Equal(t, []string{
		"undefined,number,boolean,object,true,true,true,v2,false,true,true",
		"a,n,o,t,u,z,added",
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

	// The snapshot keeps what differs from the start parameters, not
	// the parameters the session left as they were.
	var dm struct {
		Data    []any    `json:"d"`
		Deleted []string `json:"dx"`
	}
	require.NoError(t, json.Unmarshal(st.Datamodel, &dm))
	assert.Equal(t, []string{"b", "gone"}, dm.Deleted)
	var changed []any
	for i := 0; i < len(dm.Data); i += 2 {
		changed = append(changed, dm.Data[i])
	}
	assert.Equal(t, []any{"a", "n", "o", "added"}, changed, "objects read are kept, unchanged primitives and objects never read are not")

	want := `a,n,o,u,z,added,b {"a":[1],"n":3,"o":{"k":"v","k2":2,"k3":3},"u":{"k":"untouched"},"z":null,"added":{"x":1},"b":"back"}`
	for _, x := range []*harness{h, h2} {
		require.NoError(t, x.eng.Send(s.ID(), &interp.Event{Name: "again"}))
		x.settle()
		require.Empty(t, x.errs)
		assert.Equal(t, []string{want}, x.logs)
	}

	// A parameter deleted and set again to its value lists last, after
	// a restore too.
	st, err = h2.eng.Session(s.ID()).Snapshot()
	require.NoError(t, err)
	h3 := newHarness(t, nil)
	c3, err := h3.eng.Compile(doc)
	require.NoError(t, err)
	_, err = h3.eng.Restore(c3, st)
	require.NoError(t, err)
	for _, x := range []*harness{h2, h3} {
		x.logs = nil
		require.NoError(t, x.eng.Send(s.ID(), &interp.Event{Name: "again"}))
		x.settle()
		require.Empty(t, x.errs)
		assert.Equal(t, []string{want}, x.logs)
	}
}
