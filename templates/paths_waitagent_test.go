package templates_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
)

// virtualInteraction gives the session the interaction it reserves an
// agent with, as a host does for agent first and _wait_for_agent.
func virtualInteraction(h *harness) { h.virtual("VIRT1", "VQ_Callback") }

// queues returns the virtual queues of the session's queue submits, in
// order.
func queues(h *harness) []string {
	var out []string
	for _, r := range h.port.RequestsOf(telephony.KindQueueSubmit) {
		out = append(out, r.Body.(telephony.QueueSubmit).Queue)
	}
	return out
}

func waitForAgentPaths() []scenario {
	reserved := []string{"SCHEDULED", "QUEUED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"}
	paths := []scenario{
		{
			name: "immediate: the reserved agent takes the call", template: "callback-immediate",
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
				h.hangup(h.madeCall(1))
				assert.Equal(h.t, []string{"VQ_Callback"}, queues(h), "the reserved agent gets the call: no outbound queue")
				routes := h.port.RequestsOf(telephony.KindRoute)
				require.Len(h.t, routes, 1)
				assert.Equal(h.t, "7001", routes[0].Body.(telephony.Route).To)
			},
			lifecycle: reserved,
			check: func(t *testing.T, r *result) {
				assert.NotContains(t, r.final, "_CB_N_TRANSFER_TO_AGENT_FAILED")
				r.finalIs(t, "_CB_DIM_VQ", "VQ_Callback")
				r.finalIs(t, "_CB_DIM_TYPE", "WAIT_FOR_AGENT")
				r.finalIs(t, "_CB_D_WAITING_FOR_AGENT_OFFLINE", 60)
			},
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
				h.hangup(h.madeCall(1))
			},
			lifecycle: append([]string{"SCHEDULED"}, reserved...),
			check:     func(t *testing.T, r *result) { r.finalIs(t, "_CB_DIM_TYPE", "SCHEDULED") },
		},
		{
			name: "no agent reserved before the queue timeout", template: "callback-immediate", opts: []string{"_urs_queued_ttl", "30"},
			script: func(h *harness) { h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: time.Hour}) },
			drive: func(h *harness, s *interp.Session) {
				virtualInteraction(h)
				h.advance(100 * time.Second)
				assert.Empty(h.t, h.port.RequestsOf(telephony.KindMakeCall), "the customer is never dialed")
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "COMPLETED _callback_reason=FAIL_QUEUEING"},
			check:     func(t *testing.T, r *result) { r.finalIs(t, "_CB_DISPOSITION", "QUEUED.FAILED") },
		},
		{
			name: "reserved agent logged out: the call waits for another agent", template: "callback-immediate", lostReservation: true,
			script: func(h *harness) {
				h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: 60 * time.Second}, telephony.Answer{Delay: 30 * time.Second})
				h.port.Script(telephony.KindRoute, telephony.Answer{ErrorCode: telephony.ErrCodeInvalidDN, ErrorMessage: "agent logged out"})
			},
			drive: func(h *harness, s *interp.Session) {
				virtualInteraction(h)
				h.advance(190 * time.Second)
				h.hangup(h.madeCall(1))
				assert.Equal(h.t, []string{"VQ_Callback", "VQ_Callback_Outbound"}, queues(h))
			},
			lifecycle: reserved,
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_N_TRANSFER_TO_AGENT_FAILED", 1)
				r.finalIs(t, "_CB_DIM_VQ", "VQ_Callback_Outbound")
				r.finalIs(t, "_CB_DIM_VQ_DBID", 302)
			},
		},
		{
			name: "reservation lost: the virtual interaction goes while the customer rings", template: "callback-immediate",
			script: func(h *harness) {
				h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: 60 * time.Second}, telephony.Answer{Delay: 20 * time.Second})
				h.port.Script(telephony.KindMakeCall, telephony.Answer{Delay: 10 * time.Second})
			},
			drive: func(h *harness, s *interp.Session) {
				virtualInteraction(h)
				h.advance(65 * time.Second)
				require.True(h.t, h.rt.ReleaseVirtual("VIRT1"))
				h.advance(125 * time.Second)
				h.hangup(h.madeCall(1))
				assert.Equal(h.t, []string{"VQ_Callback", "VQ_Callback_Outbound"}, queues(h))
			},
			lifecycle: reserved,
			check:     func(t *testing.T, r *result) { r.finalIs(t, "_CB_DIM_VQ", "VQ_Callback_Outbound") },
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
				h.hangup(h.madeCall(2))
				assert.Equal(h.t, []string{"VQ_Callback", "VQ_Callback"}, queues(h))
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "QUEUED", "SCHEDULED", "QUEUED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_D_ESTABLISH_MEDIA_IXN", 0)
				r.finalIs(t, "_CB_N_CALLBACK_MEDIA_ATTEMPTS", 2)
			},
		},
	}
	for i := range paths {
		paths[i].opts = append(paths[i].opts, "_wait_for_agent", "true")
	}
	return paths
}
