package sim

import (
	"slices"
	"strings"
)

// Limits of the events a Responder keeps for Resend.
const (
	// logCalls is how many calls' events are kept, the newest calls'.
	logCalls = 4096
	// logPerCall is how many of a call's last events are kept.
	logPerCall = 64
	// logFirst is the room a call's log starts with.
	logFirst = 16
	// chunkFirst and chunkMax bound the size of the first block a call's
	// encoded events are copied into; a later block is twice the one
	// before, up to chunkMax, or the event's size if larger.
	chunkFirst = 2 << 10
	chunkMax   = 16 << 10
	chunkRound = 1 << 10
)

// loggedEvent is an event as it was published.
type loggedEvent struct {
	name string
	seq  uint64
	data []byte
}

// callLog is the log of one call: its last events and the block their
// encodings are copied into, so that a call's events cost an allocation
// or two rather than one each. A block is only ever appended to, and each
// event's bytes are sliced to their length: the bytes handed out (to a
// JetStream store, to Resend) never change. A block no event refers to
// any more (its events dropped past logPerCall, or the call forgotten) is
// left to the garbage collector.
type callLog struct {
	evs   []loggedEvent
	block []byte
	size  int // bytes of the events copied so far
	first [logFirst]loggedEvent
}

// callLogs keeps the last events of the latest calls.
type callLogs struct {
	m map[string]*callLog
	// order are the calls logged, a ring of logCalls once full: next is
	// where the next call goes, the oldest call's place.
	order []string
	next  int
	// chunk is the size of a call's first block: from chunkFirst, the
	// size of the largest call that outgrew it, rounded up to a
	// chunkRound, up to chunkMax; halved (down to chunkFirst) when a call
	// forgotten took less than half of it.
	chunk int
}

func newCallLogs() callLogs { return callLogs{m: make(map[string]*callLog), chunk: chunkFirst} }

// add logs an event and returns the copy of its encoding the log keeps,
// which never changes; data is the caller's and may be reused.
func (l *callLogs) add(conn, name string, seq uint64, data []byte) []byte {
	c, ok := l.m[conn]
	if !ok {
		// The ConnID may be cut from a decoded message: a copy keeps
		// the message from being held as long as the call is kept.
		conn = strings.Clone(conn)
		if len(l.order) < logCalls {
			l.order = append(l.order, conn)
		} else {
			if old := l.m[l.order[l.next]]; old != nil && old.size < l.chunk/2 {
				// Calls take less than they used to: the first
				// blocks come down again.
				l.chunk = max(chunkFirst, l.chunk/2)
			}
			delete(l.m, l.order[l.next])
			l.order[l.next] = conn
			l.next = (l.next + 1) % logCalls
		}
		c = &callLog{}
		c.evs = c.first[:0]
		l.m[conn] = c
	}
	if len(c.evs) == logPerCall {
		c.evs = slices.Delete(c.evs, 0, 1)
	}
	kept := c.keep(l, data)
	c.evs = append(c.evs, loggedEvent{name: name, seq: seq, data: kept})
	return kept
}

// keep copies data into the call's block, starting a new block when it
// does not fit.
func (c *callLog) keep(l *callLogs, data []byte) []byte {
	if cap(c.block)-len(c.block) < len(data) {
		n := l.chunk
		if c.block != nil {
			n = min(2*cap(c.block), chunkMax)
			// The calls' first blocks grow to what the calls take
			// (in KB), up to chunkMax.
			l.chunk = max(l.chunk, min((c.size+len(data)+chunkRound-1)/chunkRound*chunkRound, chunkMax))
		}
		c.block = make([]byte, 0, max(n, len(data)))
	}
	start := len(c.block)
	c.block = append(c.block, data...)
	c.size += len(data)
	return c.block[start:len(c.block):len(c.block)]
}

func (l *callLogs) after(conn string, seq uint64) []loggedEvent {
	var out []loggedEvent
	if c := l.m[conn]; c != nil {
		for _, ev := range c.evs {
			if ev.seq > seq {
				out = append(out, ev)
			}
		}
	}
	return out
}
