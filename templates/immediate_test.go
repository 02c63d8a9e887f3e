package templates_test

import (
	"testing"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// startCustomerFirst is the start UserEvent of a customer-first callback
// requested at t0.
func startCustomerFirst(kv ...any) map[string]any {
	return with(map[string]any{
		"_CB_CUSTOMER_PHONE_NUMBER": "5551234", "_CB_DIM_CALL_DIRECTION": "CUSTOMER_TERMINATED",
		"_CB_DIM_CONNECT_ORDER": "CUSTOMER_FIRST", "_CB_DIM_TYPE": "IMMEDIATE", "_CB_DIM_VQ": "VQ_Callback",
		"_CB_D_CALLBACK_OFFER": 0, "_CB_FINAL_RECORD": 0, "_CB_IXN_START_IGNORING_AVAILABILITY": 0,
		"_CB_N_CALLBACK_ACCEPTED": 1, "_CB_N_CALLBACK_OFFERED": 1, "_CB_ORS_SESSION_ID": "SVC-1",
		"_CB_SERVICE_ID": "SVC-1", "_CB_TENANT_DBID": 101, "_CB_T_CALLBACK_ACCEPTED": t0,
		"_CB_T_CALLBACK_OFFERED": t0, "_CB_T_SERVICE_START": t0,
	}, kv...)
}

// finalFailedDials is the final UserEvent of a callback whose dial
// attempts (at t0, t0+300, ...) all failed with result, ended at end.
func finalFailedDials(start map[string]any, result string, attempts int, end int, kv ...any) map[string]any {
	m := with(start, "_CB_FINAL_RECORD", 1, "_CB_T_SERVICE_END", end, "_CB_DIM_FINAL_DIAL_RESULT", result,
		"_CB_N_CALLBACK_MEDIA_ATTEMPTS", attempts, "_CB_T_READY_TO_START_MEDIA_IXN", t0,
		"_CB_T_LAST_DIAL_ATTEMPT", t0+300*(attempts-1), "_CB_D_WAITING_FOR_AGENT_OFFLINE", 0,
		"_CB_FIRST_OUT_IXN_ID", "OUT1")
	for i := 1; i <= attempts; i++ {
		n := string(rune('0' + i))
		m["_CB_DIAL_"+n+"_RESULT"] = result
		m["_CB_T_DIAL_"+n] = t0 + 300*(i-1)
	}
	return with(m, kv...)
}

// connectedCall is what the callback attaches to the outbound call when
// the customer is connected at connected.
func connectedCall(connected int) map[string]any {
	return map[string]any{"_CB_SERVICE_ID": "SVC-1", "_CB_T_SERVICE_START": t0, "_CB_T_CALLBACK_ACCEPTED": t0, "_CB_T_CUSTOMER_CONNECTED": connected}
}

// scenario is one path of a template.
type scenario struct {
	name     string
	template string
	// file, when set, is a user's strategy run by a service of template.
	file string
	opts []string
	req  []string
	// script scripts the port's answers before the session starts.
	script func(h *harness)
	// drive drives the session after it started.
	drive     func(h *harness, s *interp.Session)
	lifecycle []string
	start     map[string]any
	final     map[string]any
	// attached are the user data updates per call (ConnID).
	attached map[string][]map[string]any
	// errors is the number of error events the session is expected to
	// raise (a script error).
	errors int
}

// run plays the scenario twice: once in one process, once with the
// process dropped and started again on its store whenever the sessions
// settle. Both must meet the expectations and do exactly the same: the
// same lifecycle, logs, UserEvents and attached data.
func (sc scenario) run(t *testing.T) {
	plain := sc.play(t, newHarness(t))
	restarted := sc.play(t, newRestartingHarness(t))
	t.Logf("%d restarts, %d snapshots", restarted.restarted, restarted.store.commits)
	assert.Equal(t, plain.lifecycle(), restarted.lifecycle(), "lifecycle with restarts")
	assert.Equal(t, plain.logs, restarted.logs, "logs with restarts")
	assert.Equal(t, plain.userEvents(), restarted.userEvents(), "UserEvents with restarts")
	assert.Equal(t, plain.allAttached(), restarted.allAttached(), "attached data with restarts")
	assert.Equal(t, len(plain.errs), len(restarted.errs), "errors with restarts: %v", restarted.errs)
	assert.Empty(t, restarted.store.saved, "the store forgets a session that ended")
}

// play runs the scenario on h and checks the expectations.
func (sc scenario) play(t *testing.T, h *harness) *harness {
	if sc.script != nil {
		sc.script(h)
	}
	chart := h.chart(sc.template)
	if sc.file != "" {
		chart = h.chartFile(sc.file)
	}
	s := h.start(chart, sc.template, baseOptions(sc.opts...), request(sc.req...))
	sc.drive(h, s)
	require.False(t, h.host.Live(s.ID()), "session still in %v; lifecycle %v; logs %v", s.Atomic(), h.lifecycle(), h.logs)
	assert.Equal(t, sc.lifecycle, h.lifecycle())
	assert.Empty(t, h.probs, "reporting problems")
	assert.Len(t, h.errs, sc.errors, "session errors: %v", h.errs)
	assert.Empty(t, h.rep.Held(), "held UserEvents")
	ues := h.userEvents()
	require.Len(t, ues, 2, "start and final UserEvents")
	assert.Equal(t, sc.start, ues[0], "start UserEvent")
	assert.Equal(t, sc.final, ues[1], "final UserEvent")
	want := sc.attached
	if want == nil {
		want = map[string][]map[string]any{}
	}
	assert.Equal(t, want, h.allAttached(), "call-attached data")
	return h
}

// outbound is the ConnID of the n-th call the Memory port makes.
func outbound(n int) string {
	return map[int]string{1: "006E02C1A0000001", 2: "006E02C1A0000002", 3: "006E02C1A0000003"}[n]
}

func TestImmediate(t *testing.T) {
	answered := func(h *harness) {
		h.port.Script(telephony.KindMakeCall, telephony.Answer{Delay: 10 * time.Second})
		h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: 30 * time.Second})
	}
	success := with(startCustomerFirst(), "_CB_FINAL_RECORD", 1, "_CB_DIAL_1_RESULT", "CONNECTED", "_CB_DIM_FINAL_DIAL_RESULT", "CONNECTED",
		"_CB_DIM_FINAL_TARGET", "Agent1@SIP_Switch.A", "_CB_DISPOSITION", "COMPLETED.AGENT",
		"_CB_D_CUSTOMER_CONNECTED_WAITING_FOR_AGENT", 30, "_CB_D_ESTABLISH_MEDIA_IXN", 10, "_CB_D_WAITING_FOR_AGENT_OFFLINE", 0,
		"_CB_FIRST_OUT_IXN_ID", outbound(1), "_CB_LAST_OUT_IXN_ID", outbound(1), "_CB_N_AGENT_ADDED_TO_IXN", 1,
		"_CB_N_CALLBACK_MEDIA_ATTEMPTS", 1, "_CB_N_IXN_REQ_AGENT", 1, "_CB_T_CUSTOMER_CONNECTED", t0+10,
		"_CB_T_DIAL_1", t0, "_CB_T_LAST_DIAL_ATTEMPT", t0, "_CB_T_READY_TO_START_MEDIA_IXN", t0, "_CB_T_SERVICE_END", t0+100)
	full := []string{"SCHEDULED", "QUEUED", "ROUTING", "PROCESSING"}
	scenarios := []scenario{
		{
			name: "agent connected, call ends", template: "callback-immediate",
			script: answered,
			drive: func(h *harness, s *interp.Session) {
				h.advance(40 * time.Second)
				h.advance(60 * time.Second)
				require.NoError(t, h.port.Hangup(telephony.ConnID(outbound(1))))
				h.settle()
			},
			lifecycle: append(full, "COMPLETED _callback_reason=AGENT_CONNECTED"),
			start:     startCustomerFirst(), final: success,
			attached: map[string][]map[string]any{outbound(1): {connectedCall(t0 + 10)}},
		},
		{
			name: "agent submits a disposition", template: "callback-immediate",
			script: answered,
			drive: func(h *harness, s *interp.Session) {
				h.advance(100 * time.Second)
				h.send(s, "callback.complete", map[string]any{"_disposition": "COMPLETED.TRANSFERRED_TO_RP"})
			},
			lifecycle: append(full, "COMPLETED _callback_reason=AGENT_CONNECTED"),
			start:     startCustomerFirst(), final: with(success, "_CB_DISPOSITION", "COMPLETED.TRANSFERRED_TO_RP"),
			attached: map[string][]map[string]any{outbound(1): {connectedCall(t0 + 10)}},
		},
		{
			name: "redial limit", template: "callback-immediate",
			script: func(h *harness) {
				h.port.Script(telephony.KindMakeCall, failedDial("Busy", 1), failedDial("Busy", 2), failedDial("Busy", 3))
			},
			drive: func(h *harness, s *interp.Session) {
				h.advance(0)
				h.advance(700 * time.Second)
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "SCHEDULED", "QUEUED", "SCHEDULED", "QUEUED", "COMPLETED _callback_reason=FAIL_CALL_TO_CUSTOMER"},
			start:     startCustomerFirst(),
			final: finalFailedDials(startCustomerFirst(), "BUSY", 3, t0+600, "_CB_DISPOSITION", "QUEUED.REDIAL_LIMIT_REACHED",
				"_CB_LAST_OUT_IXN_ID", "OUT3", "_CB_T_NEXT_REDIAL_ATTEMPT", t0+600),
		},
		{
			name: "cancelled while waiting to redial", template: "callback-immediate",
			script: func(h *harness) { h.port.Script(telephony.KindMakeCall, failedDial("NoAnswer", 1)) },
			drive: func(h *harness, s *interp.Session) {
				h.advance(100 * time.Second)
				h.send(s, "callback.cancel", nil)
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "SCHEDULED", "COMPLETED _callback_reason=CANCELLED"},
			start:     startCustomerFirst(),
			final: finalFailedDials(startCustomerFirst(), "NO_ANSWER", 1, t0+100, "_CB_DISPOSITION", "SCHEDULED.CANCELLED",
				"_CB_LAST_OUT_IXN_ID", "OUT1", "_CB_T_NEXT_REDIAL_ATTEMPT", t0+300),
		},
		{
			name: "TTL expires", template: "callback-immediate", opts: []string{"_ttl", "500", "_max_dial_attempts", "5"},
			script: func(h *harness) { h.port.Script(telephony.KindMakeCall, failedDial("Busy", 1), failedDial("Busy", 2)) },
			drive: func(h *harness, s *interp.Session) {
				h.advance(1000 * time.Second)
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "SCHEDULED", "QUEUED", "SCHEDULED", "COMPLETED _callback_reason=FAIL_TIMEOUT_TTL"},
			start:     startCustomerFirst(),
			final: finalFailedDials(startCustomerFirst(), "BUSY", 2, t0+500, "_CB_DISPOSITION", "SCHEDULED.FAILED",
				"_CB_LAST_OUT_IXN_ID", "OUT2", "_CB_T_NEXT_REDIAL_ATTEMPT", t0+600),
		},
	}
	for _, sc := range scenarios {
		t.Run(sc.name, sc.run)
	}
	user := scenarios[0]
	user.name, user.file = "a user's own strategy", "testdata/my-callback.scxml"
	t.Run(user.name, user.run)
}
