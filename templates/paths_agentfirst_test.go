package templates_test

import (
	"testing"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
)

func agentFirstPaths() []scenario {
	virtual := func(h *harness) {
		h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: 60 * time.Second})
		h.virtual("VIRT1", "VQ_Callback")
	}
	return []scenario{
		{
			name: "preview rejected then accepted", template: "callback-agent-first", opts: []string{"_agent_preview", "true"},
			drive: func(h *harness, s *interp.Session) {
				virtual(h)
				h.advance(70 * time.Second)
				h.send(s, "callback.preview.reject", nil)
				h.advance(10 * time.Second)
				h.send(s, "callback.preview.accept", nil)
				h.advance(100 * time.Second)
				h.hangup(h.madeCall(1))
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "QUEUED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DIM_CONNECT_ORDER", "AGENT_FIRST_PREVIEW")
				r.finalIs(t, "_CB_DIM_VQ", "VQ_Callback")
			},
		},
		{
			name: "preview not answered in time, then accepted", template: "callback-agent-first", opts: []string{"_agent_preview", "true", "_agent_preview_timeout", "20"},
			drive: func(h *harness, s *interp.Session) {
				h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: 60 * time.Second}, telephony.Answer{Delay: 30 * time.Second})
				h.virtual("VIRT1", "VQ_Callback")
				h.advance(115 * time.Second)
				h.send(s, "callback.preview.accept", nil)
				h.advance(60 * time.Second)
				h.hangup(h.madeCall(1))
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "QUEUED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"},
		},
		{
			name: "no preview", template: "callback-agent-first",
			drive: func(h *harness, s *interp.Session) {
				virtual(h)
				h.advance(100 * time.Second)
				h.hangup(h.madeCall(1))
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DIM_CONNECT_ORDER", "AGENT_FIRST_NO_PREVIEW")
				r.finalIs(t, "_CB_D_CUSTOMER_CONNECTED_WAITING_FOR_AGENT", 0)
			},
		},
		{
			name: "no agent before the queue timeout", template: "callback-agent-first", opts: []string{"_urs_queued_ttl", "30"},
			drive: func(h *harness, s *interp.Session) {
				h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: time.Hour})
				h.virtual("VIRT1", "VQ_Callback")
				h.advance(100 * time.Second)
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "COMPLETED _callback_reason=FAIL_QUEUEING"},
		},
		{
			name: "TTL while an agent is awaited", template: "callback-agent-first", opts: []string{"_ttl", "100"},
			script: func(h *harness) { h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Silent: true}) },
			drive: func(h *harness, s *interp.Session) {
				virtualInteraction(h)
				h.advance(200 * time.Second)
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "COMPLETED _callback_reason=FAIL_TIMEOUT_TTL"},
		},
	}
}
