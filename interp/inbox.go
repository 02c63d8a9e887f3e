package interp

import (
	"sync"
	"sync/atomic"
)

// Inbox carries events from other goroutines (HTTP handlers, message
// subscribers) to an engine, which is not safe for concurrent use. Any
// goroutine may Put; the engine's goroutine (one goroutine) calls Deliver
// when Ready fires.
type Inbox struct {
	mu    sync.Mutex
	n     atomic.Int64 // len(items), read without the lock
	items []inboxItem
	ready chan struct{}
	// spare is the buffer Deliver hands back to Put next time; only the
	// delivering goroutine touches it.
	spare []inboxItem
}

type inboxItem struct {
	session string
	ev      Event
}

// NewInbox returns an empty inbox.
func NewInbox() *Inbox { return &Inbox{ready: make(chan struct{}, 1)} }

// Put queues a copy of ev for session id. It never blocks.
func (b *Inbox) Put(id string, ev *Event) {
	b.mu.Lock()
	b.items = append(b.items, inboxItem{session: id, ev: *ev})
	b.n.Store(int64(len(b.items)))
	b.mu.Unlock()
	select {
	case b.ready <- struct{}{}:
	default:
	}
}

// Ready receives a value after a Put that Deliver has not yet collected.
func (b *Inbox) Ready() <-chan struct{} { return b.ready }

// Len returns the number of events waiting.
func (b *Inbox) Len() int { return int(b.n.Load()) }

// Deliver hands every queued event to its session's external queue, in the
// order they were put, and returns how many it handed over. An event the
// engine refuses (a session that no longer exists, ErrNoSession, or a full
// queue, a Breach) is passed to lost with the reason, if lost is not nil.
func (b *Inbox) Deliver(e *Engine, lost func(id string, ev *Event, err error)) int {
	if b.n.Load() == 0 {
		return 0
	}
	b.mu.Lock()
	items := b.items
	b.items, b.spare = b.spare[:0], nil
	b.n.Store(0)
	b.mu.Unlock()
	for i := range items {
		it := &items[i]
		if err := e.Send(it.session, &it.ev); err != nil && lost != nil {
			lost(it.session, &it.ev, err)
		}
	}
	n := len(items)
	clear(items)
	b.spare = items[:0]
	return n
}
