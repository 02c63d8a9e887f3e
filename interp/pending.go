package interp

import (
	"cmp"
	"slices"
	"time"
)

// PendingSend is a delayed <send> of a session waiting for its time.
type PendingSend struct {
	// SendID is the send's id (§6.2.4), "" when it had none.
	SendID string
	Event  string
	// Target is the send's target as evaluated ("" for the session
	// itself).
	Target string
	Due    time.Time
}

// PendingSends returns the session's delayed sends that are neither
// delivered nor cancelled, earliest first; of sends that reused one id,
// the one a <cancel> would name. It is read on the goroutine that runs
// the session (a host hook, a call between macrosteps).
func (s *Session) PendingSends() []PendingSend {
	if s.rare == nil || len(s.timers) == 0 {
		return nil
	}
	ts := make([]*timer, 0, len(s.timers))
	for _, t := range s.timers {
		if !t.cancelled && !t.fired {
			ts = append(ts, t)
		}
	}
	slices.SortFunc(ts, func(a, b *timer) int {
		if c := a.due.Compare(b.due); c != 0 {
			return c
		}
		return cmp.Compare(a.seq, b.seq)
	})
	out := make([]PendingSend, len(ts))
	for i, t := range ts {
		out[i] = PendingSend{SendID: t.ev.SendID, Event: t.ev.Name, Target: t.target, Due: t.due}
	}
	return out
}
