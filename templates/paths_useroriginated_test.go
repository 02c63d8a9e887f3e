package templates_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
)

// pushServer returns the URL of a push notification endpoint that
// answers status; it lives as long as the test binary.
func pushServer(status int) string {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		w.WriteHeader(status)
		fmt.Fprint(w, `{}`)
	}))
	return srv.URL
}

var (
	pushOK      = pushServer(http.StatusOK)
	pushFailing = pushServer(http.StatusServiceUnavailable)
)

// callsIn has the customer call in on the route point after d.
func callsIn(d time.Duration) func(h *harness, s *interp.Session) {
	return func(h *harness, s *interp.Session) {
		h.advance(d)
		h.port.NewCall(telephony.Call{ConnID: "IN7", CallID: "30007", ThisDN: "RP_CB", ANI: "5551234"})
		h.advance(100 * time.Second)
		h.hangup("IN7")
	}
}

// confirmingPush is a push notification endpoint whose customer's
// application confirms the delivery (callback.push.delivered, as the GMS
// API's PUT _dial_result sends it) before the endpoint answers the push.
type confirmingPush struct {
	h   atomic.Pointer[harness]
	url string
}

func newConfirmingPush() *confirmingPush {
	p := &confirmingPush{}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		if h := p.h.Load(); h != nil {
			_ = h.host.Send(r.Form.Get("_id"), &interp.Event{Name: "callback.push.delivered", Type: interp.External})
		}
		fmt.Fprint(w, `{}`)
	}))
	p.url = srv.URL
	return p
}

func userOriginatedPaths() []scenario {
	early := newConfirmingPush()
	paths := []scenario{
		{
			name: "customer calls in", opts: []string{"_push_notification_url", pushOK}, drive: callsIn(30 * time.Second),
			lifecycle: []string{"SCHEDULED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DIAL_1_RESULT", "USERORIGINATED_CONNECTED")
				r.finalIs(t, "_CB_D_ESTABLISH_MEDIA_IXN", 30)
				assert.NotContains(t, r.final, "_CB_FIRST_OUT_IXN_ID")
			},
		},
		{
			name: "push delivered, customer never calls", opts: []string{"_push_notification_url", pushOK, "_push_confirm_timeout", "60", "_max_dial_attempts", "1"},
			drive: func(h *harness, s *interp.Session) {
				h.advance(5 * time.Second)
				h.send(s, "callback.push.delivered", nil)
				h.advance(100 * time.Second)
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "COMPLETED _callback_reason=FAIL_CALL_TO_CUSTOMER"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DIAL_1_RESULT", "PUSH_DELIVERY_CONFIRMED")
				r.finalIs(t, "_CB_DISPOSITION", "QUEUED.REDIAL_LIMIT_REACHED")
			},
		},
		{
			name: "the application cannot create the call, then the customer calls in", opts: []string{"_push_notification_url", pushOK, "_dial_retry_timeout", "60"},
			drive: func(h *harness, s *interp.Session) {
				h.advance(5 * time.Second)
				h.send(s, "callback.push.delivered", nil)
				h.send(s, "callback.media.failed", nil)
				callsIn(70*time.Second)(h, s)
			},
			lifecycle: []string{"SCHEDULED", "QUEUED", "SCHEDULED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DIAL_1_RESULT", "FAILED_TO_ESTABLISH_CUSTOMER_ORIGINATED_MEDIA")
				r.finalIs(t, "_CB_DIAL_2_RESULT", "USERORIGINATED_CONNECTED")
			},
		},
		{
			name: "push sent, never confirmed nor answered", opts: []string{"_push_notification_url", pushOK, "_push_confirm_timeout", "60", "_max_dial_attempts", "1"},
			drive:     func(h *harness, s *interp.Session) { h.advance(100 * time.Second) },
			lifecycle: []string{"SCHEDULED", "QUEUED", "COMPLETED _callback_reason=FAIL_CALL_TO_CUSTOMER"},
			check:     func(t *testing.T, r *result) { r.finalIs(t, "_CB_DIAL_1_RESULT", "PUSH_DELIVERY_NOT_CONFIRMED") },
		},
		{
			name: "push fails, then is never answered", opts: []string{"_push_notification_url", pushFailing, "_max_dial_attempts", "1"},
			lifecycle: []string{"SCHEDULED", "QUEUED", "COMPLETED _callback_reason=FAIL_CALL_TO_CUSTOMER"},
			check:     func(t *testing.T, r *result) { r.finalIs(t, "_CB_DIAL_1_RESULT", "PUSH_SEND_ERROR") },
		},
		{
			name: "TTL while waiting for the customer's call", opts: []string{"_push_notification_url", pushOK, "_ttl", "60"},
			drive:     func(h *harness, s *interp.Session) { h.advance(100 * time.Second) },
			lifecycle: []string{"SCHEDULED", "QUEUED", "COMPLETED _callback_reason=FAIL_TIMEOUT_TTL"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DIAL_1_RESULT", "PUSH_DELIVERY_NOT_CONFIRMED")
				r.finalIs(t, "_CB_DISPOSITION", "QUEUED.FAILED")
			},
		},
		{
			name:      "push confirmed before the push is answered, customer never calls",
			opts:      []string{"_push_notification_url", early.url, "_push_confirm_timeout", "60", "_max_dial_attempts", "1"},
			script:    func(h *harness) { early.h.Store(h) },
			drive:     func(h *harness, s *interp.Session) { h.advance(100 * time.Second) },
			lifecycle: []string{"SCHEDULED", "QUEUED", "COMPLETED _callback_reason=FAIL_CALL_TO_CUSTOMER"},
			check: func(t *testing.T, r *result) {
				r.finalIs(t, "_CB_DIAL_1_RESULT", "PUSH_DELIVERY_CONFIRMED")
				r.finalIs(t, "_CB_DISPOSITION", "QUEUED.REDIAL_LIMIT_REACHED")
			},
		},
	}
	for i := range paths {
		paths[i].template = "callback-user-originated"
		paths[i].opts = append(paths[i].opts, "_call_direction", "USERORIGINATED")
	}
	return paths
}
