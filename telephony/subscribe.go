package telephony

import "slices"

// Selective is implemented by ports that leave out, for each subscriber,
// the unasked events it does not take: a port registered on many DNs
// receives every event of them (the agents' calls, the user events
// other clients distribute), and need not even read those no subscriber
// handles. The answers to the port's own requests reach every
// subscriber, as with Subscribe: a request's outcome is never left out.
type Selective interface {
	// SubscribeEvents adds h for the answers to the port's requests and
	// for the other events whose type is one of types (none: answers
	// only), and returns a function that removes it.
	SubscribeEvents(h Handler, types []EventType) (unsubscribe func())
}

// SubscribeEvents subscribes h to p for the answers to p's requests and
// the unasked events of the types given, through p's SubscribeEvents when
// p is Selective. Otherwise h is subscribed with Subscribe and gets every
// event; handlers ignore the events they do not handle either way.
func SubscribeEvents(p Port, h Handler, types ...EventType) (unsubscribe func()) {
	if s, ok := p.(Selective); ok {
		return s.SubscribeEvents(h, slices.Clone(types))
	}
	return p.Subscribe(h)
}
