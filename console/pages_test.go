package console_test

import (
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/console"
	"github.com/orca-scxml/orca/internal/browsertest"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/trace"
)

func TestListPage(t *testing.T) {
	m := console.NewMemory(console.MemoryOptions{KeepEnded: 1 << 20})
	all := fill(m, 3000)
	states := []string{"SCHEDULED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED"}
	srv := serve(t, console.NewHandler(console.Options{Source: m, ReportsURL: "http://127.0.0.1:9/reports", CallbackStates: states}))
	ctx := browsertest.New(t)

	rows := `Array.from(document.querySelectorAll(".sessions-table tbody tr td:first-child a")).map(a => a.textContent)`
	loaded := func(cond string) chromedp.Action[chromedp.Void] {
		return browsertest.WaitJS(cond + ` && document.readyState === "complete"`)
	}
	browsertest.Do(t, ctx, chromedp.Navigate(srv.URL+"/"))
	assert.Equal(t, "3000", browsertest.Text(t, ctx, "#count strong"))
	want := reference(all, console.Query{})
	assert.Equal(t, want[:50], browsertest.Eval[[]string](t, ctx, rows))
	assert.Equal(t, "http://127.0.0.1:9/reports", browsertest.Eval[string](t, ctx, `document.querySelector('header nav a[rel="noopener"]').href`),
		"the Info Mart reports are linked")
	browsertest.Screenshot(t, ctx, "list")
	assert.Equal(t, append([]string{""}, states...),
		browsertest.Eval[[]string](t, ctx, `Array.from(document.querySelectorAll('select[name="callbackState"] option')).map(o => o.value)`),
		"the callback states the server gives are the filter's choices, in their order")

	// Filter on service, state and callbacks only, through the form.
	browsertest.Do(t, ctx,
		chromedp.SetValue(`select[name="service"]`, "svc-2"),
		chromedp.SetValue(`select[name="state"]`, "running"),
		chromedp.Click(`input[name="callbacks"]`),
		chromedp.Click(`form.filters button[type="submit"]`),
		loaded(`location.search.includes("service=svc-2")`))
	want = reference(all, console.Query{Service: "svc-2", State: console.StateRunning, Callbacks: true})
	assert.Equal(t, strconv.Itoa(len(want)), browsertest.Text(t, ctx, "#count strong"))
	assert.Equal(t, want[:50], browsertest.Eval[[]string](t, ctx, rows))
	assert.Equal(t, "Callbacks", browsertest.Text(t, ctx, "h2#sessions-h"))
	browsertest.Screenshot(t, ctx, "list-filtered")

	// Page forward, then back.
	browsertest.Do(t, ctx, chromedp.Click(`a[rel="next"]`), loaded(`location.search.includes("after=")`))
	assert.Equal(t, want[50:100], browsertest.Eval[[]string](t, ctx, rows))
	browsertest.Do(t, ctx, chromedp.Click(`a[rel="prev"]`), loaded(`location.search.includes("before=")`))
	assert.Equal(t, want[:50], browsertest.Eval[[]string](t, ctx, rows))

	// A customer number, and a callback id.
	browsertest.Do(t, ctx, chromedp.Navigate(srv.URL+"/?customer=5550042"))
	assert.Equal(t, reference(all, console.Query{CustomerNumber: "5550042"}), browsertest.Eval[[]string](t, ctx, rows))
	browsertest.Do(t, ctx, chromedp.Navigate(srv.URL+"/?callbackId=CB000300"))
	assert.Equal(t, []string{"S000300"}, browsertest.Eval[[]string](t, ctx, rows))

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

// serve serves h on the loopback interface until the test ends. Call it
// before browsertest.New: the browser must close first, so that the server is not
// left waiting for its open event streams.
func serve(t *testing.T, h http.Handler) *httptest.Server {
	srv := httptest.NewServer(h)
	t.Cleanup(srv.Close)
	return srv
}

func TestChartSearchCollapseZoom(t *testing.T) {
	doc, err := scxml.Parse("big.scxml", []byte(bigChart(480)), nil)
	require.NoError(t, err)
	m := console.NewMemory(console.MemoryOptions{})
	m.Start(console.Summary{ID: "BIG", Document: "big", Started: epoch}, doc)
	m.Recorder().Record("BIG", &trace.Step{Time: epoch, Atomic: []string{"g0_s0"}, Active: []string{"g0", "g0_s0"}})
	srv := serve(t, console.NewHandler(console.Options{Source: m, ReadOnly: true}))
	ctx := browsertest.New(t)

	// A chart of hundreds of states opens with its compound states
	// closed; the one holding the active state is marked.
	browsertest.Do(t, ctx, chromedp.Navigate(srv.URL+"/session/BIG"), browsertest.WaitJS(`document.body.dataset.chart === "ready" && document.body.dataset.shown === "0"`))
	drawn := browsertest.Eval[int](t, ctx, `document.querySelectorAll("#chart g.st").length`)
	assert.LessOrEqual(t, drawn, 150)
	assert.Equal(t, []string{"g0"}, browsertest.Eval[[]string](t, ctx, lit("inside")))
	assert.Zero(t, browsertest.Eval[int](t, ctx, `document.querySelectorAll("#actions, #send-form").length`), "a read-only console has no actions")
	browsertest.Screenshot(t, ctx, "big-collapsed")

	// Searching a hidden state opens what hides it and marks it.
	browsertest.Do(t, ctx, chromedp.SendKeys("#chart-search", "g7_s3"),
		browsertest.WaitJS(`document.querySelector('#chart g.st[data-id="g7_s3"]') !== null`),
		browsertest.WaitJS(`document.querySelector('#chart g.st[data-id="g7_s3"]').classList.contains("match")`))
	// It is in view: the view box holds its box.
	assert.True(t, browsertest.Eval[bool](t, ctx, `(() => {
		const r = document.querySelector('#chart g.st[data-id="g7_s3"] rect').getBoundingClientRect();
		const c = document.getElementById("chart").getBoundingClientRect();
		return r.left >= c.left && r.right <= c.right && r.top >= c.top && r.bottom <= c.bottom;
	})()`), "the found state is centred")
	assert.Equal(t, "1 found", browsertest.Text(t, ctx, "#search-count"))
	browsertest.Screenshot(t, ctx, "big-search")

	// Opening a closed state by its toggle, then closing all.
	before := browsertest.Eval[int](t, ctx, `document.querySelectorAll("#chart g.st").length`)
	browsertest.Do(t, ctx, chromedp.Click("#zoom-fit"), chromedp.Click(`#chart g.st[data-id="g1"] .toggle`),
		browsertest.WaitJS(`document.querySelectorAll("#chart g.st").length > `+strconv.Itoa(before)))
	assert.NotNil(t, browsertest.Eval[any](t, ctx, `document.querySelector('#chart g.st[data-id="g1_s0"]')`))
	browsertest.Do(t, ctx, chromedp.Click("#collapse-all"), browsertest.WaitJS(`document.querySelectorAll("#chart g.st").length < 60`))

	// Zooming narrows the view box; fitting restores it.
	vb := func() []float64 {
		return browsertest.Eval[[]float64](t, ctx, `document.querySelector("#chart svg").getAttribute("viewBox").split(" ").map(Number)`)
	}
	browsertest.Do(t, ctx, chromedp.Click("#zoom-fit"))
	fit := vb()
	browsertest.Do(t, ctx, chromedp.Click("#zoom-in"))
	assert.Less(t, vb()[2], fit[2])
	browsertest.Do(t, ctx, chromedp.Click("#zoom-fit"))
	assert.Equal(t, fit, vb())
}

func TestSessionPageWithoutHistory(t *testing.T) {
	// The history's bound on all sessions dropped this session's steps:
	// the page still lights the states its summary has.
	doc, err := scxml.Parse("door.scxml", []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" name="door" initial="closed">
		<state id="closed"><transition event="open" target="opened"/></state>
		<state id="opened"><transition event="close" target="closed"/></state>
	</scxml>`), nil)
	require.NoError(t, err)
	step := &trace.Step{Time: epoch, Atomic: []string{"closed"}, Active: []string{"closed"}}
	m := console.NewMemory(console.MemoryOptions{Recorder: console.RecorderOptions{Total: int64(step.Size())}})
	m.Start(console.Summary{ID: "A", Document: "door", Started: epoch}, doc)
	m.Start(console.Summary{ID: "B", Document: "door", Started: epoch}, doc)
	m.Recorder().Record("A", step)
	m.Recorder().Record("B", &trace.Step{Time: epoch, Atomic: []string{"opened"}, Active: []string{"opened"}})
	srv := serve(t, console.NewHandler(console.Options{Source: m, ReadOnly: true}))
	ctx := browsertest.New(t)
	browsertest.Do(t, ctx, chromedp.Navigate(srv.URL+"/session/A"),
		browsertest.WaitJS(`document.body.dataset.chart === "ready" && window.orcaSession.loaded`))
	assert.Equal(t, 0, browsertest.Eval[int](t, ctx, `window.orcaSession.steps.length`))
	assert.Equal(t, []string{"closed"}, browsertest.Eval[[]string](t, ctx, lit("atomic")))
	assert.Contains(t, browsertest.Text(t, ctx, "#dropped"), "the chart shows the session's current states")
}
