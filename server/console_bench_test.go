package server

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/require"

	bt "github.com/orca-scxml/orca/internal/browsertest"
	"github.com/orca-scxml/orca/templates"
)

// consoleSessions is the number of live sessions the console must stay
// responsive with; ORCA_BENCH_SESSIONS sets another.
func consoleSessions(b *testing.B) int {
	n := 100000
	if s := os.Getenv("ORCA_BENCH_SESSIONS"); s != "" {
		v, err := strconv.Atoi(s)
		require.NoError(b, err, "ORCA_BENCH_SESSIONS")
		n = v
	}
	return n
}

// startScheduled places n callbacks of the scheduled service, due a week
// from now so that they wait, through the GMS API from 32 clients, and
// returns their ids.
func startScheduled(b testing.TB, e *e2e, n int, prefix string) []string {
	at := templates.FormatTime(e.clock.Now().Add(7 * 24 * time.Hour))
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	ids := make([]string, n)
	var next atomic.Int64
	concurrently(32, func(int) {
		for {
			i := int(next.Add(1)) - 1
			if i >= n {
				return
			}
			form := url.Values{"_customer_number": {fmt.Sprintf("%s%07d", prefix, i)}, "_desired_time": {at}}
			resp, err := client.PostForm(e.srv.URL()+"/genesys/1/service/callback/scheduled", form)
			if err != nil {
				b.Error(err)
				return
			}
			var a struct {
				ID string `json:"_id"`
			}
			err = json.NewDecoder(resp.Body).Decode(&a)
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK || err != nil {
				b.Errorf("callback request: %s %v", resp.Status, err)
				return
			}
			ids[i] = a.ID
		}
	})
	return ids
}

// liveHeap returns the live heap after a collection.
func liveHeap() uint64 {
	var m runtime.MemStats
	runtime.GC()
	runtime.GC()
	runtime.ReadMemStats(&m)
	return m.HeapAlloc
}

// elapsedRE reads the Source's time the list page reports ("listed in
// 12µs").
var elapsedRE = regexp.MustCompile(`listed in ([0-9.]+[µmn]?s)`)

// BenchmarkConsole starts 100,000 real sessions of the scheduled
// callback template on a server (due a week ahead, so they wait, their
// start UserEvent sent), then measures the console: the list page
// (first page, and filtered on service and callback state) and a session
// page as the server serves them over loopback HTTP, the list's Source
// time as the page reports it, and the list page's first contentful
// paint in headless Chromium. It reports what the recorder keeps per
// session (its estimate, trace.Step.Size) and the heap per session of
// the whole server.
func BenchmarkConsole(b *testing.B) {
	n := consoleSessions(b)
	e := newE2E(b, simConfig(time.Second), 1, func(c *Config) {
		// While 100,000 sessions start, the heap grows by far more than
		// a session's memory limit during any macrostep slow enough
		// for the watchdog to measure, and it would be blamed on that
		// session (docs/engine.md, Memory): the limit is off here.
		c.Limits.Memory = -1
	})
	base := liveHeap()
	begin := time.Now()
	ids := startScheduled(b, e, n, "556")
	b.ReportMetric(float64(n)/time.Since(begin).Seconds(), "starts/s")
	for deadline := time.Now().Add(5 * time.Minute); e.srv.Sessions() < n; time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			b.Fatalf("sessions did not all start: %d live; host %+v", e.srv.Sessions(), e.srv.host.Stats())
		}
	}
	time.Sleep(time.Second)
	heap := liveHeap()
	st := e.srv.console.rec.Stats()
	b.Logf("%d sessions: heap %d MB (%.1f KB a session), recorder %d sessions, %d steps, %d MB estimated (%.0f B a session)",
		n, (heap-base)>>20, float64(heap-base)/float64(n)/1024, st.Sessions, st.Steps, st.Bytes>>20, float64(st.Bytes)/float64(st.Sessions))

	client := &http.Client{}
	get := func(b *testing.B, path string) (body string, took time.Duration) {
		t0 := time.Now()
		resp, err := client.Get(e.srv.URL() + path)
		require.NoError(b, err)
		data, err := io.ReadAll(resp.Body)
		took = time.Since(t0)
		resp.Body.Close()
		require.NoError(b, err)
		require.Equal(b, http.StatusOK, resp.StatusCode, path)
		return string(data), took
	}
	for _, bc := range []struct{ name, path string }{
		{"list", "/"},
		{"list callbacks SCHEDULED of a service", "/?service=scheduled&callbackState=SCHEDULED&callbacks=1"},
		{"list by customer", "/?customer=5560004242"},
		{"session", "/session/" + ids[n/2]},
		{"session API", "/console/api/session/" + ids[n/2]},
	} {
		b.Run(bc.name, func(b *testing.B) {
			var source time.Duration
			for b.Loop() {
				page, _ := get(b, bc.path)
				if m := elapsedRE.FindStringSubmatch(page); m != nil {
					d, _ := time.ParseDuration(m[1])
					source += d
				}
			}
			if source > 0 {
				b.ReportMetric(float64(source.Microseconds())/float64(b.N), "source-µs/op")
			}
		})
	}
	b.Run("chromium list", func(b *testing.B) {
		ctx := bt.New(b)
		var fcp, load float64
		for b.Loop() {
			fcpMS, loadMS := paint(b, ctx, e.srv.URL()+"/")
			fcp += fcpMS
			load += loadMS
		}
		b.ReportMetric(fcp/float64(b.N), "fcp-ms")
		b.ReportMetric(load/float64(b.N), "load-ms")
		bt.Screenshot(b, ctx, fmt.Sprintf("list-%d-sessions", n))
	})
	b.Run("chromium session", func(b *testing.B) {
		ctx := bt.New(b)
		var fcp, ready float64
		for b.Loop() {
			t0 := time.Now()
			fcpMS, _ := paint(b, ctx, e.srv.URL()+"/session/"+ids[n/3])
			bt.Do(b, ctx, bt.WaitJS(`document.body.dataset.chart === "ready" && document.body.dataset.shown !== undefined`))
			fcp += fcpMS
			ready += float64(time.Since(t0).Microseconds()) / 1000
		}
		b.ReportMetric(fcp/float64(b.N), "fcp-ms")
		b.ReportMetric(ready/float64(b.N), "chart-ms")
	})
	b.ReportMetric(float64(st.Bytes)/float64(st.Sessions), "recorder-B/session")
	b.ReportMetric(float64(heap-base)/float64(n), "heap-B/session")
	drain(b, e, n)
}

// drain waits until the simulator has the start UserEvent of each of
// the n callbacks, then stops it: the server's shutdown, at the end of the
// benchmark, cancels the callbacks and sends their final UserEvents, which
// the simulator would still be handling (and logging about) once the
// benchmark is over.
func drain(b *testing.B, e *e2e, n int) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	_, err := e.sim.WaitUserEvents(ctx, n)
	require.NoError(b, err)
	e.sim.Stop()
}

// paint loads url in the tab and returns the first contentful paint and
// the end of the load event, in milliseconds, as the browser measured
// them.
func paint(b *testing.B, ctx context.Context, url string) (fcp, load float64) {
	bt.Do(b, ctx, chromedp.Navigate(url), bt.WaitJS(`performance.getEntriesByType("navigation")[0].loadEventEnd > 0 && performance.getEntriesByName("first-contentful-paint").length > 0`))
	v := bt.Eval[[]float64](b, ctx, `(() => {
		const nav = performance.getEntriesByType("navigation")[0];
		const fcp = performance.getEntriesByName("first-contentful-paint")[0];
		return [fcp.startTime, nav.loadEventEnd];
	})()`)
	return v[0], v[1]
}

// BenchmarkConsoleMemory measures what the console's history costs per
// waiting callback session: the live heap with 5,000 scheduled callbacks
// (start UserEvent sent) recorded, less the same once their histories are
// forgotten, in one process, so that the rest of the server does not
// blur the figure. The summaries and their index are measured apart
// (console's BenchmarkMemoryIndex).
func BenchmarkConsoleMemory(b *testing.B) {
	const n = 5000
	e := newE2E(b, simConfig(time.Second), 1, func(c *Config) { c.Limits.Memory = -1 })
	ids := startScheduled(b, e, n, "557")
	eventually(b, time.Minute, func() bool { return e.srv.Sessions() >= n }, "sessions did not start")
	time.Sleep(500 * time.Millisecond)
	rec := e.srv.console.rec
	st := rec.Stats()
	with := liveHeap()
	for _, id := range ids {
		rec.Forget(id)
	}
	without := liveHeap()
	b.ReportMetric(float64(int64(with)-int64(without))/n, "history-B/session")
	b.ReportMetric(float64(st.Bytes)/float64(st.Sessions), "estimate-B/session")
	drain(b, e, n)
}
