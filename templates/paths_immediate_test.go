package templates_test

import (
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
)

// connectedLife is the lifecycle of a callback whose first attempt
// reaches the customer and an agent.
var connectedLife = []string{"SCHEDULED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"}

// answered answers the dial after 10s and finds the agent after 30s.
func answered(h *harness) {
	h.port.Script(telephony.KindMakeCall, telephony.Answer{Delay: 10 * time.Second})
	h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: 30 * time.Second})
}

// talk lets the conversation on the n-th call last d, then ends it.
func talk(n int, d time.Duration) func(h *harness, s *interp.Session) {
	return func(h *harness, s *interp.Session) {
		h.advance(d)
		h.hangup(h.madeCall(n))
	}
}

func immediatePaths() []scenario {
	busy := func(n int) func(h *harness) {
		return func(h *harness) {
			var as []telephony.Answer
			for i := 1; i <= n; i++ {
				as = append(as, failedDial("Busy", i))
			}
			h.port.Script(telephony.KindMakeCall, as...)
		}
	}
	dialResult := func(callResult, want string) scenario {
		first := failedDial(callResult, 1)
		if want == "CREATE_CALL_ERROR" {
			first = telephony.Answer{ErrorCode: telephony.ErrCodeInvalidDN, ErrorMessage: "invalid number"}
		}
		return scenario{
			name: "first attempt " + want + ", then connected", template: "callback-immediate",
			script: func(h *harness) { h.port.Script(telephony.KindMakeCall, first) },
			drive:  talk(2, 400*time.Second),
			lifecycle: []string{"SCHEDULED", "QUEUED", "SCHEDULED", "QUEUED", "ROUTING", "PROCESSING",
				"COMPLETED _callback_reason=AGENT_CONNECTED"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DIAL_1_RESULT", want)
				r.finalIs(t, "_CB_DIAL_2_RESULT", "CONNECTED")
				r.finalIs(t, "_CB_D_ESTABLISH_MEDIA_IXN", 0)
			},
		}
	}
	return []scenario{
		{
			name: "agent connected, call ends", template: "callback-immediate",
			script: func(h *harness) {
				h.traffic("VQ_Callback_Outbound", 3, 40*time.Second, 2)
				answered(h)
			},
			drive:     talk(1, 100*time.Second),
			lifecycle: connectedLife,
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DISPOSITION", "COMPLETED.AGENT")
				r.finalIs(t, "_CB_DIM_VQ", "VQ_Callback_Outbound")
				r.finalIs(t, "_CB_DIM_VQ_DBID", 302)
				r.finalIs(t, "_CB_DIM_FINAL_TARGET", "Agent1@SIP_Switch.A")
				// Two calls wait, distributions 40s apart: a newcomer
				// stands third, 120s away.
				r.finalIs(t, "_CB_EWT_WHEN_CALLBACK_WAS_OFFERED", 120)
				r.finalIs(t, "_CB_POS_WHEN_CALLBACK_WAS_OFFERED", 3)
				r.finalIs(t, "_CB_EWT_WHEN_READY_TO_START_MEDIA_IXN", 120)
				r.finalIs(t, "_CB_FIRST_OUT_IXN_ID", r.rec.Calls[0].CallID)
			},
		},
		agentCompletes("agent submits a full disposition", "COMPLETED.TRANSFERRED_TO_RP", "COMPLETED.TRANSFERRED_TO_RP"),
		agentCompletes("agent submits a bare completed reason", "SALE_MADE", "COMPLETED.SALE_MADE"),
		{
			name: "redial limit", template: "callback-immediate", script: busy(3),
			drive:     func(h *harness, s *interp.Session) { h.advance(700 * time.Second) },
			lifecycle: []string{"SCHEDULED", "QUEUED", "SCHEDULED", "QUEUED", "SCHEDULED", "QUEUED", "COMPLETED _callback_reason=FAIL_CALL_TO_CUSTOMER"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DISPOSITION", "QUEUED.REDIAL_LIMIT_REACHED")
				r.finalIs(t, "_CB_N_CALLBACK_MEDIA_ATTEMPTS", 3)
				r.finalIs(t, "_CB_LAST_OUT_IXN_ID", "20003")
				require.Len(t, r.rec.Calls, 3, "each attempt's call carries the callback's KVPs")
			},
		},
		{
			name: "five busy attempts, the sixth connected", template: "callback-immediate",
			opts: []string{"_max_dial_attempts", "6", "_dial_retry_timeout", "60"}, script: busy(5),
			drive:     talk(6, 400*time.Second),
			lifecycle: append(slices.Repeat([]string{"SCHEDULED", "QUEUED"}, 6), "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"),
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_N_CALLBACK_MEDIA_ATTEMPTS", 6)
				r.finalIs(t, "_CB_DIAL_5_RESULT", "BUSY")
				assert.NotContains(t, r.final, "_CB_DIAL_6_RESULT", "five attempts have their own KVPs")
				r.finalIs(t, "_CB_T_LAST_DIAL_ATTEMPT", t0+300)
				r.finalIs(t, "_CB_DIM_FINAL_DIAL_RESULT", "CONNECTED")
				r.finalIs(t, "_CB_LAST_OUT_IXN_ID", r.rec.Calls[5].CallID)
			},
		},
		{
			name: "cancelled while waiting to redial", template: "callback-immediate",
			script: func(h *harness) { h.port.Script(telephony.KindMakeCall, failedDial("NoAnswer", 1)) },
			drive: func(h *harness, s *interp.Session) {
				h.advance(100 * time.Second)
				h.send(s, "callback.cancel", nil)
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "SCHEDULED", "COMPLETED _callback_reason=CANCELLED"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DISPOSITION", "SCHEDULED.CANCELLED")
				assert.NotContains(t, r.final, "_CB_T_NEXT_REDIAL_ATTEMPT", "the redial that never comes is not reported")
			},
		},
		{
			name: "TTL expires", template: "callback-immediate", opts: []string{"_ttl", "500", "_max_dial_attempts", "5"},
			script:    busy(2),
			drive:     func(h *harness, s *interp.Session) { h.advance(1000 * time.Second) },
			lifecycle: []string{"SCHEDULED", "QUEUED", "SCHEDULED", "QUEUED", "SCHEDULED", "COMPLETED _callback_reason=FAIL_TIMEOUT_TTL"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DISPOSITION", "SCHEDULED.FAILED")
				assert.NotContains(t, r.final, "_CB_T_NEXT_REDIAL_ATTEMPT")
			},
		},
		dialResult("Busy", "BUSY"),
		dialResult("NoAnswer", "NO_ANSWER"),
		dialResult("AnsweringMachine", "ANSWERING_MACHINE"),
		dialResult("Fax", "FAX"),
		dialResult("SIT", "ERROR_TONE"),
		dialResult("", "CREATE_CALL_ERROR"),
		{
			name: "call-progress detection reports a person", template: "callback-immediate",
			script: func(h *harness) {
				h.port.Script(telephony.KindMakeCall, telephony.Answer{CallResult: "Answer", Delay: 8 * time.Second})
			},
			drive:     talk(1, 60*time.Second),
			lifecycle: connectedLife,
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DIM_FINAL_DIAL_RESULT", "PERSON")
			},
		},
		{
			name: "customer abandons while waiting for an agent", template: "callback-immediate",
			script: func(h *harness) {
				h.port.Script(telephony.KindMakeCall, telephony.Answer{Delay: 10 * time.Second})
				h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: time.Hour})
			},
			drive: func(h *harness, s *interp.Session) {
				h.advance(70 * time.Second)
				require.NoError(h.t, h.port.Abandon(telephony.ConnID(h.madeCall(1))))
				h.settle()
				require.Len(h.t, h.port.RequestsOf(telephony.KindQueueCancel), 1)
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "ROUTING", "COMPLETED _callback_reason=FAIL_INTERACTION_DELETED"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DISPOSITION", "ROUTING.ABANDONED_IN_QUEUE")
				r.finalIs(t, "_CB_N_CUSTOMER_ABANDONED_WHILE_WAITING_FOR_AGENT", 1)
				r.finalIs(t, "_CB_D_CUSTOMER_CONNECTED_WAITING_FOR_AGENT", 60)
			},
		},
		{
			name: "no agent within the queue timeout", template: "callback-immediate", opts: []string{"_urs_queued_ttl", "120"},
			script: func(h *harness) {
				h.port.Script(telephony.KindMakeCall, telephony.Answer{Delay: 10 * time.Second})
				h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: time.Hour})
			},
			drive:     func(h *harness, s *interp.Session) { h.advance(200 * time.Second) },
			lifecycle: []string{"SCHEDULED", "QUEUED", "ROUTING", "COMPLETED _callback_reason=FAIL_QUEUEING"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DISPOSITION", "ROUTING.FAILED")
				r.finalIs(t, "_CB_N_TIMEOUT_WHILE_WAITING_FOR_AGENT", 1)
			},
		},
		{
			name: "transfer to the agent fails twice", template: "callback-immediate",
			script: func(h *harness) {
				h.port.Script(telephony.KindMakeCall, telephony.Answer{Delay: 10 * time.Second})
				fail := telephony.Answer{ErrorCode: telephony.ErrCodeInvalidDN, ErrorMessage: "agent DN out of service"}
				h.port.Script(telephony.KindRoute, fail, fail)
			},
			drive:     func(h *harness, s *interp.Session) { h.advance(60 * time.Second) },
			lifecycle: []string{"SCHEDULED", "QUEUED", "ROUTING", "COMPLETED _callback_reason=FAIL_AGENT_CONNECT"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_N_TRANSFER_TO_AGENT_FAILED", 2)
			},
		},
		{
			name: "customer does not confirm", template: "callback-immediate", opts: []string{"_wait_for_user_confirm", "true"},
			script: func(h *harness) {
				h.port.Script(telephony.KindMakeCall, telephony.Answer{Delay: 10 * time.Second})
				h.port.Script(telephony.KindTreatment, telephony.Answer{Delay: 20 * time.Second, ErrorCode: 1, ErrorMessage: "no input"})
			},
			drive:     func(h *harness, s *interp.Session) { h.advance(60 * time.Second) },
			lifecycle: []string{"SCHEDULED", "QUEUED", "ROUTING", "COMPLETED _callback_reason=FAIL_USER_NO_CONFIRM"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DISPOSITION", "ROUTING.CANCELLED")
				r.finalIs(t, "_CB_DIM_DIAL_DIALOG_RESULT", "CANCELLED")
				assert.NotContains(t, r.final, "_CB_T_CUSTOMER_CONNECTED", "the customer never waited for an agent")
			},
		},
		{
			name: "customer asks to be put through to the routing point", template: "callback-immediate", opts: []string{"_wait_for_user_confirm", "true"},
			script: func(h *harness) {
				h.port.Script(telephony.KindMakeCall, telephony.Answer{Delay: 10 * time.Second})
				h.port.Script(telephony.KindTreatment, telephony.Answer{Delay: 15 * time.Second})
				h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: 20 * time.Second})
			},
			drive: func(h *harness, s *interp.Session) {
				// The IVR attaches the caller's choice before the dialog ends.
				h.advance(20 * time.Second)
				require.NoError(h.t, h.port.ChangeUserData(telephony.ConnID(h.madeCall(1)), telephony.UserData{{Key: "_callback_confirm_result", Value: "transfer"}}))
				talk(1, 200*time.Second)(h, s)
			},
			lifecycle: connectedLife,
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DIM_DIAL_DIALOG_RESULT", "TRANSFERRED_TO_RP")
				r.finalIs(t, "_CB_T_CUSTOMER_CONNECTED", t0+25)
				r.finalIs(t, "_CB_D_ESTABLISH_MEDIA_IXN", 25)
				routes := r.h.port.RequestsOf(telephony.KindRoute)
				require.Len(t, routes, 2)
				assert.Equal(t, "RP_CB", routes[0].Body.(telephony.Route).To)
			},
		},
		{
			name: "cancel while the call rings", template: "callback-immediate",
			script: func(h *harness) { h.port.Script(telephony.KindMakeCall, ringing()) },
			drive: func(h *harness, s *interp.Session) {
				h.advance(20 * time.Second)
				h.send(s, "callback.cancel", nil)
				assert.Equal(h.t, []telephony.ConnID{"OUT1"}, released(h), "the ringing call is released")
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "COMPLETED _callback_reason=CANCELLED"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DIAL_1_RESULT", "NO_ANSWER")
				r.finalIs(t, "_CB_N_CALLBACK_MEDIA_ATTEMPTS", 1)
			},
		},
		{
			name: "script error while the call rings", template: "callback-immediate",
			script: func(h *harness) { h.port.Script(telephony.KindMakeCall, ringing()) },
			drive: func(h *harness, s *interp.Session) {
				h.advance(20 * time.Second)
				// A party change without its party: the dial state's
				// condition throws, which is error.execution.
				h.send(s, "interaction.partystatechanged", map[string]any{"interactionid": "OUT1"})
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "COMPLETED _callback_reason=FAIL_ERROR"},
			errors:    1,
			check:     func(t *testing.T, r *result) { r.finalIs(t, "_CB_DISPOSITION", "QUEUED.FAILED") },
		},
		{
			name: "terminated from outside while the call rings", template: "callback-immediate",
			script: func(h *harness) { h.port.Script(telephony.KindMakeCall, ringing()) },
			drive: func(h *harness, s *interp.Session) {
				h.advance(20 * time.Second)
				require.NoError(h.t, h.eng.Cancel(s.ID()))
				h.settle()
			},
			lifecycle: []string{"SCHEDULED", "QUEUED"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DISPOSITION", "QUEUED.CANCELLED")
				r.finalIs(t, "_CB_DIAL_1_RESULT", "NO_ANSWER")
				r.finalIs(t, "_CB_T_DIAL_1", t0)
				r.finalIs(t, "_CB_N_CALLBACK_MEDIA_ATTEMPTS", 1)
			},
		},
		{
			name: "terminated from outside while with the agent", template: "callback-immediate", script: answered,
			drive: func(h *harness, s *interp.Session) {
				h.advance(100 * time.Second)
				require.NoError(h.t, h.eng.Cancel(s.ID()))
				h.settle()
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "ROUTING", "PROCESSING"},
			check:     func(t *testing.T, r *result) { r.finalIs(t, "_CB_DISPOSITION", "PROCESSING.CONNECTED") },
		},
		{
			name: "the request's reporting values pass through", template: "callback-immediate", script: answered,
			req: []string{"_cb_t_callback_offered", "1795255100", "_cb_t_callback_accepted", "1795255130", "_cb_d_callback_offer", "99",
				"_cb_ewt_when_callback_was_offered", "240", "_cb_pos_when_callback_was_offered", "7", "_cb_dim_channel", "WEB",
				"_cb_dim_callback_offer_type", "COMBINED_SCHEDULED_AND_WAIT_FOR_AGENT", "_cb_dim_offer_timing", "OFF-HOURS",
				"_cb_n_callback_offers_per_session", "2", "_cb_d_last_callback_offer", "12", "_cb_origination_ixn_id", "00A1B2C3D4E5F601"},
			drive:     talk(1, 100*time.Second),
			lifecycle: connectedLife,
			check: func(t *testing.T, r *result) {
				for k, v := range map[string]any{"_CB_D_CALLBACK_OFFER": 99, "_CB_T_CALLBACK_OFFERED": 1795255100, "_CB_T_CALLBACK_ACCEPTED": 1795255130,
					"_CB_EWT_WHEN_CALLBACK_WAS_OFFERED": 240, "_CB_POS_WHEN_CALLBACK_WAS_OFFERED": 7, "_CB_DIM_CHANNEL": "WEB",
					"_CB_DIM_CALLBACK_OFFER_TYPE": "COMBINED_SCHEDULED_AND_WAIT_FOR_AGENT", "_CB_DIM_OFFER_TIMING": "OFF-HOURS",
					"_CB_N_CALLBACK_OFFERS_PER_SESSION": 2, "_CB_D_LAST_CALLBACK_OFFER": 12, "_CB_ORIGINATION_IXN_ID": "00A1B2C3D4E5F601"} {
					assert.Equal(t, v, r.start[k], "start %s", k)
					r.finalIs(t, k, v)
				}
			},
		},
		{
			name: "a request value outside its list refuses that KVP only", template: "callback-immediate", script: answered,
			req:       []string{"_cb_dim_channel", "FAX"},
			problems:  []string{`_CB_DIM_CHANNEL (dimension): "FAX" is not one of IVR, WEB, MOBILE`},
			drive:     talk(1, 100*time.Second),
			lifecycle: connectedLife,
			check: func(t *testing.T, r *result) {
				assert.NotContains(t, r.final, "_CB_DIM_CHANNEL")
				r.finalIs(t, "_CB_DISPOSITION", "COMPLETED.AGENT")
			},
		},
		{
			// Another customer's call joins the outbound queue before each
			// redial: the first attempt's place and the last's differ.
			name: "busy, then no answer, then connected, the queue filling between attempts", template: "callback-immediate",
			script: func(h *harness) {
				h.traffic("VQ_Callback_Outbound", 3, 40*time.Second, 2)
				h.port.Script(telephony.KindMakeCall, failedDial("Busy", 1), failedDial("NoAnswer", 2), telephony.Answer{Delay: 10 * time.Second})
			},
			drive: func(h *harness, s *interp.Session) {
				h.traffic("VQ_Callback_Outbound", 0, 0, 1)
				h.advance(300 * time.Second)
				h.traffic("VQ_Callback_Outbound", 0, 0, 1)
				h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: 30 * time.Second})
				talk(3, 400*time.Second)(h, s)
			},
			lifecycle: append(slices.Repeat([]string{"SCHEDULED", "QUEUED"}, 3), "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"),
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DIAL_1_RESULT", "BUSY")
				r.finalIs(t, "_CB_DIAL_2_RESULT", "NO_ANSWER")
				r.finalIs(t, "_CB_DIAL_3_RESULT", "CONNECTED")
				r.finalIs(t, "_CB_POS_WHEN_READY_TO_START_MEDIA_IXN", 3)
				r.finalIs(t, "_CB_POS_WHEN_READY_TO_START_LAST_MEDIA_IXN", 5)
				r.finalIs(t, "_CB_EWT_WHEN_READY_TO_START_MEDIA_IXN", 120)
				r.finalIs(t, "_CB_EWT_WHEN_READY_TO_START_LAST_MEDIA_IXN", 200)
			},
		},
		agentCompletes("agent submits no disposition", "", "COMPLETED.AGENT"),
	}
}

// released returns the ConnIDs the session released.
func released(h *harness) []telephony.ConnID {
	var out []telephony.ConnID
	for _, r := range h.port.RequestsOf(telephony.KindRelease) {
		out = append(out, r.Body.(telephony.Release).ConnID)
	}
	return out
}

// agentCompletes is the path of an agent who completes a connected
// callback with disposition, which the callback reports as want.
func agentCompletes(name, disposition, want string) scenario {
	return scenario{
		name: name, template: "callback-immediate", script: answered,
		drive: func(h *harness, s *interp.Session) {
			h.advance(100 * time.Second)
			h.send(s, "callback.complete", map[string]any{"_disposition": disposition})
		},
		lifecycle: connectedLife,
		check:     func(t *testing.T, r *result) { r.finalIs(t, "_CB_DISPOSITION", want) },
	}
}
