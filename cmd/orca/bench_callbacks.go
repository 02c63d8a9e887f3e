package main

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"math"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"text/tabwriter"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/internal/cputime"
	"github.com/orca-scxml/orca/server"
	"github.com/orca-scxml/orca/telephony/sim"
	"github.com/orca-scxml/orca/telephony/wire"
)

// benchSpeed is the clock speed orca bench --callbacks runs at unless told
// otherwise. The templates' timeouts scale with it: at ×100 a dial the
// switch has not answered is given up after 370 ms of the wall clock
// (_ixn_createcall_timeout plus 5 s), longer than the bus's queueing
// delay with both cores busy; at ×1000 it is 37 ms, which a saturated
// run overtakes, so callbacks redial and the run measures the redials.
// The simulated calls still take far less than a callback's CPU: 200
// agents at ×100 serve over 5,000 callbacks/s.
const benchSpeed = 100

// callbackBench is what "orca bench --callbacks N" runs: one process
// holding the embedded NATS server, the server with one immediate
// callback service reporting to the simulator's reporting DN, and the
// simulator with its agents, all on a clock speed times faster than the
// wall clock. Clients place the callbacks through the GMS API, each
// asking its state once placed; a callback is done when the reporting DN
// has its start and its final UserEvent. The clients are the bench's own
// (gmsClient): they allocate nothing per call, so that what the bench
// reports per callback is the server's, NATS's and the simulator's.
type callbackBench struct {
	callbacks int
	clients   int
	agents    int
	speed     float64
	persist   bool      // sessions kept in JetStream
	bus       bool      // count the bus's messages (busSpy)
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
	bus         []busCount // with callbackBench.bus
}

// stallTimeout is how long a callbacks bench waits without a callback
// placed or done before it gives up.
const stallTimeout = time.Minute

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

	var spy *busSpy
	if cb.bus {
		snc, err := srv.ConnectNATS(bridge.RoleOrca, "orca-bench-spy")
		if err != nil {
			return res, err
		}
		defer snc.Close()
		if spy, err = spyBus(snc); err != nil {
			return res, err
		}
		if err := snc.Flush(); err != nil {
			return res, fmt.Errorf("bus spy: %w", err)
		}
	}
	// The clients' requests end with the run: a run that returns (its
	// context done, a client failed, nothing moved for stallTimeout)
	// cancels those in flight.
	rctx, cancelRequests := context.WithCancel(ctx)
	defer cancelRequests()
	base := srv.URL() + "/genesys/1/service/callback/" + benchService
	clients := make([]*gmsClient, cb.clients)
	for c := range clients {
		if clients[c], err = newGMSClient(rctx, base); err != nil {
			return res, err
		}
	}
	// The clients' connections close once their requests are over,
	// however the run ends.
	var wg sync.WaitGroup
	defer func() {
		cancelRequests()
		wg.Wait()
		for _, c := range clients {
			c.close()
		}
	}()
	// The latencies of callback i are at i-1, whichever client placed it.
	res.create = make([]time.Duration, cb.callbacks)
	res.get = make([]time.Duration, cb.callbacks)
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
	for _, client := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for rctx.Err() == nil {
				i := next.Add(1)
				if i > int64(cb.callbacks) {
					return
				}
				t0 := time.Now()
				id, err := client.place(i)
				t1 := time.Now()
				if err == nil {
					err = client.state(id)
				}
				if err != nil {
					fail(err)
					return
				}
				res.create[i-1], res.get[i-1] = t1.Sub(t0), time.Since(t1)
				placed.Add(1)
			}
		}()
	}
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	moved, lastMove := int64(0), time.Now()
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
		case now := <-tick.C:
			if m := placed.Load() + events.Load(); m != moved {
				moved, lastMove = m, now
			} else if now.Sub(lastMove) > stallTimeout {
				return res, fmt.Errorf("no callback placed or done for %v: %d/%d placed, %d done", stallTimeout, placed.Load(), cb.callbacks, events.Load()/2)
			}
		}
		if cb.progress != nil {
			done := events.Load() / 2
			fmt.Fprintf(cb.progress, "\r%d/%d placed, %d done, %.0f callbacks/s ", placed.Load(), cb.callbacks, done, float64(done)/time.Since(start).Seconds())
		}
	}
	// Every callback is done; a client may still wait for an answer (the
	// last state read), which gets as long as the run waits for anything.
	clientsDone := make(chan struct{})
	go func() {
		wg.Wait()
		close(clientsDone)
	}()
	select {
	case <-clientsDone:
	case <-ctx.Done():
		cancelRequests()
		<-clientsDone
		return res, ctx.Err()
	case <-time.After(stallTimeout):
		cancelRequests()
		<-clientsDone
		return res, fmt.Errorf("every callback done, but a request got no answer for %v", stallTimeout)
	}
	mu.Lock()
	err = failure
	mu.Unlock()
	if err != nil {
		return res, err
	}
	res.elapsed, res.cpu = time.Since(start), cputime.Process()-cpu
	runtime.ReadMemStats(&after)
	if spy != nil {
		res.bus = spy.counts()
	}
	if cb.progress != nil {
		fmt.Fprintf(cb.progress, "\r%d/%d placed, %d done%20s\n", placed.Load(), cb.callbacks, events.Load()/2, "")
	}
	slices.Sort(res.create)
	slices.Sort(res.get)
	n := float64(cb.callbacks)
	res.bytesPer = float64(after.TotalAlloc-before.TotalAlloc) / n
	res.allocsPer = float64(after.Mallocs-before.Mallocs) / n
	return res, nil
}

// quantile returns the q quantile of sorted durations, by nearest rank:
// the least duration that at least a fraction q of them do not exceed.
func quantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	// The tolerance keeps a product like 0.99×100 on its rank.
	rank := int(math.Ceil(q*float64(len(sorted)) - 1e-9))
	return sorted[min(len(sorted), max(rank, 1))-1]
}

func (r callbackResult) write(w io.Writer, cb callbackBench) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "setup\tone process: server, embedded NATS, simulator (%d agents), clock x%g, reporting UserEvents on, persistence %s\n", cb.agents, cb.speed, onOff(cb.persist))
	fmt.Fprintf(tw, "callbacks\t%d immediate, placed by %d clients (the bench's own keep-alive HTTP/1.1, nothing allocated per call), each done at its final UserEvent\n", r.callbacks, cb.clients)
	fmt.Fprintf(tw, "time\t%v\n", r.elapsed.Round(time.Millisecond))
	fmt.Fprintf(tw, "callbacks/s\t%.0f\n", float64(r.callbacks)/r.elapsed.Seconds())
	fmt.Fprintf(tw, "POST callback\tp50 %v  p99 %v\n", quantile(r.create, 0.5).Round(time.Microsecond), quantile(r.create, 0.99).Round(time.Microsecond))
	fmt.Fprintf(tw, "GET callback\tp50 %v  p99 %v\n", quantile(r.get, 0.5).Round(time.Microsecond), quantile(r.get, 0.99).Round(time.Microsecond))
	fmt.Fprintf(tw, "CPU/callback\t%v (%.2f cores busy)\n", (r.cpu / time.Duration(r.callbacks)).Round(time.Microsecond), r.cpu.Seconds()/r.elapsed.Seconds())
	fmt.Fprintf(tw, "allocated/callback\t%.0f KB in %.0f allocations\n", r.bytesPer/1024, r.allocsPer)
	if cb.bus {
		var msgs, payload int64
		for _, c := range r.bus {
			msgs += c.msgs
			payload += c.payload
		}
		n := float64(r.callbacks)
		fmt.Fprintf(tw, "bus/callback\t%.2f messages, %.0f B of payload\n", float64(msgs)/n, float64(payload)/n)
		for _, c := range r.bus {
			fmt.Fprintf(tw, "  %s\t%.2f messages, %.0f B\n", c.kind, float64(c.msgs)/n, float64(c.payload)/n)
		}
	}
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

// busSpy counts the messages on the bus by kind of subject, from a
// connection of its own subscribed to every subject: what the messages
// and bytes per callback are made of. It costs a delivery per message, so
// the figures of a run with one are not the bench's.
type busSpy struct {
	sub *nats.Subscription
	mu  sync.Mutex
	by  map[string]*busCount
}

// busCount is the messages and bytes of one kind of subject.
type busCount struct {
	kind          string
	msgs, payload int64
}

// spyBus subscribes a spy to every subject on nc.
func spyBus(nc *nats.Conn) (*busSpy, error) {
	s := &busSpy{by: make(map[string]*busCount)}
	sub, err := nc.Subscribe(">", func(m *nats.Msg) {
		kind := busKind(m.Subject)
		if c := ackConsumer(m.Reply); c != "" {
			// A JetStream consumer's delivery keeps the stored message's
			// subject and is routed on its puller's inbox.
			kind += " (delivered to " + c + ")"
		}
		s.mu.Lock()
		c := s.by[kind]
		if c == nil {
			c = &busCount{kind: kind}
			s.by[kind] = c
		}
		c.msgs++
		c.payload += int64(len(m.Data))
		s.mu.Unlock()
	})
	if err != nil {
		return nil, fmt.Errorf("bus spy: %w", err)
	}
	if err := sub.SetPendingLimits(-1, -1); err != nil {
		return nil, fmt.Errorf("bus spy: %w", err)
	}
	s.sub = sub
	return s, nil
}

// counts stops the spy and returns its counts, the most messages first.
func (s *busSpy) counts() []busCount {
	_ = s.sub.Unsubscribe()
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]busCount, 0, len(s.by))
	for _, c := range s.by {
		out = append(out, *c)
	}
	slices.SortFunc(out, func(a, b busCount) int {
		if a.msgs != b.msgs {
			return int(b.msgs - a.msgs)
		}
		return strings.Compare(a.kind, b.kind)
	})
	return out
}

// busKind names the kind of a subject: the wire's subjects without the
// instance (answers) or with their DN, JetStream's without the ids that
// change with every message.
func busKind(subj string) string {
	t := strings.Split(subj, ".")
	switch {
	case len(t) == 6 && t[0]+"."+t[1] == wire.Root && t[3] == wire.KindRsp:
		t[4] = "<instance>"
	case len(t) == 6 && t[0]+"."+t[1] == wire.Root && t[3] == wire.KindEvt && strings.Trim(t[4], "0123456789") == "":
		t[4] = "<agent DN>"
	case len(t) >= 2 && t[0] == "_INBOX":
		return "_INBOX.* (JetStream publish acknowledgements, requests' answers)"
	case len(t) >= 4 && t[0] == "$JS" && t[1] == "ACK":
		return "$JS.ACK." + ackConsumer(subj)
	case len(t) >= 2 && t[0] == "$KV":
		return strings.Join(t[:2], ".")
	case len(t) >= 3 && t[0] == "$JS" && t[1] == "API":
		return strings.Join(t[:min(len(t), 4)], ".")
	}
	return strings.Join(t, ".")
}

// ackConsumer returns "stream.consumer" of a JetStream acknowledgement
// subject ("" for any other).
func ackConsumer(subj string) string {
	a, ok := wire.ParseAckSubject(subj)
	if !ok {
		return ""
	}
	return a.Stream + "." + a.Consumer
}
