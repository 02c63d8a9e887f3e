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

// TestGenesysObjects checks that _genesys, whose objects are made when
// first read, shows them as an ordinary object would.
func TestGenesysObjects(t *testing.T) {
	h := newHarness(t, nil)
	s := h.startSrc(orsDoc(`<state id="s">
    <transition cond="Object.keys(_genesys).join() === 'ixn,session,queue,statistic,resource,voice'
      &amp;&amp; _genesys.session === _genesys.session &amp;&amp; typeof _genesys.session.dateInZone === 'function'
      &amp;&amp; _genesys.voice.overwriteType.UseANI === 2 &amp;&amp; _genesys.resource.resourceType.any === 0
      &amp;&amp; typeof _genesys.ixn.mediaType === 'function' &amp;&amp; _genesys.ixn.mediaType.TMediaVoice === 0
      &amp;&amp; Object.keys(_genesys.session).join() === 'id,tenant,tenantid,server,day,lookupseq,getConfigOption,getListItemValue,isSpecialDay,dateInZone,timeInZone,dayInZone'
      &amp;&amp; _genesys.session.tenantid === 101 &amp;&amp; _genesys.session.server.name === 'ORS_1' &amp;&amp; _genesys.session.day.Monday === 1
      &amp;&amp; _genesys.session.getConfigOption('vq') === 'VQ_Sales' &amp;&amp; _genesys.session.id === _sessionid
      &amp;&amp; 'queue' in _genesys &amp;&amp; !('nothing' in _genesys) &amp;&amp; _genesys.nothing === undefined" target="pass"/>
    <transition target="fail"/>
  </state>`), nil)
	require.Equal(t, "pass", final(s), "errors %v", h.errs)
}
