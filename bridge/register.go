package bridge

import (
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/nats-io/nats.go"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// registration is the port's subscriptions to the events of its DNs and
// to its reply subjects: one subject for every event of a DN while a
// handler takes every type, else one for each type some handler (or the
// port: portTakes) takes, so that the server does not even send the port
// the others. All of them feed one channel read by one goroutine, so the
// events of a call reach the handlers in the order the server sent them,
// whatever their subjects.
//
// When the broadcast brings every event of the port's own calls (every
// DN, no queue group: ownFromBroadcast), the port takes those of the
// types its DN subscriptions cover from there and subscribes to its reply
// subjects only for the others (replyNames), so that the server sends
// each event once; while queries of a resynchronisation are outstanding
// (full) it subscribes to the reply subjects of every name, on which the
// switch sends a call's missed events again.
type registration struct {
	mu   sync.Mutex
	ch   chan *nats.Msg
	subs map[string]*nats.Subscription // by subject
	// ownFromBroadcast is set when the port registers every DN without
	// a queue group; it does not change.
	ownFromBroadcast bool
	// full asks for the reply subjects of every name.
	full bool
	// seen are the switches and Seqs of the last own events delivered
	// (see saw); read and written by the goroutine of readEvents only.
	seen   [seenMax]seenEvent
	seenAt int
}

// seenEvent is an own event delivered.
type seenEvent struct {
	sw  string
	seq uint64
}

// seenMax bounds the own events remembered. The switch side publishes an
// event's broadcast copy right after its answer, and the server delivers
// a message to each matching subscription at once, so a second copy comes
// within a few messages of the first.
const seenMax = 64

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

// knownEvents are the names of the events a switch side may send on the
// reply subjects of a port: those of package telephony and wire. A name
// not among them reaches a port that takes its own calls' events from the
// broadcast (ownFromBroadcast) only on the DNs, and only when a
// subscription to the DNs covers it.
var knownEvents = [...]string{
	string(telephony.EventACK), string(telephony.EventError), string(telephony.EventRouteRequest),
	string(telephony.EventRinging), string(telephony.EventDialing), string(telephony.EventEstablished),
	string(telephony.EventPartyChanged), string(telephony.EventAbandoned), string(telephony.EventReleased),
	string(telephony.EventRouteUsed), string(telephony.EventAttachedDataChanged),
	string(telephony.EventUserEvent), string(telephony.EventTreatmentEnd),
	string(telephony.EventTargetSelected), string(telephony.EventCallProgress),
	string(wire.EventPartyInfo), wire.EventInfo, wire.EventStatisticOpened, wire.EventStatisticClosed,
	string(wire.EventAgentLogin), string(wire.EventAgentLogout), string(wire.EventAgentReady),
	string(wire.EventAgentNotReady),
}

// fromBroadcast reports whether the port takes its own events named name
// from the broadcast, when it registers every DN without a queue group:
// the switch broadcasts them, right after it answers on the reply
// subject. Answers only are never broadcast, user events only are, and
// the reporting events' broadcast copies go through JetStream, later
// than the events that follow them.
func fromBroadcast(name string) bool {
	return !wire.AnswerOnly(name) && !wire.BroadcastOnly(name) && !wire.IsReporting(name)
}

// register makes the port's subscriptions to its DNs' events and to its
// reply subjects those the types taken now need: the missing ones are
// added before the others are removed.
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
	replies := make(map[string]bool)
	if !r.ownFromBroadcast {
		replies[wire.ReplyFilter(p.inst)] = true
	} else {
		// One subject per name, never the filter of all: a message
		// matches one reply subscription at most, also while they
		// change.
		prefix := strings.TrimSuffix(wire.ReplyFilter(p.inst), ">")
		for _, n := range knownEvents {
			if wire.BroadcastOnly(n) {
				continue
			}
			if r.full || !fromBroadcast(n) || !taken.all && !slices.Contains(names, n) {
				replies[prefix+n] = true
			}
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
	for subj := range replies {
		if r.subs[subj] != nil {
			continue
		}
		sub, err := p.nc.ChanSubscribe(subj, r.ch)
		if err != nil {
			return fmt.Errorf("subscribe to answers %s: %w", subj, err)
		}
		r.subs[subj] = sub
	}
	for subj, sub := range r.subs {
		if !want[subj] && !replies[subj] {
			_ = sub.Unsubscribe()
			delete(r.subs, subj)
		}
	}
	return nil
}

// replyAll makes the port subscribe to the reply subjects of every name
// (all), or only to those the broadcast does not cover, and, connected, waits until the
// server has the subscriptions. It changes nothing unless the port takes
// its own events from the broadcast.
func (p *Port) replyAll(all bool) {
	r := &p.reg
	r.mu.Lock()
	change := r.ownFromBroadcast && r.full != all
	r.full = all
	r.mu.Unlock()
	if change {
		p.registered()
	}
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

// readEvents hands the DNs' events to onEvent and the answers to
// onReply, in order, until the port stops.
func (p *Port) readEvents() {
	for {
		select {
		case msg := <-p.reg.ch:
			if isReply(msg.Subject) {
				p.onReply(msg)
			} else {
				p.onEvent(msg)
			}
		case <-p.stop:
			return
		}
	}
}

// isReply reports whether subj is a reply subject:
// orca.tel.<switch>.rsp.<instance>.<EventName>, where the switch's token
// has no dot.
func isReply(subj string) bool {
	rest := subj[min(len(wire.Root)+1, len(subj)):]
	i := strings.IndexByte(rest, '.')
	return i >= 0 && strings.HasPrefix(rest[i+1:], wire.KindRsp+".")
}

// saw notes an own event delivered, from a reply subject or the
// broadcast, and reports whether it was delivered before: another copy
// may come while the port takes its own events from the broadcast, from a
// reply subject and the DN, or from two DN subscriptions while they
// change, each right after the other.
func (r *registration) saw(m *wire.Message) bool {
	if !r.ownFromBroadcast || m.Seq == 0 || !fromBroadcast(m.Name) {
		return false
	}
	e := seenEvent{m.Switch, m.Seq}
	if slices.Contains(r.seen[:], e) {
		return true
	}
	r.seen[r.seenAt] = e
	r.seenAt = (r.seenAt + 1) % seenMax
	return false
}
