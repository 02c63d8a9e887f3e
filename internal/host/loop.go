package host

import (
	"errors"
	"fmt"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
)

// maxRounds bounds the rounds of one Settle: a host whose sessions keep
// producing work at the same instant never settles.
const maxRounds = 100000

// ErrNeverSettles is returned by Settle when work at the current instant
// does not run out.
var ErrNeverSettles = errors.New("the engine never settles")

// Loop runs sessions on virtual time on the caller's goroutine: an engine,
// an in-memory telephony port on the same clock, and the inbox through
// which the port's and the function modules' events reach the engine.
// Tests of strategies use it to run them deterministically.
type Loop struct {
	Clock  *interp.VirtualClock
	Engine *interp.Engine
	Port   *telephony.Memory
	Inbox  *interp.Inbox
	// Busy reports work in flight outside the loop whose results arrive
	// through Inbox (HTTP fetches of the function modules); nil means
	// there is none.
	Busy func() int
	// Wait bounds how long Settle waits for that work; 10 s when zero.
	Wait time.Duration
}

// Settle runs until nothing is left to do at the current time: engine
// work, port events falling due, inbox deliveries, and the work Busy
// reports.
func (l *Loop) Settle() error {
	wait := l.Wait
	if wait <= 0 {
		wait = 10 * time.Second
	}
	deadline := time.Now().Add(wait)
	for round := 0; ; round++ {
		if round > maxRounds {
			return ErrNeverSettles
		}
		l.Port.SetTime(l.Clock.Now())
		l.Engine.Run()
		n := l.Port.Flush()
		n += l.Inbox.Deliver(l.Engine, nil)
		if n > 0 || !l.Engine.Idle() {
			continue
		}
		if l.Busy == nil || l.Busy() == 0 {
			return nil
		}
		select {
		case <-l.Inbox.Ready():
		case <-time.After(time.Until(deadline)):
			return fmt.Errorf("work in flight did not finish within %v", wait)
		}
	}
}

// Advance moves the clock forward by d, settling at every engine timer and
// port event on the way.
func (l *Loop) Advance(d time.Duration) error {
	end := l.Clock.Now().Add(d)
	for {
		if err := l.Settle(); err != nil {
			return err
		}
		next := end
		if t, ok := l.Engine.NextDue(); ok && t.Before(next) {
			next = t
		}
		if t, ok := l.Port.NextDue(); ok && t.Before(next) {
			next = t
		}
		l.Clock.Set(next)
		if !next.Before(end) {
			return l.Settle()
		}
	}
}
