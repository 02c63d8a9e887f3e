package ors_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRaiseEventData checks that the functions of the ORS environment
// read the data of an event as the object it is: __Raise with
// _event.data raises an event of the same data.
func TestRaiseEventData(t *testing.T) {
	h := newHarness(t, nil)
	s := h.startSrc(orsDoc(`<state id="s">
    <onentry>
      <send event="'go'"><content expr="({n: 1, s: 'x', o: {k: [1, 'two']}, z: null})"/></send>
    </onentry>
    <transition event="go" target="t"><script>_event.data.added = true; delete _event.data.z; __Raise('copy', _event.data)</script></transition>
  </state>
  <state id="t">
    <transition event="copy" cond="_event.data.o.k[1] === 'two'" target="pass"><log expr="JSON.stringify(_event.data)"/></transition>
    <transition event="copy" target="fail"><log expr="JSON.stringify(_event.data)"/></transition>
  </state>`), nil)
	require.Equal(t, "pass", final(s), "errors %v, logs %v", h.errs, h.logs)
	assert.Equal(t, []string{`{"added":true,"n":1,"o":{"k":[1,"two"]},"s":"x"}`}, h.logs)
}
