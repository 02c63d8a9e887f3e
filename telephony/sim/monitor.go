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

// recordBlock is how many records a block of the monitor's holds: the
// records grow a block at a time and are never copied as they grow (the
// first block grows by appending, so that a small run makes a small
// one).
const recordBlock = 256

// records are the monitor's records, oldest first, in blocks.
type records struct {
	blocks [][]Record
	n      int
}

func (rs *records) len() int { return rs.n }

// last returns the newest record's Seq (0 when none).
func (rs *records) last() int {
	if rs.n == 0 {
		return 0
	}
	b := rs.blocks[len(rs.blocks)-1]
	return b[len(b)-1].Seq
}

func (rs *records) add(r Record) {
	k := len(rs.blocks)
	if k == 0 || len(rs.blocks[k-1]) == recordBlock {
		var b []Record
		if k > 0 {
			b = make([]Record, 0, recordBlock)
		}
		rs.blocks = append(rs.blocks, b)
		k++
	}
	rs.blocks[k-1] = append(rs.blocks[k-1], r)
	rs.n++
}

// dropOldest drops the oldest blocks holding at least n records and
// returns them.
func (rs *records) dropOldest(n int) [][]Record {
	k, dropped := 0, 0
	for k < len(rs.blocks)-1 && dropped < n {
		dropped += len(rs.blocks[k])
		k++
	}
	old := slices.Clone(rs.blocks[:k])
	rs.blocks = slices.Delete(rs.blocks, 0, k)
	rs.n -= dropped
	return old
}

// all returns a copy of the records.
func (rs *records) all() []Record {
	out := make([]Record, 0, rs.n)
	for _, b := range rs.blocks {
		out = append(out, b...)
	}
	return out
}

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
	r := Record{Seq: s.records.last() + 1, Message: m, Received: s.clock.Now(), loc: s.loc}
	s.records.add(r)
	if s.records.len() > recordsMax {
		for _, b := range s.records.dropOldest(recordsMax / 2) {
			for _, old := range b {
				delete(s.seen, old.Message.MsgID)
			}
		}
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
	return s.records.all()
}

// WaitUserEvents waits until the monitor has at least n records and
// returns them all.
// Each change of the simulator costs the waiter a count, not a copy of
// the records.
func (s *Sim) WaitUserEvents(ctx context.Context, n int) ([]Record, error) {
	count := func() int {
		s.mu.Lock()
		defer s.mu.Unlock()
		return s.records.len()
	}
	err := s.Wait(ctx, func() bool { return count() >= n })
	out := s.UserEvents()
	if err != nil {
		return out, fmt.Errorf("sim: %d of %d user events: %w", len(out), n, err)
	}
	return out, nil
}
