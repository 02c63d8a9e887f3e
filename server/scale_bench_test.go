package server

import (
	"bufio"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"runtime/debug"
	"runtime/pprof"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/templates"
)

// BenchmarkScheduledCallbacks holds b.N callbacks scheduled a day ahead
// in one server with persistence and hibernation (sessions.hibernate_after
// 1s): it places them through the GMS API (32 clients; each answer waits
// for the callback's first snapshot to be stored), waits until every one
// has left memory, measures the process (RSS, live heap), and restarts
// the server on its store, measuring how long the new one takes to adopt
// them all. Reporting is off for these callbacks: their start UserEvents
// would measure the switch's side.
//
//	go test ./server -run '^$' -bench ScheduledCallbacks -benchtime 1000000x -timeout 2h
func BenchmarkScheduledCallbacks(b *testing.B) {
	var stays logBuffer
	e := newE2E(b, simConfig(time.Second), 1, func(c *Config) {
		c.Services = []ServiceConfig{{Name: "later", Template: "callback-scheduled",
			Options: map[string]any{"_target": "Callback_Agents", "_route_point": "RP_Callback"}}}
		c.Sessions.HibernateAfter = time.Second
	}, func(o *Options) {
		o.Logger = slog.New(slog.NewTextHandler(&stays, &slog.HandlerOptions{Level: slog.LevelDebug,
			ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr { return a }}))
	})
	at := templates.FormatTime(time.Now().Add(24 * time.Hour))
	rssBefore := rss(b)
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}, Timeout: time.Minute}
	var next, failed atomic.Int64
	b.ResetTimer()
	begin := time.Now()
	concurrently(32, func(int) {
		for {
			i := next.Add(1)
			if i > int64(b.N) {
				return
			}
			form := url.Values{"_customer_number": {fmt.Sprintf("55%08d", i)}, "_desired_time": {at}}
			resp, err := client.PostForm(e.srv.URL()+"/genesys/1/service/callback/later", form)
			if err != nil || resp.StatusCode != http.StatusOK {
				failed.Add(1)
				if resp != nil {
					resp.Body.Close()
				}
				continue
			}
			resp.Body.Close()
		}
	})
	placed := time.Since(begin)
	b.StopTimer()
	require.Zero(b, failed.Load(), "callbacks refused")
	eventually(b, 10*time.Minute, func() bool { st := e.srv.host.Stats(); return st.Kept == st.Live }, "hibernated: %+v\n%s", e.srv.host.Stats(), hibernationLog(stays.String()))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	require.NoError(b, e.srv.store.Flush(ctx))
	// JetStream's block caches, filled by the writes, expire; what is
	// left is what the sessions hold.
	time.Sleep(10 * time.Second)
	debug.FreeOSMemory()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	held := rss(b)
	if f, err := os.Create("/tmp/scale-heap.prof"); err == nil {
		_ = pprof.WriteHeapProfile(f)
		f.Close()
	}

	// A graceful restart: the new server adopts every session from the
	// headers of the bucket.
	require.NoError(b, e.srv.Shutdown(ctx))
	cfg := e.srv.cfg
	cfg.Listen = "127.0.0.1:0"
	restart := time.Now()
	srv, err := New(cfg, Options{Logger: slog.New(slog.NewTextHandler(&e.log, nil))})
	require.NoError(b, err)
	restored := time.Since(restart)
	e.srv = srv
	require.Equal(b, srv.host.Stats().Live, srv.host.Stats().Kept)

	b.ReportMetric(float64(b.N)/placed.Seconds(), "starts/s")
	b.ReportMetric(float64(held)/(1<<20), "RSS-MB")
	b.ReportMetric(float64(held-rssBefore)/float64(b.N), "RSS-B/callback")
	b.ReportMetric(float64(ms.HeapInuse)/float64(b.N), "heap-B/callback")
	b.ReportMetric(restored.Seconds(), "restore-s")
	b.ReportMetric(float64(b.N)/restored.Seconds(), "adopted/s")
}

// rss returns the resident set size of the process.
func rss(tb testing.TB) int64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		tb.Skipf("no /proc/self/status to read the RSS from: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "VmRSS:"); ok {
			kb, err := strconv.ParseInt(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(v), "kB")), 10, 64)
			require.NoError(tb, err)
			return kb << 10
		}
	}
	tb.Skip("no VmRSS in /proc/self/status")
	return 0
}

// hibernationLog returns the log's lines about hibernation, and its
// warnings.
func hibernationLog(s string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "hibernat") || strings.Contains(l, "WARN") || strings.Contains(l, "ERROR") {
			out = append(out, l)
		}
	}
	if len(out) > 40 {
		out = out[len(out)-40:]
	}
	return strings.Join(out, "\n")
}

// BenchmarkRestoreCallbacks measures how fast hibernated callback
// sessions come back into memory: b.N callbacks scheduled a day ahead
// hibernate, and each is then loaded from the store (a read of its
// snapshot, a new ECMAScript runtime, the snapshot's state given back)
// by a query of its session, from 8 clients.
func BenchmarkRestoreCallbacks(b *testing.B) {
	e := newE2E(b, simConfig(time.Second), 1, func(c *Config) {
		c.Services = []ServiceConfig{{Name: "later", Template: "callback-scheduled",
			Options: map[string]any{"_target": "Callback_Agents", "_route_point": "RP_Callback"}}}
		c.Sessions.HibernateAfter = time.Hour
	})
	at := templates.FormatTime(time.Now().Add(24 * time.Hour))
	ids := make([]string, b.N)
	var next atomic.Int64
	concurrently(16, func(int) {
		for {
			i := next.Add(1) - 1
			if i >= int64(b.N) {
				return
			}
			ids[i] = e.request("later", url.Values{"_customer_number": {fmt.Sprintf("56%08d", i)}, "_desired_time": {at}})
		}
	})
	ctx := context.Background()
	for _, id := range ids {
		require.NoError(b, e.srv.host.Hibernate(ctx, id))
	}
	require.Equal(b, b.N, e.srv.host.Stats().Kept)
	loaded := e.srv.host.Stats().Loaded
	next.Store(0)
	b.ResetTimer()
	begin := time.Now()
	concurrently(8, func(int) {
		for {
			i := next.Add(1) - 1
			if i >= int64(b.N) {
				return
			}
			if err := e.srv.host.Do(ctx, ids[i], func(*interp.Session) {}); err != nil {
				b.Error(err)
				return
			}
		}
	})
	elapsed := time.Since(begin)
	b.StopTimer()
	require.Equal(b, uint64(b.N), e.srv.host.Stats().Loaded-loaded)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "restored/s")
}
