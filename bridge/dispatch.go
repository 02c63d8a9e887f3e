package bridge

import (
	"maps"
	"slices"
	"sync"

	"github.com/orca-scxml/orca/telephony"
)

// dispatcher delivers events to the handlers on one goroutine, in the
// order they were put; put never blocks.
type dispatcher struct {
	mu    sync.Mutex
	queue []telephony.Event
	// spare is the array of the queue last drained, the next queue's.
	spare  []telephony.Event
	subs   map[int]telephony.Handler
	subSeq int
	// hs are the handlers in subscription order, made again (not
	// changed) when one comes or goes, so that drain reads them once.
	hs   []telephony.Handler
	wake chan struct{}
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

func newDispatcher() *dispatcher {
	return &dispatcher{subs: make(map[int]telephony.Handler), wake: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{})}
}

func (d *dispatcher) subscribe(h telephony.Handler) func() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.subSeq++
	id := d.subSeq
	d.subs[id] = h
	d.hs = d.handlers()
	return func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		delete(d.subs, id)
		d.hs = d.handlers()
	}
}

func (d *dispatcher) put(ev telephony.Event) {
	d.mu.Lock()
	d.queue = append(d.queue, ev)
	d.mu.Unlock()
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *dispatcher) run() {
	defer close(d.done)
	for {
		select {
		case <-d.wake:
			d.drain()
		case <-d.stop:
			d.drain()
			return
		}
	}
}

func (d *dispatcher) drain() {
	for {
		d.mu.Lock()
		if len(d.queue) == 0 {
			d.mu.Unlock()
			return
		}
		evs := d.queue
		d.queue, d.spare = d.spare[:0], nil
		hs := d.hs
		d.mu.Unlock()
		for _, ev := range evs {
			for _, h := range hs {
				h(ev)
			}
		}
		clear(evs) // what the events hold is not kept
		d.mu.Lock()
		if d.spare == nil && cap(evs) <= maxSpare {
			d.spare = evs
		}
		d.mu.Unlock()
	}
}

// maxSpare bounds the array of a drained queue kept for the next one.
const maxSpare = 1024

// handlers returns the handlers in subscription order; d.mu is held.
func (d *dispatcher) handlers() []telephony.Handler {
	ids := slices.Sorted(maps.Keys(d.subs))
	hs := make([]telephony.Handler, len(ids))
	for i, id := range ids {
		hs[i] = d.subs[id]
	}
	return hs
}

// close delivers what is queued, then stops.
func (d *dispatcher) close() {
	d.once.Do(func() {
		close(d.stop)
	})
	<-d.done
}
