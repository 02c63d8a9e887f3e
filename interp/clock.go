package interp

import (
	"container/heap"
	"sync"
	"time"
)

// Clock is the time sessions run on: an engine reads Now to stamp delayed
// sends (due at Now()+delay), and hosts wait for the next due time with
// AfterFunc. Every part of Orca that waits reads one Clock: the
// interpreter, the hosts, the server and the telephony simulator, so a
// test or a demo runs them all on the same time.
//
// There are three: RealClock, ScaledClock (the wall clock sped up) and
// VirtualClock (time moves only when told to, so delays cost nothing).
type Clock interface {
	// Now returns the current time.
	Now() time.Time
	// AfterFunc calls f once d of clock time has passed: on a goroutine
	// of its own for the real and scaled clocks, from Set or Advance for
	// a VirtualClock.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc call.
type Timer interface {
	// Stop cancels the call and reports whether it was still pending.
	Stop() bool
}

// RealClock reads the system clock.
type RealClock struct{}

// Now returns time.Now().
func (RealClock) Now() time.Time { return time.Now() }

// AfterFunc is time.AfterFunc.
func (RealClock) AfterFunc(d time.Duration, f func()) Timer { return time.AfterFunc(d, f) }

// ScaledClock is the wall clock sped up by a factor: Now advances Speed
// seconds per real second from the moment the clock was made, and a delay
// d takes d/Speed of real time. A factor of 1 is the real clock.
type ScaledClock struct {
	speed float64
	base  time.Time
}

// NewScaledClock returns a clock that runs speed times faster than real
// time (speed <= 0 means 1).
func NewScaledClock(speed float64) *ScaledClock {
	if speed <= 0 {
		speed = 1
	}
	return &ScaledClock{speed: speed, base: time.Now()}
}

// NewScaledClockFrom returns a clock that runs speed times faster than
// real time from the wall-clock instant origin, at which it read origin:
// processes given the same origin and speed read the same time, so that
// scaled time goes on across a restart.
func NewScaledClockFrom(speed float64, origin time.Time) *ScaledClock {
	c := NewScaledClock(speed)
	if !origin.IsZero() {
		c.base = origin
	}
	return c
}

// Speed returns the clock's factor.
func (c *ScaledClock) Speed() float64 { return c.speed }

// Now returns the scaled time.
func (c *ScaledClock) Now() time.Time {
	if c.speed == 1 {
		return time.Now()
	}
	return c.base.Add(time.Duration(float64(time.Since(c.base)) * c.speed))
}

// AfterFunc calls f after d/Speed of real time.
func (c *ScaledClock) AfterFunc(d time.Duration, f func()) Timer {
	return time.AfterFunc(c.Wall(d), f)
}

// Wall converts a span of clock time to the wall time it takes.
func (c *ScaledClock) Wall(d time.Duration) time.Duration {
	if c.speed == 1 {
		return d
	}
	return time.Duration(float64(d) / c.speed)
}

// VirtualClock is a clock that moves only when told to: Set and Advance
// move it, running the AfterFunc calls that fall due on the way, in due
// order, on the caller's goroutine, each with the clock at its due time.
// Its methods are safe for concurrent use. The zero value starts at the
// zero time.
type VirtualClock struct {
	mu     sync.Mutex
	now    time.Time
	seq    uint64
	timers vtimers
}

// NewVirtualClock returns a virtual clock set to t.
func NewVirtualClock(t time.Time) *VirtualClock { return &VirtualClock{now: t} }

// Now returns the clock's time.
func (c *VirtualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// Set moves the clock to t, running the calls due until then; a t before
// the current time is ignored.
func (c *VirtualClock) Set(t time.Time) {
	for {
		c.mu.Lock()
		if len(c.timers) == 0 || c.timers[0].due.After(t) {
			if t.After(c.now) {
				c.now = t
			}
			c.mu.Unlock()
			return
		}
		vt := heap.Pop(&c.timers).(*vtimer)
		vt.done = true
		if vt.due.After(c.now) {
			c.now = vt.due
		}
		c.mu.Unlock()
		vt.f()
	}
}

// Advance moves the clock forward by d, running the calls due on the way.
func (c *VirtualClock) Advance(d time.Duration) {
	if d < 0 {
		d = 0
	}
	c.Set(c.Now().Add(d))
}

// AfterFunc schedules f at Now()+d.
func (c *VirtualClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &vtimer{c: c, due: c.now.Add(max(d, 0)), seq: c.seq, f: f}
	heap.Push(&c.timers, t)
	return t
}

// Pending returns how many calls wait to fall due.
func (c *VirtualClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}

// NextDue returns when the earliest pending call falls due.
func (c *VirtualClock) NextDue() (time.Time, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.timers) == 0 {
		return time.Time{}, false
	}
	return c.timers[0].due, true
}

type vtimer struct {
	c     *VirtualClock
	due   time.Time
	seq   uint64
	f     func()
	index int
	done  bool
}

// Stop cancels the call.
func (t *vtimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if t.done {
		return false
	}
	t.done = true
	heap.Remove(&t.c.timers, t.index)
	return true
}

type vtimers []*vtimer

func (h vtimers) Len() int { return len(h) }
func (h vtimers) Less(i, j int) bool {
	if h[i].due.Equal(h[j].due) {
		return h[i].seq < h[j].seq
	}
	return h[i].due.Before(h[j].due)
}
func (h vtimers) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].index, h[j].index = i, j
}
func (h *vtimers) Push(x any) {
	t := x.(*vtimer)
	t.index = len(*h)
	*h = append(*h, t)
}
func (h *vtimers) Pop() any {
	old := *h
	t := old[len(old)-1]
	old[len(old)-1] = nil
	*h = old[:len(old)-1]
	return t
}
