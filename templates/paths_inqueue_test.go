package templates_test

import (
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
)

// caller has a caller waiting in the inbound calls' queue (put there by
// the IVR's own strategy): IN1, ANI 5550001, behind two others, in a
// queue that distributed three calls 50s apart; the callback's outbound
// queue distributed two calls 90s apart.
func caller(h *harness) {
	h.traffic("VQ_Callback_Outbound", 2, 90*time.Second, 0)
	h.traffic("VQ_Callback_Inbound", 3, 50*time.Second, 2)
	h.port.NewCall(telephony.Call{ConnID: "IN1", CallID: "30001", ThisDN: "RP_IN", ANI: "5550001"})
	h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Silent: true})
	_, err := h.port.SubmitToQueue(telephony.QueueSubmit{ConnID: "IN1", Queue: "VQ_Callback_Inbound", Targets: []string{"Agent1@SIP_Switch.A"}, Priority: 4})
	require.NoError(h.t, err)
	h.advance(40 * time.Second)
}

// answerOffer has the IVR attach the caller's answer after 15s ("" hangs
// up instead).
func answerOffer(result string) func(h *harness, s *interp.Session) {
	return func(h *harness, s *interp.Session) {
		h.advance(15 * time.Second)
		if result == "" {
			require.NoError(h.t, h.port.Abandon("IN1"))
			h.settle()
			return
		}
		require.NoError(h.t, h.port.ChangeUserData("IN1", telephony.UserData{{Key: "_callback_offer_result", Value: result}}))
		h.settle()
	}
}

func inQueuePaths() []scenario {
	paths := []scenario{
		{
			name: "accepted", drive: acceptAndTalk,
			lifecycle: []string{"QUEUED", "SCHEDULED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"},
			check: func(t *testing.T, r *result) {
				// The caller stood third among the inbound queue's callers,
				// 40s in, 150s from an agent.
				assert.Equal(t, 3, r.start["_CB_POS_WHEN_CALLBACK_WAS_OFFERED"])
				assert.Equal(t, 40, r.start["_CB_D_CUSTOMER_WAITED_BEFORE_OFFER"])
				assert.Equal(t, 150, r.start["_CB_OFFER_EWT_INBOUND_VQ"])
				assert.Equal(t, 90, r.start["_CB_EWT_WHEN_CALLBACK_WAS_OFFERED"], "the accepted callbacks' queue: a newcomer, 90s")
				assert.Equal(t, 4, r.start["_CB_PRIORITY_WHEN_CALLBACK_ACCEPTED"])
				assert.Equal(t, 15, r.start["_CB_D_CALLBACK_OFFER"])
				r.finalIs(t, "_CB_DIM_VQ", "VQ_Callback_Outbound")
				r.finalIs(t, "_CB_DIM_OFFER_TIMING", "ON-HOURS")
				r.finalIs(t, "_CB_CUSTOMER_ANI", "5550001")
			},
		},
		{
			name: "declined", drive: answerOffer("declined"),
			lifecycle: []string{"QUEUED", "COMPLETED _callback_reason=CANCELLED"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DISPOSITION", "QUEUED.REJECTED")
				r.finalIs(t, "_CB_DIM_VQ", "VQ_Callback_Inbound")
				r.finalIs(t, "_CB_DIM_VQ_DBID", 303)
				r.finalIs(t, "_CB_N_CALLBACK_ACCEPTED", 0)
			},
		},
		{
			name: "abandoned during the offer", drive: answerOffer(""),
			lifecycle: []string{"QUEUED", "COMPLETED _callback_reason=FAIL_INTERACTION_DELETED"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DISPOSITION", "QUEUED.ABANDONED_IN_QUEUE")
				r.finalIs(t, "_CB_N_ABANDONED_DURING_CALLBACK_OFFER", 1)
				// The inbound call is tied to the callback from the offer on.
				require.NotEmpty(t, r.rec.Calls)
				in1 := r.rec.Calls[0].Data
				assert.Equal(t, "SVC-1", in1[len(in1)-1].KVPs["_CB_SERVICE_ID"])
			},
		},
		{
			name: "not offered: the expected wait is below the threshold", opts: []string{"_offer_ewt_threshold", "600"},
			lifecycle: []string{"QUEUED", "COMPLETED _callback_reason=CANCELLED"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_N_CALLBACK_OFFERED", 0)
				r.finalIs(t, "_CB_D_CALLBACK_OFFER", 0)
				r.finalIs(t, "_CB_EWT_THRESHOLD_WHEN_OFFERED", 600)
				r.finalIs(t, "_CB_DIM_VQ", "VQ_Callback_Inbound")
				assert.Empty(t, r.h.port.RequestsOf(telephony.KindTreatment), "no offer played")
			},
		},
		{
			name: "the caller does not answer the offer", opts: []string{"_offer_timeout", "60"},
			drive:     func(h *harness, s *interp.Session) { h.advance(100 * time.Second) },
			lifecycle: []string{"QUEUED", "COMPLETED _callback_reason=FAIL_USER_NO_CONFIRM"},
			check:     func(t *testing.T, r *result) { r.finalIs(t, "_CB_DISPOSITION", "QUEUED.FAILED") },
		},
		{
			name: "TTL during the offer", opts: []string{"_ttl", "60"},
			drive:     func(h *harness, s *interp.Session) { h.advance(100 * time.Second) },
			lifecycle: []string{"QUEUED", "COMPLETED _callback_reason=FAIL_TIMEOUT_TTL"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_N_CALLBACK_ACCEPTED", 0)
				r.finalIs(t, "_CB_DIM_VQ", "VQ_Callback_Inbound")
			},
		},
		{
			name: "accepted after hours: called back at the opening", opts: []string{"_business_hours", "Mon-Fri 08:00-18:00", "_ttl", "259200"},
			drive: func(h *harness, s *interp.Session) {
				answerOffer("accepted")(h, s)
				h.advance(46 * time.Hour)
				require.Len(h.t, h.port.RequestsOf(telephony.KindMakeCall), 1)
				assert.Equal(h.t, time.Date(2026, 11, 23, 8, 0, 0, 0, time.UTC), h.port.RequestsOf(telephony.KindMakeCall)[0].Time)
				h.advance(100 * time.Second)
				h.hangup(h.madeCall(1))
			},
			lifecycle: []string{"QUEUED", "SCHEDULED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DIM_OFFER_TIMING", "OFF-HOURS")
				r.finalIs(t, "_CB_DIM_CALLBACK_OFFER_TYPE", "SCHEDULED")
				r.finalIs(t, "_CB_DIM_TYPE", "SCHEDULED")
			},
		},
		// The request gives what the offer's statistics would: the
		// strategy keeps the request's values without a word, and reads
		// the others.
		givenAtOffer("the request gives the offer's EWT and position", 33, 7),
		givenAtOffer("the request gives the offer's EWT", 33, 0),
		givenAtOffer("the request gives the offer's position", 0, 7),
	}
	for i := range paths {
		paths[i].template = "callback-in-queue"
		paths[i].req = append(paths[i].req, "_originating_interaction_id", "IN1")
		paths[i].script = caller
	}
	return paths
}

// acceptAndTalk has the caller accept the offer, and the agent talk
// 100s with the customer called back.
func acceptAndTalk(h *harness, s *interp.Session) {
	answerOffer("accepted")(h, s)
	h.advance(100 * time.Second)
	h.hangup(h.madeCall(1))
}

// givenAtOffer is the accepted path of a request that gives
// _cb_ewt_when_callback_was_offered as ewt and
// _cb_pos_when_callback_was_offered as pos (0: not given). The
// statistics differ from them (a newcomer to the outbound queue waits
// 90s, the caller stands third in the inbound queue): a statistic read
// for a KVP the request gave would be logged as a problem.
func givenAtOffer(name string, ewt, pos int) scenario {
	var req []string
	want := map[string]int{"_CB_EWT_WHEN_CALLBACK_WAS_OFFERED": 90, "_CB_POS_WHEN_CALLBACK_WAS_OFFERED": 3}
	if ewt != 0 {
		req = append(req, "_cb_ewt_when_callback_was_offered", strconv.Itoa(ewt))
		want["_CB_EWT_WHEN_CALLBACK_WAS_OFFERED"] = ewt
	}
	if pos != 0 {
		req = append(req, "_cb_pos_when_callback_was_offered", strconv.Itoa(pos))
		want["_CB_POS_WHEN_CALLBACK_WAS_OFFERED"] = pos
	}
	return scenario{
		name: "accepted, " + name, req: req, drive: acceptAndTalk,
		lifecycle: []string{"QUEUED", "SCHEDULED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"},
		check: func(t *testing.T, r *result) {
			for k, v := range want {
				assert.Equal(t, v, r.start[k], k)
			}
			// The inbound queue's other statistics are read still.
			assert.Equal(t, 150, r.start["_CB_OFFER_EWT_INBOUND_VQ"])
			assert.Equal(t, 40, r.start["_CB_D_CUSTOMER_WAITED_BEFORE_OFFER"])
			assert.Equal(t, 4, r.start["_CB_PRIORITY_WHEN_CALLBACK_ACCEPTED"])
		},
	}
}
