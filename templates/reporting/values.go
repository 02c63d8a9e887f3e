package reporting

import (
	"cmp"
	"slices"
	"strconv"

	"github.com/orca-scxml/orca/internal/box"
)

// val is a collected value as its entry's kind says it is sent: an int
// (timestamps, durations, counts, flags, numeric ids) or a string (the
// other kinds).
type val struct {
	s    string
	n    int
	text bool
}

func intVal(n int) val    { return val{n: n} }
func strVal(s string) val { return val{s: s, text: true} }

// toVal converts a checked value (an int or a string); ok is false for
// anything else.
func toVal(v any) (val, bool) {
	switch x := v.(type) {
	case int:
		return intVal(x), true
	case string:
		return strVal(x), true
	case float64:
		// A whole number read back from an older snapshot's plain form.
		if x == float64(int(x)) {
			return intVal(int(x)), true
		}
	}
	return val{}, false
}

// any returns the value as it is sent: an int or a string.
func (v val) any() any {
	if v.text {
		return v.s
	}
	return v.n
}

// box returns the value as any does, boxed from b.
func (v val) box(b *box.Slab) any {
	if v.text {
		return b.String(v.s)
	}
	return b.Int(v.n)
}

// String returns the value as a string (valueString's form).
func (v val) String() string {
	if v.text {
		return v.s
	}
	return strconv.Itoa(v.n)
}

// integer returns the value if it is an int.
func (v val) integer() (int, bool) { return v.n, !v.text }

// kv is the value a collector holds for one catalogue entry.
type kv struct {
	s string
	n int
	// at is when the value was set (UTC seconds), if stamped: derived
	// values and _CB_FINAL_RECORD are not.
	at      int64
	e       uint16
	text    bool
	stamped bool
}

func (x *kv) val() val { return val{s: x.s, n: x.n, text: x.text} }

// mark is when the attempt in progress (or last) started as entry e was
// set.
type mark struct {
	at int64
	e  uint16
}

// attachment is a value call ixn already carries for entry e.
type attachment struct {
	ixn string
	v   val
	e   uint16
}

// slot returns the position of entry i in c.vals and whether it is set.
func (c *collector) slot(i int) (int, bool) {
	return slices.BinarySearchFunc(c.vals, uint16(i), func(x kv, e uint16) int { return cmp.Compare(x.e, e) })
}

// index returns the catalogue index of key (or alias).
func (c *collector) index(key string) (int, bool) {
	i, ok := c.cat.byKey[key]
	return i, ok
}

// get returns the value of entry i.
func (c *collector) get(i int) (val, bool) {
	if p, ok := c.slot(i); ok {
		return c.vals[p].val(), true
	}
	return val{}, false
}

// lookup returns the value of key.
func (c *collector) lookup(key string) (val, bool) {
	if i, ok := c.index(key); ok {
		return c.get(i)
	}
	return val{}, false
}

// has reports whether key has a value.
func (c *collector) has(key string) bool {
	_, ok := c.lookup(key)
	return ok
}

// setVal sets entry i to v; at, when stamped, is when.
func (c *collector) setVal(i int, v val, at int64, stamped bool) {
	x := kv{s: v.s, n: v.n, text: v.text, at: at, e: uint16(i), stamped: stamped}
	p, ok := c.slot(i)
	if ok {
		if !stamped {
			// A value set without a stamp keeps when it was last stamped.
			x.at, x.stamped = c.vals[p].at, c.vals[p].stamped
		}
		c.vals[p] = x
		return
	}
	c.vals = slices.Insert(c.vals, p, x)
}

// unset removes the value of key.
func (c *collector) unset(key string) {
	if i, ok := c.index(key); ok {
		if p, ok := c.slot(i); ok {
			c.vals = slices.Delete(c.vals, p, p+1)
		}
	}
}

// fromParam reports whether a callback request parameter gave entry i.
func (c *collector) fromParam(i int) bool { return slices.Contains(c.params, uint16(i)) }

// markAttempt records that entry i was set during the attempt that
// started at.
func (c *collector) markAttempt(i int, at int64) {
	for j := range c.attemptOf {
		if c.attemptOf[j].e == uint16(i) {
			c.attemptOf[j].at = at
			return
		}
	}
	if c.attemptOf == nil {
		c.attemptOf = make([]mark, 0, 8)
	}
	c.attemptOf = append(c.attemptOf, mark{at: at, e: uint16(i)})
}

// value, setAt and attemptStart are what a derivation reads (moments).
func (c *collector) value(key string) (val, bool) { return c.lookup(key) }

func (c *collector) setAt(key string) (int64, bool) {
	if i, ok := c.index(key); ok {
		if p, ok := c.slot(i); ok && c.vals[p].stamped {
			return c.vals[p].at, true
		}
	}
	return 0, false
}

func (c *collector) attemptStart(key string) (int64, bool) {
	if i, ok := c.index(key); ok {
		for _, m := range c.attemptOf {
			if m.e == uint16(i) {
				return m.at, true
			}
		}
	}
	return 0, false
}

// attachedVal returns the value of entry i call ixn carries.
func (c *collector) attachedVal(ixn string, i int) (val, bool) {
	for _, a := range c.attached {
		if a.ixn == ixn && a.e == uint16(i) {
			return a.v, true
		}
	}
	return val{}, false
}

// noteAttachedVal records that call ixn carries v for entry i.
func (c *collector) noteAttachedVal(ixn string, i int, v val) {
	for j := range c.attached {
		if a := &c.attached[j]; a.ixn == ixn && a.e == uint16(i) {
			a.v = v
			return
		}
	}
	if c.attached == nil {
		// The call-attached KVPs of a call or two.
		c.attached = make([]attachment, 0, 8)
	}
	c.attached = append(c.attached, attachment{ixn: ixn, v: v, e: uint16(i)})
}

// compact drops the room growing c.vals left, when it is more than a
// quarter: the start UserEvent goes out once most values are known, and
// a callback often waits hours after it for the rest.
func (c *collector) compact() {
	if n := len(c.vals) + 1; cap(c.vals)-n > n/4 {
		// One slot for _CB_FINAL_RECORD, set next.
		c.vals = append(make([]kv, 0, n), c.vals...)
	}
}
