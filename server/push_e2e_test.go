package server

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/templates"
	"github.com/orca-scxml/orca/templates/reporting/audit"
)

// TestEndToEndPushResults: the customer's application reports, through
// the GMS API (PUT _dial_result on the callback), that it received the
// push notification, or that it could not create the call; the
// user-originated callback reports each as its dial result.
func TestEndToEndPushResults(t *testing.T) {
	// The customer's application: it receives the push and calls nobody.
	// It reports within the push's confirmation timeout (400 s: 4 s of
	// the test's clock, room for a loaded machine); a delivery confirmed
	// and no call then ends the callback at that timeout.
	var pushed atomic.Int32
	app := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		pushed.Add(1)
		_, _ = w.Write([]byte(`{"status":"delivered"}`))
	}))
	defer app.Close()
	e := newE2E(t, auditSim(), speed, func(c *Config) {
		c.Services = append(c.Services, ServiceConfig{Name: "app", Template: "callback-user-originated", Options: reportingOptions(
			"_call_direction", "USERORIGINATED", "_push_notification_url", app.URL, "_push_confirm_timeout", 400, "_max_dial_attempts", 1)})
	})
	update := func(id string, v url.Values) answer {
		return call(t, http.MethodPut, e.srv.URL()+"/genesys/1/service/callback/app/"+id, v, "")
	}
	pushedTo := func(id string, n int32) {
		t.Helper()
		eventually(t, 10*time.Second, func() bool { return pushed.Load() >= n && e.state(id)["_callback_state"] == "QUEUED" },
			"callback %s: no push: %v", id, e.state(id))
	}
	cases := []struct {
		name    string
		results []string
		dial    string
	}{
		{"delivery confirmed, the customer never calls", []string{"PUSH_DELIVERY_CONFIRMED"}, "PUSH_DELIVERY_CONFIRMED"},
		{"the application could not create the call", []string{"PUSH_DELIVERY_CONFIRMED", "FAILED_TO_ESTABLISH_CUSTOMER_ORIGINATED_MEDIA"},
			"FAILED_TO_ESTABLISH_CUSTOMER_ORIGINATED_MEDIA"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			params := url.Values{"_customer_number": {"555040" + string(rune('1'+i))}}
			id := e.request("app", params)
			pushedTo(id, int32(i+1))
			for _, r := range tc.results {
				a := update(id, url.Values{"_dial_result": {r}})
				require.Equal(t, http.StatusOK, a.code, a.raw)
			}
			evs := e.waitReports(id, 2, 20*time.Second)
			final := evs[1]
			assert.Equal(t, tc.dial, final["_CB_DIAL_1_RESULT"])
			assert.Equal(t, tc.dial, final["_CB_DIM_FINAL_DIAL_RESULT"])
			assert.Equal(t, "QUEUED.REDIAL_LIMIT_REACHED", final["_CB_DISPOSITION"])
			assert.Equal(t, "COMPLETED", e.state(id)["_callback_state"])
			assert.Equal(t, "FAIL_CALL_TO_CUSTOMER", e.state(id)["_callback_reason"])
			cb := e.audited(t, id, "app", params)
			for _, v := range audit.Check(cb) {
				t.Errorf("audit: %v", v)
			}
		})
	}
	e.t = t

	// What is refused, and why.
	id := e.request("app", url.Values{"_customer_number": {"5550409"}})
	a := update(id, url.Values{"_dial_result": {"BUSY"}})
	assert.Equal(t, http.StatusBadRequest, a.code, a.raw)
	assert.Contains(t, a.raw, "PUSH_DELIVERY_CONFIRMED or FAILED_TO_ESTABLISH_CUSTOMER_ORIGINATED_MEDIA")
	other := e.request("scheduled", url.Values{"_customer_number": {"5550408"}, "_desired_time": {templates.FormatTime(e.clock.Now().Add(time.Hour))}})
	a = call(t, http.MethodPut, e.srv.URL()+"/genesys/1/service/callback/scheduled/"+other, url.Values{"_dial_result": {"PUSH_DELIVERY_CONFIRMED"}}, "")
	assert.Equal(t, http.StatusConflict, a.code, a.raw)
	assert.Contains(t, a.raw, "for user-originated callbacks")
	later := e.request("app", url.Values{"_customer_number": {"5550407"}, "_desired_time": {templates.FormatTime(e.clock.Now().Add(time.Hour))}})
	a = update(later, url.Values{"_dial_result": {"PUSH_DELIVERY_CONFIRMED"}})
	assert.Equal(t, http.StatusConflict, a.code, a.raw)
	assert.Contains(t, a.raw, "is SCHEDULED")
	pushedTo(id, 3)
	a = update(id, url.Values{"_dial_result": {"FAILED_TO_ESTABLISH_CUSTOMER_ORIGINATED_MEDIA"}})
	require.Equal(t, http.StatusOK, a.code, a.raw)
	e.waitReports(id, 2, 20*time.Second)
	a = update(id, url.Values{"_dial_result": {"PUSH_DELIVERY_CONFIRMED"}})
	assert.Equal(t, http.StatusConflict, a.code, a.raw)
	assert.Contains(t, a.raw, "has ended")
	assert.Empty(t, e.srv.Held())
}
