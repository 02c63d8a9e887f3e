package console_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/console"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/trace"
)

func TestListPage(t *testing.T) {
	m := console.NewMemory(console.MemoryOptions{KeepEnded: 1 << 20})
	all := fill(m, 3000)
	srv := serve(t, console.NewHandler(console.Options{Source: m, ReportsURL: "http://127.0.0.1:9/reports"}))
	ctx := browser(t)

	rows := `Array.from(document.querySelectorAll(".sessions-table tbody tr td:first-child a")).map(a => a.textContent)`
	loaded := func(cond string) chromedp.Action[chromedp.Void] {
		return waitJS(cond + ` && document.readyState === "complete"`)
	}
	do(t, ctx, chromedp.Navigate(srv.URL+"/"))
	assert.Equal(t, "3000", text(t, ctx, "#count strong"))
	want := reference(all, console.Query{})
	assert.Equal(t, want[:50], eval[[]string](t, ctx, rows))
	assert.Equal(t, "http://127.0.0.1:9/reports", eval[string](t, ctx, `document.querySelector('header nav a[rel="noopener"]').href`),
		"the Info Mart reports are linked")
	screenshot(t, ctx, "list")

	// Filter on service, state and callbacks only, through the form.
	do(t, ctx,
		chromedp.SetValue(`select[name="service"]`, "svc-2"),
		chromedp.SetValue(`select[name="state"]`, "running"),
		chromedp.Click(`input[name="callbacks"]`),
		chromedp.Click(`form.filters button[type="submit"]`),
		loaded(`location.search.includes("service=svc-2")`))
	want = reference(all, console.Query{Service: "svc-2", State: console.StateRunning, Callbacks: true})
	assert.Equal(t, strconv.Itoa(len(want)), text(t, ctx, "#count strong"))
	assert.Equal(t, want[:50], eval[[]string](t, ctx, rows))
	assert.Equal(t, "Callbacks", text(t, ctx, "h2#sessions-h"))
	screenshot(t, ctx, "list-filtered")

	// Page forward, then back.
	do(t, ctx, chromedp.Click(`a[rel="next"]`), loaded(`location.search.includes("after=")`))
	assert.Equal(t, want[50:100], eval[[]string](t, ctx, rows))
	do(t, ctx, chromedp.Click(`a[rel="prev"]`), loaded(`location.search.includes("before=")`))
	assert.Equal(t, want[:50], eval[[]string](t, ctx, rows))

	// A customer number, and a callback id.
	do(t, ctx, chromedp.Navigate(srv.URL+"/?customer=5550042"))
	assert.Equal(t, reference(all, console.Query{CustomerNumber: "5550042"}), eval[[]string](t, ctx, rows))
	do(t, ctx, chromedp.Navigate(srv.URL+"/?callbackId=CB000300"))
	assert.Equal(t, []string{"S000300"}, eval[[]string](t, ctx, rows))

	// A bad query answers 400 with the reason on the page.
	resp, err := http.Get(srv.URL + "/?limit=0")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

// lit returns the ids of the chart's boxes drawn with class cls.
func lit(cls string) string {
	return `Array.from(document.querySelectorAll("#chart g.st.` + cls + `")).map(g => g.dataset.id).sort()`
}

func TestSessionPage(t *testing.T) {
	m := console.NewMemory(console.MemoryOptions{})
	d := newDriver(t, m)
	opts := map[string]string{"_target": "Agent1@SIP_Switch.A", "_route_point": "RP_CB",
		"_rep_userevent_enable": "true", "_rep_userevent_dn": "REPORTING", "_rep_userevent_switch": "SIP_Switch"}
	id := d.start("callback-scheduled", "callback-scheduled", opts,
		map[string]string{"_customer_number": "5551234", "_desired_time": "2026-11-21T11:00:00.000Z"})

	mux := http.NewServeMux()
	d.api(mux)
	mux.Handle("/", console.NewHandler(console.Options{Source: m}))
	srv := serve(t, mux)
	ctx := browser(t)
	shown := func(i int) chromedp.Action[chromedp.Void] {
		return waitJS(`document.body.dataset.shown === "` + strconv.Itoa(i) + `"`)
	}

	// The chart of the template, with the configuration of the callback
	// waiting for its time lit.
	do(t, ctx, chromedp.Navigate(srv.URL+"/session/"+id), waitJS(`document.body.dataset.chart === "ready"`), shown(0))
	assert.Equal(t, []string{"active", "scheduled"}, eval[[]string](t, ctx, lit("active")))
	assert.Equal(t, []string{"scheduled"}, eval[[]string](t, ctx, lit("atomic")))
	doc := mustDetail(t, m, id).Document
	assert.Equal(t, len(doc.States), eval[int](t, ctx, `document.querySelectorAll("#chart g.st").length`), "every state of the template is drawn")
	data := text(t, ctx, "#step-data")
	assert.Contains(t, data, `"state": "SCHEDULED"`)
	assert.Contains(t, data, `"_customer_number": "5551234"`)
	assert.Equal(t, "SCHEDULED", text(t, ctx, "#sum-cbstate"))
	reports := text(t, ctx, "#step-reports")
	assert.Contains(t, reports, "UserEvent to REPORTING")
	assert.Contains(t, reports, "_CB_T_SERVICE_START")
	screenshot(t, ctx, "session")
	do(t, ctx, chromedp.Click("#zoom-in"))
	elementShot(t, ctx, "#chart", "session-chart")
	do(t, ctx, chromedp.Click("#zoom-fit"))

	// A live update: an event posted to the ORS API by someone else shows
	// up as the next macrostep, selected while the page follows live.
	resp, err := http.Post(srv.URL+"/scxml/session/"+id+"/event/callback.reschedule", "application/json",
		strings.NewReader(`{"_desired_delay": 7200}`))
	require.NoError(t, err)
	resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	// The template cancels its pending timer and re-arms it: ORS answers
	// the <cancel> with cancel.successful, a macrostep of its own that
	// follows the reschedule.
	do(t, ctx, waitJS(`document.body.dataset.steps === "3"`), shown(2))
	assert.Contains(t, text(t, ctx, "#step-event"), `"name": "cancel.successful"`)
	do(t, ctx, chromedp.Click("#step-prev"), shown(1))
	event := text(t, ctx, "#step-event")
	assert.Contains(t, event, `"name": "callback.reschedule"`)
	assert.Contains(t, event, `"_desired_delay": 7200`)
	assert.Equal(t, []string{"scheduled"}, eval[[]string](t, ctx, lit("atomic")))
	do(t, ctx, chromedp.Click("#step-live"), shown(2))

	// Time passes: the desired time comes and the call is dialed.
	d.advance(7210 * time.Second)
	live := mustDetail(t, m, id)
	last := live.History[len(live.History)-1]
	require.Greater(t, last.Index, 1)
	do(t, ctx, shown(last.Index))
	assert.Equal(t, last.Atomic, eval[[]string](t, ctx, lit("atomic")))
	assert.NotEqual(t, []string{"scheduled"}, last.Atomic)

	// Time travel: back one macrostep by button, then to the first by key.
	do(t, ctx, chromedp.Click("#step-prev"), shown(last.Index-1))
	assert.Equal(t, live.History[len(live.History)-2].Atomic, eval[[]string](t, ctx, lit("atomic")))
	do(t, ctx, chromedp.Focus("#timeline"), chromedp.KeyEvent(kb.Home), shown(0))
	assert.Equal(t, []string{"scheduled"}, eval[[]string](t, ctx, lit("atomic")))
	assert.Contains(t, text(t, ctx, "#step-event"), "the initial macrostep")
	assert.Equal(t, "false", eval[string](t, ctx, `document.getElementById("step-live").getAttribute("aria-pressed")`),
		"stepping back leaves live mode")
	screenshot(t, ctx, "session-history")

	// An action: the agent's disposition completes the callback, sent
	// from the page as an event through the ORS API. The session ends;
	// the page follows once Live is pressed again.
	require.Contains(t, last.Active, "processing", "the customer is with the agent")
	do(t, ctx,
		chromedp.SendKeys("#send-name", "callback.complete"),
		chromedp.SendKeys("#send-data", `{"_disposition": "COMPLETED.SOLD"}`),
		chromedp.Click(`#send-form button[type="submit"]`),
		waitJS(`document.getElementById("action-status").textContent === "Sent callback.complete."`),
		waitJS(`document.getElementById("sum-state").textContent === "ended"`),
		chromedp.Click("#step-live"))
	ended := mustDetail(t, m, id)
	final := ended.History[len(ended.History)-1]
	require.True(t, final.Final)
	do(t, ctx, shown(final.Index))
	active := eval[[]string](t, ctx, lit("active"))
	assert.Equal(t, final.Active, active)
	assert.True(t, slices.Contains(active, "done"), "the final state is lit: %v", active)
	assert.Equal(t, "COMPLETED", text(t, ctx, "#sum-cbstate"))
	reports = text(t, ctx, "#step-reports")
	assert.Contains(t, reports, "_CB_FINAL_RECORD1", "the final UserEvent")
	assert.Contains(t, text(t, ctx, "#step-data"), `"disposition": "COMPLETED.SOLD"`, "the event's data reached the session")
	screenshot(t, ctx, "session-ended")
}

// serve serves h on the loopback interface until the test ends. Call it
// before browser: the browser must close first, so that the server is not
// left waiting for its open event streams.
func serve(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func mustDetail(t *testing.T, m *console.Memory, id string) *console.Detail {
	t.Helper()
	d, err := m.Session(t.Context(), id)
	require.NoError(t, err)
	return d
}

func TestChartSearchCollapseZoom(t *testing.T) {
	doc, err := scxml.Parse("big.scxml", []byte(bigChart(480)), nil)
	require.NoError(t, err)
	m := console.NewMemory(console.MemoryOptions{})
	m.Start(console.Summary{ID: "BIG", Document: "big", Started: epoch}, doc)
	m.Recorder().Record("BIG", &trace.Step{Time: epoch, Atomic: []string{"g0_s0"}, Active: []string{"g0", "g0_s0"}})
	srv := serve(t, console.NewHandler(console.Options{Source: m, ReadOnly: true}))
	ctx := browser(t)

	// A chart of hundreds of states opens with its compound states
	// closed; the one holding the active state is marked.
	do(t, ctx, chromedp.Navigate(srv.URL+"/session/BIG"), waitJS(`document.body.dataset.chart === "ready" && document.body.dataset.shown === "0"`))
	drawn := eval[int](t, ctx, `document.querySelectorAll("#chart g.st").length`)
	assert.LessOrEqual(t, drawn, 150)
	assert.Equal(t, []string{"g0"}, eval[[]string](t, ctx, lit("inside")))
	assert.Zero(t, eval[int](t, ctx, `document.querySelectorAll("#actions, #send-form").length`), "a read-only console has no actions")
	screenshot(t, ctx, "big-collapsed")

	// Searching a hidden state opens what hides it and marks it.
	do(t, ctx, chromedp.SendKeys("#chart-search", "g7_s3"),
		waitJS(`document.querySelector('#chart g.st[data-id="g7_s3"]') !== null`),
		waitJS(`document.querySelector('#chart g.st[data-id="g7_s3"]').classList.contains("match")`))
	// It is in view: the view box holds its box.
	assert.True(t, eval[bool](t, ctx, `(() => {
		const r = document.querySelector('#chart g.st[data-id="g7_s3"] rect').getBoundingClientRect();
		const c = document.getElementById("chart").getBoundingClientRect();
		return r.left >= c.left && r.right <= c.right && r.top >= c.top && r.bottom <= c.bottom;
	})()`), "the found state is centred")
	assert.Equal(t, "1 found", text(t, ctx, "#search-count"))
	screenshot(t, ctx, "big-search")

	// Opening a closed state by its toggle, then closing all.
	before := eval[int](t, ctx, `document.querySelectorAll("#chart g.st").length`)
	do(t, ctx, chromedp.Click("#zoom-fit"), chromedp.Click(`#chart g.st[data-id="g1"] .toggle`),
		waitJS(`document.querySelectorAll("#chart g.st").length > `+strconv.Itoa(before)))
	assert.NotNil(t, eval[any](t, ctx, `document.querySelector('#chart g.st[data-id="g1_s0"]')`))
	do(t, ctx, chromedp.Click("#collapse-all"), waitJS(`document.querySelectorAll("#chart g.st").length < 60`))

	// Zooming narrows the view box; fitting restores it.
	vb := func() []float64 {
		return eval[[]float64](t, ctx, `document.querySelector("#chart svg").getAttribute("viewBox").split(" ").map(Number)`)
	}
	do(t, ctx, chromedp.Click("#zoom-fit"))
	fit := vb()
	do(t, ctx, chromedp.Click("#zoom-in"))
	assert.Less(t, vb()[2], fit[2])
	do(t, ctx, chromedp.Click("#zoom-fit"))
	assert.Equal(t, fit, vb())
}
