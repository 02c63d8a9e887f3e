package bridge

import (
	"fmt"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// A Port reads a virtual queue's statistics the way Stat Server's clients
// do: it opens them once and is told their values, rather than asking at
// every read (Platform SDK Developer's Guide, "Stat Server":
// RequestOpenStatistic, answered by EventStatisticOpened, then EventInfo
// with each value; RequestCloseStatistic and EventStatisticClosed).
//
//   - The first read of a queue subscribes to wire.StatSubject(switch,
//     queue, EventInfo), then sends RequestOpenStatistic and waits (at most
//     StatOptions.Timeout) for EventStatisticOpened, which carries the
//     queue's state and line. From then on the switch side publishes the
//     state after each change of the queue, at most once per its
//     notification interval (the simulator's 100 ms), and reads are
//     answered from the last state, the time waited moved on by its age
//     on the port's clock. Of two states the one of the higher Version
//     is kept (the answer and a notification travel on different
//     subjects).
//   - The port's own changes are applied at once: a RequestQueueSubmit it
//     sent counts in the queue's waiting interactions until a state lists
//     it, and its interaction is not waiting any more once the port
//     delivered the EventTargetSelected or EventError that ends the
//     submit. A read about an interaction the port submitted that no
//     state lists yet is asked with RequestGetStatistic (see
//     statistics.go), so that its position is the switch side's.
//   - So a read is behind the switch side only by the changes the port
//     did not make itself, those of the last notification interval plus
//     the time the notification travels (docs/bridge.md, "Statistics").
//   - A statistic not read for StatOptions.CloseAfter is closed
//     (RequestCloseStatistic); one still read is opened again every
//     StatOptions.Renew (the switch side keeps an opening for a lease), at
//     once after a reconnection, and when the switch side announces that
//     it started (EventStatServerStarted).
//   - A switch side that answers RequestOpenStatistic with EventError, or
//     not within Timeout, does not support opening (an older simulator, an
//     adapter that answers RequestGetStatistic only): the port asks every
//     read with RequestGetStatistic for StatOptions.Retry, then tries to
//     open again.

// openStat is a virtual queue's opened statistics; stats.mu guards it.
type openStat struct {
	queue string
	sub   *nats.Subscription
	// ready is closed once the first state arrived or opening failed
	// (failed is then set).
	ready  chan struct{}
	have   bool
	failed bool
	// The last state: its version, the queue's state, the line by
	// interaction, and when it arrived on the port's clock.
	version uint64
	st      telephony.QueueStat
	line    map[telephony.ConnID]placeInLine
	at      time.Time
	// opened is when RequestOpenStatistic was sent last, read when the
	// statistic was read last (wall clock); ref is that request's
	// ReferenceID, the key of q in stats.openRefs.
	opened, read time.Time
	ref          uint64
	// own are the interactions the port submitted to the queue, adj what
	// they change in the last state's count of waiting interactions.
	own map[telephony.ConnID]*ownSubmit
	adj int
}

// placeInLine is an interaction's place in a state's line.
type placeInLine struct {
	pos, priority int
	waited        time.Duration
}

// ownSubmit counts the port's submits of an interaction to a queue that
// no EventTargetSelected or EventError ended yet.
type ownSubmit struct{ pending int }

// weight is what s changes in the count of waiting interactions of a
// state that lists its interaction (in) or not.
func (s *ownSubmit) weight(in bool) int {
	switch {
	case s.pending > 0 && !in:
		return 1
	case s.pending == 0 && in:
		return -1
	}
	return 0
}

// maxOwnSubmits bounds the submits a port follows; past it it starts over.
const maxOwnSubmits = 1 << 16

// local answers k from the opened statistics of its queue; done is false
// when the port must ask with RequestGetStatistic instead.
func (p *Port) local(k statKey) (a statAnswer, done bool) {
	s := p.stats
	wall := time.Now()
	s.mu.Lock()
	// An asked question that found no source (missingUntil) leaves an
	// opened statistic as it is: its notifications still come. A failed
	// opening stops the opening of others for Retry, not the reading of
	// those open.
	if s.o.Ask {
		s.mu.Unlock()
		return statAnswer{}, false
	}
	q := s.opens[k.queue]
	if q == nil {
		if wall.Before(s.noOpenUntil) {
			s.mu.Unlock()
			return statAnswer{}, false
		}
		q = &openStat{queue: k.queue, ready: make(chan struct{}), line: make(map[telephony.ConnID]placeInLine),
			own: make(map[telephony.ConnID]*ownSubmit)}
		s.opens[k.queue] = q
		s.mu.Unlock()
		p.open(q, true)
		s.mu.Lock()
	}
	q.read = wall
	if !q.have && !q.failed {
		s.mu.Unlock()
		timer := time.NewTimer(s.o.Timeout - time.Since(wall))
		select {
		case <-q.ready:
		case <-timer.C:
			p.openFailed(q, fmt.Errorf("no answer within %v", s.o.Timeout))
		}
		timer.Stop()
		s.mu.Lock()
	}
	if !q.have {
		s.mu.Unlock()
		return statAnswer{}, false
	}
	now := p.o.Now()
	a = statAnswer{st: q.st, at: now}
	a.st.Waiting = max(0, a.st.Waiting+q.adj)
	a.st.EWT = time.Duration(a.st.Waiting+1) * a.st.AQT
	if k.conn == "" {
		s.mu.Unlock()
		return a, true
	}
	own := q.own[k.conn]
	place, in := q.line[k.conn]
	switch {
	case own != nil && own.pending == 0:
		// The port saw its submit end: it waits no more.
	case in:
		a.ok = true
		a.w = telephony.Waiting{Position: place.pos, Priority: place.priority,
			Waited: place.waited + max(0, now.Sub(q.at)), EWT: time.Duration(place.pos) * q.st.AQT}
	case own != nil:
		// Submitted, in no state yet: the switch side knows its place.
		s.mu.Unlock()
		return statAnswer{}, false
	}
	s.mu.Unlock()
	return a, true
}

// open subscribes to the notifications of q (when subscribe is set) and
// sends RequestOpenStatistic.
func (p *Port) open(q *openStat, subscribe bool) {
	s := p.stats
	if p.isClosed() {
		p.openFailed(q, ErrClosed)
		return
	}
	if subscribe {
		sub, err := p.nc.Subscribe(wire.StatSubject(p.o.Switch, q.queue, wire.EventInfo), func(msg *nats.Msg) { p.onNotice(q, msg) })
		if err != nil {
			p.openFailed(q, err)
			return
		}
		s.mu.Lock()
		q.sub = sub
		s.mu.Unlock()
	}
	m := p.statRequest(wire.RequestOpenStatistic, q.queue, "")
	s.mu.Lock()
	// Only the latest opening is answered for q: a renewal left
	// unanswered is forgotten at the next.
	delete(s.openRefs, q.ref)
	q.ref = m.ReferenceID
	s.openRefs[q.ref] = q
	q.opened = time.Now()
	s.mu.Unlock()
	s.openings.Add(1)
	if err := p.publishStat(&m); err != nil {
		p.openFailed(q, err)
	}
}

// isClosed reports whether the port was closed.
func (p *Port) isClosed() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.closed
}

// statRequest is the statistics request named name about queue and conn,
// from the port to its switch.
func (p *Port) statRequest(name, queue string, conn telephony.ConnID) wire.Message {
	m := wire.Message{Name: name, Queue: queue, ConnID: string(conn), ReferenceID: p.ref.Add(1), Origin: p.inst,
		Seq: p.seq.Add(1), CustomerID: p.o.CustomerID, Switch: p.o.Switch}
	m.SetTime(p.o.Now())
	return m
}

// publishStat sends a statistics request.
func (p *Port) publishStat(m *wire.Message) error {
	buf, err := p.pool.Encode(m)
	if err != nil {
		return err
	}
	defer buf.Release()
	return p.nc.Publish(p.reqSubj.of(m.Switch, m.Name), buf.Bytes)
}

// openFailed gives up q when it has no state yet: reads ask with
// RequestGetStatistic for StatOptions.Retry.
func (p *Port) openFailed(q *openStat, err error) {
	s := p.stats
	s.mu.Lock()
	if q.have || q.failed {
		s.mu.Unlock()
		return
	}
	q.failed = true
	close(q.ready)
	if s.opens[q.queue] == q {
		delete(s.opens, q.queue)
	}
	delete(s.openRefs, q.ref)
	s.noOpenUntil = time.Now().Add(s.o.Retry)
	sub := q.sub
	s.mu.Unlock()
	if sub != nil {
		_ = sub.Unsubscribe()
	}
	p.report(fmt.Errorf("bridge port: open the statistics of %s on switch %s: %v; asking at each read for %v",
		q.queue, p.o.Switch, err, s.o.Retry))
}

// isOpenAnswer reports whether m answers RequestOpenStatistic or
// RequestCloseStatistic.
func isOpenAnswer(m *wire.Message) bool {
	switch m.Name {
	case wire.EventStatisticOpened, wire.EventStatisticClosed:
		return true
	case string(telephony.EventError):
		return m.Request == wire.RequestOpenStatistic || m.Request == wire.RequestCloseStatistic
	}
	return false
}

// openAnswered takes the answer to a RequestOpenStatistic (an answer to a
// RequestCloseStatistic needs nothing).
func (p *Port) openAnswered(m *wire.Message) {
	s := p.stats
	s.mu.Lock()
	q := s.openRefs[m.ReferenceID]
	delete(s.openRefs, m.ReferenceID)
	if q == nil || s.opens[q.queue] != q {
		s.mu.Unlock()
		return
	}
	if m.Name != wire.EventStatisticOpened {
		s.mu.Unlock()
		p.openFailed(q, fmt.Errorf("the switch answered %s %d: %s", m.Name, m.ErrorCode, m.ErrorMessage))
		return
	}
	p.applyState(q, m)
	s.mu.Unlock()
}

// onNotice takes a notification of the opened statistic q, whose
// subscription it came on.
func (p *Port) onNotice(q *openStat, msg *nats.Msg) {
	m, ok := p.decode(msg, nil)
	if !ok {
		return
	}
	s := p.stats
	s.notices.Add(1)
	s.mu.Lock()
	if s.opens[q.queue] == q && !q.failed {
		p.applyState(q, &m)
	}
	s.mu.Unlock()
}

// applyState makes m the state of q unless q has a later one; s.mu is
// held.
func (p *Port) applyState(q *openStat, m *wire.Message) {
	if q.have && m.Version < q.version {
		return
	}
	q.version = m.Version
	q.st, _, _ = m.Statistics()
	clear(q.line)
	for i, e := range m.Queued {
		c := telephony.ConnID(e.ConnID)
		waited := time.Duration(e.WaitedMs) * time.Millisecond
		if old, dup := q.line[c]; dup && old.waited >= waited {
			continue // its earlier submit's place is the one read
		}
		q.line[c] = placeInLine{pos: i + 1, priority: e.Priority, waited: waited}
	}
	q.at = p.o.Now()
	q.adj = 0
	for c, o := range q.own {
		_, in := q.line[c]
		if o.pending == 0 && !in {
			delete(q.own, c)
			continue
		}
		q.adj += o.weight(in)
	}
	if !q.have {
		q.have = true
		close(q.ready)
	}
}

// submitSent follows a RequestQueueSubmit the port sends, when its
// queue's statistics are open.
func (p *Port) submitSent(m *wire.Message) {
	s := p.stats
	s.mu.Lock()
	defer s.mu.Unlock()
	q := s.opens[m.Queue]
	if q == nil || m.ConnID == "" || m.Switch != p.o.Switch {
		return
	}
	if len(s.submits) >= maxOwnSubmits {
		p.forgetSubmits()
	}
	s.submits[m.ReferenceID] = statKey{queue: m.Queue, conn: telephony.ConnID(m.ConnID)}
	p.ownChange(q, telephony.ConnID(m.ConnID), +1)
}

// submitEnded notes the end of a submit the port follows: m is the
// EventTargetSelected or EventError answering it.
func (p *Port) submitEnded(m *wire.Message) {
	if m.ReferenceID == 0 || m.Name != string(telephony.EventTargetSelected) &&
		(m.Name != string(telephony.EventError) || m.Request != wire.RequestQueueSubmit) {
		return
	}
	p.submitDone(m.ReferenceID)
}

// submitDone ends the followed submit ref: answered, or never sent.
func (p *Port) submitDone(ref uint64) {
	s := p.stats
	s.mu.Lock()
	defer s.mu.Unlock()
	k, ok := s.submits[ref]
	if !ok {
		return
	}
	delete(s.submits, ref)
	if q := s.opens[k.queue]; q != nil {
		p.ownChange(q, k.conn, -1)
	}
}

// submitsEnded ends every followed submit of conn: its interaction was
// routed, as an event recovered by a query tells (it carries no
// ReferenceID).
func (p *Port) submitsEnded(conn telephony.ConnID) {
	s := p.stats
	s.mu.Lock()
	defer s.mu.Unlock()
	for ref, k := range s.submits {
		if k.conn != conn {
			continue
		}
		delete(s.submits, ref)
		if q := s.opens[k.queue]; q != nil {
			p.ownChange(q, k.conn, -1)
		}
	}
}

// forgetSubmits stops following the port's submits: the states the
// switch side sends count them from then on. s.mu is held.
func (p *Port) forgetSubmits() {
	s := p.stats
	clear(s.submits)
	for _, q := range s.opens {
		clear(q.own)
		q.adj = 0
	}
}

// ownChange adds d to the pending submits of conn to q; s.mu is held.
func (p *Port) ownChange(q *openStat, conn telephony.ConnID, d int) {
	o := q.own[conn]
	if o == nil {
		if d < 0 {
			return
		}
		o = &ownSubmit{}
		q.own[conn] = o
	}
	_, in := q.line[conn]
	q.adj -= o.weight(in)
	o.pending = max(0, o.pending+d)
	q.adj += o.weight(in)
}

// sweepStats closes the statistics not read for CloseAfter and opens
// again those opened Renew ago (all of them when all is set: after a
// reconnection, or when the switch side started).
func (p *Port) sweepStats(all bool) {
	s := p.stats
	wall := time.Now()
	var closing, renew []*openStat
	s.mu.Lock()
	if all {
		s.noOpenUntil = time.Time{}
	}
	for name, q := range s.opens {
		switch {
		case !q.have:
		case wall.Sub(q.read) > s.o.CloseAfter:
			delete(s.opens, name)
			closing = append(closing, q)
		case all || wall.Sub(q.opened) > s.o.Renew:
			renew = append(renew, q)
		}
	}
	s.mu.Unlock()
	for _, q := range renew {
		p.open(q, false)
	}
	p.closeStats(closing)
}

// closeAllStats closes every opened statistic (the port is closing).
func (p *Port) closeAllStats() {
	s := p.stats
	s.mu.Lock()
	var closing []*openStat
	for name, q := range s.opens {
		delete(s.opens, name)
		if q.have {
			closing = append(closing, q)
		} else if q.sub != nil {
			_ = q.sub.Unsubscribe()
		}
	}
	s.mu.Unlock()
	p.closeStats(closing)
}

// closeStats unsubscribes from the notifications of the statistics
// closing and sends RequestCloseStatistic for each.
func (p *Port) closeStats(closing []*openStat) {
	for _, q := range closing {
		if q.sub != nil {
			_ = q.sub.Unsubscribe()
		}
		m := p.statRequest(wire.RequestCloseStatistic, q.queue, "")
		if err := p.publishStat(&m); err != nil {
			p.report(fmt.Errorf("bridge port: close the statistics of %s: %w", q.queue, err))
		}
	}
}

// onStatServerStarted opens again every statistic: the switch side that
// had them open is gone, with the submits the port followed, and the new
// one numbers its states afresh.
func (p *Port) onStatServerStarted(*nats.Msg) {
	s := p.stats
	s.mu.Lock()
	p.forgetSubmits()
	for _, q := range s.opens {
		q.version = 0
	}
	s.mu.Unlock()
	p.sweepStats(true)
}
