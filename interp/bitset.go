package interp

import "math/bits"

// bitset is a set of state orders; iterating it in increasing order visits
// states in document order, in decreasing order in exit order.
type bitset []uint64

// A session's sets of states share one array, nsets sets of the same
// size in turn, which its methods of the sets' names slice.
const (
	setCfg = iota
	setToInvoke
	setExit
	setToEnter
	setDefEntry
	setA
	setB
	setDataDone
	nsets
)

// newSets returns the array of a session's sets for n states.
func newSets(n int) []uint64 { return make([]uint64, nsets*((n+63)/64)) }

// initSets gives s its sets and the scratch list of enabled transitions,
// in the session's own space when the chart has at most 64 states.
func (s *Session) initSets() {
	if s.chart.nstates <= 64 {
		s.bits = s.small.bits[:]
		s.enabled = s.small.enabled[:0]
		return
	}
	s.bits = newSets(s.chart.nstates)
}

// set returns the session's set k.
func (s *Session) set(k int) bitset {
	n := len(s.bits) / nsets
	return bitset(s.bits[k*n : (k+1)*n : (k+1)*n])
}

// toInvoke holds the states entered whose invokes are to start. (The
// configuration, set setCfg, is the session's field cfg.)
func (s *Session) toInvoke() bitset { return s.set(setToInvoke) }

// exitSet, toEnter, defEntry, setA and setB are scratch space of the
// microsteps.
func (s *Session) exitSet() bitset  { return s.set(setExit) }
func (s *Session) toEnter() bitset  { return s.set(setToEnter) }
func (s *Session) defEntry() bitset { return s.set(setDefEntry) }
func (s *Session) setA() bitset     { return s.set(setA) }
func (s *Session) setB() bitset     { return s.set(setB) }

// dataDone, for a late-binding document, holds the states whose data is
// initialised; it is nil otherwise.
func (s *Session) dataDone() bitset {
	if s.chart == nil || !s.chart.lateData {
		return nil
	}
	return s.set(setDataDone)
}

func (b bitset) has(i int) bool { return b[i>>6]&(1<<(uint(i)&63)) != 0 }
func (b bitset) add(i int)      { b[i>>6] |= 1 << (uint(i) & 63) }
func (b bitset) del(i int)      { b[i>>6] &^= 1 << (uint(i) & 63) }

func (b bitset) clear() {
	for i := range b {
		b[i] = 0
	}
}

// count returns the number of members.
func (b bitset) count() int {
	n := 0
	for _, w := range b {
		n += bits.OnesCount64(w)
	}
	return n
}

func (b bitset) empty() bool {
	for _, w := range b {
		if w != 0 {
			return false
		}
	}
	return true
}

func (b bitset) intersects(o bitset) bool {
	for i, w := range b {
		if w&o[i] != 0 {
			return true
		}
	}
	return false
}

// next returns the smallest member >= i, or -1.
func (b bitset) next(i int) int {
	w := i >> 6
	if w >= len(b) {
		return -1
	}
	word := b[w] >> (uint(i) & 63)
	if word != 0 {
		return i + bits.TrailingZeros64(word)
	}
	for w++; w < len(b); w++ {
		if b[w] != 0 {
			return w<<6 + bits.TrailingZeros64(b[w])
		}
	}
	return -1
}

// prev returns the largest member <= i, or -1.
func (b bitset) prev(i int) int {
	if i < 0 {
		return -1
	}
	w := i >> 6
	word := b[w] << (63 - uint(i)&63)
	if word != 0 {
		return i - bits.LeadingZeros64(word)
	}
	for w--; w >= 0; w-- {
		if b[w] != 0 {
			return w<<6 + 63 - bits.LeadingZeros64(b[w])
		}
	}
	return -1
}
