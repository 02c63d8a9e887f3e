package sim

import (
	"fmt"
	"time"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// The simulator serves opened statistics as Stat Server does in its
// notification mode "on change": a client opens a virtual queue's
// statistics once (RequestOpenStatistic, answered with
// EventStatisticOpened and the queue's state), and the simulator publishes
// the queue's state, EventInfo, on wire.StatSubject after each change of
// the queue (a submit enters it, is distributed, times out, is cancelled,
// or its call ends). Changes are coalesced on the wall clock: the first
// change after a quiet Config.Statistics.Notify is published at once, the
// changes that follow within Notify together when Notify has passed, so a
// queue is notified at most once per Notify. An opening lasts
// Config.Statistics.Lease unless renewed (opened again), or until the
// client closes it (RequestCloseStatistic).

// openQueue is a virtual queue some clients opened; s.mu guards it.
type openQueue struct {
	// openers are the clients (their Origin) and when each opened the
	// queue last (wall clock).
	openers map[string]time.Time
	// sent is when the queue was notified last (wall clock); timer is
	// the notification waiting for Notify to pass since.
	sent  time.Time
	timer *time.Timer
}

// queueChanged notes that virtual queue queue changed: it is notified now
// or once Notify has passed since its last notification; s.mu is held.
func (s *Sim) queueChanged(queue string) {
	s.statVersion++
	q := s.opened[queue]
	if q == nil || q.timer != nil {
		return
	}
	wait := s.cfg.Statistics.Notify.D() - time.Since(q.sent)
	if wait <= 0 {
		s.notifyQueue(queue, q)
		return
	}
	q.timer = time.AfterFunc(wait, func() {
		s.mu.Lock()
		defer s.mu.Unlock()
		if s.opened[queue] != q || s.state != 1 {
			return
		}
		q.timer = nil
		s.notifyQueue(queue, q)
	})
}

// notifyQueue publishes the state of queue to its openers, dropping those
// whose lease ran out; s.mu is held.
func (s *Sim) notifyQueue(queue string, q *openQueue) {
	now := time.Now()
	for o, at := range q.openers {
		if now.Sub(at) > s.cfg.Statistics.Lease.D() {
			delete(q.openers, o)
		}
	}
	if len(q.openers) == 0 {
		delete(s.opened, queue)
		return
	}
	q.sent = now
	ev := s.queueMessage(wire.EventInfo, queue)
	if err := s.r.Notify(wire.StatSubject(s.cfg.Switch.Name, queue, wire.EventInfo), ev); err != nil {
		s.report(fmt.Errorf("sim: notify the statistics of %s: %w", queue, err))
	}
}

// queueMessage is the message named name that reports the state of queue
// now; s.mu is held.
func (s *Sim) queueMessage(name, queue string) wire.Message {
	now := s.clock.Now()
	s.line = s.book.Line(s.line[:0], queue, now)
	return wire.QueueMessage(name, s.book.QueueStat(queue, now), s.line, s.statVersion)
}

// openStatistic answers RequestOpenStatistic with EventStatisticOpened:
// the queue's state now; from then on its changes are notified to the
// asking client. s.mu is held.
func (s *Sim) openStatistic(req wire.Message) error {
	if req.Queue == "" {
		return s.fail(req, telephony.ErrCodeInvalidDN, req.Name+" names no virtual queue")
	}
	q := s.opened[req.Queue]
	if q == nil {
		q = &openQueue{openers: make(map[string]time.Time)}
		s.opened[req.Queue] = q
	}
	q.openers[req.Origin] = time.Now()
	return s.answer(req, s.queueMessage(wire.EventStatisticOpened, req.Queue))
}

// closeStatistic answers RequestCloseStatistic with EventStatisticClosed;
// the queue is no longer notified once no client has it open. s.mu is
// held.
func (s *Sim) closeStatistic(req wire.Message) error {
	if q := s.opened[req.Queue]; q != nil {
		delete(q.openers, req.Origin)
		if len(q.openers) == 0 {
			if q.timer != nil {
				q.timer.Stop()
			}
			delete(s.opened, req.Queue)
		}
	}
	return s.answer(req, wire.Message{Name: wire.EventStatisticClosed, Queue: req.Queue})
}

// stopNotifying stops the pending notifications; s.mu is held.
func (s *Sim) stopNotifying() {
	for _, q := range s.opened {
		if q.timer != nil {
			q.timer.Stop()
		}
	}
	clear(s.opened)
}
