package bridge

import (
	"sort"
	"sync"

	"github.com/orca-scxml/orca/telephony"
)

// dispatcher delivers events to the handlers on one goroutine, in the
// order they were put; put never blocks.
type dispatcher struct {
	mu     sync.Mutex
	queue  []telephony.Event
	subs   map[int]telephony.Handler
	subSeq int
	wake   chan struct{}
	stop   chan struct{}
	done   chan struct{}
	once   sync.Once
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
	return func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		delete(d.subs, id)
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
		evs := d.queue
		d.queue = nil
		hs := d.handlers()
		d.mu.Unlock()
		if len(evs) == 0 {
			return
		}
		for _, ev := range evs {
			for _, h := range hs {
				h(ev)
			}
		}
	}
}

// handlers returns the handlers in subscription order; d.mu is held.
func (d *dispatcher) handlers() []telephony.Handler {
	ids := make([]int, 0, len(d.subs))
	for id := range d.subs {
		ids = append(ids, id)
	}
	sort.Ints(ids)
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
