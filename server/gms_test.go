package server

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/gms"
	"github.com/orca-scxml/orca/templates"
)

// alwaysReturned are the keys GMS returns with every callback (Callback
// Services API, the returned-keys option: "the following keys are always
// returned").
var alwaysReturned = []string{"_id", "_desired_time", "_service_name", "_callback_state", "_expiration_time", "_customer_number", "_url", "_callback_reason"}

// TestGMSAnswers pins the answers of the GMS callback API, call by call,
// over HTTP: Start Callback, Query Callback by ID, Query by Properties
// (per service, with operand and negation), Reschedule Callback, property
// updates, Cancel Callback, and the error bodies.
func TestGMSAnswers(t *testing.T) {
	e := newE2E(t, simConfig(5*time.Second), speed, nil)
	done := e.others(2)
	base := e.srv.URL() + "/genesys/1/service/callback"
	at := e.clock.Now().Add(2 * time.Hour).Truncate(time.Second)
	later := at.Add(time.Hour)

	// Start Callback: 200 and {"_id": ID}, nothing else.
	start := func(service string, params url.Values) string {
		t.Helper()
		a := call(t, http.MethodPost, base+"/"+service, params, "")
		require.Equal(t, http.StatusOK, a.code, a.raw)
		obj := a.obj(t)
		require.Equal(t, []string{"_id"}, slices.Collect(maps.Keys(obj)), a.raw)
		id := obj["_id"].(string)
		require.Regexp(t, `^[0-9A-F]{32}$`, id)
		return id
	}
	requested := e.clock.Now()
	now := start("immediate", url.Values{"_customer_number": {"5556001"}, "crm_case": {"C-1"}})
	sched := start("scheduled", url.Values{"_customer_number": {"5556002"}, "_desired_time": {templates.FormatTime(at)}, "crm_case": {"C-2"}, "tier": {"gold"}})
	third := start("scheduled", url.Values{"_customer_number": {"5556003"}, "_desired_time": {templates.FormatTime(at)}, "crm_case": {"C-3"}})

	// A callback object: the always-returned keys and the request's
	// other parameters.
	one := func(path string) map[string]any {
		t.Helper()
		a := call(t, http.MethodGet, path, nil, "")
		require.Equal(t, http.StatusOK, a.code, a.raw)
		return a.obj(t)
	}
	list := func(query string) []string {
		t.Helper()
		a := call(t, http.MethodGet, base+query, nil, "")
		require.Equal(t, http.StatusOK, a.code, a.raw)
		items, ok := a.body.([]any)
		require.True(t, ok, "want a JSON list: %s", a.raw)
		var ids []string
		for _, it := range items {
			obj := it.(map[string]any)
			for _, k := range alwaysReturned {
				require.Contains(t, obj, k, a.raw)
			}
			ids = append(ids, obj["_id"].(string))
		}
		return ids
	}

	t.Run("callback object", func(t *testing.T) {
		c := one(base + "/scheduled/" + sched)
		for _, k := range alwaysReturned {
			assert.Contains(t, c, k)
		}
		assert.Equal(t, sched, c["_id"])
		assert.Equal(t, "scheduled", c["_service_name"])
		assert.Equal(t, "5556002", c["_customer_number"])
		assert.Equal(t, "SCHEDULED", c["_callback_state"])
		assert.Equal(t, templates.FormatTime(at), c["_desired_time"])
		assert.Equal(t, "C-2", c["crm_case"])
		assert.Equal(t, "gold", c["tier"])
		assert.Equal(t, base+"/scheduled/"+sched, c["_url"])
		exp, err := templates.ParseTime(c["_expiration_time"].(string))
		require.NoError(t, err)
		assert.WithinDuration(t, requested.Add(86400*time.Second), exp, time.Minute, "_expiration_time is the request time plus _ttl")
		assert.Equal(t, c, one(c["_url"].(string)), "_url leads to the callback")
		im := one(base + "/immediate/" + now)
		d, err := templates.ParseTime(im["_desired_time"].(string))
		require.NoError(t, err)
		assert.WithinDuration(t, requested, d, time.Minute, "an immediate callback's _desired_time is the request time")
	})

	t.Run("queries", func(t *testing.T) {
		tests := []struct {
			name, query string
			want        []string
		}{
			{"by id", "?_id=" + sched, []string{sched}},
			{"by unknown id", "?_id=NOSUCH", nil},
			{"by number", "?_customer_number=5556002", []string{sched}},
			{"by number and state", "?_customer_number=5556002&_callback_state=SCHEDULED", []string{sched}},
			{"by number, not in a state", "?_customer_number=5556002&_callback_state=!SCHEDULED", nil},
			{"service, no property", "/scheduled", []string{sched, third}},
			{"service, one property", "/scheduled?crm_case=C-3", []string{third}},
			{"service, AND", "/scheduled?crm_case=C-2&tier=gold", []string{sched}},
			{"service, AND failing", "/scheduled?crm_case=C-3&tier=gold", nil},
			{"service, OR", "/scheduled?crm_case=C-3&tier=gold&operand=OR", []string{sched, third}},
			{"service, negation", "/scheduled?crm_case=!C-2", []string{third}},
			{"service, by state", "/scheduled?_callback_state=SCHEDULED", []string{sched, third}},
			{"other service", "/immediate?crm_case=C-2", nil},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				got := list(tt.query)
				assert.ElementsMatch(t, tt.want, got)
			})
		}
	})

	t.Run("reschedule and update", func(t *testing.T) {
		a := call(t, http.MethodPut, base+"/scheduled/"+sched, url.Values{"_new_desired_time": {templates.FormatTime(later)}, "crm_case": {"C-9"}}, "")
		require.Equal(t, http.StatusOK, a.code, a.raw)
		c := one(base + "/scheduled/" + sched)
		assert.Equal(t, templates.FormatTime(later), c["_desired_time"])
		assert.Equal(t, "C-9", c["crm_case"])
		a = call(t, http.MethodPut, base+"/scheduled/"+sched, map[string]any{"tier": ""}, "")
		require.Equal(t, http.StatusOK, a.code, a.raw)
		assert.NotContains(t, one(base+"/scheduled/"+sched), "tier", "an empty value removes the property")
	})

	t.Run("cancel", func(t *testing.T) {
		a := call(t, http.MethodDelete, base+"/scheduled/"+third, nil, "")
		require.Equal(t, http.StatusOK, a.code, a.raw)
		e.waitState(t, third, "COMPLETED", 10*time.Second)
		assert.Equal(t, "CANCELLED", e.state(third)["_callback_reason"])
		assert.ElementsMatch(t, []string{sched}, list("?_customer_number=5556002&_callback_state=!COMPLETED"))
		assert.ElementsMatch(t, []string{third}, list("/scheduled?_callback_state=COMPLETED"))
	})

	t.Run("errors", func(t *testing.T) {
		tests := []struct {
			name, method, path string
			body               any
			code               int
			exception, message string
		}{
			{"start in an unknown service", "POST", "/nosuch", url.Values{"_customer_number": {"1"}}, 404, gms.ExceptionNotFound, `no callback service "nosuch"`},
			{"start without a number", "POST", "/immediate", url.Values{"x": {"1"}}, 400, gms.ExceptionCallback, "_customer_number"},
			{"start with a bad number", "POST", "/immediate", url.Values{"_customer_number": {"call me"}}, 400, gms.ExceptionNumber, "_customer_number"},
			{"later time on an immediate service", "POST", "/immediate", url.Values{"_customer_number": {"1"}, "_desired_time": {templates.FormatTime(at)}}, 400, gms.ExceptionCallback, "immediate callback service"},
			{"get an unknown callback", "GET", "/immediate/NOSUCH", nil, 404, gms.ExceptionNotFound, `no callback "NOSUCH"`},
			{"get a callback of another service", "GET", "/immediate/" + sched, nil, 404, gms.ExceptionNotFound, "no callback"},
			{"query an unknown service", "GET", "/nosuch?x=1", nil, 404, gms.ExceptionNotFound, "no callback service"},
			{"query with a bad operand", "GET", "/scheduled?operand=XOR", nil, 400, gms.ExceptionCallback, "operand"},
			{"query with a bad state", "GET", "/scheduled?_callback_state=LOST", nil, 400, gms.ExceptionCallback, "_callback_state"},
			{"query with a property twice", "GET", "/scheduled?a=1&a=2", nil, 400, gms.ExceptionCallback, "given 2 times"},
			{"cancel a cancelled callback", "DELETE", "/scheduled/" + third, nil, 409, gms.ExceptionCallback, "has ended"},
			{"reschedule an immediate callback", "PUT", "/immediate/" + now, url.Values{"_new_desired_time": {templates.FormatTime(at)}}, 400, gms.ExceptionCallback, "immediate callback service"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				a := call(t, tt.method, base+tt.path, tt.body, "")
				require.Equal(t, tt.code, a.code, a.raw)
				obj := a.obj(t)
				assert.Equal(t, tt.exception, obj["exception"])
				assert.Contains(t, obj["message"], tt.message)
				assert.Equal(t, obj["message"], obj["error"])
			})
		}
	})
	done()
}
