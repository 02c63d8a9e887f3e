package templates_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
)

func scheduledPaths() []scenario {
	at11 := []string{"_desired_time", "2026-11-21T11:00:00.000Z"}
	return []scenario{
		{
			name: "desired time, confirmed, then snoozed and confirmed again", template: "callback-scheduled",
			opts: []string{"_wait_for_user_confirm", "true"}, req: at11,
			script: func(h *harness) {
				h.port.Script(telephony.KindTreatment, telephony.Answer{Delay: 20 * time.Second}, telephony.Answer{Delay: 20 * time.Second})
			},
			drive: func(h *harness, s *interp.Session) {
				h.advance(3610 * time.Second)
				h.send(s, "callback.snooze", nil)
				h.advance(420 * time.Second)
				h.hangup(h.madeCall(2))
			},
			lifecycle: []string{"SCHEDULED", "SCHEDULED", "QUEUED", "ROUTING", "SCHEDULED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"},
			check: func(t *testing.T, r *result) {
				// Snoozed on the first call, the customer first waits for
				// an agent on the second, once confirmed (+20s).
				r.finalIs(t, "_CB_T_CUSTOMER_CONNECTED", t0+3910+20)
				r.finalIs(t, "_CB_D_ESTABLISH_MEDIA_IXN", 20)
				r.finalIs(t, "_CB_N_IS_SNOOZED", 1)
				r.finalIs(t, "_CB_DIM_DIAL_DIALOG_RESULT", "RIGHT_PERSON")
				r.finalIs(t, "_CB_T_NEXT_REDIAL_ATTEMPT", t0+3910)
				require.Len(t, r.rec.Calls, 2)
				for _, d := range r.rec.Calls[0].Data {
					assert.NotContains(t, d.KVPs, "_CB_T_CUSTOMER_CONNECTED", "the snoozed call carries no connection")
				}
			},
		},
		{
			name: "reschedule moves the desired time", template: "callback-scheduled", req: at11,
			drive: func(h *harness, s *interp.Session) {
				h.advance(600 * time.Second)
				h.send(s, "callback.reschedule", map[string]any{"_desired_delay": float64(1800), "_desired_time": "2026-11-21T10:40:00.000Z"})
				h.advance(1700 * time.Second)
				require.Empty(h.t, h.port.RequestsOf(telephony.KindMakeCall), "not dialed before the new time")
				h.advance(200 * time.Second)
				calls := h.port.RequestsOf(telephony.KindMakeCall)
				require.Len(h.t, calls, 1)
				assert.Equal(h.t, epoch.Add(2400*time.Second), calls[0].Time)
				h.hangup(h.madeCall(1))
			},
			lifecycle: []string{"SCHEDULED", "SCHEDULED", "SCHEDULED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"},
			check:     func(t *testing.T, r *result) { r.finalIs(t, "_CB_D_WAITING_FOR_AGENT_OFFLINE", 2400) },
		},
		{
			name: "TTL before the desired time", template: "callback-scheduled", opts: []string{"_ttl", "600"}, req: at11,
			drive:     func(h *harness, s *interp.Session) { h.advance(time.Hour) },
			lifecycle: []string{"SCHEDULED", "SCHEDULED", "COMPLETED _callback_reason=FAIL_TIMEOUT_TTL"},
			check:     func(t *testing.T, r *result) { r.finalIs(t, "_CB_DISPOSITION", "SCHEDULED.FAILED") },
		},
		{
			name: "requested out of business hours", template: "callback-scheduled",
			opts: []string{"_business_hours", "Mon-Fri 08:00-18:00", "_business_hours_zone", "+01:00", "_ttl", "259200"},
			req:  []string{"_desired_time", "2026-11-23T09:00:00.000Z"},
			drive: func(h *harness, s *interp.Session) {
				h.advance(47 * time.Hour)
				h.hangup(h.madeCall(1))
			},
			lifecycle: []string{"SCHEDULED", "SCHEDULED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DIM_OFFER_TIMING", "OFF-HOURS")
				r.finalIs(t, "_CB_DIM_CALLBACK_OFFER_TYPE", "SCHEDULED")
			},
		},
	}
}
