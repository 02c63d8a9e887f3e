package server

import (
	"errors"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/gms"
	"github.com/orca-scxml/orca/templates"
)

// TestRequestsOverrideOnlyListedOptions: a request may set only the
// options its service lists in _overwritable_options; anything else is
// refused with 400 naming the parameters, and nothing starts.
func TestRequestsOverrideOnlyListedOptions(t *testing.T) {
	e := newE2E(t, simConfig(5*time.Second), speed, func(c *Config) {
		c.Services = append(c.Services, ServiceConfig{Name: "listing", Template: "callback-immediate",
			Options: reportingOptions("_overwritable_options", "_target, _ttl", "my_queue", "VQ_A")})
	})
	done := e.others(3)
	cb := e.srv.URL() + "/genesys/1/service/callback/"
	tests := []struct {
		name, service string
		params        url.Values
		code          int
		msg           []string
	}{
		{"switch reporting off", "immediate", url.Values{"_rep_userevent_enable": {"false"}}, 400,
			[]string{"_rep_userevent_enable", "immediate", "_overwritable_options lists none"}},
		{"redirect reporting", "immediate", url.Values{"_rep_userevent_dn": {"ELSEWHERE"}, "_rep_userevent_switch": {"Other"}}, 400,
			[]string{"_rep_userevent_dn, _rep_userevent_switch"}},
		{"redirect push notifications", "user-originated", url.Values{"_push_notification_url": {metadataURL}}, 400,
			[]string{"_push_notification_url"}},
		{"an option the service does not list", "listing", url.Values{"_max_dial_attempts": {"5"}}, 400,
			[]string{"_max_dial_attempts", "lists only _target, _ttl"}},
		{"a user option of the service", "listing", url.Values{"my_queue": {"VQ_B"}}, 400, []string{"my_queue"}},
		{"the list itself", "listing", url.Values{"_overwritable_options": {"_rep_userevent_enable"}}, 400, []string{"_overwritable_options"}},
		{"a listed option", "listing", url.Values{"_target": {"Billing"}}, 200, nil},
		{"a listed duration", "listing", url.Values{"_ttl": {"3600"}}, 200, nil},
		{"user data", "immediate", url.Values{"crm_case": {"C-17"}}, 200, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.srv.Sessions()
			tt.params.Set("_customer_number", "5552001")
			a := call(t, http.MethodPost, cb+tt.service, tt.params, "")
			require.Equal(t, tt.code, a.code, a.raw)
			if tt.code != http.StatusOK {
				for _, m := range tt.msg {
					assert.Contains(t, a.obj(t)["message"], m)
				}
				assert.Equal(t, before, e.srv.Sessions(), "a refused request started a session")
				return
			}
			id := a.obj(t)["_id"].(string)
			q := call(t, http.MethodGet, e.srv.URL()+"/scxml/session/"+id+"/query", nil, "")
			require.Equal(t, http.StatusOK, q.code, q.raw)
			params := q.obj(t)["params"].(map[string]any)
			for k, v := range tt.params {
				if k == "_ttl" {
					assert.EqualValues(t, 3600, params[k])
					continue
				}
				assert.Equal(t, v[0], params[k], k)
			}
			e.waitReports(id, 2, 30*time.Second)
		})
	}
	done()
}

// TestOutOfRangeValuesAre400: durations and times past their range, and
// numbers, ids and parameters of absurd size, are refused with 400
// naming the field and the range, instead of overflowing into an
// immediate FAIL_TIMEOUT_TTL or a callback dialed at once.
func TestOutOfRangeValuesAre400(t *testing.T) {
	e := newE2E(t, simConfig(5*time.Second), speed, func(c *Config) {
		c.Services = append(c.Services, ServiceConfig{Name: "ttl", Template: "callback-scheduled",
			Options: reportingOptions("_overwritable_options", "_ttl,_dial_retry_timeout")})
	})
	done := e.others(3)
	cb := e.srv.URL() + "/genesys/1/service/callback/"
	soon := templates.FormatTime(e.clock.Now().Add(time.Hour))
	tests := []struct {
		name, service string
		params        url.Values
		msg           []string
		exception     string
	}{
		{"_ttl overflowing time.Duration", "ttl", url.Values{"_ttl": {"99999999999"}},
			[]string{"_ttl 99999999999", "allowed 1 to 2592000 seconds", "callbacks.max_duration"}, gms.ExceptionCallback},
		{"_ttl beyond int64", "ttl", url.Values{"_ttl": {"99999999999999999999999"}}, []string{"_ttl", "whole number of seconds"}, gms.ExceptionCallback},
		{"negative duration", "ttl", url.Values{"_dial_retry_timeout": {"-1"}}, []string{"_dial_retry_timeout", "below the minimum 1"}, gms.ExceptionCallback},
		{"_desired_time in year 9999", "scheduled", url.Values{"_desired_time": {"9999-12-31T23:59:59.000Z"}},
			[]string{"_desired_time 9999-12-31T23:59:59.000Z", "out of range", "callbacks.max_desired_delay"}, gms.ExceptionCallback},
		{"_desired_time for an immediate service", "immediate", url.Values{"_desired_time": {soon}},
			[]string{"_desired_time", "immediate callback service"}, gms.ExceptionCallback},
		{"10,000-digit number", "immediate", url.Values{"_customer_number": {strings.Repeat("5", 10000)}},
			[]string{"_customer_number", "10000 characters long", "up to 32"}, gms.ExceptionNumber},
		{"letters in the number", "immediate", url.Values{"_customer_number": {"555-CALL-NOW"}}, []string{"_customer_number", `has 'C'`}, gms.ExceptionNumber},
		{"a number without digits", "immediate", url.Values{"_customer_number": {"+()"}}, []string{"has no digit"}, gms.ExceptionNumber},
		{"a huge user data value", "immediate", url.Values{"note": {strings.Repeat("x", 9000)}}, []string{"parameter note", "at most 8192"}, gms.ExceptionCallback},
		{"a bad originating interaction", "immediate", url.Values{"_originating_interaction_id": {"../../x"}}, []string{"_originating_interaction_id"}, gms.ExceptionCallback},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.srv.Sessions()
			if tt.params.Get("_customer_number") == "" {
				tt.params.Set("_customer_number", "5553001")
			}
			a := call(t, http.MethodPost, cb+tt.service, tt.params, "")
			require.Equal(t, http.StatusBadRequest, a.code, a.raw)
			for _, m := range tt.msg {
				assert.Contains(t, a.obj(t)["message"], m)
			}
			assert.Equal(t, tt.exception, a.obj(t)["exception"])
			assert.Equal(t, before, e.srv.Sessions(), "a refused request started a session")
		})
	}
	t.Run("ids in paths and queries", func(t *testing.T) {
		for _, path := range []string{"/genesys/1/service/callback/immediate/" + strings.Repeat("A", 65), "/genesys/1/service/callback?_id=" + strings.Repeat("A", 65),
			"/genesys/1/service/callback/immediate/a%20b", "/genesys/1/service/callback?_customer_number=" + strings.Repeat("1", 40)} {
			a := call(t, http.MethodGet, e.srv.URL()+path, nil, "")
			assert.Equal(t, http.StatusBadRequest, a.code, "%s: %s", path, a.raw)
		}
	})
	t.Run("a service configured beyond the range", func(t *testing.T) {
		_, err := New(Config{Listen: "127.0.0.1:0", NATS: NATSConfig{URL: e.nats.url, DataDir: t.TempDir()}, Services: []ServiceConfig{
			{Name: "x", Template: "callback-immediate", Options: map[string]any{"_target": "A", "_ttl": 99999999999}}}}, Options{})
		require.Error(t, err)
		assert.Contains(t, err.Error(), `service "x": option _ttl 99999999999: out of range`)
	})
	// A scheduled callback inside the range is taken and waits.
	id := e.request("scheduled", url.Values{"_customer_number": {"5553002"}, "_desired_time": {soon}})
	assert.Equal(t, "SCHEDULED", e.state(id)["_callback_state"])
	done()
}

// TestSlowClientsAreCutOff: a client that sends its header or body too
// slowly, or keeps an idle connection, is disconnected after the
// configured timeouts, and an oversized header is refused; the server
// serves everyone else meanwhile.
func TestSlowClientsAreCutOff(t *testing.T) {
	e := newE2E(t, simConfig(5*time.Second), speed, func(c *Config) {
		c.HTTP.ReadHeaderTimeout = 300 * time.Millisecond
		c.HTTP.ReadTimeout = time.Second
		c.HTTP.IdleTimeout = 500 * time.Millisecond
		c.HTTP.MaxHeaderBytes = 8 << 10
	})
	done := e.others(3)
	addr := strings.TrimPrefix(e.srv.URL(), "http://")
	// closedWithin writes parts to a new connection, one every gap, and
	// returns how long after the first write the server closed it.
	closedWithin := func(t *testing.T, gap time.Duration, parts ...string) time.Duration {
		conn, err := net.Dial("tcp", addr)
		require.NoError(t, err)
		defer conn.Close()
		start := time.Now()
		go func() {
			for _, p := range parts {
				if _, err := io.WriteString(conn, p); err != nil {
					return
				}
				time.Sleep(gap)
			}
		}()
		require.NoError(t, conn.SetReadDeadline(time.Now().Add(10*time.Second)))
		_, err = io.Copy(io.Discard, conn)
		var ne net.Error
		require.False(t, errors.As(err, &ne) && ne.Timeout(), "the server kept the connection open for 10s")
		return time.Since(start)
	}
	trickle := func(s string) []string { return strings.Split(s, "") }
	tests := []struct {
		name     string
		gap      time.Duration
		parts    []string
		min, max time.Duration
	}{
		{"header one byte at a time", 100 * time.Millisecond,
			trickle("POST /genesys/1/service/callback/immediate HTTP/1.1\r\nHost: orca\r\nContent-Type: application/x-www-form-urlencoded\r\n"),
			250 * time.Millisecond, 5 * time.Second},
		{"header that never ends", time.Hour, []string{"GET /healthz HTTP/1.1\r\nHost: orca\r\n"}, 250 * time.Millisecond, 5 * time.Second},
		{"body that never ends", time.Hour,
			[]string{"POST /genesys/1/service/callback/immediate HTTP/1.1\r\nHost: orca\r\nContent-Type: application/x-www-form-urlencoded\r\nContent-Length: 1000\r\n\r\n_customer_number=555"},
			900 * time.Millisecond, 5 * time.Second},
		{"idle kept-alive connection", time.Hour, []string{"GET /healthz HTTP/1.1\r\nHost: orca\r\n\r\n"}, 450 * time.Millisecond, 5 * time.Second},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := closedWithin(t, tt.gap, tt.parts...)
			assert.GreaterOrEqual(t, d, tt.min)
			assert.Less(t, d, tt.max)
		})
	}
	t.Run("header too large", func(t *testing.T) {
		req, err := http.NewRequest(http.MethodGet, e.srv.URL()+"/healthz", nil)
		require.NoError(t, err)
		req.Header.Set("X-Padding", strings.Repeat("x", 64<<10))
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		assert.Equal(t, http.StatusRequestHeaderFieldsTooLarge, resp.StatusCode)
	})
	assert.Empty(t, e.srv.callbacks.Find("555", ""), "the cut-off request started a callback")
	done()
}

// TestAuthenticationOnANonLoopbackListener listens on every interface
// (0.0.0.0, reachable from other hosts) and so requires credentials on
// every request but /healthz and the Basic HTTP processor; the test's
// requests go to 127.0.0.1 and are refused all the same.
func TestAuthenticationOnANonLoopbackListener(t *testing.T) {
	const token, user, pass = "t0ken-for-tests", "ops", "pa55word"
	e := newE2E(t, simConfig(5*time.Second), speed, func(c *Config) {
		c.Listen = "0.0.0.0:0"
		c.HTTP.Token = token
		c.HTTP.User, c.HTTP.Password = user, pass
	})
	require.True(t, strings.HasPrefix(e.srv.URL(), "http://127.0.0.1:"), e.srv.URL())
	assert.Equal(t, "bearer token or basic", e.srv.Auth())
	e.header = http.Header{"Authorization": {"Bearer " + token}}
	done := e.others(3)
	live := e.request("scheduled", url.Values{"_customer_number": {"5554001"},
		"_desired_time": {templates.FormatTime(e.clock.Now().Add(time.Hour))}})

	basic := func(u, p string) http.Header {
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.SetBasicAuth(u, p)
		return r.Header
	}
	bearer := func(tok string) http.Header { return http.Header{"Authorization": {"Bearer " + tok}} }
	cb := "/genesys/1/service/callback/"
	tests := []struct {
		name, method, path string
		body               any
		header             http.Header
		code               int
	}{
		{"callback without credentials", "POST", cb + "immediate", url.Values{"_customer_number": {"5554002"}}, nil, 401},
		{"query without credentials", "GET", cb[:len(cb)-1] + "?_id=" + live, nil, nil, 401},
		{"ORS start without credentials", "POST", "/scxml/session/start", url.Values{"src": {"echo.scxml"}}, nil, 401},
		{"metrics without credentials", "GET", "/metrics", nil, nil, 401},
		{"wrong token", "GET", cb + "scheduled/" + live, nil, bearer("guess"), 401},
		{"token of another case", "GET", cb + "scheduled/" + live, nil, bearer(strings.ToUpper(token)), 401},
		{"wrong password", "GET", cb + "scheduled/" + live, nil, basic(user, "nope"), 401},
		{"wrong user", "GET", cb + "scheduled/" + live, nil, basic("root", pass), 401},
		{"token", "GET", cb + "scheduled/" + live, nil, bearer(token), 200},
		{"basic", "GET", cb + "scheduled/" + live, nil, basic(user, pass), 200},
		{"health without credentials", "GET", "/healthz", nil, nil, 200},
		{"basichttp without credentials", "POST", "/basichttp/nosuch", nil, nil, 404},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := e.srv.Sessions()
			a := callWith(t, tt.method, e.srv.URL()+tt.path, tt.body, "", tt.header)
			require.Equal(t, tt.code, a.code, a.raw)
			if tt.code == http.StatusUnauthorized {
				assert.Equal(t, []string{`Bearer realm="orca"`, `Basic realm="orca", charset="UTF-8"`}, a.header.Values("WWW-Authenticate"))
				assert.NotEmpty(t, a.obj(t)["error"])
				assert.Equal(t, before, e.srv.Sessions())
			}
		})
	}
	assert.GreaterOrEqual(t, metric(t, e.srv, "orca_http_unauthorized_total", e.header), 8.0)
	done()
}

func TestLoopbackOnly(t *testing.T) {
	tests := []struct {
		addr string
		want bool
	}{
		{"127.0.0.1:8080", true},
		{"127.0.0.2:8080", true},
		{"[::1]:8080", true},
		{"localhost:8080", true},
		{"LOCALHOST:0", true},
		{"0.0.0.0:8080", false},
		{":8080", false},
		{"[::]:8080", false},
		{"10.1.2.3:8080", false},
		{"192.168.0.10:8080", false},
		{"orca.example.com:8080", false},
	}
	for _, tt := range tests {
		t.Run(tt.addr, func(t *testing.T) {
			got, err := loopbackOnly(tt.addr)
			require.NoError(t, err)
			assert.Equal(t, tt.want, got)
		})
	}
	_, err := loopbackOnly("no-port")
	assert.Error(t, err)
}
