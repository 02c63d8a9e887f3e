package templates_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
	"github.com/stretchr/testify/require"
)

// connectedAt is the final UserEvent of a callback started from start,
// dialed once at dialed, connected at connected on call conn, with the
// agent at once, ended at end.
func connectedAt(start map[string]any, dialed, connected, end int, conn string, kv ...any) map[string]any {
	return with(start, append([]any{"_CB_FINAL_RECORD", 1, "_CB_DIAL_1_RESULT", "CONNECTED", "_CB_DIM_FINAL_DIAL_RESULT", "CONNECTED",
		"_CB_DIM_FINAL_TARGET", "Agent1@SIP_Switch.A", "_CB_DISPOSITION", "COMPLETED.AGENT",
		"_CB_D_CUSTOMER_CONNECTED_WAITING_FOR_AGENT", 0, "_CB_D_ESTABLISH_MEDIA_IXN", connected - dialed,
		"_CB_FIRST_OUT_IXN_ID", conn, "_CB_LAST_OUT_IXN_ID", conn, "_CB_N_AGENT_ADDED_TO_IXN", 1,
		"_CB_N_CALLBACK_MEDIA_ATTEMPTS", 1, "_CB_N_IXN_REQ_AGENT", 1, "_CB_T_CUSTOMER_CONNECTED", connected,
		"_CB_T_DIAL_1", dialed, "_CB_T_LAST_DIAL_ATTEMPT", dialed, "_CB_T_READY_TO_START_MEDIA_IXN", dialed,
		"_CB_T_SERVICE_END", end}, kv...)...)
}

func TestScheduled(t *testing.T) {
	start := startCustomerFirst("_CB_DIM_TYPE", "SCHEDULED")
	sc := scenario{
		name: "desired time, snooze, redial", template: "callback-scheduled",
		opts: []string{"_wait_for_user_confirm", "true"}, req: []string{"_desired_time", "2026-11-21T11:00:00.000Z"},
		script: func(h *harness) { h.port.Script(telephony.KindTreatment, telephony.Answer{Delay: 20 * time.Second}) },
		drive: func(h *harness, s *interp.Session) {
			h.advance(3610 * time.Second)
			h.send(s, "callback.snooze", nil)
			h.advance(400 * time.Second)
			require.NoError(t, h.port.Hangup(telephony.ConnID(outbound(2))))
			h.settle()
		},
		lifecycle: []string{"SCHEDULED", "SCHEDULED", "QUEUED", "ROUTING", "SCHEDULED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"},
		start:     start,
		final: with(connectedAt(start, t0+3600, t0+3910, t0+4010, outbound(2)),
			"_CB_DIAL_1_RESULT", "CONNECTED", "_CB_T_DIAL_1", t0+3600, "_CB_DIAL_2_RESULT", "CONNECTED", "_CB_T_DIAL_2", t0+3910,
			"_CB_FIRST_OUT_IXN_ID", outbound(1), "_CB_N_CALLBACK_MEDIA_ATTEMPTS", 2, "_CB_N_IS_SNOOZED", 1,
			"_CB_T_READY_TO_START_MEDIA_IXN", t0+3600, "_CB_D_ESTABLISH_MEDIA_IXN", 310, "_CB_D_WAITING_FOR_AGENT_OFFLINE", 3600,
			"_CB_T_NEXT_REDIAL_ATTEMPT", t0+3910, "_CB_DIM_DIAL_DIALOG_RESULT", "RIGHT_PERSON", "_CB_T_LAST_DIAL_ATTEMPT", t0+3910),
		attached: map[string][]map[string]any{outbound(1): {connectedCall(t0 + 3600)}, outbound(2): {connectedCall(t0 + 3910)}},
	}
	sc.run(t)
}

func TestAgentFirst(t *testing.T) {
	virtual := func(h *harness) {
		h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: 60 * time.Second})
		h.virtual("VIRT1", "VQ_Callback")
	}
	preview := startCustomerFirst("_CB_DIM_TYPE", "WAIT_FOR_AGENT", "_CB_DIM_CONNECT_ORDER", "AGENT_FIRST_PREVIEW")
	direct := startCustomerFirst("_CB_DIM_TYPE", "WAIT_FOR_AGENT", "_CB_DIM_CONNECT_ORDER", "AGENT_FIRST_NO_PREVIEW")
	hangup := func(h *harness) {
		require.NoError(t, h.port.Hangup(telephony.ConnID(outbound(1))))
		h.settle()
	}
	scenarios := []scenario{
		{
			name: "preview rejected then accepted", template: "callback-agent-first", opts: []string{"_agent_preview", "true"},
			drive: func(h *harness, s *interp.Session) {
				virtual(h)
				h.advance(70 * time.Second)
				h.send(s, "callback.preview.reject", nil)
				h.advance(70 * time.Second)
				h.send(s, "callback.preview.accept", nil)
				h.advance(100 * time.Second)
				hangup(h)
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "QUEUED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"},
			start:     preview,
			final:     connectedAt(preview, t0+140, t0+140, t0+240, outbound(1), "_CB_D_WAITING_FOR_AGENT_OFFLINE", 140),
			attached:  map[string][]map[string]any{outbound(1): {connectedCall(t0 + 140)}},
		},
		{
			name: "no preview", template: "callback-agent-first",
			drive: func(h *harness, s *interp.Session) {
				virtual(h)
				h.advance(100 * time.Second)
				hangup(h)
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"},
			start:     direct,
			final:     connectedAt(direct, t0+60, t0+60, t0+100, outbound(1), "_CB_D_WAITING_FOR_AGENT_OFFLINE", 60),
			attached:  map[string][]map[string]any{outbound(1): {connectedCall(t0 + 60)}},
		},
		{
			name: "no agent before the queue timeout", template: "callback-agent-first", opts: []string{"_urs_queued_ttl", "30"},
			drive: func(h *harness, s *interp.Session) {
				virtual(h)
				h.advance(100 * time.Second)
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "COMPLETED _callback_reason=FAIL_QUEUEING"},
			start:     direct,
			final: with(direct, "_CB_FINAL_RECORD", 1, "_CB_DISPOSITION", "QUEUED.FAILED", "_CB_T_SERVICE_END", t0+30,
				"_CB_D_WAITING_FOR_AGENT_OFFLINE", 30),
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, sc.run)
	}
}

func TestInQueue(t *testing.T) {
	offer := func(result string) func(h *harness, s *interp.Session) {
		return func(h *harness, s *interp.Session) {
			h.advance(15 * time.Second)
			if result == "" {
				require.NoError(t, h.port.Abandon("IN1"))
				h.settle()
				return
			}
			require.NoError(t, h.port.ChangeUserData("IN1", telephony.UserData{{Key: "_callback_offer_result", Value: result}}))
			h.advance(100 * time.Second)
			if result == "accepted" {
				require.NoError(t, h.port.Hangup(telephony.ConnID(outbound(1))))
				h.settle()
			}
		}
	}
	start := startCustomerFirst("_CB_CUSTOMER_ANI", "5550001", "_CB_DIM_CHANNEL", "IVR", "_CB_D_CALLBACK_OFFER", 15)
	accepted := with(start, "_CB_T_CALLBACK_ACCEPTED", t0+15)
	refused := func(kv ...any) map[string]any {
		return with(start, append([]any{"_CB_N_CALLBACK_ACCEPTED", 0, "_CB_T_CALLBACK_ACCEPTED", nil}, kv...)...)
	}
	offered := map[string]any{"_CB_T_CALLBACK_OFFERED": t0}
	scenarios := []scenario{
		{
			name: "accepted", drive: offer("accepted"),
			lifecycle: []string{"QUEUED", "SCHEDULED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"},
			start:     accepted,
			final:     connectedAt(accepted, t0+15, t0+15, t0+115, outbound(1), "_CB_D_WAITING_FOR_AGENT_OFFLINE", 0),
			attached: map[string][]map[string]any{
				"IN1": {offered, {"_CB_T_CALLBACK_ACCEPTED": t0 + 15},
					{"_CB_SERVICE_ID": "SVC-1", "_CB_T_SERVICE_START": t0}},
				outbound(1): {with(connectedCall(t0+15), "_CB_T_CALLBACK_ACCEPTED", t0+15)},
			},
		},
		{
			name: "declined", drive: offer("declined"),
			lifecycle: []string{"QUEUED", "COMPLETED _callback_reason=CANCELLED"},
			start:     refused(),
			final:     refused("_CB_FINAL_RECORD", 1, "_CB_DISPOSITION", "QUEUED.REJECTED", "_CB_T_SERVICE_END", t0+15),
			attached:  map[string][]map[string]any{"IN1": {offered}},
		},
		{
			name: "abandoned during the offer", drive: offer(""),
			lifecycle: []string{"QUEUED", "COMPLETED _callback_reason=FAIL_INTERACTION_DELETED"},
			start:     refused("_CB_N_ABANDONED_DURING_CALLBACK_OFFER", 1),
			final: refused("_CB_N_ABANDONED_DURING_CALLBACK_OFFER", 1, "_CB_FINAL_RECORD", 1,
				"_CB_DISPOSITION", "QUEUED.ABANDONED_IN_QUEUE", "_CB_T_SERVICE_END", t0+15),
			attached: map[string][]map[string]any{"IN1": {offered}},
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			sc.template = "callback-in-queue"
			sc.req = []string{"_originating_interaction_id", "IN1"}
			sc.script = func(h *harness) {
				h.port.NewCall(telephony.Call{ConnID: "IN1", ThisDN: "RP_IN", ANI: "5550001"})
				h.settle()
			}
			sc.run(t)
		})
	}
}

func TestUserOriginated(t *testing.T) {
	push := func(status int) *httptest.Server {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.WriteHeader(status)
			fmt.Fprint(w, `{}`)
		}))
		t.Cleanup(srv.Close)
		return srv
	}
	start := startCustomerFirst("_CB_DIM_CALL_DIRECTION", "CUSTOMER_ORIGINATED")
	ok, failing := push(http.StatusOK), push(http.StatusServiceUnavailable)
	scenarios := []scenario{
		{
			name: "customer calls in", opts: []string{"_push_notification_url", ok.URL},
			drive: func(h *harness, s *interp.Session) {
				h.settleHTTP()
				h.advance(30 * time.Second)
				h.port.NewCall(telephony.Call{ConnID: "IN7", ThisDN: "RP_CB", ANI: "5551234"})
				h.advance(100 * time.Second)
				require.NoError(t, h.port.Hangup("IN7"))
				h.settle()
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"},
			start:     start,
			final: with(connectedAt(start, t0, t0+30, t0+130, ""), "_CB_DIAL_1_RESULT", "USERORIGINATED_CONNECTED",
				"_CB_DIM_FINAL_DIAL_RESULT", "USERORIGINATED_CONNECTED", "_CB_FIRST_OUT_IXN_ID", nil, "_CB_LAST_OUT_IXN_ID", nil,
				"_CB_D_WAITING_FOR_AGENT_OFFLINE", 0),
			attached: map[string][]map[string]any{"IN7": {connectedCall(t0 + 30)}},
		},
		{
			name: "push fails, then is never answered", opts: []string{"_push_notification_url", failing.URL, "_max_dial_attempts", "1"},
			drive:     func(h *harness, s *interp.Session) { h.settleHTTP() },
			lifecycle: []string{"SCHEDULED", "QUEUED", "COMPLETED _callback_reason=FAIL_CALL_TO_CUSTOMER"},
			start:     start,
			final: with(start, "_CB_FINAL_RECORD", 1, "_CB_DIAL_1_RESULT", "PUSH_SEND_ERROR", "_CB_DIM_FINAL_DIAL_RESULT", "PUSH_SEND_ERROR",
				"_CB_DISPOSITION", "QUEUED.REDIAL_LIMIT_REACHED", "_CB_N_CALLBACK_MEDIA_ATTEMPTS", 1, "_CB_T_DIAL_1", t0,
				"_CB_T_LAST_DIAL_ATTEMPT", t0, "_CB_T_READY_TO_START_MEDIA_IXN", t0, "_CB_T_SERVICE_END", t0, "_CB_D_WAITING_FOR_AGENT_OFFLINE", 0),
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			sc.template = "callback-user-originated"
			sc.opts = append(sc.opts, "_call_direction", "USERORIGINATED")
			sc.run(t)
		})
	}
}
