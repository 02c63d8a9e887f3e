package reporting

import (
	"fmt"
	"strconv"
)

// Moment names a point in time a derived duration is measured from or to.
type Moment struct {
	// Key is a timestamp KVP (the moment is its value) or, with Value, a
	// KVP whose setting marks the moment.
	Key string
	// Value, when not empty, makes the moment the time Key was last set,
	// provided its value is now Value (for example _CB_N_AGENT_ADDED_TO_IXN
	// set to 1).
	Value string
	// Attempt makes the moment the start of the attempt (dial or push
	// notification) in progress, or last made, when Key was set.
	Attempt bool
}

// String returns "KEY", "KEY=VALUE set" or "start of the attempt of KEY".
func (m Moment) String() string {
	switch {
	case m.Attempt:
		return "start of the attempt of " + m.Key
	case m.Value == "":
		return m.Key
	}
	return m.Key + "=" + m.Value + " set"
}

// Derivation says how a duration is computed from two moments: To minus
// From, in seconds, clamped to 0 when negative. From is the first moment
// of its list that is known; To the earliest known moment of its list.
// When either is unknown the KVP keeps the value a callback request
// parameter gave it, if any, and is otherwise left out, unless ZeroUnless
// names a flag that is 0: then the duration is 0 (no offer, no offer
// time).
//
// AbsentIf lists flags whose value makes the duration meaningless: when
// one of them holds (for example _CB_N_CALLBACK_ACCEPTED=0: an in-queue
// offer that was declined or abandoned, so nobody waited for a callback)
// the KVP is left out.
type Derivation struct {
	From       []Moment
	To         []Moment
	ZeroUnless string
	AbsentIf   []Moment
}

// String describes the derivation as the documentation does.
func (d *Derivation) String() string {
	s := "from " + momentList(d.From, "first known of") + " to " + momentList(d.To, "earliest of")
	if d.ZeroUnless != "" {
		s += "; 0 when " + d.ZeroUnless + " is 0"
	}
	for _, m := range d.AbsentIf {
		s += "; absent when " + m.Key + " is " + m.Value
	}
	return s
}

func momentList(ms []Moment, many string) string {
	if len(ms) == 1 {
		return ms[0].String()
	}
	s := many + " "
	for i, m := range ms {
		if i > 0 {
			s += ", "
		}
		s += m.String()
	}
	return s
}

// moments is what a derivation reads: the collected values and when each
// key was last set.
type moments interface {
	value(key string) (val, bool)
	setAt(key string) (int64, bool)
	attemptStart(key string) (int64, bool)
}

// when returns the UTC second of m, if known.
func (m Moment) when(src moments) (int64, bool) {
	if m.Attempt {
		if _, ok := src.value(m.Key); !ok {
			return 0, false
		}
		return src.attemptStart(m.Key)
	}
	if m.Value == "" {
		v, ok := src.value(m.Key)
		if !ok {
			return 0, false
		}
		n, ok := v.integer()
		return int64(n), ok
	}
	v, ok := src.value(m.Key)
	if !ok || v.String() != m.Value {
		return 0, false
	}
	return src.setAt(m.Key)
}

// derive computes the duration; ok is false when it cannot be computed,
// and clamped reports a negative difference set to 0.
func (d *Derivation) derive(src moments) (secs int, ok bool, clamped error) {
	for _, m := range d.AbsentIf {
		if v, known := src.value(m.Key); known && v.String() == m.Value {
			return 0, false, nil
		}
	}
	var from, to int64
	haveFrom, haveTo := false, false
	for _, m := range d.From {
		if t, known := m.when(src); known {
			from, haveFrom = t, true
			break
		}
	}
	for _, m := range d.To {
		if t, known := m.when(src); known && (!haveTo || t < to) {
			to, haveTo = t, true
		}
	}
	if haveFrom && haveTo {
		if to < from {
			return 0, true, fmt.Errorf("negative duration %ds (%s) clamped to 0", to-from, d)
		}
		return int(to - from), true, nil
	}
	if d.ZeroUnless != "" {
		if v, known := src.value(d.ZeroUnless); known && v.String() == "0" {
			return 0, true, nil
		}
	}
	return 0, false, nil
}

// valueString returns a sent value (int or string) as a string.
func valueString(v any) string {
	switch x := v.(type) {
	case int:
		return strconv.Itoa(x)
	case string:
		return x
	}
	return fmt.Sprint(v)
}
