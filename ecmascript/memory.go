package ecmascript

import (
	"fmt"
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"time"

	"github.com/orca-scxml/orca/interp"
)

// The memory watch of a Watchdog.
//
// Go has no per-goroutine allocation count (runtime/metrics counts the
// whole process) and goja keeps no account of its heap, so the memory of
// a macrostep is seen from the heap of the process, which every goroutine
// grows: a server starting thousands of sessions on its other lanes grows
// it by far more than a session's limit during any macrostep slow enough
// to be watched. The watch therefore finds a suspect by the heap and
// convicts it only on what it measured while the suspect ran alone:
//
//  1. Baseline. When a lane shows the same macrostep on two ticks, the
//     live heap the last collection found (/gc/heap/live) is its baseline
//     (lowered when a later collection finds less); no collection is
//     forced for it.
//  2. Suspicion. Once the heap (/memory/classes/heap/objects, garbage
//     included) exceeds the baseline by the limit, the live heap is
//     measured (the last collection's, when one completed during the
//     macrostep and found the growth; else a collection is forced): live
//     growth beyond the limit makes the macrostep a suspect. The baseline may be older than
//     the macrostep, so a suspect is often innocent; that is what step 3
//     is for.
//  3. Isolation. The watchdog closes its gate: every other lane's next
//     outermost macrostep waits at its start (Model.BeginMacrostep), so
//     sessions stop starting and running elsewhere. Once the other lanes'
//     current macrosteps are over (within drainMax, else the suspect is
//     let go and may be suspected again), it collects and lets the suspect
//     run alone, following the bytes the process allocates
//     (/gc/heap/allocs, a counter read each tick): as soon as they exceed
//     twice the limit, or after aloneMax, it collects again; if after
//     isolationWindow they are under growingMin, the suspect cannot have
//     grown by more and no collection is needed.
//  4. Verdict. The growth is the live heap the second collection found,
//     less what was allocated while it ran (a collection counts what is
//     allocated during it as live, garbage or not: a macrostep making
//     garbage fast would look like growing), less the live heap the first
//     found (which counts the same way, so the growth is a lower bound).
//     Growth summed over the macrostep's isolations beyond the limit ends
//     its session and interrupts its script. So does a second heavy
//     isolation: one in which the suspect alone allocated more than twice
//     the limit while the live heap stood more than the limit above where
//     it was when the macrostep began (on a heap of pointers on a loaded
//     machine a collection takes seconds, and the bound drowns in what the
//     suspect allocates meanwhile). Otherwise the gate opens and the
//     suspect's baseline moves up to the live heap now: it is suspected
//     again only once the heap has grown by the limit again. A macrostep
//     that allocates nothing is never ended, whatever the rest of the
//     process does.
//
// Nothing is extrapolated: a macrostep is ended for memory it was seen to
// hold while nothing else ran on a lane, so what runs on no lane (network
// buffers, HTTP handlers, a NATS server in the process) is the only
// growth it can be charged with that is not its own, and that is small
// next to the limit over an isolation (those handlers mostly wait for the
// lanes themselves). Allocation alone mostly decides how long to watch:
// garbage is not growth (only a macrostep making garbage at more than
// twice the limit in half a second, while others grow the heap, could be
// taken for a heavy one). A bomb allocating a hundred megabytes a second
// and more is ended within one or two isolations; one allocating slower
// is bounded by the script time budget first.
//
// The gate cannot deadlock: a lane waits at it only between macrosteps
// (at the start of an outermost one, holding no session), cross-shard
// sends are queued (they never wait for the receiving lane), and however
// the suspect is held up, a lane waits no longer than the isolation's
// deadline: isolationMax after the gate closed, moved once the first
// collection is done to aloneMax plus twice what it took from then (a
// collection on a large heap, with a goroutine allocating fast on a
// loaded machine, takes up to a second); a verdict reached after the
// deadline counts for nothing. A lane shows its macrostep before it
// reads the gate, and the watchdog reads the lanes after it closed it, so
// a macrostep that slipped past the gate is seen running and waited for.
// One macrostep is isolated at a time. Two long macrosteps allocating at
// once on two lanes cannot be told apart: neither drains, neither is
// convicted, and both are left to the script time budget.
//
// Outside isolations, collections are forced at most every
// minGCInterval, and at least gcSpacing times as long as the last forced
// one took, so that on a heap of gigabytes they cost a few percent of the
// CPU, not all of it.

// Bounds of the memory watch.
const (
	// minGCInterval is the least time between two collections the
	// watchdog forces outside an isolation.
	minGCInterval = 100 * time.Millisecond
	// gcSpacing keeps forced collections at least this many times their
	// own duration apart.
	gcSpacing = 20
	// isolationWindow is how long a suspect runs alone at least (and
	// two ticks).
	isolationWindow = 50 * time.Millisecond
	// growingMin is what the process must allocate in isolationWindow
	// for the suspect to be measured.
	growingMin = 1 << 20
	// heavyMax is the heavy isolations that end a macrostep.
	heavyMax = 2
	// aloneMax bounds how long a suspect runs alone.
	aloneMax = 500 * time.Millisecond
	// drainMax bounds the wait for the other lanes' macrosteps to end.
	drainMax = 200 * time.Millisecond
	// isolationMax bounds how long the gate stays closed before the
	// suspect runs alone.
	isolationMax = time.Second
)

// laneMemory is what the memory watch knows of the macrostep a lane runs.
type laneMemory struct {
	// heap0 is the live heap before the macrostep, and cycles0 the
	// collections then (once based).
	heap0, cycles0 uint64
	based          bool
	// first is the lowest live heap seen since the macrostep began.
	first uint64
	// isoStart is the bytes allocated when the first collection of its
	// isolation began; isoHeap the live heap it found, and isoAllocs the
	// bytes allocated when it was done.
	isoStart, isoHeap, isoAllocs uint64
	// heavy counts its heavy isolations (see judge).
	heavy int
	// alone is how much the live heap grew while the macrostep ran
	// alone, over its isolations.
	alone int64
}

// isolation is a closed gate: the macrosteps of every lane but lane's
// wait for done, until deadline at most. Until alone is set the other
// lanes' macrosteps are ending; from then on lane's runs alone. Lanes
// read lane, deadline and done only.
type isolation struct {
	lane     *Lane
	since    time.Time
	deadline atomic.Int64 // Unix nanoseconds
	alone    time.Time
	done     chan struct{}
}

// passed says whether the isolation's deadline has passed at t.
func (iso *isolation) passed(t time.Time) bool {
	return t.UnixNano() >= iso.deadline.Load()
}

// wait waits until the isolation ends or its deadline passes.
func (iso *isolation) wait() {
	for {
		d := time.Duration(iso.deadline.Load() - time.Now().UnixNano())
		if d <= 0 {
			return
		}
		t := time.NewTimer(d)
		select {
		case <-iso.done:
			t.Stop()
			return
		case <-t.C: // the deadline may have moved
		}
	}
}

// gate holds the outermost macrostep of m on l while the watchdog isolates
// another lane's. m is shown on l before the gate is read, so that the
// watchdog, which reads the lanes after it closes the gate, sees it
// running if it slipped past; while it waits, l shows nothing.
func (l *Lane) gate(m *Model) {
	var start time.Time
	for {
		iso := l.w.gate.Load()
		if iso == nil || iso.lane == l {
			break
		}
		now := time.Now()
		if iso.passed(now) {
			break
		}
		if start.IsZero() {
			start = now
		}
		l.cur.Store(nil)
		iso.wait()
		l.cur.Store(m)
	}
	if !start.IsZero() {
		l.w.gated.Add(1)
		l.w.gateWait.Add(int64(time.Since(start)))
	}
}

// checkIsolation ends the isolation in force when its suspect's macrostep
// is over or its deadline has passed.
func (w *Watchdog) checkIsolation() {
	iso := w.iso
	if iso == nil {
		return
	}
	l := iso.lane
	m := l.cur.Load()
	if m == nil || m != l.m || m.macro.seq.Load() != l.seq || iso.passed(time.Now()) {
		w.release()
	}
}

// release opens the gate.
func (w *Watchdog) release() {
	iso := w.iso
	w.iso = nil
	w.gate.Store(nil)
	close(iso.done)
}

// checkMemory watches the macrostep seq of m, running on l (see the
// memory watch above); h is the heap now, garbage included.
func (w *Watchdog) checkMemory(l *Lane, m *Model, seq uint64, now time.Time, h uint64) {
	mem := &l.mem
	if !mem.based {
		mem.heap0, mem.cycles0, mem.based = w.lastLive, w.cycles, true
		mem.first = mem.heap0
		return
	}
	if w.lastLive < mem.heap0 {
		// A collection found less than the baseline, which was
		// older than the macrostep.
		mem.heap0 = w.lastLive
	}
	mem.first = min(mem.first, w.lastLive)
	if w.iso != nil {
		if w.iso.lane == l {
			w.judge(l, m, seq)
		}
		return // one isolation at a time
	}
	limit := uint64(w.opts.Memory)
	if h <= mem.heap0+limit {
		return
	}
	live := w.lastLive
	if w.cycles == mem.cycles0 || live <= mem.heap0+limit {
		// No collection since the macrostep began, or none since the
		// heap grew: the heap may be garbage.
		if !w.mayCollect(now) {
			return
		}
		live = w.collect()
	}
	if live <= mem.heap0+limit {
		return
	}
	start := time.Now()
	iso := &isolation{lane: l, since: start, done: make(chan struct{})}
	iso.deadline.Store(start.Add(isolationMax).UnixNano())
	w.iso = iso
	w.isolations.Add(1)
	w.gate.Store(iso)
}

// judge measures the isolated macrostep seq of m on l, and decides on it
// once it has run alone long enough.
func (w *Watchdog) judge(l *Lane, m *Model, seq uint64) {
	mem, iso := &l.mem, w.iso
	limit := w.opts.Memory
	if iso.alone.IsZero() {
		if !w.othersIdle(l) {
			if time.Since(iso.since) >= drainMax {
				w.release() // suspected again later
			}
			return
		}
		mem.isoStart = w.allocs()
		mem.isoHeap = w.collect()
		mem.isoAllocs = w.allocs()
		iso.alone = time.Now()
		iso.deadline.Store(iso.alone.Add(aloneMax + 2*w.gcCost + 2*w.tick).UnixNano())
		return
	}
	ran := time.Since(iso.alone)
	allocated := w.allocs() - mem.isoAllocs
	switch {
	case allocated > 2*uint64(limit) || ran >= aloneMax:
	case ran < max(isolationWindow, 2*w.tick):
		return
	case allocated < growingMin:
		// It cannot have grown by more than the process allocated.
		w.release()
		mem.heap0, mem.cycles0 = mem.isoHeap, w.cycles
		return
	default:
		return
	}
	before := w.allocs()
	live := w.collect()
	during := w.allocs() - before
	if iso.passed(time.Now()) {
		// The gated lanes may have gone on: nothing was measured.
		w.release()
		mem.heap0, mem.cycles0 = live, w.cycles
		return
	}
	w.release()
	// What was allocated during the collection counts as live in it,
	// garbage or not: left out, the growth is a lower bound.
	mem.alone = max(mem.alone+int64(live)-int64(during)-int64(mem.isoHeap), 0)
	mem.heap0, mem.cycles0 = live, w.cycles
	// Collections slower than the window (a large heap of pointers, a
	// loaded machine) drown that bound in what the suspect allocates
	// during them: an isolation in which the suspect alone allocated
	// more than twice the limit while the live heap stood more than the
	// limit above where it was when the macrostep began counts as heavy.
	if total := w.allocs() - mem.isoStart; total > 2*uint64(limit) && int64(live)-int64(mem.first) > limit {
		mem.heavy++
	}
	var detail string
	switch {
	case mem.alone > limit:
		detail = fmt.Sprintf("the heap grew by %s while one macrostep of the session ran alone; the limit is %s",
			FormatBytes(mem.alone), FormatBytes(limit))
	case mem.heavy >= heavyMax:
		detail = fmt.Sprintf("the heap grew by %s during one macrostep of the session, which allocated more than %s whenever it ran alone; the limit is %s",
			FormatBytes(int64(live)-int64(mem.first)), FormatBytes(2*limit), FormatBytes(limit))
	default:
		return // the growth that made it a suspect was the others'
	}
	br := &interp.Breach{Limit: interp.LimitMemory, Max: limit, Detail: detail}
	if sess := m.macro.sess; sess != nil {
		sess.Abort(br)
	}
	m.interruptMacrostep(seq, br.Detail)
	mem.alone, mem.heavy, mem.first = 0, 0, live
	w.report(m, br)
}

// othersIdle reports whether no lane but l shows a macrostep running.
func (w *Watchdog) othersIdle(l *Lane) bool {
	w.mu.Lock()
	lanes := w.lanes
	w.mu.Unlock()
	for _, o := range lanes {
		if o == l {
			continue
		}
		if m := o.cur.Load(); m != nil && m.macro.seq.Load()&1 == 1 {
			return false
		}
	}
	return true
}

// mayCollect says whether the watchdog may force a collection now.
func (w *Watchdog) mayCollect(now time.Time) bool {
	return now.Sub(w.lastGC) >= max(minGCInterval, gcSpacing*w.gcCost)
}

// allocs returns the bytes the process has allocated so far.
func (w *Watchdog) allocs() uint64 {
	metrics.Read(w.allocated)
	if v := w.allocated[0].Value; v.Kind() == metrics.KindUint64 {
		return v.Uint64()
	}
	return 0
}

// collect runs a garbage collection and returns the live heap it found.
// (The count of collections is left to the tick, so that OnLiveHeap is
// told of this one.)
func (w *Watchdog) collect() uint64 {
	start := time.Now()
	runtime.GC()
	w.gcCost = time.Since(start)
	w.lastGC = start
	metrics.Read(w.live)
	if v := w.live[0].Value; v.Kind() == metrics.KindUint64 {
		w.lastLive = v.Uint64()
	}
	return w.lastLive
}
