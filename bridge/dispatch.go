package bridge

import (
	"maps"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/orca-scxml/orca/telephony"
)

// dispatcher delivers events to the handlers on one goroutine, in the
// order they were put; put never blocks.
type dispatcher struct {
	mu    sync.Mutex
	queue []queued
	// spare is the array of the queue last drained, the next queue's.
	spare  []queued
	subs   map[int]subscriber
	subSeq int
	// hs are the handlers in subscription order, made again (not
	// changed) when one comes or goes, so that drain reads them once.
	hs []subscriber
	// taken are the types of unasked events some handler takes, made
	// again when one comes or goes; read without d.mu.
	taken atomic.Pointer[eventTypes]
	wake  chan struct{}
	stop  chan struct{}
	done  chan struct{}
	once  sync.Once
}

// queued is an event to deliver; unasked is set for the events of the
// registered DNs, which go only to the handlers that take their type.
type queued struct {
	ev      telephony.Event
	unasked bool
}

// subscriber is a handler and the types of unasked events it takes.
type subscriber struct {
	h     telephony.Handler
	types eventTypes
}

// eventTypes is a set of event types: every type when all is set.
type eventTypes struct {
	all   bool
	types []telephony.EventType
}

func (e *eventTypes) has(name string) bool {
	return e.all || slices.Contains(e.types, telephony.EventType(name))
}

func newDispatcher() *dispatcher {
	d := &dispatcher{subs: make(map[int]subscriber), wake: make(chan struct{}, 1),
		stop: make(chan struct{}), done: make(chan struct{})}
	d.taken.Store(&eventTypes{})
	return d
}

// subscribe adds h for the events of the types in types.
func (d *dispatcher) subscribe(h telephony.Handler, types eventTypes) func() {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.subSeq++
	id := d.subSeq
	d.subs[id] = subscriber{h, types}
	d.changed()
	return func() {
		d.mu.Lock()
		defer d.mu.Unlock()
		delete(d.subs, id)
		d.changed()
	}
}

// takes reports whether some handler takes the unasked events named
// name.
func (d *dispatcher) takes(name string) bool { return d.taken.Load().has(name) }

// put queues ev for every handler.
func (d *dispatcher) put(ev telephony.Event) { d.add(queued{ev: ev}) }

// putUnasked queues an event of a registered DN for the handlers that
// take its type.
func (d *dispatcher) putUnasked(ev telephony.Event) { d.add(queued{ev: ev, unasked: true}) }

func (d *dispatcher) add(q queued) {
	d.mu.Lock()
	d.queue = append(d.queue, q)
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
		qs := d.queue
		d.queue, d.spare = d.spare[:0], nil
		hs := d.hs
		d.mu.Unlock()
		for i := range qs {
			q := &qs[i]
			for _, s := range hs {
				if !q.unasked || s.types.has(string(q.ev.Type)) {
					s.h(q.ev)
				}
			}
		}
		clear(qs) // what the events hold is not kept
		d.mu.Lock()
		if d.spare == nil && cap(qs) <= maxSpare {
			d.spare = qs
		}
		d.mu.Unlock()
	}
}

// maxSpare bounds the array of a drained queue kept for the next one.
const maxSpare = 1024

// changed makes the handlers again, in subscription order, and the union
// of their types; d.mu is held.
func (d *dispatcher) changed() {
	ids := slices.Sorted(maps.Keys(d.subs))
	hs := make([]subscriber, len(ids))
	var taken eventTypes
	for i, id := range ids {
		s := d.subs[id]
		hs[i] = s
		taken.all = taken.all || s.types.all
		for _, t := range s.types.types {
			if !slices.Contains(taken.types, t) {
				taken.types = append(taken.types, t)
			}
		}
	}
	d.hs = hs
	d.taken.Store(&taken)
}

// close delivers what is queued, then stops.
func (d *dispatcher) close() {
	d.once.Do(func() {
		close(d.stop)
	})
	<-d.done
}
