package templates_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
)

// timeoutPaths: every state a callback waits in ends by a timer of its
// own when what it waits for never comes (the port never answers, an
// event is missed), with a reason and a final UserEvent. The TTL is ten
// days, so it is never what ends them.
func timeoutPaths() []scenario {
	const ttl = "864000"
	silent := func(kind telephony.RequestKind) func(h *harness) {
		return func(h *harness) { h.port.Script(kind, telephony.Answer{Silent: true}, telephony.Answer{Silent: true}) }
	}
	paths := []scenario{
		{
			name: "the queue never answers the reservation", template: "callback-immediate", opts: []string{"_wait_for_agent", "true", "_urs_queued_ttl", "300"},
			script: silent(telephony.KindQueueSubmit),
			drive: func(h *harness, s *interp.Session) {
				virtualInteraction(h)
				h.advance(time.Hour)
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "COMPLETED _callback_reason=FAIL_QUEUEING"},
			check:     func(t *testing.T, r *result) { r.finalIs(t, "_CB_T_SERVICE_END", t0+305) },
		},
		{
			name: "the call rings and is never answered", template: "callback-immediate", opts: []string{"_max_dial_attempts", "1"},
			script:    func(h *harness) { h.port.Script(telephony.KindMakeCall, ringing()) },
			drive:     func(h *harness, s *interp.Session) { h.advance(time.Hour) },
			lifecycle: []string{"SCHEDULED", "QUEUED", "COMPLETED _callback_reason=FAIL_CALL_TO_CUSTOMER"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DIAL_1_RESULT", "NO_ANSWER")
				r.finalIs(t, "_CB_T_SERVICE_END", t0+37)
			},
		},
		{
			name: "the confirmation dialog never ends", template: "callback-immediate",
			opts:      []string{"_wait_for_user_confirm", "true", "_max_time_to_wait_for_agent_on_the_call", "600"},
			script:    silent(telephony.KindTreatment),
			drive:     func(h *harness, s *interp.Session) { h.advance(time.Hour) },
			lifecycle: []string{"SCHEDULED", "QUEUED", "ROUTING", "COMPLETED _callback_reason=FAIL_QUEUEING"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DISPOSITION", "ROUTING.FAILED")
				assert.NotContains(t, r.final, "_CB_N_TIMEOUT_WHILE_WAITING_FOR_AGENT", "the customer never waited for an agent")
			},
		},
		{
			name: "the queue never finds an agent for the call", template: "callback-immediate",
			opts:      []string{"_max_time_to_wait_for_agent_on_the_call", "600"},
			script:    silent(telephony.KindQueueSubmit),
			drive:     func(h *harness, s *interp.Session) { h.advance(time.Hour) },
			lifecycle: []string{"SCHEDULED", "QUEUED", "ROUTING", "COMPLETED _callback_reason=FAIL_QUEUEING"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_N_TIMEOUT_WHILE_WAITING_FOR_AGENT", 1)
				r.finalIs(t, "_CB_D_CUSTOMER_CONNECTED_WAITING_FOR_AGENT", 600)
				assert.Len(t, r.h.port.RequestsOf(telephony.KindQueueCancel), 1, "the submit is withdrawn")
			},
		},
		{
			name: "the transfers to the agent are never answered", template: "callback-immediate",
			script:    silent(telephony.KindRoute),
			drive:     func(h *harness, s *interp.Session) { h.advance(time.Hour) },
			lifecycle: []string{"SCHEDULED", "QUEUED", "ROUTING", "COMPLETED _callback_reason=FAIL_AGENT_CONNECT"},
			check:     func(t *testing.T, r *result) { r.finalIs(t, "_CB_N_TRANSFER_TO_AGENT_FAILED", 2) },
		},
		{
			name: "the end of the conversation is missed", template: "callback-immediate", opts: []string{"_max_processing_time", "1800"},
			drive:     func(h *harness, s *interp.Session) { h.advance(time.Hour) },
			lifecycle: connectedLife,
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DISPOSITION", "PROCESSING.CONNECTED")
				r.finalIs(t, "_CB_T_SERVICE_END", t0+1800)
			},
		},
		{
			name: "the IVR never plays the offer", template: "callback-in-queue", opts: []string{"_offer_timeout", "90"},
			req: []string{"_originating_interaction_id", "IN1"},
			script: func(h *harness) {
				h.port.NewCall(telephony.Call{ConnID: "IN1", CallID: "30001", ThisDN: "RP_IN", ANI: "5550001"})
				h.port.Script(telephony.KindTreatment, telephony.Answer{Silent: true})
				h.settle()
			},
			drive:     func(h *harness, s *interp.Session) { h.advance(time.Hour) },
			lifecycle: []string{"QUEUED", "COMPLETED _callback_reason=FAIL_USER_NO_CONFIRM"},
		},
		{
			name: "the push notification never answers", template: "callback-user-originated",
			opts:      []string{"_call_direction", "USERORIGINATED", "_push_notification_url", pushOK, "_push_confirm_timeout", "120", "_max_dial_attempts", "2", "_dial_retry_timeout", "60"},
			drive:     func(h *harness, s *interp.Session) { h.advance(time.Hour) },
			lifecycle: []string{"SCHEDULED", "QUEUED", "SCHEDULED", "QUEUED", "COMPLETED _callback_reason=FAIL_CALL_TO_CUSTOMER"},
		},
		{
			// The switch answers the first dial after the callback gave it
			// up (cb.dial.timeout, 37 s): that call is released as soon as
			// it is known, never left connected to nobody, and the
			// callback goes on with its next attempt.
			name: "the switch answers a dial the callback gave up", template: "callback-immediate", opts: []string{"_dial_retry_timeout", "300"},
			script: func(h *harness) {
				h.port.Script(telephony.KindMakeCall, telephony.Answer{Delay: 60 * time.Second}, telephony.Answer{Delay: 10 * time.Second})
				h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: 30 * time.Second})
			},
			drive: talk(2, 800*time.Second),
			lifecycle: []string{"SCHEDULED", "QUEUED", "SCHEDULED", "QUEUED", "ROUTING", "PROCESSING",
				"COMPLETED _callback_reason=AGENT_CONNECTED"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DIAL_1_RESULT", "NO_ANSWER")
				r.finalIs(t, "_CB_DIAL_2_RESULT", "CONNECTED")
				late := telephony.ConnID(r.h.madeCall(1))
				var released []telephony.ConnID
				for _, req := range r.h.port.RequestsOf(telephony.KindRelease) {
					released = append(released, req.Body.(telephony.Release).ConnID)
				}
				assert.Contains(t, released, late, "the late call is released")
				_, alive := r.h.port.Call(late)
				assert.False(t, alive, "the late call has ended")
			},
		},
	}
	for i := range paths {
		paths[i].opts = append(paths[i].opts, "_ttl", ttl)
	}
	return paths
}
