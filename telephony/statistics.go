package telephony

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// Statistics is a statistic source: what Stat Server and URS answer about
// virtual queues, the way ORS strategies read them through
// _genesys.statistic (URS's StatCallsInQueue and StatExpectedWaitingTime,
// Stat Server's CurrNumberWaitingCalls and ExpectedWaitTime) and through
// the position of an interaction in a queue (URS's InVQWaitTime, ORS's
// <queue:query> positioninqueue). Implementations are safe for concurrent
// use.
//
// The estimate is URS's "average quitting time" method (Universal Routing,
// "Expected Wait Time in URS", aqt=urs): the interval between the
// interactions the queue distributed lately, times the position. See
// QueueBook, which implements it over a record of the queue's submits.
type Statistics interface {
	// QueueStat returns the state of virtual queue queue now. A queue
	// nobody submitted to is empty: no error.
	QueueStat(queue string) (QueueStat, error)
	// Waiting returns the place of interaction conn in virtual queue
	// queue now; ok is false when it does not wait there.
	Waiting(queue string, conn ConnID) (w Waiting, ok bool, err error)
}

// QueueStat is the state of a virtual queue.
type QueueStat struct {
	Queue string
	// Waiting is the number of interactions waiting (StatCallsInQueue).
	Waiting int
	// Distributed is the number of interactions the queue found a target
	// for since the source started.
	Distributed int
	// AQT is the average quitting time: the mean interval between the
	// last distributions (up to AQTWindow of them); with a single
	// distribution, the time that interaction waited; 0 when the queue
	// distributed nothing yet.
	AQT time.Duration
	// EWT is the expected wait of an interaction entering the queue now
	// (StatExpectedWaitingTime): (Waiting+1) × AQT.
	EWT time.Duration
}

// Waiting is the place of an interaction in a virtual queue.
type Waiting struct {
	// Position is 1 for the interaction served next: higher priority
	// first, then earlier submit.
	Position int
	// Priority is the priority the interaction was submitted with.
	Priority int
	// Waited is how long it has waited.
	Waited time.Duration
	// EWT is its expected remaining wait: Position × AQT (InVQWaitTime).
	EWT time.Duration
}

// AQTWindow is how many of a queue's latest distributions its average
// quitting time is computed over (URS counts the last 32).
const AQTWindow = 32

// ErrNoStatistics is returned by a port that serves no statistics.
var ErrNoStatistics = errors.New("no statistic source")

// QueueBook records the submits of virtual queues and answers Statistics
// from them: an interaction waits from its submit until a target is found
// for it (Distribute), or it leaves otherwise (Leave: a timeout, a cancel,
// the call gone). Its methods take the time explicitly; it does no
// locking (its owner does). The zero QueueBook is empty and ready.
type QueueBook struct {
	waiting []queued
	// gone is when each queue distributed an interaction lately, and how
	// long that one waited, oldest first, at most AQTWindow each.
	gone  map[string][]departure
	count map[string]int
}

type queued struct {
	ref      ReferenceID
	queue    string
	conn     ConnID
	priority int
	at       time.Time
}

type departure struct {
	at     time.Time
	waited time.Duration
}

// Enter records submit ref of conn to queue at time at.
func (b *QueueBook) Enter(ref ReferenceID, queue string, conn ConnID, priority int, at time.Time) {
	b.waiting = append(b.waiting, queued{ref: ref, queue: queue, conn: conn, priority: priority, at: at})
}

// Distribute records that submit ref found a target at time at; it
// reports whether ref was waiting.
func (b *QueueBook) Distribute(ref ReferenceID, at time.Time) bool {
	i := slices.IndexFunc(b.waiting, func(q queued) bool { return q.ref == ref })
	if i < 0 {
		return false
	}
	q := b.waiting[i]
	b.waiting = slices.Delete(b.waiting, i, i+1)
	if b.gone == nil {
		b.gone, b.count = make(map[string][]departure), make(map[string]int)
	}
	d := append(b.gone[q.queue], departure{at: at, waited: at.Sub(q.at)})
	if len(d) > AQTWindow {
		d = d[len(d)-AQTWindow:]
	}
	b.gone[q.queue] = d
	b.count[q.queue]++
	return true
}

// Leave records that submit ref left its queue without a target; it
// reports whether ref was waiting.
func (b *QueueBook) Leave(ref ReferenceID) bool {
	n := len(b.waiting)
	b.waiting = slices.DeleteFunc(b.waiting, func(q queued) bool { return q.ref == ref })
	return len(b.waiting) < n
}

// Drop removes every submit of call conn (the call is gone).
func (b *QueueBook) Drop(conn ConnID) {
	b.waiting = slices.DeleteFunc(b.waiting, func(q queued) bool { return q.conn == conn })
}

// Has reports whether submit ref waits.
func (b *QueueBook) Has(ref ReferenceID) bool {
	return slices.ContainsFunc(b.waiting, func(q queued) bool { return q.ref == ref })
}

// aqt returns the average quitting time of queue.
func (b *QueueBook) aqt(queue string) time.Duration {
	d := b.gone[queue]
	switch len(d) {
	case 0:
		return 0
	case 1:
		return d[0].waited
	}
	return d[len(d)-1].at.Sub(d[0].at) / time.Duration(len(d)-1)
}

// QueueStat returns the state of queue at time now.
func (b *QueueBook) QueueStat(queue string, now time.Time) QueueStat {
	n := 0
	for _, q := range b.waiting {
		if q.queue == queue {
			n++
		}
	}
	aqt := b.aqt(queue)
	return QueueStat{Queue: queue, Waiting: n, Distributed: b.count[queue], AQT: aqt, EWT: time.Duration(n+1) * aqt}
}

// Waiting returns the place of conn in queue at time now (its earliest
// submit there when it has several).
func (b *QueueBook) Waiting(queue string, conn ConnID, now time.Time) (Waiting, bool) {
	var me *queued
	for i := range b.waiting {
		if q := &b.waiting[i]; q.queue == queue && q.conn == conn && (me == nil || q.at.Before(me.at)) {
			me = q
		}
	}
	if me == nil {
		return Waiting{}, false
	}
	pos := 1
	for _, q := range b.waiting {
		if q.queue == queue && q.ref != me.ref && ahead(q, *me) {
			pos++
		}
	}
	return Waiting{Position: pos, Priority: me.priority, Waited: now.Sub(me.at), EWT: time.Duration(pos) * b.aqt(queue)}, true
}

// Queued is an interaction waiting in a virtual queue.
type Queued struct {
	Conn     ConnID
	Priority int
	// Waited is how long it has waited.
	Waited time.Duration
}

// Line appends the interactions waiting in queue at time now to dst, in
// the order they are served (the first is served next: Waiting's
// position 1), and returns the extended slice.
func (b *QueueBook) Line(dst []Queued, queue string, now time.Time) []Queued {
	var line []queued
	for _, q := range b.waiting {
		if q.queue == queue {
			line = append(line, q)
		}
	}
	slices.SortFunc(line, func(a, b queued) int {
		switch {
		case ahead(a, b):
			return -1
		case ahead(b, a):
			return 1
		}
		return 0
	})
	for _, q := range line {
		dst = append(dst, Queued{Conn: q.conn, Priority: q.priority, Waited: now.Sub(q.at)})
	}
	return dst
}

// ahead reports whether q is served before me: a higher priority, or the
// same priority and an earlier submit (the earlier request on a tie).
func ahead(q, me queued) bool {
	if q.priority != me.priority {
		return q.priority > me.priority
	}
	if !q.at.Equal(me.at) {
		return q.at.Before(me.at)
	}
	return q.ref < me.ref
}

// String describes the queue state for logs.
func (s QueueStat) String() string {
	return fmt.Sprintf("%s: %d waiting, EWT %v (AQT %v, %d distributed)", s.Queue, s.Waiting, s.EWT, s.AQT, s.Distributed)
}
