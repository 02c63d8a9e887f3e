package sim

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/orca-scxml/orca/telephony/wire"
)

// recordsMax bounds how many records the monitor keeps.
const recordsMax = 100000

// Record is one EventUserEvent the monitor of the reporting DN received.
type Record struct {
	// Seq numbers the records from 1 in the order they arrived.
	Seq int
	// Message is the event as it travelled on the bus.
	Message wire.Message
	// Received is the simulator's time when it arrived.
	Received time.Time

	loc *time.Location // of the simulator's log
}

// Text returns the event formatted by FormatEvent, in the time zone of
// the simulator's log (Config.Monitor). It is made when asked for, not
// for each event received.
func (r Record) Text() string { return FormatEvent(r.Message, r.loc) }

// monitor records one EventUserEvent of the reporting DN. It reads the
// reporting stream with a durable consumer, and skips message ids it has
// recorded, so each event is recorded once even when JetStream delivers
// it again.
func (s *Sim) monitor(m wire.Message) error {
	s.mu.Lock()
	if m.MsgID != "" && s.seen[m.MsgID] {
		s.mu.Unlock()
		return nil
	}
	if m.MsgID != "" {
		s.seen[m.MsgID] = true
	}
	r := Record{Seq: len(s.records) + 1, Message: m, Received: s.clock.Now(), loc: s.loc}
	if n := len(s.records); n > 0 {
		r.Seq = s.records[n-1].Seq + 1
	}
	s.records = append(s.records, r)
	if len(s.records) > recordsMax {
		drop := s.records[:recordsMax/2]
		for _, old := range drop {
			delete(s.seen, old.Message.MsgID)
		}
		s.records = slices.Clone(s.records[recordsMax/2:])
	}
	s.notify()
	s.mu.Unlock()
	if s.cfg.Log != nil {
		if _, err := io.WriteString(s.cfg.Log, r.Text()); err != nil {
			s.report(fmt.Errorf("sim: monitor output: %w", err))
		}
	}
	if s.cfg.OnUserEvent != nil {
		s.cfg.OnUserEvent(r)
	}
	return nil
}

// UserEvents returns the records of the monitor of the reporting DN, in
// the order the events arrived.
func (s *Sim) UserEvents() []Record {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.records)
}

// WaitUserEvents waits until the monitor has at least n records and
// returns them all.
// Each change of the simulator costs the waiter a count, not a copy of
// the records.
func (s *Sim) WaitUserEvents(ctx context.Context, n int) ([]Record, error) {
	count := func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		return len(s.records)
	}
	err := s.Wait(ctx, func() bool { return count() >= n })
	out := s.UserEvents()
	if err != nil {
		return out, fmt.Errorf("sim: %d of %d user events: %w", len(out), n, err)
	}
	return out, nil
}
