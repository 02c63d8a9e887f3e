package server

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	bt "github.com/orca-scxml/orca/internal/browsertest"
	"github.com/orca-scxml/orca/templates"
)

// consoleServer is an end-to-end server (simulator, NATS, the callback
// services) that requires basic credentials, and a browser tab that sends
// them with every request.
type consoleServer struct {
	*e2e
	ctx context.Context
}

func newConsoleServer(t *testing.T) *consoleServer {
	e := newE2E(t, simConfig(time.Second), speed, func(c *Config) {
		c.HTTP.User, c.HTTP.Password = "ops", "s3cret"
	})
	auth := "Basic " + base64.StdEncoding.EncodeToString([]byte("ops:s3cret"))
	e.header = http.Header{"Authorization": {auth}}
	ctx := bt.New(t)
	bt.Do(t, ctx, bt.Header("Authorization", auth))
	return &consoleServer{e2e: e, ctx: ctx}
}

// api calls the server's HTTP API with the credentials.
func (c *consoleServer) api(method, path string, body any) answer {
	c.t.Helper()
	return callWith(c.t, method, c.srv.URL()+path, body, "", c.header)
}

// query returns what the ORS API says of session id: its active and
// atomic states, sorted, and its data.
func (c *consoleServer) query(id string) (active, atomic []string) {
	c.t.Helper()
	a := c.api(http.MethodGet, "/scxml/session/"+id+"/query", nil)
	require.Equal(c.t, http.StatusOK, a.code, a.raw)
	var q struct{ Active, Atomic []string }
	require.NoError(c.t, json.Unmarshal([]byte(a.raw), &q))
	slices.Sort(q.Active)
	slices.Sort(q.Atomic)
	return q.Active, q.Atomic
}

// lit returns the ids of the chart's boxes drawn with class cls, sorted.
func lit(cls string) string {
	return `Array.from(document.querySelectorAll("#chart g.st.` + cls + `")).map(g => g.dataset.id).sort()`
}

// shown waits until the session page shows macrostep i in full.
func shown(i int) chromedp.Action[chromedp.Void] {
	return bt.WaitJS(`document.body.dataset.shown === "` + strconv.Itoa(i) + `"`)
}

// timeline is the page's timeline: the index and event of each step.
const timeline = `window.orcaSession.steps.map(s => s.index + ":" + (s.ended ? "(end)" : s.event || "(start)"))`

func TestConsole(t *testing.T) {
	c := newConsoleServer(t)
	ctx := c.ctx
	later := templates.FormatTime(c.clock.Now().Add(24 * time.Hour))
	cb := c.request("scheduled", url.Values{"_customer_number": {"5551234"}, "_desired_time": {later}})
	other := c.request("scheduled", url.Values{"_customer_number": {"5556789"}, "_desired_time": {later}})
	done := c.request("immediate", url.Values{"_customer_number": {"5550001"}})
	start := c.api(http.MethodPost, "/scxml/session/start", url.Values{"src": {"echo.scxml"}, "who": {"ops"}})
	require.Equal(t, http.StatusOK, start.code, start.raw)
	echo := start.obj(t)["sessionid"].(string)
	c.waitReports(done, 2, 30*time.Second)
	eventually(t, 10*time.Second, func() bool { return c.state(done)["_callback_state"] == templates.StateCompleted }, "immediate callback not completed")

	// The console is behind the API's authentication.
	a := call(t, http.MethodGet, c.srv.URL()+"/", nil, "")
	assert.Equal(t, http.StatusUnauthorized, a.code)
	a = call(t, http.MethodGet, c.srv.URL()+"/console/api/session/"+cb, nil, "")
	assert.Equal(t, http.StatusUnauthorized, a.code)
	// The API keeps its paths and answers.
	a = c.api(http.MethodGet, "/scxml/session/"+cb+"/event/x", nil)
	assert.Equal(t, http.StatusMethodNotAllowed, a.code, a.raw)
	a = c.api(http.MethodGet, "/nothing/here", nil)
	assert.Equal(t, http.StatusNotFound, a.code, a.raw)
	assert.Contains(t, a.raw, `"error"`)
	// The list filters on the templates' callback states.
	a = c.api(http.MethodGet, "/", nil)
	require.Equal(t, http.StatusOK, a.code)
	for _, st := range templates.States() {
		assert.Contains(t, a.raw, `<option value="`+st+`"`)
	}

	t.Run("metrics", func(t *testing.T) {
		a := c.api(http.MethodGet, "/metrics", nil)
		require.Equal(t, http.StatusOK, a.code)
		assert.Contains(t, a.raw, "orca_console_history_sessions 4\n")
		assert.Regexp(t, `orca_console_history_bytes [1-9][0-9]*\n`, a.raw)
	})

	t.Run("list", func(t *testing.T) {
		rows := `Array.from(document.querySelectorAll(".sessions-table tbody tr td:first-child a")).map(a => a.textContent)`
		bt.Do(t, ctx, chromedp.Navigate(c.srv.URL()+"/"), bt.WaitJS(`document.readyState === "complete"`))
		all := bt.Eval[[]string](t, ctx, rows)
		for _, id := range []string{cb, other, done, echo} {
			assert.Contains(t, all, id)
		}
		assert.Equal(t, strconv.Itoa(len(all)), bt.Text(t, ctx, "#count strong"))
		bt.Screenshot(t, ctx, "list")

		// The callbacks of one service, through the filter form.
		bt.Do(t, ctx,
			chromedp.SetValue(`select[name="service"]`, "scheduled"),
			chromedp.Click(`input[name="callbacks"]`),
			chromedp.Click(`form.filters button[type="submit"]`),
			bt.WaitJS(`location.search.includes("service=scheduled") && document.readyState === "complete"`))
		assert.ElementsMatch(t, []string{cb, other}, bt.Eval[[]string](t, ctx, rows))
		page := bt.Text(t, ctx, ".sessions-table tbody")
		assert.Contains(t, page, "SCHEDULED")
		assert.Contains(t, page, "5551234")
		bt.Screenshot(t, ctx, "list-callbacks")

		// The completed callback, by its customer number.
		bt.Do(t, ctx, chromedp.Navigate(c.srv.URL()+"/?customer=5550001"), bt.WaitJS(`document.readyState === "complete"`))
		assert.Equal(t, []string{done}, bt.Eval[[]string](t, ctx, rows))
		assert.Contains(t, bt.Text(t, ctx, ".sessions-table tbody"), "COMPLETED")
	})

	t.Run("session", func(t *testing.T) {
		// The chart of the template, with the states the ORS API says
		// are active lit.
		active, atomic := c.query(cb)
		require.Contains(t, atomic, "scheduled")
		bt.Do(t, ctx, chromedp.Navigate(c.srv.URL()+"/session/"+cb),
			bt.WaitJS(`document.body.dataset.chart === "ready"`), shown(0))
		assert.Equal(t, active, bt.Eval[[]string](t, ctx, lit("active")))
		assert.Equal(t, atomic, bt.Eval[[]string](t, ctx, lit("atomic")))
		assert.Equal(t, "SCHEDULED", bt.Text(t, ctx, "#sum-cbstate"))
		assert.Equal(t, "scheduled", bt.Text(t, ctx, "#sum-service"))
		data := bt.Text(t, ctx, "#step-data")
		assert.Contains(t, data, `"_customer_number": "5551234"`)
		reports := bt.Text(t, ctx, "#step-reports")
		assert.Contains(t, reports, "UserEvent to REPORTING", "the start UserEvent")
		assert.Contains(t, reports, cb)
		assert.Contains(t, bt.Text(t, ctx, "#step-pending"), "timer", "the wait for the desired time")
		bt.Screenshot(t, ctx, "session")
		bt.ElementShot(t, ctx, "#chart", "session-chart")
	})

	t.Run("live", func(t *testing.T) {
		// An event posted through the ORS API, by someone else, shows up
		// as the next macrostep, selected while the page follows live.
		before := bt.Eval[int](t, ctx, `window.orcaSession.steps.length`)
		a := c.api(http.MethodPost, "/scxml/session/"+cb+"/event/callback.reschedule", map[string]any{"_desired_delay": 7200})
		require.Equal(t, http.StatusOK, a.code, a.raw)
		bt.Do(t, ctx, bt.WaitJS(`window.orcaSession.steps.some(s => s.event === "callback.reschedule")`))
		steps := bt.Eval[[]string](t, ctx, timeline)
		require.Greater(t, len(steps), before, "%v", steps)
		last := len(steps) - 1
		bt.Do(t, ctx, shown(last))
		i := slices.IndexFunc(steps, func(s string) bool { return strings.HasSuffix(s, ":callback.reschedule") })
		bt.Do(t, ctx, bt.WaitJS(`document.body.dataset.selected === "`+strconv.Itoa(last)+`"`))
		_, atomic := c.query(cb)
		assert.Equal(t, atomic, bt.Eval[[]string](t, ctx, lit("atomic")))
		bt.Screenshot(t, ctx, "session-live")

		// Back to the event, by button.
		for j := last; j > i; j-- {
			bt.Do(t, ctx, chromedp.Click("#step-prev"), shown(j-1))
		}
		ev := bt.Text(t, ctx, "#step-event")
		assert.Contains(t, ev, `"name": "callback.reschedule"`)
		assert.Contains(t, ev, `"_desired_delay": 7200`)
		assert.Equal(t, "false", bt.Eval[string](t, ctx, `document.getElementById("step-live").getAttribute("aria-pressed")`),
			"stepping back leaves live mode")
	})

	t.Run("history", func(t *testing.T) {
		// The first macrostep, by key: its configuration and data model.
		bt.Do(t, ctx, chromedp.Focus("#timeline"), chromedp.KeyEvent(kb.Home), shown(0))
		assert.Contains(t, bt.Text(t, ctx, "#step-event"), "the initial macrostep")
		assert.Equal(t, []string{"scheduled"}, bt.Eval[[]string](t, ctx, lit("atomic")))
		assert.Contains(t, bt.Text(t, ctx, "#step-reports"), "UserEvent to REPORTING")
		bt.Screenshot(t, ctx, "session-history")
		bt.Do(t, ctx, chromedp.Click("#step-live"))
	})

	t.Run("reschedule", func(t *testing.T) {
		// Too far ahead: the server's answer, as it gives it.
		// (Minutes: a datetime-local input drops ":00" seconds from
		// its value.)
		far := c.clock.Now().Add(60 * 24 * time.Hour).UTC()
		bt.Do(t, ctx,
			chromedp.SetValue("#reschedule-time", far.Format("2006-01-02T15:04")),
			chromedp.Click(`#reschedule-form button[type="submit"]`),
			bt.WaitJS(`document.getElementById("action-status").classList.contains("error")`))
		status := bt.Text(t, ctx, "#action-status")
		assert.Contains(t, status, "400")
		assert.Contains(t, status, "out of range; allowed up to")
		assert.NotContains(t, status, "exception", "the message, not the JSON")

		// Through the page's form: GMS PUT with the new desired time.
		at := c.clock.Now().Add(3 * time.Hour).UTC().Truncate(time.Minute)
		n := bt.Eval[int](t, ctx, `window.orcaSession.steps.length`)
		bt.Do(t, ctx,
			chromedp.SetValue("#reschedule-time", at.Format("2006-01-02T15:04")),
			chromedp.Click(`#reschedule-form button[type="submit"]`),
			bt.WaitJS(`document.getElementById("action-status").textContent.startsWith("Rescheduled to ")`),
			bt.WaitJS(`window.orcaSession.steps.length > `+strconv.Itoa(n)))
		got, err := templates.ParseTime(c.state(cb)["_desired_time"])
		require.NoError(t, err)
		assert.Equal(t, at, got.UTC())
		assert.Equal(t, templates.StateScheduled, c.state(cb)["_callback_state"])
		bt.Screenshot(t, ctx, "session-rescheduled")
	})

	t.Run("cancel", func(t *testing.T) {
		// GMS DELETE from the page: callback.cancel ends the session in
		// a final state, its final UserEvent sent on the way.
		bt.Do(t, ctx,
			chromedp.Click("#cancel-callback"),
			bt.WaitJS(`document.getElementById("action-status").textContent === "Callback cancelled."`),
			bt.WaitJS(`document.getElementById("sum-state").textContent === "ended"`),
			bt.WaitJS(`document.getElementById("sum-cbstate").textContent === "COMPLETED"`))
		steps := bt.Eval[[]string](t, ctx, timeline)
		require.True(t, strings.HasSuffix(steps[len(steps)-1], ":callback.cancel"), "%v", steps)
		bt.Do(t, ctx, shown(len(steps)-1))
		assert.Contains(t, bt.Text(t, ctx, "#step-when"), "reached a final state")
		reports := bt.Text(t, ctx, "#step-reports")
		assert.Contains(t, reports, "_CB_FINAL_RECORD", "the final UserEvent")
		evs := c.waitReports(cb, 2, 10*time.Second)
		assert.EqualValues(t, 1, evs[1]["_CB_FINAL_RECORD"])
		bt.Screenshot(t, ctx, "session-cancelled")

		// An ended session takes no more actions.
		assert.True(t, bt.Eval[bool](t, ctx, `document.getElementById("cancel-callback").disabled && document.getElementById("send-name").disabled`))
	})

	t.Run("terminate", func(t *testing.T) {
		bt.Do(t, ctx, chromedp.Navigate(c.srv.URL()+"/session/"+echo), bt.WaitJS(`document.body.dataset.chart === "ready"`), shown(0))
		// A ping through the ORS API, live.
		a := c.api(http.MethodPost, "/scxml/session/"+echo+"/event/ping", map[string]any{"msg": "hi"})
		require.Equal(t, http.StatusOK, a.code, a.raw)
		bt.Do(t, ctx, shown(1))
		assert.Contains(t, bt.Text(t, ctx, "#step-data"), `"last": "hi"`)
		// Terminate asks to be clicked twice.
		bt.Do(t, ctx, chromedp.Click("#terminate"), chromedp.Click("#terminate"),
			bt.WaitJS(`document.getElementById("action-status").textContent === "Terminated."`),
			bt.WaitJS(`document.getElementById("sum-state").textContent === "ended"`))
		steps := bt.Eval[[]string](t, ctx, timeline)
		assert.Equal(t, []string{"0:(start)", "1:ping", "2:(end)"}, steps)
		bt.Do(t, ctx, shown(2))
		assert.Contains(t, bt.Text(t, ctx, "#step-event"), "without reaching a final state")
		assert.Equal(t, []string{"idle"}, bt.Eval[[]string](t, ctx, lit("atomic")), "the state it ended in")
		bt.Screenshot(t, ctx, "session-terminated")
		a = c.api(http.MethodGet, "/scxml/session/"+echo+"/query", nil)
		assert.Equal(t, http.StatusNotFound, a.code, fmt.Sprint(a.raw))
	})

	// The other callback ends before the test does: nothing is in flight
	// at teardown.
	a = c.api(http.MethodDelete, "/genesys/1/service/callback/scheduled/"+other, nil)
	require.Equal(t, http.StatusOK, a.code, a.raw)
	c.waitReports(other, 2, 30*time.Second)
}

func TestConsoleConfig(t *testing.T) {
	cfg, err := ParseConfig([]byte(`
console:
  enable: true
  history: {steps: 16, bytes: 64KiB, total: 1GiB, datamodel: false}
  keep_ended: 500
  reports_url: http://reports.example/infomart/
`))
	require.NoError(t, err)
	off := false
	assert.Equal(t, ConsoleConfig{Enable: &[]bool{true}[0], KeepEnded: 500, ReportsURL: "http://reports.example/infomart/",
		History: ConsoleHistory{Steps: 16, Bytes: 64 << 10, Total: 1 << 30, Datamodel: &off}}, cfg.Console)

	// On by default on loopback only; a configuration says otherwise.
	for _, tc := range []struct {
		listen string
		enable *bool
		want   bool
	}{
		{"127.0.0.1:8080", nil, true},
		{"localhost:8080", nil, true},
		{"[::1]:8080", nil, true},
		{"0.0.0.0:8080", nil, false},
		{":8080", nil, false},
		{"0.0.0.0:8080", &[]bool{true}[0], true},
		{"127.0.0.1:8080", &off, false},
	} {
		assert.Equal(t, tc.want, ConsoleConfig{Enable: tc.enable}.enabled(tc.listen), "%s %v", tc.listen, tc.enable)
	}
}

func TestConsoleOff(t *testing.T) {
	off := false
	e := newE2E(t, simConfig(time.Second), speed, func(c *Config) { c.Console.Enable = &off })
	id := e.request("immediate", url.Values{"_customer_number": {"5550002"}})
	// Done before the test ends: nothing is in flight at teardown.
	e.waitReports(id, 2, 30*time.Second)
	for _, path := range []string{"/", "/session/" + id, "/console/api/sessions"} {
		a := call(t, http.MethodGet, e.srv.URL()+path, nil, "")
		assert.Equal(t, http.StatusNotFound, a.code, path)
		assert.Contains(t, a.raw, `"error"`, "the API's own answer")
	}
}

func TestConsoleLinksTheReports(t *testing.T) {
	page := func(cfg ConsoleConfig, infomart bool) string {
		s := &Server{cfg: Config{Listen: "127.0.0.1:0", Console: cfg}}
		f := s.newConsoleFeed()
		t.Cleanup(f.cancel)
		mux := http.NewServeMux()
		if infomart {
			mux.HandleFunc("GET /infomart/", func(w http.ResponseWriter, _ *http.Request) {})
		}
		f.mount(mux)
		w := httptest.NewRecorder()
		mux.ServeHTTP(w, httptest.NewRequest(http.MethodGet, "/", nil))
		require.Equal(t, http.StatusOK, w.Code)
		return w.Body.String()
	}
	assert.NotContains(t, page(ConsoleConfig{}, false), "Info Mart reports", "nothing to link")
	assert.Contains(t, page(ConsoleConfig{}, true), `<a href="/infomart/" rel="noopener">Info Mart reports</a>`, "served beside the console")
	assert.Contains(t, page(ConsoleConfig{ReportsURL: "https://reports.example/im/"}, false), `<a href="https://reports.example/im/"`)
}
