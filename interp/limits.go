package interp

import (
	"errors"
	"fmt"
	"sync/atomic"
)

// LimitAction says what happens to a session that breaks a limit.
type LimitAction uint8

// The limit actions.
const (
	// LimitTerminate ends the session (no done event is sent) and reports
	// the breach through Options.OnError.
	LimitTerminate LimitAction = iota
	// LimitError reports the breach and places error.execution on the
	// session's internal queue, so that the document may recover; a
	// runaway loop (microsteps, internal events, the internal queue) is
	// broken by discarding the internal queue first. A second breach
	// before the session completes a macrostep without one terminates
	// it: a document that keeps breaking its limits does not keep its
	// host busy.
	LimitError
)

// The default limits, used where Options leaves a limit zero.
const (
	// DefaultMaxMicrosteps bounds the microsteps of one macrostep.
	DefaultMaxMicrosteps = 10000
	// DefaultMaxInternalEvents bounds the internal events one macrostep
	// processes.
	DefaultMaxInternalEvents = 10000
	// DefaultMaxInternalQueue bounds a session's internal queue.
	DefaultMaxInternalQueue = 10000
	// DefaultMaxExternalQueue bounds a session's external queue.
	DefaultMaxExternalQueue = 10000
	// DefaultMaxDelayedSends bounds the delayed sends a session has
	// pending.
	DefaultMaxDelayedSends = 1000
)

// The names of the limits, as Breach.Limit and hosts' counters give
// them.
const (
	LimitMicrosteps     = "microsteps"
	LimitInternalEvents = "internal_events"
	LimitInternalQueue  = "internal_queue"
	LimitExternalQueue  = "external_queue"
	LimitDelayedSends   = "delayed_sends"
	// LimitScriptTime and LimitMemory are measured by hosts (see
	// ecmascript.Watchdog).
	LimitScriptTime = "script_time"
	LimitMemory     = "memory"
)

// ErrLimit is wrapped by the errors reported for limit breaches: a
// Breach, and the errors of data models that stop a script for a host
// (a script time budget).
var ErrLimit = errors.New("limit exceeded")

// Breach is the error of a breach of one of a session's limits. It wraps
// ErrLimit.
type Breach struct {
	// Limit names the limit (LimitMicrosteps, ...; hosts add their own,
	// such as script time and memory).
	Limit string
	// Max is the limit's value.
	Max int64
	// Detail says what was exceeded: "more than 10 microsteps in one
	// macrostep".
	Detail string
}

// Error returns "limit exceeded: " and the detail.
func (e *Breach) Error() string { return ErrLimit.Error() + ": " + e.Detail }

// Unwrap returns ErrLimit.
func (e *Breach) Unwrap() error { return ErrLimit }

// String returns "terminate" or "error".
func (a LimitAction) String() string {
	if a == LimitError {
		return "error"
	}
	return "terminate"
}

// ParseLimitAction parses "error" or "terminate".
func ParseLimitAction(s string) (LimitAction, error) {
	switch s {
	case "error":
		return LimitError, nil
	case "terminate":
		return LimitTerminate, nil
	}
	return 0, fmt.Errorf("want error or terminate, not %q", s)
}

// ErrQueueFull is wrapped by the error Engine.Send returns for a session
// whose external queue is full.
var ErrQueueFull = errors.New("external queue full")

// limits are an engine's limits with the defaults applied; a negative
// value in Options means no limit.
type limits struct {
	microsteps, internalEvents, internalQueue, externalQueue, delayedSends int
}

func limitOf(v, def int) int {
	switch {
	case v == 0:
		return def
	case v < 0:
		return int(^uint(0) >> 1)
	}
	return v
}

func newLimits(o *Options) limits {
	return limits{
		microsteps:     limitOf(o.MaxMicrosteps, DefaultMaxMicrosteps),
		internalEvents: limitOf(o.MaxInternalEvents, DefaultMaxInternalEvents),
		internalQueue:  limitOf(o.MaxInternalQueue, DefaultMaxInternalQueue),
		externalQueue:  limitOf(o.MaxExternalQueue, DefaultMaxExternalQueue),
		delayedSends:   limitOf(o.MaxDelayedSends, DefaultMaxDelayedSends),
	}
}

// breach handles a limit breach in the session's own execution: it
// reports err and, by Options.Limit, terminates the session at the next
// microstep boundary or raises error.execution. runaway says the breach
// is a loop that does not end by itself; its internal queue is discarded
// so that error.execution is what comes next.
func (s *Session) breach(err error, runaway bool) {
	s.report(err)
	if s.limitErr != nil {
		return
	}
	if s.e.opts.Limit == LimitTerminate || s.breaches > 0 || s.breachedLast {
		s.limitErr = err
		return
	}
	s.breaches++
	if runaway {
		s.internal.reset()
		s.microsteps, s.internalEvents = 0, 0
	}
	s.internal.push(&Event{Name: "error.execution", Type: Platform, Data: errorData(err)})
}

// pushInternal places ev on the internal queue within its limit.
func (s *Session) pushInternal(ev *Event) {
	if s.limitErr != nil {
		return
	}
	if max := s.e.lim.internalQueue; s.internal.len() >= max {
		s.breach(&Breach{Limit: LimitInternalQueue, Max: int64(max),
			Detail: fmt.Sprintf("more than %d events on the internal queue", max)}, true)
		return
	}
	s.internal.push(ev)
}

// countMicrostep counts a microstep against its limit.
func (s *Session) countMicrostep() {
	s.microsteps++
	if max := s.e.lim.microsteps; s.microsteps > max {
		s.breach(&Breach{Limit: LimitMicrosteps, Max: int64(max),
			Detail: fmt.Sprintf("more than %d microsteps in one macrostep", max)}, true)
	}
}

// countInternalEvent counts an internal event taken off the queue against
// its limit.
func (s *Session) countInternalEvent() {
	s.internalEvents++
	if max := s.e.lim.internalEvents; s.internalEvents > max {
		s.breach(&Breach{Limit: LimitInternalEvents, Max: int64(max),
			Detail: fmt.Sprintf("more than %d internal events in one macrostep (a transition whose condition fails with an error raises error.execution each time it is checked)", max)}, true)
	}
}

// Abort ends the session with err at its next microstep boundary, or at
// the end of the macrostep in progress; a session waiting for an event
// ends when it next runs. Hosts call it, from any goroutine, for a breach
// they measure themselves (memory); err should wrap ErrLimit.
func (s *Session) Abort(err error) {
	if err != nil {
		s.abort.CompareAndSwap(nil, &err)
	}
}

// aborted returns the error Abort gave, or nil.
func (s *Session) aborted() error {
	if p := s.abort.Load(); p != nil {
		return *p
	}
	return nil
}

// abortBox holds the error of Abort.
type abortBox = atomic.Pointer[error]
