package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"sync/atomic"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// runBench implements "orca bench FILE --send NAME --count N" and "orca
// bench --callbacks N".
func runBench(args []string, _ io.Reader, stdout, stderr io.Writer) int {
	fs := newFlagSet("bench", "--send NAME --count N [--sessions M] FILE | --callbacks N [--clients C] [--agents A] [--speed X] [--persistence=false] [--bus]", stderr)
	name := fs.String("send", "", "name of the events to send")
	count := fs.Int("count", 100000, "number of events to send")
	sessions := fs.Int("sessions", 1, "number of sessions the events are spread over, round-robin")
	callbacks := fs.Int("callbacks", 0, "place N immediate callbacks end to end (GMS API, server, NATS, simulator, reporting) instead of benchmarking a chart")
	clients := fs.Int("clients", 32, "with --callbacks, HTTP clients placing callbacks at once")
	agents := fs.Int("agents", 200, "with --callbacks, agents of the simulator")
	speed := fs.Float64("speed", benchSpeed, "with --callbacks, how many times faster than the wall clock the simulated calls run")
	persist := fs.Bool("persistence", true, "with --callbacks, keep sessions in JetStream as orca serve does by default")
	bus := fs.Bool("bus", false, "with --callbacks, count the bus's messages and bytes per callback by subject (a subscriber to every subject, which costs a delivery per message)")
	files, status, ok := parseFlags(fs, args)
	if !ok {
		return status
	}
	if *callbacks > 0 {
		if len(files) != 0 || *clients < 1 || *agents < 1 || *speed <= 0 {
			fs.Usage()
			return exitUsage
		}
		cb := callbackBench{callbacks: *callbacks, clients: *clients, agents: *agents, speed: *speed, persist: *persist, bus: *bus, progress: stderr}
		ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
		defer stop()
		res, err := cb.run(ctx)
		if err != nil {
			fmt.Fprintf(stderr, "orca bench: callbacks: %v\n", err)
			return exitFail
		}
		if err := res.write(stdout, cb); err != nil {
			fmt.Fprintf(stderr, "orca bench: %v\n", err)
			return exitFail
		}
		return exitOK
	}
	if len(files) != 1 || *name == "" || *count < 0 || *sessions < 1 {
		fs.Usage()
		return exitUsage
	}
	chart, err := host.LoadChart(files[0], nil)
	if err != nil {
		fmt.Fprintf(stderr, "orca bench: %v\n", err)
		return exitFail
	}
	res, err := bench(chart, *name, *count, *sessions, stderr)
	if err != nil {
		fmt.Fprintf(stderr, "orca bench: %s: %v\n", files[0], err)
		return exitFail
	}
	if err := res.write(stdout, files[0]); err != nil {
		fmt.Fprintf(stderr, "orca bench: %v\n", err)
		return exitFail
	}
	if res.events > 0 && res.entered == 0 {
		fmt.Fprintf(stderr, "orca bench: warning: %s entered no state on %q: the chart takes no transition with a target on it, so the figures measure little more than the event queue\n", files[0], *name)
	}
	return exitOK
}

// benchResult is what one bench run measured.
type benchResult struct {
	event          string
	sessions       int
	events         int // events delivered
	entered        int // states entered while the events were processed
	live           int // sessions still running at the end
	elapsed        time.Duration
	heapPerSession float64 // bytes
	allocsPerEvent float64
	bytesPerEvent  float64
}

// bench starts sessions sessions of chart on a host on a virtual clock
// and sends them count events named name, round-robin, settling after
// each.
func bench(chart *interp.Chart, name string, count, sessions int, stderr io.Writer) (benchResult, error) {
	res := benchResult{event: name, sessions: sessions}
	var errs int
	var entered atomic.Int64
	h, err := host.New(host.Config{
		Engine: interp.Options{Datamodels: host.Datamodels(), OnEnter: func(*interp.Session, *scxml.State) { entered.Add(1) }},
		Clock:  interp.NewVirtualClock(time.Now()),
	})
	if err != nil {
		return res, err
	}
	defer h.Close()
	h.OnError(func(_ *interp.Session, err error) {
		if errs++; errs <= 10 {
			fmt.Fprintf(stderr, "error: %v\n", err)
		}
	})
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	ids := make([]string, sessions)
	for i := range ids {
		s, err := h.Start(chart, interp.StartOptions{})
		if err != nil {
			return res, fmt.Errorf("starting session %d: %w", i+1, err)
		}
		ids[i] = s.ID()
	}
	if err := h.Settle(); err != nil {
		return res, err
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	res.heapPerSession = (float64(after.HeapAlloc) - float64(before.HeapAlloc)) / float64(sessions)
	if h.Len() == 0 {
		return res, errors.New("every session ended during its initial macrostep")
	}

	ev := &interp.Event{Name: name, Type: interp.External}
	entered.Store(0)
	runtime.ReadMemStats(&before)
	start := time.Now()
	for i := range count {
		if err := h.Send(ids[i%sessions], ev); err != nil {
			if h.Len() == 0 {
				break
			}
			continue
		}
		if err := h.Settle(); err != nil {
			return res, err
		}
		res.events++
	}
	res.elapsed = time.Since(start)
	res.entered = int(entered.Load())
	runtime.ReadMemStats(&after)
	res.live = h.Len()
	if res.events > 0 {
		res.allocsPerEvent = float64(after.Mallocs-before.Mallocs) / float64(res.events)
		res.bytesPerEvent = float64(after.TotalAlloc-before.TotalAlloc) / float64(res.events)
	}
	if errs > 10 {
		fmt.Fprintf(stderr, "(%d more errors)\n", errs-10)
	}
	return res, nil
}

// eventsPerSecond returns the throughput.
func (r benchResult) eventsPerSecond() float64 {
	if r.elapsed <= 0 {
		return 0
	}
	return float64(r.events) / r.elapsed.Seconds()
}

func (r benchResult) write(w io.Writer, file string) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintf(tw, "chart\t%s\n", file)
	fmt.Fprintf(tw, "sessions\t%d started, %d live at the end\n", r.sessions, r.live)
	fmt.Fprintf(tw, "events\t%d %q delivered\n", r.events, r.event)
	fmt.Fprintf(tw, "time\t%v\n", r.elapsed.Round(time.Microsecond))
	fmt.Fprintf(tw, "events/s\t%.0f\n", r.eventsPerSecond())
	fmt.Fprintf(tw, "heap/session\t%.0f B\n", r.heapPerSession)
	fmt.Fprintf(tw, "allocs/event\t%.1f\n", r.allocsPerEvent)
	fmt.Fprintf(tw, "bytes/event\t%.0f B\n", r.bytesPerEvent)
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing results: %w", err)
	}
	return nil
}
