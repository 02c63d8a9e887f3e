package host

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orca-scxml/orca/ecmascript"
	"github.com/orca-scxml/orca/interp"
)

// Limits bound what one session may do. A zero field takes its default
// (DefaultLimits), a negative one means no limit. The host enforces them
// in every command: the interpreter counts microsteps, internal events,
// queue lengths and delayed sends; a watchdog times scripts and watches
// the heap; the host walks the data model now and then (see docs/engine.md).
type Limits struct {
	// ScriptTime bounds the time the scripts of one macrostep may run.
	ScriptTime time.Duration `yaml:"script_time"`
	// Memory bounds the memory of one session: the heap growth during
	// one macrostep, and the size of its data model.
	Memory ByteSize `yaml:"memory"`
	// Microsteps bounds the microsteps of one macrostep.
	Microsteps int `yaml:"microsteps"`
	// InternalEvents bounds the internal events one macrostep processes
	// (a transition whose condition fails with an error raises
	// error.execution each time it is checked).
	InternalEvents int `yaml:"internal_events"`
	// InternalQueue and ExternalQueue bound a session's queues.
	InternalQueue int `yaml:"internal_queue"`
	ExternalQueue int `yaml:"external_queue"`
	// DelayedSends bounds the delayed sends a session has pending.
	DelayedSends int `yaml:"delayed_sends"`
	// OnBreach is what a breach does: "error" raises error.execution in
	// the session (a second breach before it completes a clean
	// macrostep ends it), "terminate" ends it. A memory breach always
	// ends the session. "" means "error".
	OnBreach string `yaml:"on_breach"`
}

// DefaultLimits are the limits a zero Limits field takes.
func DefaultLimits() Limits {
	return Limits{
		ScriptTime:     2 * time.Second,
		Memory:         64 << 20,
		Microsteps:     interp.DefaultMaxMicrosteps,
		InternalEvents: interp.DefaultMaxInternalEvents,
		InternalQueue:  interp.DefaultMaxInternalQueue,
		ExternalQueue:  interp.DefaultMaxExternalQueue,
		DelayedSends:   interp.DefaultMaxDelayedSends,
		OnBreach:       "error",
	}
}

// WithDefaults returns l with every zero field set to its default.
func (l Limits) WithDefaults() Limits {
	d := DefaultLimits()
	if l.ScriptTime == 0 {
		l.ScriptTime = d.ScriptTime
	}
	if l.Memory == 0 {
		l.Memory = d.Memory
	}
	for _, f := range []struct{ v, def *int }{
		{&l.Microsteps, &d.Microsteps}, {&l.InternalEvents, &d.InternalEvents},
		{&l.InternalQueue, &d.InternalQueue}, {&l.ExternalQueue, &d.ExternalQueue},
		{&l.DelayedSends, &d.DelayedSends},
	} {
		if *f.v == 0 {
			*f.v = *f.def
		}
	}
	if l.OnBreach == "" {
		l.OnBreach = d.OnBreach
	}
	return l
}

// Validate checks the values that cannot be right.
func (l Limits) Validate() error {
	if _, err := interp.ParseLimitAction(l.WithDefaults().OnBreach); err != nil {
		return fmt.Errorf("limits.on_breach: %w", err)
	}
	return nil
}

// engine sets the interpreter's share of l (with defaults) in o.
func (l Limits) engine(o *interp.Options) {
	o.MaxMicrosteps = l.Microsteps
	o.MaxInternalEvents = l.InternalEvents
	o.MaxInternalQueue = l.InternalQueue
	o.MaxExternalQueue = l.ExternalQueue
	o.MaxDelayedSends = l.DelayedSends
	o.Limit, _ = interp.ParseLimitAction(l.OnBreach)
}

// watchdog returns the watchdog's share of l (with defaults): zero for a
// limit that is off.
func (l Limits) watchdog() (budget time.Duration, memory int64) {
	return max(l.ScriptTime, 0), max(int64(l.Memory), 0)
}

// sizeEvery is how many macrosteps a busy session runs between two walks
// of its data model.
const sizeEvery = 1024

// sizeDue says whether a session's data model is measured after its nth
// macrostep: after macrosteps 64, 128, ... 1024, then every 1024th, so that
// a session that grows a little with every event is caught while the walks
// cost little (tens of microseconds every 1024 macrosteps for a callback),
// and the sessions of a few dozen macrosteps most strategies make are
// never walked. Sessions are also measured when the process's live heap
// grows (see walkDue), which is what finds a session growing fast.
func sizeDue(n uint64) bool {
	if n < 64 {
		return false
	}
	if n <= sizeEvery {
		return n&(n-1) == 0
	}
	return n%sizeEvery == 0
}

// growth follows the live heap for walkDue, on the watchdog's goroutine.
type growth struct {
	base  uint64 // the live heap with no session
	per   int64  // the live heap per session, as last measured
	mark  uint64 // the live heap at the last measurement
	marks int64  // the sessions then
	seen  bool
	prevN int64 // the sessions at the previous tick
}

// liveHeap is the watchdog's OnLiveHeap: it starts a new growth epoch when
// the live heap has grown by the memory limit beyond what the sessions
// started since it was last measured explain, so that a server taking on
// sessions does not make every session walk its data model, while one
// session growing does. Only a collection during which the number of
// sessions held still is measured (the live heap lags behind sessions
// started since the last collection).
func (h *Host) liveHeap(live uint64, fresh bool) {
	g := &h.growth
	n := int64(h.Len())
	prev := g.prevN
	g.prevN = n
	if !fresh {
		return
	}
	if n == 0 {
		g.base = live
	}
	if d := n - prev; d > n/100+1 || -d > n/100+1 {
		return // sessions came or went while it was measured
	}
	if g.seen && g.marks > 0 {
		// (With no session at the mark, the size of one is unknown:
		// measure again.)
		expected := int64(g.mark) + (n-g.marks)*g.per
		switch {
		case int64(live)-expected > int64(h.lim.Memory):
			h.epoch.Add(1)
		case int64(live) >= expected:
			return // growth so far is measured from the mark
		}
	}
	g.mark, g.marks, g.seen = live, n, true
	if n > 0 && live > g.base {
		g.per = int64(live-g.base) / n
	}
}

// walkedKey is the session local holding the growth epoch (Host.epoch) in
// which the session's data model was last measured.
const walkedKey = "host.walked"

// walkDue says whether s is measured after this macrostep because the
// process's live heap has grown by the memory limit since it was last
// measured: the session growing it is among those that run. Sessions in
// their first macrosteps are left alone.
func (h *Host) walkDue(s *interp.Session) bool {
	e := h.epoch.Load()
	if e == 0 || s.Macrosteps() < 8 {
		return false
	}
	if w, _ := s.Local(walkedKey).(uint64); w == e {
		return false
	}
	s.SetLocal(walkedKey, e)
	return true
}

// checkSize measures the data model of s after a macrostep and ends the
// session when it holds more than limit bytes.
func (h *Host) checkSize(s *interp.Session, limit int64) {
	dm := s.Datamodel()
	for {
		u, ok := dm.(ecmascript.Unwrapper)
		if !ok {
			break
		}
		dm = u.Unwrap()
	}
	m, ok := dm.(*ecmascript.Model)
	if !ok {
		return
	}
	n, err := m.Size(limit)
	if err != nil || n <= limit {
		return
	}
	b := &interp.Breach{Limit: interp.LimitMemory, Max: limit,
		Detail: fmt.Sprintf("the session's data holds more than %s (at least %s)",
			ecmascript.FormatBytes(limit), ecmascript.FormatBytes(n))}
	s.Abort(b)
	h.breach(s.ID(), b)
}

// ByteSize is a number of bytes, written in YAML and on command lines as
// a number with an optional unit: 1048576, 512KiB, 256MiB, 1GiB (KB, MB
// and GB are read as the binary units too).
type ByteSize int64

// String formats the size with the largest binary unit that divides it.
func (b ByteSize) String() string {
	n := int64(b)
	for _, u := range []struct {
		s string
		v int64
	}{{"GiB", 1 << 30}, {"MiB", 1 << 20}, {"KiB", 1 << 10}} {
		if n != 0 && n%u.v == 0 {
			return strconv.FormatInt(n/u.v, 10) + u.s
		}
	}
	return strconv.FormatInt(n, 10)
}

// Set parses s; it makes ByteSize a flag.Value.
func (b *ByteSize) Set(s string) error {
	v, err := ParseByteSize(s)
	if err != nil {
		return err
	}
	*b = v
	return nil
}

// UnmarshalText parses the YAML form.
func (b *ByteSize) UnmarshalText(text []byte) error { return b.Set(string(text)) }

// MarshalText formats the YAML form.
func (b ByteSize) MarshalText() ([]byte, error) { return []byte(b.String()), nil }

// ParseByteSize parses a size such as 256MiB.
func ParseByteSize(s string) (ByteSize, error) {
	t := strings.TrimSpace(s)
	mult := int64(1)
	for _, u := range []struct {
		s string
		v int64
	}{{"KiB", 1 << 10}, {"MiB", 1 << 20}, {"GiB", 1 << 30}, {"KB", 1 << 10}, {"MB", 1 << 20}, {"GB", 1 << 30}, {"B", 1}} {
		if num, ok := strings.CutSuffix(t, u.s); ok {
			t, mult = strings.TrimSpace(num), u.v
			break
		}
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil {
		return 0, fmt.Errorf("size %q: want a number of bytes with an optional unit (KiB, MiB, GiB)", s)
	}
	if n > 0 && n > (1<<62)/mult {
		return 0, errors.New("size " + strconv.Quote(s) + ": too large")
	}
	return ByteSize(n * mult), nil
}
