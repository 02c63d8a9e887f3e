package server

import (
	"time"
)

// Clock is the time sessions run on: the wall clock sped up by Speed
// (1 for real time). The simulator's sim.ScaledClock is one, so a test or
// a demo can run the server and the simulator on the same time.
type Clock interface {
	Now() time.Time
	Speed() float64
}

// scaledClock is a Clock whose time runs scale times faster than the
// wall clock from the moment it was made.
type scaledClock struct {
	origin time.Time
	scale  float64
}

// newClock returns the real clock's time scaled by scale (1: real time).
func newClock(scale float64) *scaledClock {
	if scale <= 0 {
		scale = 1
	}
	return &scaledClock{origin: time.Now(), scale: scale}
}

// Now returns the scaled time.
func (c *scaledClock) Now() time.Time {
	if c.scale == 1 {
		return time.Now()
	}
	return c.origin.Add(time.Duration(float64(time.Since(c.origin)) * c.scale))
}

// Speed returns the factor.
func (c *scaledClock) Speed() float64 { return c.scale }

// wall converts a span of clock time to wall time.
func wall(c Clock, d time.Duration) time.Duration {
	if sp := c.Speed(); sp > 0 && sp != 1 {
		return time.Duration(float64(d) / sp)
	}
	return d
}
