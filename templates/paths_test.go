package templates_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// virtualInteraction gives the session the interaction it reserves an
// agent with, as a host does for agent first and _wait_for_agent.
func virtualInteraction(h *harness) { h.virtual("VIRT1", "VQ_Callback") }

// queues returns the virtual queues of the queue submits, in order.
func queues(h *harness) []string {
	var out []string
	for _, r := range h.port.RequestsOf(telephony.KindQueueSubmit) {
		out = append(out, r.Body.(telephony.QueueSubmit).Queue)
	}
	return out
}

// ringing scripts a dial attempt whose call OUT1 rings and is never
// answered.
func ringing() telephony.Answer {
	return telephony.Answer{Events: func(r telephony.Request) []telephony.Event {
		mc := r.Body.(telephony.MakeCall)
		return []telephony.Event{{Type: telephony.EventDialing, ConnID: "OUT1", ThisDN: mc.ThisDN, OtherDN: mc.Destination, CallType: "Outbound"}}
	}}
}

// pushServer returns the URL of a push notification endpoint that
// answers status.
func pushServer(t *testing.T, status int) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
		fmt.Fprint(w, `{}`)
	}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// released returns the ConnIDs the session released.
func released(h *harness) []telephony.ConnID {
	var out []telephony.ConnID
	for _, r := range h.port.RequestsOf(telephony.KindRelease) {
		out = append(out, r.Body.(telephony.Release).ConnID)
	}
	return out
}

func TestWaitForAgent(t *testing.T) {
	start := startCustomerFirst("_CB_DIM_TYPE", "WAIT_FOR_AGENT")
	scheduled := startCustomerFirst("_CB_DIM_TYPE", "SCHEDULED")
	reserved := []string{"SCHEDULED", "QUEUED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"}
	hangup := func(h *harness) {
		require.NoError(h.t, h.port.Hangup(telephony.ConnID(outbound(1))))
		h.settle()
	}
	scenarios := []scenario{
		{
			name: "immediate: agent reserved, customer dialed and transferred to that agent", template: "callback-immediate",
			script: func(h *harness) {
				h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: 60 * time.Second})
				h.port.Script(telephony.KindMakeCall, telephony.Answer{Delay: 10 * time.Second})
			},
			drive: func(h *harness, s *interp.Session) {
				require.Empty(h.t, h.port.RequestsOf(telephony.KindQueueSubmit), "no reservation before the virtual interaction")
				virtualInteraction(h)
				h.advance(50 * time.Second)
				require.Empty(h.t, h.port.RequestsOf(telephony.KindMakeCall), "the customer is dialed only once an agent is reserved")
				h.advance(120 * time.Second)
				hangup(h)
				assert.Equal(h.t, []string{"VQ_Callback"}, queues(h), "the reserved agent gets the call: no outbound queue")
				routes := h.port.RequestsOf(telephony.KindRoute)
				require.Len(h.t, routes, 1)
				assert.Equal(h.t, "7001", routes[0].Body.(telephony.Route).To)
				assert.Equal(h.t, "RP_CB", h.port.RequestsOf(telephony.KindMakeCall)[0].Body.(telephony.MakeCall).ThisDN)
			},
			lifecycle: reserved,
			start:     start,
			final:     connectedAt(start, t0+60, t0+70, t0+170, outbound(1), "_CB_D_WAITING_FOR_AGENT_OFFLINE", 60),
			attached:  map[string][]map[string]any{outbound(1): {connectedCall(t0 + 70)}},
		},
		{
			name: "scheduled: agent reserved at the desired time", template: "callback-scheduled",
			req: []string{"_desired_time", "2026-11-21T11:00:00.000Z"},
			script: func(h *harness) {
				h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: 60 * time.Second})
			},
			drive: func(h *harness, s *interp.Session) {
				virtualInteraction(h)
				h.advance(3600 * time.Second)
				require.Len(h.t, h.port.RequestsOf(telephony.KindQueueSubmit), 1)
				assert.Equal(h.t, epoch.Add(time.Hour), h.port.RequestsOf(telephony.KindQueueSubmit)[0].Time, "reserved at the desired time")
				h.advance(160 * time.Second)
				hangup(h)
				assert.Equal(h.t, []string{"VQ_Callback"}, queues(h))
			},
			lifecycle: append([]string{"SCHEDULED"}, reserved...),
			start:     scheduled,
			final:     connectedAt(scheduled, t0+3660, t0+3660, t0+3760, outbound(1), "_CB_D_WAITING_FOR_AGENT_OFFLINE", 3660),
			attached:  map[string][]map[string]any{outbound(1): {connectedCall(t0 + 3660)}},
		},
		{
			name: "no agent reserved before the queue timeout", template: "callback-immediate", opts: []string{"_urs_queued_ttl", "30"},
			script: func(h *harness) {
				h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: time.Hour})
			},
			drive: func(h *harness, s *interp.Session) {
				virtualInteraction(h)
				h.advance(100 * time.Second)
				assert.Empty(h.t, h.port.RequestsOf(telephony.KindMakeCall), "the customer is never dialed")
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "COMPLETED _callback_reason=FAIL_QUEUEING"},
			start:     start,
			final: with(start, "_CB_FINAL_RECORD", 1, "_CB_DISPOSITION", "QUEUED.FAILED", "_CB_T_SERVICE_END", t0+30,
				"_CB_D_WAITING_FOR_AGENT_OFFLINE", 30),
		},
		{
			name: "reserved agent lost: the transfer fails, the call waits for another agent", template: "callback-immediate",
			script: func(h *harness) {
				h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: 60 * time.Second}, telephony.Answer{Delay: 30 * time.Second})
				h.port.Script(telephony.KindRoute, telephony.Answer{ErrorCode: telephony.ErrCodeInvalidDN, ErrorMessage: "agent logged out"})
			},
			drive: func(h *harness, s *interp.Session) {
				virtualInteraction(h)
				h.advance(190 * time.Second)
				hangup(h)
				assert.Equal(h.t, []string{"VQ_Callback", "VQ_Callback_Outbound"}, queues(h))
			},
			lifecycle: reserved,
			start:     start,
			final: connectedAt(start, t0+60, t0+60, t0+190, outbound(1), "_CB_D_WAITING_FOR_AGENT_OFFLINE", 60,
				"_CB_N_TRANSFER_TO_AGENT_FAILED", 1, "_CB_D_CUSTOMER_CONNECTED_WAITING_FOR_AGENT", 30),
			attached: map[string][]map[string]any{outbound(1): {connectedCall(t0 + 60)}},
		},
		{
			name: "reserved agent lost: the virtual interaction goes while the customer rings", template: "callback-immediate",
			script: func(h *harness) {
				h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: 60 * time.Second}, telephony.Answer{Delay: 20 * time.Second})
				h.port.Script(telephony.KindMakeCall, telephony.Answer{Delay: 10 * time.Second})
			},
			drive: func(h *harness, s *interp.Session) {
				virtualInteraction(h)
				h.advance(65 * time.Second)
				require.True(h.t, h.rt.ReleaseVirtual("VIRT1"))
				h.advance(125 * time.Second)
				hangup(h)
				assert.Equal(h.t, []string{"VQ_Callback", "VQ_Callback_Outbound"}, queues(h))
			},
			lifecycle: reserved,
			start:     start,
			final: connectedAt(start, t0+60, t0+70, t0+190, outbound(1), "_CB_D_WAITING_FOR_AGENT_OFFLINE", 60,
				"_CB_D_CUSTOMER_CONNECTED_WAITING_FOR_AGENT", 20),
			attached: map[string][]map[string]any{outbound(1): {connectedCall(t0 + 70)}},
		},
		{
			name: "redial reserves an agent again", template: "callback-immediate",
			script: func(h *harness) {
				h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: 60 * time.Second}, telephony.Answer{Delay: 60 * time.Second})
				h.port.Script(telephony.KindMakeCall, failedDial("Busy", 1))
			},
			drive: func(h *harness, s *interp.Session) {
				virtualInteraction(h)
				h.advance(500 * time.Second)
				hangup(h)
				assert.Equal(h.t, []string{"VQ_Callback", "VQ_Callback"}, queues(h))
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "QUEUED", "SCHEDULED", "QUEUED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"},
			start:     start,
			final: connectedAt(start, t0+420, t0+420, t0+500, outbound(1), "_CB_D_WAITING_FOR_AGENT_OFFLINE", 60,
				"_CB_DIAL_1_RESULT", "BUSY", "_CB_T_DIAL_1", t0+60, "_CB_DIAL_2_RESULT", "CONNECTED", "_CB_T_DIAL_2", t0+420,
				"_CB_FIRST_OUT_IXN_ID", "OUT1", "_CB_N_CALLBACK_MEDIA_ATTEMPTS", 2, "_CB_T_READY_TO_START_MEDIA_IXN", t0+60,
				"_CB_T_NEXT_REDIAL_ATTEMPT", t0+360, "_CB_D_ESTABLISH_MEDIA_IXN", 360),
			attached: map[string][]map[string]any{outbound(1): {connectedCall(t0 + 420)}},
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, func(t *testing.T) {
			sc.opts = append(sc.opts, "_wait_for_agent", "true")
			sc.run(t)
		})
	}
}

func TestUntestedPaths(t *testing.T) {
	scheduled := startCustomerFirst("_CB_DIM_TYPE", "SCHEDULED")
	agentFirst := startCustomerFirst("_CB_DIM_TYPE", "WAIT_FOR_AGENT", "_CB_DIM_CONNECT_ORDER", "AGENT_FIRST_NO_PREVIEW")
	pushed := startCustomerFirst("_CB_DIM_CALL_DIRECTION", "CUSTOMER_ORIGINATED")
	inQueue := startCustomerFirst("_CB_CUSTOMER_ANI", "5550001", "_CB_DIM_CHANNEL", "IVR", "_CB_N_CALLBACK_ACCEPTED", 0,
		"_CB_T_CALLBACK_ACCEPTED", nil, "_CB_D_CALLBACK_OFFER", 60)
	// cutShort is the final UserEvent of an immediate callback whose
	// only dial attempt (OUT1, at t0) was still ringing when it ended
	// at end with disposition.
	cutShort := func(end int, disposition string) map[string]any {
		return with(startCustomerFirst(), "_CB_FINAL_RECORD", 1, "_CB_DIAL_1_RESULT", "NO_ANSWER", "_CB_T_DIAL_1", t0,
			"_CB_DIM_FINAL_DIAL_RESULT", "NO_ANSWER", "_CB_N_CALLBACK_MEDIA_ATTEMPTS", 1, "_CB_T_LAST_DIAL_ATTEMPT", t0,
			"_CB_T_READY_TO_START_MEDIA_IXN", t0, "_CB_FIRST_OUT_IXN_ID", "OUT1", "_CB_LAST_OUT_IXN_ID", "OUT1",
			"_CB_DISPOSITION", disposition, "_CB_T_SERVICE_END", end, "_CB_D_WAITING_FOR_AGENT_OFFLINE", 0)
	}
	ringsThen := func(act func(h *harness, s *interp.Session)) func(h *harness, s *interp.Session) {
		return func(h *harness, s *interp.Session) {
			h.advance(20 * time.Second)
			require.Equal(h.t, s.ID(), h.rt.Owner("OUT1"), "OUT1 rings for the session")
			require.Empty(h.t, released(h))
			act(h, s)
			assert.Equal(h.t, []telephony.ConnID{"OUT1"}, released(h), "the ringing call is released")
		}
	}
	okPush := pushServer(t, http.StatusOK)
	scenarios := []scenario{
		{
			name: "reschedule moves the desired time", template: "callback-scheduled",
			req: []string{"_desired_time", "2026-11-21T11:00:00.000Z"},
			drive: func(h *harness, s *interp.Session) {
				h.advance(600 * time.Second)
				h.send(s, "callback.reschedule", map[string]any{"_desired_delay": float64(1800), "_desired_time": "2026-11-21T10:40:00.000Z"})
				h.advance(1700 * time.Second)
				require.Empty(h.t, h.port.RequestsOf(telephony.KindMakeCall), "not dialed before the new time")
				h.advance(200 * time.Second)
				calls := h.port.RequestsOf(telephony.KindMakeCall)
				require.Len(h.t, calls, 1)
				assert.Equal(h.t, epoch.Add(2400*time.Second), calls[0].Time)
				require.NoError(h.t, h.port.Hangup(telephony.ConnID(outbound(1))))
				h.settle()
			},
			lifecycle: []string{"SCHEDULED", "SCHEDULED", "SCHEDULED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"},
			start:     scheduled,
			final:     connectedAt(scheduled, t0+2400, t0+2400, t0+2500, outbound(1), "_CB_D_WAITING_FOR_AGENT_OFFLINE", 2400),
			attached:  map[string][]map[string]any{outbound(1): {connectedCall(t0 + 2400)}},
		},
		{
			name: "push sent, customer never calls", template: "callback-user-originated",
			opts: []string{"_call_direction", "USERORIGINATED", "_push_notification_url", okPush, "_push_confirm_timeout", "60", "_max_dial_attempts", "1"},
			drive: func(h *harness, s *interp.Session) {
				h.settleHTTP()
				h.advance(100 * time.Second)
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "COMPLETED _callback_reason=FAIL_CALL_TO_CUSTOMER"},
			start:     pushed,
			final: with(pushed, "_CB_FINAL_RECORD", 1, "_CB_DIAL_1_RESULT", "PUSH_DELIVERY_NOT_CONFIRMED", "_CB_T_DIAL_1", t0,
				"_CB_DIM_FINAL_DIAL_RESULT", "PUSH_DELIVERY_NOT_CONFIRMED", "_CB_DISPOSITION", "QUEUED.REDIAL_LIMIT_REACHED",
				"_CB_N_CALLBACK_MEDIA_ATTEMPTS", 1, "_CB_T_LAST_DIAL_ATTEMPT", t0, "_CB_T_READY_TO_START_MEDIA_IXN", t0,
				"_CB_T_SERVICE_END", t0+60, "_CB_D_WAITING_FOR_AGENT_OFFLINE", 0),
		},
		{
			name: "cancel while the call rings", template: "callback-immediate",
			script: func(h *harness) { h.port.Script(telephony.KindMakeCall, ringing()) },
			drive: ringsThen(func(h *harness, s *interp.Session) {
				h.send(s, "callback.cancel", nil)
			}),
			lifecycle: []string{"SCHEDULED", "QUEUED", "COMPLETED _callback_reason=CANCELLED"},
			start:     startCustomerFirst(),
			final:     cutShort(t0+20, "QUEUED.CANCELLED"),
		},
		{
			name: "script error while the call rings", template: "callback-immediate",
			script: func(h *harness) { h.port.Script(telephony.KindMakeCall, ringing()) },
			drive: ringsThen(func(h *harness, s *interp.Session) {
				// A party change without its party: the dial state's
				// condition throws, which is error.execution.
				h.send(s, "interaction.partystatechanged", map[string]any{"interactionid": "OUT1"})
			}),
			lifecycle: []string{"SCHEDULED", "QUEUED", "COMPLETED _callback_reason=FAIL_ERROR"},
			start:     startCustomerFirst(),
			final:     cutShort(t0+20, "QUEUED.FAILED"),
			errors:    1,
		},
		{
			name: "TTL before the desired time", template: "callback-scheduled", opts: []string{"_ttl", "600"},
			req:       []string{"_desired_time", "2026-11-21T11:00:00.000Z"},
			drive:     func(h *harness, s *interp.Session) { h.advance(time.Hour) },
			lifecycle: []string{"SCHEDULED", "SCHEDULED", "COMPLETED _callback_reason=FAIL_TIMEOUT_TTL"},
			start:     scheduled,
			final: with(scheduled, "_CB_FINAL_RECORD", 1, "_CB_DISPOSITION", "SCHEDULED.FAILED", "_CB_T_SERVICE_END", t0+600,
				"_CB_D_WAITING_FOR_AGENT_OFFLINE", 600),
		},
		{
			name: "TTL while an agent is reserved", template: "callback-agent-first", opts: []string{"_ttl", "100"},
			script: func(h *harness) { h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Silent: true}) },
			drive: func(h *harness, s *interp.Session) {
				virtualInteraction(h)
				h.advance(200 * time.Second)
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "COMPLETED _callback_reason=FAIL_TIMEOUT_TTL"},
			start:     agentFirst,
			final: with(agentFirst, "_CB_FINAL_RECORD", 1, "_CB_DISPOSITION", "QUEUED.FAILED", "_CB_T_SERVICE_END", t0+100,
				"_CB_D_WAITING_FOR_AGENT_OFFLINE", 100),
		},
		{
			name: "TTL during the in-queue offer", template: "callback-in-queue", opts: []string{"_ttl", "60"},
			req: []string{"_originating_interaction_id", "IN1"},
			script: func(h *harness) {
				h.port.NewCall(telephony.Call{ConnID: "IN1", ThisDN: "RP_IN", ANI: "5550001"})
				h.settle()
			},
			drive:     func(h *harness, s *interp.Session) { h.advance(100 * time.Second) },
			lifecycle: []string{"QUEUED", "COMPLETED _callback_reason=FAIL_TIMEOUT_TTL"},
			start:     inQueue,
			final:     with(inQueue, "_CB_FINAL_RECORD", 1, "_CB_DISPOSITION", "QUEUED.FAILED", "_CB_T_SERVICE_END", t0+60),
			attached:  map[string][]map[string]any{"IN1": {{"_CB_T_CALLBACK_OFFERED": t0}}},
		},
		{
			name: "TTL while waiting for the customer's call", template: "callback-user-originated",
			opts: []string{"_call_direction", "USERORIGINATED", "_push_notification_url", okPush, "_ttl", "60"},
			drive: func(h *harness, s *interp.Session) {
				h.settleHTTP()
				h.advance(100 * time.Second)
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "COMPLETED _callback_reason=FAIL_TIMEOUT_TTL"},
			start:     pushed,
			final: with(pushed, "_CB_FINAL_RECORD", 1, "_CB_DIAL_1_RESULT", "PUSH_DELIVERY_NOT_CONFIRMED", "_CB_T_DIAL_1", t0,
				"_CB_DIM_FINAL_DIAL_RESULT", "PUSH_DELIVERY_NOT_CONFIRMED", "_CB_DISPOSITION", "QUEUED.FAILED",
				"_CB_N_CALLBACK_MEDIA_ATTEMPTS", 1, "_CB_T_LAST_DIAL_ATTEMPT", t0, "_CB_T_READY_TO_START_MEDIA_IXN", t0,
				"_CB_T_SERVICE_END", t0+60, "_CB_D_WAITING_FOR_AGENT_OFFLINE", 0),
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, sc.run)
	}
}
