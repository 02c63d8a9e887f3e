package bridge

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// A Port is also a statistic source (telephony.Statistics), the way ORS
// reads Stat Server. It opens a virtual queue's statistics and answers
// reads from what the switch side notifies (statopen.go). When it cannot
// (the switch side does not support opening, StatOptions.Ask, or a read
// about an interaction of its own that no notification lists yet), it
// asks the switch side for the queue's state with RequestGetStatistic and
// reads the answer, EventInfo, on its reply subject. Strategies ask from
// inside a macrostep, which waits for the answer, so the wait is short
// and bounded:
//
//   - An answer is reused for StatOptions.MaxAge of the port's clock (the
//     time sessions run on) unless the queues changed meanwhile as far as
//     the port can tell: it sent a submit or a cancel, or delivered an
//     event that ends a submit (EventTargetSelected, an EventError
//     answering a submit or a cancel, EventReleased, EventAbandoned). The
//     time an interaction has waited is moved on by the age of the answer.
//     An answer about an interaction also holds its queue's state, which a
//     following QueueStat reuses.
//   - Requests for the same queue and interaction in flight at once are
//     sent once; the others wait for that answer.
//   - No answer within StatOptions.Timeout (the switch side serves no
//     statistics, or cannot be reached), or an EventError, makes the
//     source missing: every question answers telephony.ErrNoStatistics at
//     once, and the port asks again only after StatOptions.Retry. That is
//     reported once to StatOptions.OnMissing, and again only after the
//     source has answered in between.

// StatOptions configure a Port's statistics.
type StatOptions struct {
	// Timeout bounds the wait for an answer (DefaultStatTimeout when 0).
	Timeout time.Duration
	// MaxAge is how long, on the port's clock, an answer is reused
	// (DefaultStatMaxAge when 0; negative: never).
	MaxAge time.Duration
	// Retry is how long after a source went missing the port asks it
	// again (DefaultStatRetry when 0).
	Retry time.Duration
	// OnMissing is told when the switch side stops answering statistics
	// (once, until it answers again).
	OnMissing func(err error)
	// Ask asks every read with RequestGetStatistic instead of opening
	// the statistics.
	Ask bool
	// CloseAfter closes a statistic not read for that long
	// (DefaultStatCloseAfter when 0); Renew opens again a statistic still
	// read that long after it was opened (DefaultStatRenew when 0), so
	// that a switch side keeping openings for a lease keeps it.
	CloseAfter, Renew time.Duration
}

// Defaults of StatOptions.
const (
	DefaultStatTimeout = 250 * time.Millisecond
	DefaultStatMaxAge  = time.Second
	DefaultStatRetry   = 10 * time.Second
	// DefaultStatCloseAfter and DefaultStatRenew are on the wall clock.
	DefaultStatCloseAfter = time.Minute
	DefaultStatRenew      = 30 * time.Second
)

func (o StatOptions) withDefaults() StatOptions {
	if o.Timeout <= 0 {
		o.Timeout = DefaultStatTimeout
	}
	if o.MaxAge == 0 {
		o.MaxAge = DefaultStatMaxAge
	}
	if o.Retry <= 0 {
		o.Retry = DefaultStatRetry
	}
	if o.CloseAfter <= 0 {
		o.CloseAfter = DefaultStatCloseAfter
	}
	if o.Renew <= 0 {
		o.Renew = DefaultStatRenew
	}
	return o
}

var _ telephony.Statistics = (*Port)(nil)

// statKey is what a statistic answer is about: a queue, and an
// interaction in it ("" for the queue's own state).
type statKey struct {
	queue string
	conn  telephony.ConnID
}

// statAnswer is an answer and when it came (on the port's clock).
type statAnswer struct {
	st telephony.QueueStat
	w  telephony.Waiting
	ok bool
	at time.Time
}

// statCall is a request in flight; done is closed once m or err is set
// (ended says it was, under stats.mu). A call that a change of the queues
// superseded is no longer the one in flight for its key, but its waiters
// still get its answer.
type statCall struct {
	key   statKey
	gen   uint64
	m     wire.Message
	err   error
	ended bool
	done  chan struct{}
}

// stats is a Port's statistic client.
type stats struct {
	o StatOptions

	mu       sync.Mutex
	cache    map[statKey]statAnswer
	inflight map[statKey]*statCall
	byRef    map[uint64]*statCall
	// missingUntil is when a missing source is asked again (zero: it
	// is not missing); reported says OnMissing was told.
	missingUntil time.Time
	reported     bool
	// gen counts the changes of the queues the port saw: an answer to a
	// request sent before one is not reused.
	gen uint64

	// opens are the opened statistics by queue, openRefs those waiting
	// for the answer to a RequestOpenStatistic by its ReferenceID,
	// submits the port's own submits to opened queues by ReferenceID;
	// until noOpenUntil reads ask (opening failed).
	opens       map[string]*openStat
	openRefs    map[uint64]*openStat
	submits     map[uint64]statKey
	noOpenUntil time.Time

	asked, answered, openings, notices atomic.Uint64
}

func newStats(o StatOptions) *stats {
	return &stats{o: o.withDefaults(), cache: make(map[statKey]statAnswer),
		inflight: make(map[statKey]*statCall), byRef: make(map[uint64]*statCall),
		opens: make(map[string]*openStat), openRefs: make(map[uint64]*openStat), submits: make(map[uint64]statKey)}
}

// maxStatCache bounds the answers a port keeps; past it the cache starts
// over.
const maxStatCache = 4096

// QueueStat returns the state of virtual queue queue, as the switch side
// reports it (see the statistics of Port above).
func (p *Port) QueueStat(queue string) (telephony.QueueStat, error) {
	a, err := p.statistic(statKey{queue: queue})
	return a.st, err
}

// Waiting returns the place of interaction conn in virtual queue queue,
// as the switch side reports it; ok is false when it does not wait there.
func (p *Port) Waiting(queue string, conn telephony.ConnID) (telephony.Waiting, bool, error) {
	if conn == "" {
		return telephony.Waiting{}, false, nil
	}
	a, err := p.statistic(statKey{queue: queue, conn: conn})
	return a.w, a.ok, err
}

// statistic answers k from the opened statistics of its queue or the
// cache, or asks the switch side.
func (p *Port) statistic(k statKey) (statAnswer, error) {
	if k.queue == "" {
		return statAnswer{}, errors.New("bridge port: statistics: no virtual queue")
	}
	if a, ok := p.local(k); ok {
		return a, nil
	}
	s := p.stats
	now := p.o.Now()
	wall := time.Now()
	s.mu.Lock()
	if !s.missingUntil.IsZero() && wall.Before(s.missingUntil) {
		s.mu.Unlock()
		return statAnswer{}, fmt.Errorf("bridge port: statistics of %s: %w", k.queue, telephony.ErrNoStatistics)
	}
	if a, ok := s.cache[k]; ok && s.o.MaxAge > 0 && now.Sub(a.at) < s.o.MaxAge && !now.Before(a.at) {
		s.mu.Unlock()
		if a.ok {
			a.w.Waited += now.Sub(a.at)
		}
		return a, nil
	}
	c := s.inflight[k]
	if c == nil || c.gen != s.gen {
		c = &statCall{key: k, gen: s.gen, done: make(chan struct{})}
		s.inflight[k] = c
		s.mu.Unlock()
		p.askStatistic(c)
	} else {
		s.mu.Unlock()
	}
	timer := time.NewTimer(s.o.Timeout - time.Since(wall))
	defer timer.Stop()
	select {
	case <-c.done:
	case <-timer.C:
		p.statFailed(c, fmt.Errorf("no answer within %v", s.o.Timeout))
	}
	if c.err != nil {
		return statAnswer{}, fmt.Errorf("bridge port: statistics of %s: %w (%v)", k.queue, telephony.ErrNoStatistics, c.err)
	}
	st, w, ok := c.m.Statistics()
	return statAnswer{st: st, w: w, ok: ok, at: now}, nil
}

// askStatistic sends the request of c.
func (p *Port) askStatistic(c *statCall) {
	if p.isClosed() {
		p.statFailed(c, ErrClosed)
		return
	}
	m := p.statRequest(wire.RequestGetStatistic, c.key.queue, c.key.conn)
	s := p.stats
	s.mu.Lock()
	s.byRef[m.ReferenceID] = c
	s.mu.Unlock()
	s.asked.Add(1)
	if err := p.publishStat(&m); err != nil {
		p.statFailed(c, err)
	}
}

// isStatAnswer reports whether m answers a RequestGetStatistic,
// RequestOpenStatistic or RequestCloseStatistic.
func isStatAnswer(m *wire.Message) bool {
	return m.Name == wire.EventInfo || m.Name == string(telephony.EventError) && m.Request == wire.RequestGetStatistic ||
		isOpenAnswer(m)
}

// statAnswered hands an answer on the port's reply subject to the call
// waiting for it (an answer after the timeout finds none).
func (p *Port) statAnswered(m *wire.Message) {
	if isOpenAnswer(m) {
		p.openAnswered(m)
		return
	}
	s := p.stats
	s.mu.Lock()
	c := s.byRef[m.ReferenceID]
	delete(s.byRef, m.ReferenceID)
	if c == nil || c.ended {
		s.mu.Unlock()
		return
	}
	if s.inflight[c.key] == c {
		delete(s.inflight, c.key)
	}
	if m.Name != wire.EventInfo {
		s.mu.Unlock()
		p.statMissing(c, fmt.Errorf("the switch answered %s %d: %s", m.Name, m.ErrorCode, m.ErrorMessage))
		return
	}
	s.answered.Add(1)
	s.missingUntil, s.reported = time.Time{}, false
	c.m = *m
	if c.gen == s.gen {
		now := p.o.Now()
		if len(s.cache) >= maxStatCache {
			clear(s.cache)
		}
		st, w, ok := m.Statistics()
		s.cache[c.key] = statAnswer{st: st, w: w, ok: ok, at: now}
		if c.key.conn != "" {
			s.cache[statKey{queue: c.key.queue}] = statAnswer{st: st, at: now}
		}
	}
	c.ended = true
	close(c.done)
	s.mu.Unlock()
}

// queuesChanged forgets the answers, when m, sent or delivered by the
// port, may change a virtual queue.
func (p *Port) queuesChanged(m *wire.Message) {
	switch m.Name {
	case wire.RequestQueueSubmit, wire.RequestQueueCancel, string(telephony.EventTargetSelected),
		string(telephony.EventReleased), string(telephony.EventAbandoned):
	case string(telephony.EventError):
		if m.Request != wire.RequestQueueSubmit && m.Request != wire.RequestQueueCancel {
			return
		}
	default:
		return
	}
	s := p.stats
	s.mu.Lock()
	s.gen++
	clear(s.cache)
	s.mu.Unlock()
}

// statFailed ends call c without an answer: the source is missing.
func (p *Port) statFailed(c *statCall, err error) {
	s := p.stats
	s.mu.Lock()
	if c.ended {
		s.mu.Unlock()
		return // answered meanwhile, or already failed
	}
	if s.inflight[c.key] == c {
		delete(s.inflight, c.key)
	}
	s.mu.Unlock()
	p.statMissing(c, err)
}

// statMissing marks the source missing for a while, reports it once, and
// ends c with err; c is no longer in flight.
func (p *Port) statMissing(c *statCall, err error) {
	s := p.stats
	s.mu.Lock()
	if c.ended {
		s.mu.Unlock()
		return
	}
	s.missingUntil = time.Now().Add(s.o.Retry)
	report := !s.reported
	s.reported = true
	for ref, rc := range s.byRef {
		if rc == c {
			delete(s.byRef, ref)
		}
	}
	c.err = err
	c.ended = true
	close(c.done)
	s.mu.Unlock()
	if report && s.o.OnMissing != nil {
		s.o.OnMissing(fmt.Errorf("no statistic source answers on switch %s (%v); statistics are not read again for %v",
			p.o.Switch, err, s.o.Retry))
	}
}
