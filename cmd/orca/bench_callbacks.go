package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/internal/cputime"
	"github.com/orca-scxml/orca/server"
	"github.com/orca-scxml/orca/telephony/sim"
)

// callbackBench is what "orca bench --callbacks N" runs: one process
// holding the embedded NATS server, the server with one immediate
// callback service reporting to the simulator's reporting DN, and the
// simulator with its agents, all on a clock speed times faster than the
// wall clock. Clients place the callbacks through the GMS API, each
// asking its state once placed; a callback is done when the reporting DN
// has its start and its final UserEvent.
type callbackBench struct {
	callbacks int
	clients   int
	agents    int
	speed     float64
	persist   bool      // sessions kept in JetStream
	progress  io.Writer // nil: no progress line
}

// callbackResult is what a callbacks bench measured.
type callbackResult struct {
	callbacks   int
	elapsed     time.Duration
	cpu         time.Duration
	create, get []time.Duration // latencies, sorted
	bytesPer    float64
	allocsPer   float64
}

// benchService is the service the callbacks bench places its callbacks
// to.
const benchService = "bench"

// run runs the bench.
func (cb callbackBench) run(ctx context.Context) (callbackResult, error) {
	res := callbackResult{callbacks: cb.callbacks}
	dir, err := os.MkdirTemp("", "orca-bench-")
	if err != nil {
		return res, err
	}
	defer os.RemoveAll(dir)

	clock := sim.NewScaledClock(cb.speed)
	scfg := sim.DefaultConfig()
	scfg.Clock = clock
	scfg.Speed = cb.speed
	scfg.Agents.Count = cb.agents
	scfg.Agents.Handle = sim.Span{Min: time.Second, Max: time.Second}
	scfg.Customers.Ring = sim.Span{Min: time.Second, Max: time.Second}
	// The run ends when the last final UserEvent arrives, not at the next
	// progress tick.
	var events atomic.Int64
	want := int64(2 * cb.callbacks)
	all := make(chan struct{})
	scfg.OnUserEvent = func(sim.Record) {
		if events.Add(1) == want {
			close(all)
		}
	}

	off := false
	cfg := server.Config{
		Listen: "127.0.0.1:0",
		NATS:   server.NATSConfig{DataDir: dir},
		Services: []server.ServiceConfig{{Name: benchService, Template: "callback-immediate", Options: map[string]any{
			"_rep_userevent_enable": true, "_rep_userevent_dn": scfg.Switch.ReportingDN, "_rep_userevent_switch": scfg.Switch.Name,
			"_target": "Callback_Agents", "_route_point": scfg.Switch.RoutePoints[0],
		}}},
		Telephony: server.TelephonyConfig{Switch: scfg.Switch.Name},
		Tenant:    server.TenantConfig{Name: scfg.Switch.CustomerID, DBID: 101},
	}
	cfg.Console.Enable = &off
	cfg.Persistence.Enable = &cb.persist
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	srv, err := server.New(cfg, server.Options{Logger: logger, Clock: clock})
	if err != nil {
		return res, err
	}
	defer func() {
		sctx, cancel := context.WithTimeout(context.Background(), serveShutdownTimeout)
		defer cancel()
		_ = srv.Shutdown(sctx)
	}()
	nc, err := srv.ConnectNATS(bridge.RoleSwitch, "orca-bench-tsim")
	if err != nil {
		return res, err
	}
	defer nc.Close()
	tsim, err := sim.New(nc, scfg)
	if err != nil {
		return res, err
	}
	sctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	err = tsim.Start(sctx)
	cancel()
	if err != nil {
		return res, fmt.Errorf("simulator: %w", err)
	}
	defer tsim.Stop()

	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: cb.clients}, Timeout: time.Minute}
	base := srv.URL() + "/genesys/1/service/callback/" + benchService
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	start, cpu := time.Now(), cputime.Process()

	var next, placed atomic.Int64
	var mu sync.Mutex
	var failure error
	fail := func(err error) {
		mu.Lock()
		defer mu.Unlock()
		if failure == nil {
			failure = err
		}
	}
	latencies := make([][2][]time.Duration, cb.clients)
	var wg sync.WaitGroup
	for c := range cb.clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for ctx.Err() == nil {
				i := next.Add(1)
				if i > int64(cb.callbacks) {
					return
				}
				t0 := time.Now()
				id, err := placeCallback(client, base, url.Values{"_customer_number": {fmt.Sprintf("556%07d", i)}})
				t1 := time.Now()
				if err == nil {
					err = getCallback(client, base+"/"+id)
				}
				if err != nil {
					fail(err)
					return
				}
				latencies[c][0] = append(latencies[c][0], t1.Sub(t0))
				latencies[c][1] = append(latencies[c][1], time.Since(t1))
				placed.Add(1)
			}
		}()
	}
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for waiting := true; waiting; {
		mu.Lock()
		err := failure
		mu.Unlock()
		if err != nil {
			return res, err
		}
		select {
		case <-ctx.Done():
			return res, ctx.Err()
		case <-all:
			waiting = false
		case <-tick.C:
		}
		if cb.progress != nil {
			done := events.Load() / 2
			fmt.Fprintf(cb.progress, "\r%d/%d placed, %d done, %.0f callbacks/s ", placed.Load(), cb.callbacks, done, float64(done)/time.Since(start).Seconds())
		}
	}
	wg.Wait()
	res.elapsed, res.cpu = time.Since(start), cputime.Process()-cpu
	runtime.ReadMemStats(&after)
	if cb.progress != nil {
		fmt.Fprintf(cb.progress, "\r%d/%d placed, %d done%20s\n", placed.Load(), cb.callbacks, events.Load()/2, "")
	}
	for _, l := range latencies {
		res.create = append(res.create, l[0]...)
		res.get = append(res.get, l[1]...)
	}
	slices.Sort(res.create)
	slices.Sort(res.get)
	n := float64(cb.callbacks)
	res.bytesPer = float64(after.TotalAlloc-before.TotalAlloc) / n
	res.allocsPer = float64(after.Mallocs-before.Mallocs) / n
	return res, nil
}

// placeCallback starts a callback through the GMS API at base (the
// service's URL) with params, and returns its id.
func placeCallback(client *http.Client, base string, params url.Values) (string, error) {
	resp, err := client.PostForm(base, params)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return "", fmt.Errorf("POST %s: %s: %s", base, resp.Status, msg)
	}
	var body struct {
		ID string `json:"_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.ID == "" {
		return "", fmt.Errorf("POST %s: no _id in the answer (%v)", base, err)
	}
	return body.ID, nil
}

// getCallback asks for the state of a callback.
func getCallback(client *http.Client, u string) error {
	resp, err := client.Get(u)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, resp.Body)
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", u, resp.Status)
	}
	return nil
}

// quantile returns the q quantile of sorted durations.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[min(len(sorted)-1, int(q*float64(len(sorted))))]
}

func (r callbackResult) write(w io.Writer, cb callbackBench) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "setup\tone process: server, embedded NATS, simulator (%d agents), clock x%g, reporting UserEvents on, persistence %s\n", cb.agents, cb.speed, onOff(cb.persist))
	fmt.Fprintf(tw, "callbacks\t%d immediate, placed by %d clients, each done at its final UserEvent\n", r.callbacks, cb.clients)
	fmt.Fprintf(tw, "time\t%v\n", r.elapsed.Round(time.Millisecond))
	fmt.Fprintf(tw, "callbacks/s\t%.0f\n", float64(r.callbacks)/r.elapsed.Seconds())
	fmt.Fprintf(tw, "POST callback\tp50 %v  p99 %v\n", quantile(r.create, 0.5).Round(time.Microsecond), quantile(r.create, 0.99).Round(time.Microsecond))
	fmt.Fprintf(tw, "GET callback\tp50 %v  p99 %v\n", quantile(r.get, 0.5).Round(time.Microsecond), quantile(r.get, 0.99).Round(time.Microsecond))
	fmt.Fprintf(tw, "CPU/callback\t%v (%.2f cores busy)\n", (r.cpu / time.Duration(r.callbacks)).Round(time.Microsecond), r.cpu.Seconds()/r.elapsed.Seconds())
	fmt.Fprintf(tw, "allocated/callback\t%.0f KB in %.0f allocations\n", r.bytesPer/1024, r.allocsPer)
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	return nil
}

// onOff names a setting.
func onOff(on bool) string {
	if on {
		return "on"
	}
	return "off"
}
