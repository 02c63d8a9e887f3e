package templates_test

import (
	"testing"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
	"github.com/stretchr/testify/require"
)

// reached is the final UserEvent of a customer-first callback whose
// customer was reached on the first attempt, connected at t0+10, and that
// ended at end.
func reached(end int, kv ...any) map[string]any {
	return with(startCustomerFirst(), append([]any{"_CB_FINAL_RECORD", 1, "_CB_DIAL_1_RESULT", "CONNECTED", "_CB_DIM_FINAL_DIAL_RESULT", "CONNECTED",
		"_CB_D_ESTABLISH_MEDIA_IXN", 10, "_CB_D_WAITING_FOR_AGENT_OFFLINE", 0,
		"_CB_FIRST_OUT_IXN_ID", outbound(1), "_CB_LAST_OUT_IXN_ID", outbound(1),
		"_CB_N_CALLBACK_MEDIA_ATTEMPTS", 1, "_CB_N_IXN_REQ_AGENT", 1, "_CB_T_CUSTOMER_CONNECTED", t0 + 10,
		"_CB_T_DIAL_1", t0, "_CB_T_LAST_DIAL_ATTEMPT", t0, "_CB_T_READY_TO_START_MEDIA_IXN", t0, "_CB_T_SERVICE_END", end}, kv...)...)
}

func TestDialResults(t *testing.T) {
	tests := []struct{ callResult, dialResult string }{
		{"Busy", "BUSY"}, {"NoAnswer", "NO_ANSWER"}, {"AnsweringMachine", "ANSWERING_MACHINE"},
		{"Fax", "FAX"}, {"SIT", "ERROR_TONE"}, {"", "CREATE_CALL_ERROR"},
	}
	for _, tt := range tests {
		first := failedDial(tt.callResult, 1)
		firstID := "OUT1"
		if tt.dialResult == "CREATE_CALL_ERROR" {
			first = telephony.Answer{ErrorCode: telephony.ErrCodeInvalidDN, ErrorMessage: "invalid number"}
			firstID = ""
		}
		final := with(startCustomerFirst(), "_CB_FINAL_RECORD", 1, "_CB_DIAL_1_RESULT", tt.dialResult, "_CB_T_DIAL_1", t0,
			"_CB_DIAL_2_RESULT", "CONNECTED", "_CB_T_DIAL_2", t0+300, "_CB_DIM_FINAL_DIAL_RESULT", "CONNECTED",
			"_CB_DIM_FINAL_TARGET", "Agent1@SIP_Switch.A", "_CB_DISPOSITION", "COMPLETED.AGENT",
			"_CB_D_CUSTOMER_CONNECTED_WAITING_FOR_AGENT", 0, "_CB_D_ESTABLISH_MEDIA_IXN", 300, "_CB_D_WAITING_FOR_AGENT_OFFLINE", 0,
			"_CB_FIRST_OUT_IXN_ID", firstID, "_CB_LAST_OUT_IXN_ID", outbound(1), "_CB_N_AGENT_ADDED_TO_IXN", 1,
			"_CB_N_CALLBACK_MEDIA_ATTEMPTS", 2, "_CB_N_IXN_REQ_AGENT", 1, "_CB_T_CUSTOMER_CONNECTED", t0+300,
			"_CB_T_LAST_DIAL_ATTEMPT", t0+300, "_CB_T_NEXT_REDIAL_ATTEMPT", t0+300, "_CB_T_READY_TO_START_MEDIA_IXN", t0, "_CB_T_SERVICE_END", t0+400)
		if firstID == "" {
			final["_CB_FIRST_OUT_IXN_ID"] = outbound(1)
		}
		sc := scenario{
			name: tt.dialResult, template: "callback-immediate",
			script: func(h *harness) { h.port.Script(telephony.KindMakeCall, first) },
			drive: func(h *harness, s *interp.Session) {
				h.advance(400 * time.Second)
				require.NoError(t, h.port.Hangup(telephony.ConnID(outbound(1))))
				h.settle()
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "SCHEDULED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"},
			start:     startCustomerFirst(), final: final,
			attached: map[string][]map[string]any{outbound(1): {connectedCall(t0 + 300)}},
		}
		t.Run(tt.dialResult, sc.run)
	}
}

func TestWaitingForAgent(t *testing.T) {
	dialed := func(h *harness) { h.port.Script(telephony.KindMakeCall, telephony.Answer{Delay: 10 * time.Second}) }
	routing := []string{"SCHEDULED", "QUEUED", "ROUTING"}
	attached := map[string][]map[string]any{outbound(1): {connectedCall(t0 + 10)}}
	scenarios := []scenario{
		{
			name: "customer abandons", template: "callback-immediate",
			script: func(h *harness) {
				dialed(h)
				h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: time.Hour})
			},
			drive: func(h *harness, s *interp.Session) {
				h.advance(70 * time.Second)
				require.NoError(t, h.port.Abandon(telephony.ConnID(outbound(1))))
				h.settle()
				require.Len(t, h.port.RequestsOf(telephony.KindQueueCancel), 1)
			},
			lifecycle: append(routing, "COMPLETED _callback_reason=FAIL_INTERACTION_DELETED"),
			start:     startCustomerFirst(),
			final: reached(t0+70, "_CB_DISPOSITION", "ROUTING.ABANDONED_IN_QUEUE",
				"_CB_N_CUSTOMER_ABANDONED_WHILE_WAITING_FOR_AGENT", 1, "_CB_D_CUSTOMER_CONNECTED_WAITING_FOR_AGENT", 60),
			attached: attached,
		},
		{
			name: "timeout waiting for an agent", template: "callback-immediate", opts: []string{"_urs_queued_ttl", "120"},
			script: func(h *harness) {
				dialed(h)
				h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: time.Hour})
			},
			drive:     func(h *harness, s *interp.Session) { h.advance(200 * time.Second) },
			lifecycle: append(routing, "COMPLETED _callback_reason=FAIL_QUEUEING"),
			start:     startCustomerFirst(),
			final: reached(t0+130, "_CB_DISPOSITION", "ROUTING.FAILED",
				"_CB_N_TIMEOUT_WHILE_WAITING_FOR_AGENT", 1, "_CB_D_CUSTOMER_CONNECTED_WAITING_FOR_AGENT", 120),
			attached: attached,
		},
		{
			name: "transfer to the agent fails twice", template: "callback-immediate",
			script: func(h *harness) {
				dialed(h)
				fail := telephony.Answer{ErrorCode: telephony.ErrCodeInvalidDN, ErrorMessage: "agent DN out of service"}
				h.port.Script(telephony.KindRoute, fail, fail)
			},
			drive:     func(h *harness, s *interp.Session) { h.advance(60 * time.Second) },
			lifecycle: append(routing, "COMPLETED _callback_reason=FAIL_AGENT_CONNECT"),
			start:     startCustomerFirst(),
			final: reached(t0+10, "_CB_DISPOSITION", "ROUTING.FAILED", "_CB_N_TRANSFER_TO_AGENT_FAILED", 2,
				"_CB_D_CUSTOMER_CONNECTED_WAITING_FOR_AGENT", 0),
			attached: attached,
		},
		{
			name: "customer does not confirm", template: "callback-immediate", opts: []string{"_wait_for_user_confirm", "true"},
			script: func(h *harness) {
				dialed(h)
				h.port.Script(telephony.KindTreatment, telephony.Answer{Delay: 20 * time.Second, ErrorCode: 1, ErrorMessage: "no input"})
			},
			drive:     func(h *harness, s *interp.Session) { h.advance(60 * time.Second) },
			lifecycle: append(routing, "COMPLETED _callback_reason=FAIL_USER_NO_CONFIRM"),
			start:     startCustomerFirst(),
			final: reached(t0+30, "_CB_DISPOSITION", "ROUTING.CANCELLED", "_CB_DIM_DIAL_DIALOG_RESULT", "CANCELLED",
				"_CB_D_CUSTOMER_CONNECTED_WAITING_FOR_AGENT", 20),
			attached: attached,
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, sc.run)
	}
}
