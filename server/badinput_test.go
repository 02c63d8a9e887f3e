package server

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/orca-scxml/orca/templates"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// callbackService is a minimal scheduled callback service.
func callbackService(name string) ServiceConfig {
	return ServiceConfig{Name: name, Template: "callback-scheduled", Options: map[string]any{
		"_target": "Callback_Agents", "_route_point": "RP_Callback",
	}}
}

func TestBadInputAnswers4xx(t *testing.T) {
	s := newTestServer(t, func(c *Config) {
		c.Services = []ServiceConfig{callbackService("cb")}
	}, Options{})
	live := startSession(t, s, url.Values{"src": {"echo.scxml"}})
	cbID := func() string {
		a := call(t, http.MethodPost, s.URL()+"/genesys/1/service/callback/cb", url.Values{"_customer_number": {"5550001"}, "_desired_time": {templates.FormatTime(time.Now().Add(time.Hour))}}, "")
		require.Equal(t, http.StatusOK, a.code, a.raw)
		return a.obj(t)["_id"].(string)
	}()
	big := strings.Repeat("x", maxBodyBytes+10)
	start := "/scxml/session/start"
	cb := "/genesys/1/service/callback"
	tests := []struct {
		name, method, path string
		body               any
		ctype              string
		code               int
		msg                string
	}{
		{"start without src", "POST", start, url.Values{"x": {"1"}}, "", 400, "src is mandatory"},
		{"start with empty src", "POST", start, map[string]any{"src": ""}, "", 400, "src is mandatory"},
		{"start with src not a string", "POST", start, map[string]any{"src": 3}, "", 400, "src is mandatory"},
		{"src climbing out", "POST", start, url.Values{"src": {"../../etc/passwd"}}, "", 403, "outside"},
		{"src absolute outside", "POST", start, url.Values{"src": {"/etc/passwd"}}, "", 403, "outside"},
		{"src file URL outside", "POST", start, url.Values{"src": {"file:///etc/passwd"}}, "", 403, "outside"},
		{"src symlink outside", "POST", start, url.Values{"src": {"escape.scxml"}}, "", 403, "symbolic link"},
		{"src through symlinked dir", "POST", start, url.Values{"src": {"up/outside.scxml"}}, "", 403, "symbolic link"},
		{"src URL not allowed", "POST", start, url.Values{"src": {"http://127.0.0.1:1/x.scxml"}}, "", 403, "outside"},
		{"src other scheme", "POST", start, url.Values{"src": {"ftp://host/x.scxml"}}, "", 403, "outside"},
		{"src missing", "POST", start, url.Values{"src": {"missing.scxml"}}, "", 400, "no such document"},
		{"src invalid document", "POST", start, url.Values{"src": {"broken.scxml"}}, "", 400, "loading the document"},
		{"src including a file outside", "POST", start, url.Values{"src": {"includes-outside.scxml"}}, "", 403, "outside"},
		{"bad idealtime", "POST", start, url.Values{"src": {"echo.scxml"}, "idealtime": {"soon"}}, "", 400, "idealtime"},
		{"idealtime too far", "POST", start, url.Values{"src": {"echo.scxml"}, "idealtime": {"99999999999999"}}, "", 400, "in the future"},
		{"malformed JSON", "POST", start, `{"src":`, "application/json", 400, "malformed JSON"},
		{"JSON not an object", "POST", start, `["src"]`, "application/json", 400, "want an object"},
		{"JSON trailing text", "POST", start, `{"src":"echo.scxml"} x`, "application/json", 400, "text after"},
		{"unsupported body type", "POST", start, "<x/>", "application/xml", 415, "unsupported Content-Type"},
		{"malformed content type", "POST", start, "x", "a/b; ===", 400, "malformed Content-Type"},
		{"body too large", "POST", start, url.Values{"src": {big}}, "", 413, "larger than"},
		{"GET on start", "GET", start, nil, "", 405, "not allowed"},
		{"unknown path", "GET", "/nope", nil, "", 404, "no such resource"},
		{"event for unknown session", "POST", "/scxml/session/nosuch/event/ping", nil, "", 404, "no session"},
		{"event with a bad name", "POST", "/scxml/session/" + live + "/event/a%20b", nil, "", 400, "event name"},
		{"event with an empty token", "POST", "/scxml/session/" + live + "/event/a..b", nil, "", 400, "empty token"},
		{"event with bad body", "POST", "/scxml/session/" + live + "/event/ping", "{", "application/json", 400, "malformed JSON"},
		{"request for unknown session", "POST", "/scxml/session/nosuch/request/ask", nil, "", 404, "no session"},
		{"query of unknown session", "GET", "/scxml/session/nosuch/query", nil, "", 404, "no session"},
		{"terminate unknown session", "POST", "/scxml/session/nosuch/terminate", nil, "", 404, "no session"},
		{"basichttp unknown session", "POST", "/basichttp/nosuch", nil, "", 404, "no session"},
		{"basichttp GET", "GET", "/basichttp/" + live, nil, "", 405, "not allowed"},
		{"callback unknown service", "POST", cb + "/nosuch", url.Values{"_customer_number": {"1"}}, "", 404, "no callback service"},
		{"callback without number", "POST", cb + "/cb", url.Values{"x": {"1"}}, "", 400, "_customer_number"},
		{"callback bad desired time", "POST", cb + "/cb", url.Values{"_customer_number": {"1"}, "_desired_time": {"tomorrow"}}, "", 400, "_desired_time"},
		{"callback unknown _cb_ param", "POST", cb + "/cb", url.Values{"_customer_number": {"1"}, "_cb_nonsense": {"1"}}, "", 400, "_cb_nonsense"},
		{"callback bad option override", "POST", cb + "/cb", url.Values{"_customer_number": {"1"}, "_max_dial_attempts": {"99"}}, "", 400, "_max_dial_attempts"},
		{"callback nested JSON", "POST", cb + "/cb", map[string]any{"_customer_number": map[string]any{"a": 1}}, "", 400, "_customer_number"},
		{"callback repeated field", "POST", cb + "/cb", "_customer_number=1&_customer_number=2", "application/x-www-form-urlencoded", 400, "single"},
		{"update unknown callback", "PUT", cb + "/cb/nosuch", url.Values{"_desired_time": {"2099-01-01T00:00:00Z"}}, "", 404, "no callback"},
		{"update too far", "PUT", cb + "/cb/" + cbID, url.Values{"_new_desired_time": {"2099-01-01T00:00:00Z"}}, "", 400, "callbacks.max_desired_delay"},
		{"update of an option", "PUT", cb + "/cb/" + cbID, url.Values{"_ttl": {"60"}}, "", 400, "options cannot be changed"},
		{"update of the number", "PUT", cb + "/cb/" + cbID, url.Values{"_customer_number": {"5559999"}}, "", 400, "cannot be changed"},
		{"update in unknown service", "PUT", cb + "/nosuch/" + cbID, nil, "", 404, "no callback service"},
		{"update with nothing", "PUT", cb + "/cb/" + cbID, url.Values{}, "", 400, "nothing to update"},
		{"update bad time", "PUT", cb + "/cb/" + cbID, url.Values{"_desired_time": {"x"}}, "", 400, "_desired_time"},
		{"update bad state", "PUT", cb + "/cb/" + cbID, url.Values{"_callback_state": {"QUEUED"}}, "", 400, "only COMPLETED"},
		{"update bad preview", "PUT", cb + "/cb/" + cbID, url.Values{"_preview_result": {"maybe"}}, "", 400, "_preview_result"},
		{"cancel unknown callback", "DELETE", cb + "/cb/nosuch", nil, "", 404, "no callback"},
		{"get unknown callback", "GET", cb + "/cb/nosuch", nil, "", 404, "no callback"},
		{"query without parameters", "GET", cb, nil, "", 400, "give _id"},
		{"query bad state", "GET", cb + "?_customer_number=1&_callback_state=LOST", nil, "", 400, "_callback_state"},
		{"callback PATCH", "PATCH", cb + "/cb/" + cbID, nil, "", 405, "not allowed"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := call(t, tc.method, s.URL()+tc.path, tc.body, tc.ctype)
			require.Equal(t, tc.code, a.code, a.raw)
			msg, ok := a.obj(t)["error"].(string)
			require.True(t, ok, "no error message in %s", a.raw)
			assert.Contains(t, msg, tc.msg)
			if strings.HasPrefix(tc.path, cb) {
				// GMS's error shape on every answer of its API.
				assert.NotEmpty(t, a.obj(t)["exception"], a.raw)
				assert.Equal(t, msg, a.obj(t)["message"], a.raw)
			}
		})
	}
	// Nothing above started a session or broke the live one.
	assert.Equal(t, 2, s.Sessions())
	a := call(t, http.MethodGet, s.URL()+"/scxml/session/"+live+"/query", nil, "")
	assert.Equal(t, http.StatusOK, a.code)
}
