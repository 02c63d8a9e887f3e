package server

import (
	"sync"

	"github.com/orca-scxml/orca/telephony"
)

// portGate holds the events of the telephony port from the moment the
// function modules subscribe (the runtime is made before the host) until
// the host runs and has adopted the sessions its store keeps, then hands
// them on in order: a call reported while the server starts is routed
// once its callback's session can be found, rather than taken for nobody's.
type portGate struct {
	mu   sync.Mutex
	open bool
	// held are the events waiting, per subscription, in order.
	held []heldEvent
	// dropped counts the events beyond maxHeld, reported by onDrop.
	dropped int
	onDrop  func(n int)
}

type heldEvent struct {
	h  telephony.Handler
	ev telephony.Event
}

// maxHeld bounds the events a gate holds; the ones after are counted and
// logged, not kept.
const maxHeld = 1 << 16

// wrap returns h behind the gate.
func (g *portGate) wrap(h telephony.Handler) telephony.Handler {
	return func(ev telephony.Event) {
		g.mu.Lock()
		if !g.open {
			first := false
			if len(g.held) < maxHeld {
				g.held = append(g.held, heldEvent{h, ev})
			} else {
				g.dropped++
				first = g.dropped == 1
			}
			g.mu.Unlock()
			if first && g.onDrop != nil {
				g.onDrop(1)
			}
			return
		}
		g.mu.Unlock()
		h(ev)
	}
}

// release hands the held events on, in order, and then lets the later
// ones through. It calls the handlers without holding the gate's lock
// (a handler may cause another event): events that come meanwhile are
// held too and handed on after, so none overtakes a held one, and the
// gate opens once nothing is held.
func (g *portGate) release() {
	for {
		g.mu.Lock()
		held := g.held
		g.held = nil
		if len(held) == 0 {
			g.open = true
			dropped := g.dropped
			g.mu.Unlock()
			if dropped > 1 && g.onDrop != nil {
				g.onDrop(dropped)
			}
			return
		}
		g.mu.Unlock()
		for _, e := range held {
			e.h(e.ev)
		}
	}
}

// Subscribe adds h behind the gate: it gets the port's events once the
// server has released them.
func (p *hostPort) Subscribe(h telephony.Handler) func() {
	return p.Port.Subscribe(p.gate.wrap(h))
}

// SubscribeEvents adds h behind the gate for the answers to the port's
// requests and the events of types (telephony.SubscribeEvents).
func (p *hostPort) SubscribeEvents(h telephony.Handler, types []telephony.EventType) func() {
	return telephony.SubscribeEvents(p.Port, p.gate.wrap(h), types...)
}
