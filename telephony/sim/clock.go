package sim

import (
	"time"

	"github.com/orca-scxml/orca/interp"
)

// Clock is the time the simulator's delays run on: ring times, handle
// times, treatments, timeouts. It is the clock every part of Orca reads
// (interp.Clock), so a simulator and a server run on the same time.
// ScaledClock runs on the wall clock, faster by a factor; ManualClock
// moves only when a test advances it.
type Clock = interp.Clock

// Timer is a pending AfterFunc call.
type Timer = interp.Timer

// ScaledClock is the wall clock sped up by a factor (interp.ScaledClock).
type ScaledClock = interp.ScaledClock

// NewScaledClock returns a clock that runs speed times faster than real
// time (speed <= 0 means 1).
func NewScaledClock(speed float64) *ScaledClock { return interp.NewScaledClock(speed) }

// ManualClock is a virtual clock (interp.VirtualClock): time stands still
// until Advance moves it, and Advance runs the calls that fall due, in
// order, on the caller's goroutine.
type ManualClock = interp.VirtualClock

// NewManualClock returns a virtual clock set to start.
func NewManualClock(start time.Time) *ManualClock { return interp.NewVirtualClock(start) }
