package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"runtime"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/orca-scxml/orca/console"
	"github.com/orca-scxml/orca/internal/browsertest"
)

// liveSessions is the size of the session list the console must stay
// responsive with.
const liveSessions = 100000

// bigMemory holds liveSessions sessions (see fill).
func bigMemory(b *testing.B) *console.Memory {
	m := console.NewMemory(console.MemoryOptions{KeepEnded: liveSessions})
	fill(m, liveSessions)
	return m
}

// BenchmarkSessions lists a page of 100,000 sessions with the filters of
// the list page.
func BenchmarkSessions(b *testing.B) {
	m := bigMemory(b)
	ctx := context.Background()
	deep, err := m.Sessions(ctx, console.Query{Limit: 500})
	if err != nil {
		b.Fatal(err)
	}
	for _, bc := range []struct {
		name string
		q    console.Query
	}{
		{"first page", console.Query{}},
		{"service", console.Query{Service: "svc-3"}},
		{"service and state", console.Query{Service: "svc-3", State: console.StateRunning}},
		{"callbacks queued", console.Query{Callbacks: true, CallbackState: "QUEUED"}},
		{"customer", console.Query{CustomerNumber: "5550042"}},
		{"callback id", console.Query{CallbackID: "CB050001"}},
		{"next page", console.Query{After: deep.Next}},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Sessions(ctx, bc.q); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkListPage renders the list page of 100,000 sessions, services
// included, through the handler.
func BenchmarkListPage(b *testing.B) {
	h := console.NewHandler(console.Options{Source: bigMemory(b)})
	for _, path := range []string{"/", "/?service=svc-1&state=running&callbacks=1"} {
		b.Run(path, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				w := httptest.NewRecorder()
				h.ServeHTTP(w, httptest.NewRequest(http.MethodGet, path, nil))
				if w.Code != http.StatusOK {
					b.Fatalf("%s: %d", path, w.Code)
				}
			}
		})
	}
}

// BenchmarkListPageChromium loads the list page of 100,000 sessions in
// headless Chromium and reports, besides the time per load, the first
// contentful paint and the load event as the browser measured them.
func BenchmarkListPageChromium(b *testing.B) {
	srv := httptest.NewServer(console.NewHandler(console.Options{Source: bigMemory(b)}))
	defer srv.Close()
	ctx := browsertest.New(b)
	timing := `(() => {
		const nav = performance.getEntriesByType("navigation")[0];
		const fcp = performance.getEntriesByName("first-contentful-paint")[0];
		return [fcp ? fcp.startTime : -1, nav.loadEventEnd];
	})()`
	var fcp, load float64
	for b.Loop() {
		browsertest.Do(b, ctx, chromedp.Navigate(srv.URL+"/"), browsertest.WaitJS(`performance.getEntriesByType("navigation")[0].loadEventEnd > 0 && performance.getEntriesByName("first-contentful-paint").length > 0`))
		v := browsertest.Eval[[]float64](b, ctx, timing)
		fcp += v[0]
		load += v[1]
	}
	n := float64(b.N)
	b.ReportMetric(fcp/n, "fcp-ms")
	b.ReportMetric(load/n, "load-ms")
}

// BenchmarkMemoryIndex reports the heap a Memory holds per session for
// its summary and index (no history), with 100,000 sessions whose ids
// and numbers are as long as a server's.
func BenchmarkMemoryIndex(b *testing.B) {
	const n = liveSessions
	held := func() int64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc)
	}
	for b.Loop() {
		before := held()
		m := console.NewMemory(console.MemoryOptions{})
		for i := range n {
			id := fmt.Sprintf("%032X", i)
			m.Start(console.Summary{ID: id, Service: "callback-scheduled", Document: "callback-scheduled", CallbackID: id,
				CallbackState: "SCHEDULED", CustomerNumber: fmt.Sprintf("555%07d", i), Started: epoch.Add(time.Duration(i) * time.Millisecond),
				Atomic: []string{"scheduled"}, Steps: 1}, nil)
		}
		b.ReportMetric(float64(held()-before)/n, "B/session")
		runtime.KeepAlive(m)
	}
}
