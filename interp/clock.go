package interp

import "time"

// Clock is where an engine reads the time. Delayed sends are due at
// Now()+delay; the host decides how to wait for the next one (see
// Engine.NextDue), so a virtual clock makes delays cost nothing.
type Clock interface {
	Now() time.Time
}

// RealClock reads the system clock.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// VirtualClock is a clock that moves only when told to. The zero value
// starts at the zero time.
type VirtualClock struct {
	t time.Time
}

// NewVirtualClock returns a virtual clock set to t.
func NewVirtualClock(t time.Time) *VirtualClock { return &VirtualClock{t: t} }

// Now returns the clock's time.
func (c *VirtualClock) Now() time.Time { return c.t }

// Set moves the clock to t; a t before the current time is ignored.
func (c *VirtualClock) Set(t time.Time) {
	if t.After(c.t) {
		c.t = t
	}
}

// Advance moves the clock forward by d.
func (c *VirtualClock) Advance(d time.Duration) {
	if d > 0 {
		c.t = c.t.Add(d)
	}
}
