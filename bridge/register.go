package bridge

import (
	"fmt"
	"slices"
	"sync"

	"github.com/nats-io/nats.go"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// registration is the port's subscriptions to the events of its DNs: one
// subject for every event of a DN while a handler takes every type, else
// one for each type some handler (or the port: portTakes) takes, so that
// the server does not even send the port the others. All of them feed one
// channel read by one goroutine, so the events of a call reach the
// handlers in the order the server sent them, whatever their subjects.
type registration struct {
	mu   sync.Mutex
	ch   chan *nats.Msg
	subs map[string]*nats.Subscription // by subject
}

// eventBuffer bounds the events received and not yet handled, as the
// pending limit of a NATS subscription does: beyond it nats.go drops them,
// counts them on the subscription (Subscription.Dropped) and reports
// ErrSlowConsumer to the connection's error handler, which is the
// application's (the port does not replace it).
const eventBuffer = 1 << 16

// portTypes are the types of DN events the port reads itself: those that
// change the virtual queues (see queuesChanged).
var portTypes = [...]telephony.EventType{telephony.EventTargetSelected, telephony.EventReleased,
	telephony.EventAbandoned, telephony.EventError}

// portTakes reports whether the port itself reads the DN events named
// name, whatever its handlers take.
func portTakes(name string) bool {
	return slices.Contains(portTypes[:], telephony.EventType(name))
}

// register makes the port's subscriptions to its DNs' events those the
// types taken now need: the missing ones are added before the others are
// removed.
func (p *Port) register() error {
	r := &p.reg
	r.mu.Lock()
	defer r.mu.Unlock()
	// Read under r.mu: the registration last made is the latest set's.
	taken := p.d.taken.Load()
	names := []string{""}
	if !taken.all {
		names = names[:0]
		for _, t := range portTypes {
			names = append(names, string(t))
		}
		for _, t := range taken.types {
			if !portTakes(string(t)) {
				names = append(names, string(t))
			}
		}
	}
	want := make(map[string]bool)
	for _, dn := range p.o.DNs {
		if dn == "*" {
			dn = ""
		}
		for _, n := range names {
			want[wire.EventFilter(p.o.Switch, dn, n)] = true
		}
	}
	if r.subs == nil {
		r.subs = make(map[string]*nats.Subscription)
	}
	for subj := range want {
		if r.subs[subj] != nil {
			continue
		}
		var sub *nats.Subscription
		var err error
		if p.o.QueueGroup != "" {
			sub, err = p.nc.ChanQueueSubscribe(subj, p.o.QueueGroup, r.ch)
		} else {
			sub, err = p.nc.ChanSubscribe(subj, r.ch)
		}
		if err != nil {
			return fmt.Errorf("register %s: %w", subj, err)
		}
		r.subs[subj] = sub
	}
	for subj, sub := range r.subs {
		if !want[subj] {
			_ = sub.Unsubscribe()
			delete(r.subs, subj)
		}
	}
	return nil
}

// registered registers what the handlers take now and, connected, waits
// until the server has the subscriptions, so that events sent after a
// handler is subscribed reach it.
func (p *Port) registered() {
	if err := p.register(); err != nil {
		p.report(fmt.Errorf("bridge port: %w", err))
		return
	}
	if p.nc.IsConnected() {
		// A connection lost meanwhile registers them again on
		// reconnection, so a failed flush is no error.
		_ = p.nc.FlushTimeout(registerWait)
	}
}

// unregister removes the subscriptions to the DNs' events.
func (p *Port) unregister() {
	r := &p.reg
	r.mu.Lock()
	defer r.mu.Unlock()
	for subj, sub := range r.subs {
		_ = sub.Unsubscribe()
		delete(r.subs, subj)
	}
}

// readEvents hands the DNs' events to onEvent, in order, until the port
// stops.
func (p *Port) readEvents() {
	for {
		select {
		case msg := <-p.reg.ch:
			p.onEvent(msg)
		case <-p.stop:
			return
		}
	}
}
