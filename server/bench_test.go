package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"runtime"
	"sync/atomic"
	"testing"
	"time"

	"github.com/orca-scxml/orca/templates"
	"github.com/stretchr/testify/require"
)

// BenchmarkCallbacks places b.N immediate callbacks over HTTP against the
// simulator (200 agents, everything on a clock 1000 times faster than the
// wall clock) and reports how many complete per second, start and final
// UserEvent received at the reporting DN, and the bytes and allocations
// of the whole process per callback. It also reports the heap held
// per live callback session, measured on 500 scheduled callbacks waiting
// for their time: heap-B/session with reporting on (the start UserEvent
// sent, as a service of orca serve reports), heap-B/session-noreport with
// it off. The reporting service sends to a DN the simulator does not
// monitor, so that the heap measured is the server's, not the records the
// simulator (standing for the switch and Info Mart) keeps of the events.
//
// It runs with persistence off (sessions in memory only) and on (every
// session kept in JetStream, a snapshot after its macrosteps): the
// difference is the cost of persistence.
func BenchmarkCallbacks(b *testing.B) {
	for _, persist := range []bool{false, true} {
		b.Run(fmt.Sprintf("persistence=%v", persist), func(b *testing.B) { benchCallbacks(b, persist) })
	}
}

func benchCallbacks(b *testing.B, persist bool) {
	scfg := simConfig(time.Second)
	scfg.Agents.Count = 200
	e := newE2E(b, scfg, 1000, func(c *Config) {
		off := false
		c.Console.Enable = &off
		c.Services = append(c.Services,
			ServiceConfig{Name: "quiet", Template: "callback-scheduled",
				Options: map[string]any{"_target": "Callback_Agents", "_route_point": "RP_Callback"}},
			ServiceConfig{Name: "reported", Template: "callback-scheduled",
				Options: reportingOptions("_rep_userevent_dn", "REPORTING_UNMONITORED")})
		if !persist {
			noPersistence(c)
		}
	})
	// With persistence, the sessions' bucket has a head-block cache of
	// its own, held and dropped as the reporting stream's is.
	var bucketCache time.Duration
	if persist {
		bucketCache = streamCacheExpiry
	}
	quiet, _ := heapPerSession(b, e, "quiet", 500, bucketCache)
	perSession, stacks := heapPerSession(b, e, "reported", 500, streamCacheExpiry)

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 64}}
	base := len(e.sim.UserEvents())
	var next atomic.Int64
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	b.ResetTimer()
	begin := time.Now()
	concurrently(32, func(int) {
		for {
			i := next.Add(1)
			if i > int64(b.N) {
				return
			}
			form := url.Values{"_customer_number": {fmt.Sprintf("556%07d", i)}}
			resp, err := client.PostForm(e.srv.URL()+"/genesys/1/service/callback/immediate", form)
			if err != nil {
				b.Error(err)
				return
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				b.Errorf("callback request: %s", resp.Status)
				return
			}
		}
	})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	_, err := e.sim.WaitUserEvents(ctx, base+2*b.N)
	require.NoError(b, err)
	elapsed := time.Since(begin)
	b.StopTimer()
	runtime.ReadMemStats(&after)
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "callbacks/s")
	b.ReportMetric(float64(after.TotalAlloc-before.TotalAlloc)/float64(b.N), "B/callback")
	b.ReportMetric(float64(after.Mallocs-before.Mallocs)/float64(b.N), "allocs/callback")
	b.ReportMetric(perSession, "heap-B/session")
	b.ReportMetric(quiet, "heap-B/session-noreport")
	b.ReportMetric(stacks, "stack-B/session")
	if persist {
		st := e.srv.store.Stats()
		b.ReportMetric(float64(st.Writes)/float64(b.N), "snapshots/callback")
		b.ReportMetric(float64(st.Unchanged)/float64(b.N), "unchanged/callback")
	}
}

// heapPerSession starts n callbacks of service, scheduled 12 hours ahead,
// measures the heap and the goroutine stacks they hold once they wait,
// and cancels them. A first round of n/10 callbacks, started and
// cancelled before the measure, leaves out what the first callbacks make
// once for all. Both reads of the heap wait quiet (at least 50ms) after
// the last callback started and then take the lowest of the reads made
// over as long again (lowestHeap): a service that reports waits
// streamCacheExpiry, so that the write cache of the reporting stream's
// head block in the embedded NATS server is not counted (it grows by
// size class, 256 KB to 8 MB, with the messages written, and is dropped
// on the server's own timer 10 to 20 seconds after its last use,
// whatever the number of live callbacks). What the stream keeps per message for its duplicate window
// (the message id, some 300 bytes for 10 minutes) is counted.
func heapPerSession(b *testing.B, e *e2e, service string, n int, quiet time.Duration) (heap, stacks float64) {
	quiet = max(quiet, 50*time.Millisecond)
	scheduledRound(b, e, service, "558", n/10, nil)
	var before, after runtime.MemStats
	time.Sleep(quiet)
	before = lowestHeap(quiet)
	scheduledRound(b, e, service, "557", n, func() {
		time.Sleep(quiet)
		after = lowestHeap(quiet)
	})
	return float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / float64(n),
		float64(int64(after.StackInuse)-int64(before.StackInuse)) / float64(n)
}

// streamCacheExpiry is how long after its last write a JetStream file
// store drops the cache of its head block (10s in nats-server), and a
// margin.
const streamCacheExpiry = 11 * time.Second

// scheduledRound starts n callbacks of service, scheduled 12 hours ahead
// (43 seconds of the wall clock),
// calls live (when not nil) once they all wait, and cancels them.
func scheduledRound(b *testing.B, e *e2e, service, prefix string, n int, live func()) {
	at := templates.FormatTime(e.clock.Now().Add(12 * time.Hour))
	ids := make([]string, n)
	for i := range ids {
		ids[i] = e.request(service, url.Values{"_customer_number": {fmt.Sprintf("%s%07d", prefix, i)}, "_desired_time": {at}})
	}
	eventually(b, 30*time.Second, func() bool {
		for _, id := range ids {
			if e.state(id)["_callback_state"] != "SCHEDULED" {
				return false
			}
		}
		return true
	}, "scheduled callbacks did not start")
	if live != nil {
		live()
	}
	for _, id := range ids {
		call(b, http.MethodDelete, e.srv.URL()+"/genesys/1/service/callback/"+service+"/"+id, nil, "")
	}
	eventually(b, 30*time.Second, func() bool { return e.srv.Sessions() == 0 }, "scheduled callbacks did not end")
}

// lowestHeap reads the heap (after settleHeap) once a second for span
// (at least once) and returns the read of the lowest HeapAlloc. The
// sessions measured hold their heap unchanged while they wait, so the
// lowest read is theirs and what every instance holds at its least: a
// buffer the NATS server drops on a timer of its own (the reporting
// stream's block cache, 4 MB, 8 KB a session of 500) is held in some
// reads and not in others, and read once it made the figure bimodal.
func lowestHeap(span time.Duration) runtime.MemStats {
	var low, m runtime.MemStats
	for i := 0; ; i++ {
		settleHeap()
		runtime.ReadMemStats(&m)
		if i == 0 || m.HeapAlloc < low.HeapAlloc {
			low = m
		}
		if time.Duration(i+1)*time.Second > span {
			return low
		}
		time.Sleep(time.Second)
	}
}

// settleHeap collects the garbage twice: what sync.Pools hold (the NATS
// server's buffers) survives one collection and is dropped by the second,
// so that it is not counted as held by the sessions.
func settleHeap() {
	runtime.GC()
	runtime.GC()
}
