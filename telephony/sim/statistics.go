package sim

import (
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// The simulator is a statistic source, as Stat Server is for ORS: its
// virtual queues are the submits waiting for an agent (RequestQueueSubmit
// until EventTargetSelected, the timeout, a cancel or the call's end),
// kept in a telephony.QueueBook on the simulator's clock, so the expected
// wait is URS's average-quitting-time estimate over what the queues
// really distributed. It answers RequestGetStatistic on the bus, serves
// opened statistics (RequestOpenStatistic, notify.go), and answers the
// Statistics methods in the process.

var _ telephony.Statistics = (*Sim)(nil)

// QueueStat returns the state of virtual queue queue now.
func (s *Sim) QueueStat(queue string) (telephony.QueueStat, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.book.QueueStat(queue, s.clock.Now()), nil
}

// Waiting returns the place of interaction conn in virtual queue queue
// now; ok is false when it does not wait there.
func (s *Sim) Waiting(queue string, conn telephony.ConnID) (telephony.Waiting, bool, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	w, ok := s.book.Waiting(queue, conn, s.clock.Now())
	return w, ok, nil
}

// getStatistic answers RequestGetStatistic with EventInfo: the state of
// the queue and, when the request names an interaction, its place there;
// s.mu is held.
func (s *Sim) getStatistic(req wire.Message) error {
	if req.Queue == "" {
		return s.fail(req, telephony.ErrCodeInvalidDN, "RequestGetStatistic names no virtual queue")
	}
	now := s.clock.Now()
	var w telephony.Waiting
	ok := false
	if req.ConnID != "" {
		w, ok = s.book.Waiting(req.Queue, telephony.ConnID(req.ConnID), now)
	}
	ev := wire.InfoMessage(s.book.QueueStat(req.Queue, now), w, ok)
	ev.ConnID = req.ConnID
	return s.answer(req, ev)
}
