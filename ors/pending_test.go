package ors_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/telephony"
)

func TestRequestsWaitingForAnswers(t *testing.T) {
	h := newHarness(t, nil)
	h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: time.Hour})
	s := h.startSrc(orsDoc(`<datamodel><data id="ixnid"/></datamodel>
  <state id="s">
    <transition event="interaction.added" target="queued"><assign location="ixnid" expr="_event.data.interactionid"/></transition>
  </state>
  <state id="queued">
    <onentry>
      <queue:submit interactionid="ixnid" queue="'VQ_Sales'" priority="3" timeout="600">
        <queue:targets><queue:target name="'Agent1'" type="agent"/></queue:targets>
      </queue:submit>
    </onentry>
    <transition event="queue.submit.done error.queue.submit" target="pass"/>
  </state>`), nil)
	assert.Empty(t, h.rt.Requests(s.ID()), "nothing asked yet")
	call := h.port.NewCall(telephony.Call{ThisDN: "RP_1000"})
	h.advance(time.Minute)
	require.Equal(t, []string{"queued"}, s.Atomic(), "errors %v events %v", h.errs, h.names(s.ID()))
	reqs := h.rt.Requests(s.ID())
	require.Len(t, reqs, 1)
	assert.Equal(t, ors.Request{ID: reqs[0].ID, Module: "queue", Action: "submit", Interaction: string(call), Queue: "VQ_Sales"}, reqs[0])
	assert.NotEmpty(t, reqs[0].ID)
	assert.Equal(t, "queue.submit", reqs[0].Kind())
	assert.Equal(t, "VQ_Sales "+string(call), reqs[0].Detail())
	assert.Empty(t, h.rt.Requests("another-session"))

	// Answered (here: timed out), it is no longer waiting.
	h.advance(time.Hour)
	require.Equal(t, "pass", final(s), "errors %v events %v", h.errs, h.names(s.ID()))
	assert.Empty(t, h.rt.Requests(s.ID()))
}
