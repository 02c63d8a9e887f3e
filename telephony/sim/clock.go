package sim

import (
	"sort"
	"sync"
	"time"
)

// Clock is the time the simulator's delays run on: ring times, handle
// times, treatments, timeouts. ScaledClock runs on the wall clock, faster
// by a factor; ManualClock moves only when a test advances it.
type Clock interface {
	// Now returns the current simulated time.
	Now() time.Time
	// AfterFunc calls f once d of simulated time has passed, on a
	// goroutine of its own or from ManualClock.Advance.
	AfterFunc(d time.Duration, f func()) Timer
}

// Timer is a pending AfterFunc call.
type Timer interface {
	// Stop cancels the call and reports whether it was still pending.
	Stop() bool
}

// ScaledClock is the wall clock sped up by a factor: a delay d of
// simulated time takes d/Speed of real time, and Now advances Speed
// seconds per real second from the moment the clock was made.
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

// Speed returns the clock's factor.
func (c *ScaledClock) Speed() float64 { return c.speed }

// Now returns the simulated time.
func (c *ScaledClock) Now() time.Time {
	if c.speed == 1 {
		return time.Now()
	}
	return c.base.Add(time.Duration(float64(time.Since(c.base)) * c.speed))
}

// AfterFunc calls f after d/Speed of real time.
func (c *ScaledClock) AfterFunc(d time.Duration, f func()) Timer {
	return time.AfterFunc(time.Duration(float64(d)/c.speed), f)
}

// ManualClock is a virtual clock: time stands still until Advance moves
// it, and Advance runs the calls that fall due, in order, on the caller's
// goroutine. Tests use it to run minutes of simulated time in no wall
// time.
type ManualClock struct {
	mu     sync.Mutex
	now    time.Time
	seq    uint64
	timers []*manualTimer
}

type manualTimer struct {
	c    *ManualClock
	due  time.Time
	seq  uint64
	f    func()
	done bool
}

// NewManualClock returns a virtual clock set to start.
func NewManualClock(start time.Time) *ManualClock { return &ManualClock{now: start} }

// Now returns the virtual time.
func (c *ManualClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

// AfterFunc schedules f at Now()+d.
func (c *ManualClock) AfterFunc(d time.Duration, f func()) Timer {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.seq++
	t := &manualTimer{c: c, due: c.now.Add(max(d, 0)), seq: c.seq, f: f}
	i := sort.Search(len(c.timers), func(i int) bool {
		q := c.timers[i]
		return q.due.After(t.due) || (q.due.Equal(t.due) && q.seq > t.seq)
	})
	c.timers = append(c.timers, nil)
	copy(c.timers[i+1:], c.timers[i:])
	c.timers[i] = t
	return t
}

// Stop cancels the timer.
func (t *manualTimer) Stop() bool {
	t.c.mu.Lock()
	defer t.c.mu.Unlock()
	if t.done {
		return false
	}
	t.done = true
	for i, q := range t.c.timers {
		if q == t {
			t.c.timers = append(t.c.timers[:i], t.c.timers[i+1:]...)
			break
		}
	}
	return true
}

// Advance moves the clock d forward, running every call that falls due
// on the way at its due time (calls scheduled by those calls included).
func (c *ManualClock) Advance(d time.Duration) {
	c.mu.Lock()
	target := c.now.Add(d)
	c.mu.Unlock()
	for {
		c.mu.Lock()
		if len(c.timers) == 0 || c.timers[0].due.After(target) {
			c.now = target
			c.mu.Unlock()
			return
		}
		t := c.timers[0]
		c.timers = c.timers[1:]
		t.done = true
		c.now = t.due
		c.mu.Unlock()
		t.f()
	}
}

// Pending returns how many calls wait to fall due.
func (c *ManualClock) Pending() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.timers)
}
