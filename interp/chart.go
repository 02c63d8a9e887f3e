package interp

import (
	"fmt"
	"sync"

	"github.com/orca-scxml/orca/scxml"
)

// Chart is a document prepared for execution: its data model compiled once,
// and the tables the algorithm consults on every event. A Chart is immutable
// and safe to share between engines and goroutines; every session of the
// document starts from it.
type Chart struct {
	doc   *scxml.Document
	dm    DatamodelProgram
	comps map[string]DatamodelCompiler

	// last[o] is the largest document order in the subtree of the state
	// of order o, so a is a descendant of b iff b.Order < a.Order <= last[b.Order].
	last []int
	// domain[t] is the transition domain of transition order t when it
	// can be computed statically (no history targets); nil otherwise.
	domain []*scxml.State
	static []bool
	// byEvent[o] and eventless[o] list, for an atomic state of order o,
	// the transitions event selection considers, with events and
	// without: the state's own, then each ancestor's, in document order
	// (Appendix D selectTransitions, selectEventlessTransitions).
	//
	// byEvent's entries carry what name matching reads of the
	// transition (candidate), so that selection reads the list alone.
	byEvent   [][]candidate
	eventless [][]*scxml.Transition
	// atomic holds the atomic states (and finals), the only ones
	// with candidates.
	atomic bitset
	// anyEventless says whether the document has eventless transitions.
	anyEventless bool
	// entry[t], when not nil, is the entry set of transition order t
	// taken alone (computeEntrySet), in document order, when it does not
	// depend on the configuration (no history state on the way).
	entry [][]entered
	// exit[t], when not nil, is the exit set of transition order t taken
	// alone (computeExitSet), in exit order, when it does not depend on
	// the configuration (see staticExit).
	exit [][]int32
	// histories[o] lists the history children of state o.
	histories  [][]*scxml.State
	hasHistory bool
	hasInvoke  bool
	lateData   bool
	nstates    int

	mu       sync.Mutex
	children map[*scxml.Document]*Chart
}

// Compile prepares doc for execution with the data model its datamodel
// attribute names, taken from comps ("" names the default data model; the
// value "null" falls back to the built-in null data model).
func Compile(doc *scxml.Document, comps map[string]DatamodelCompiler) (*Chart, error) {
	c := &Chart{doc: doc, comps: comps, nstates: len(doc.States)}
	comp := comps[doc.Datamodel]
	if comp == nil && doc.Datamodel == "null" {
		comp = CompileNull
	}
	if comp == nil && doc.Datamodel == "" {
		comp = comps["ecmascript"]
	}
	if comp == nil {
		return nil, fmt.Errorf("%s: data model %q is not supported", doc.Root.Pos, doc.Datamodel)
	}
	dm, err := comp(doc)
	if err != nil {
		return nil, fmt.Errorf("compiling %s: %w", doc.File, err)
	}
	c.dm = dm
	c.last = make([]int, len(doc.States))
	c.histories = make([][]*scxml.State, len(doc.States))
	for i := len(doc.States) - 1; i >= 0; i-- {
		s := doc.States[i]
		if s.Order != i {
			return nil, fmt.Errorf("%s: state %q has order %d, want %d", s.Pos, s.ID, s.Order, i)
		}
		c.last[i] = i
		for _, ch := range s.Children {
			if c.last[ch.Order] > c.last[i] {
				c.last[i] = c.last[ch.Order]
			}
			if ch.Kind == scxml.History {
				c.histories[i] = append(c.histories[i], ch)
				c.hasHistory = true
			}
		}
		if len(s.Invokes) > 0 {
			c.hasInvoke = true
		}
		if s.Kind != scxml.Root && len(s.Data) > 0 {
			c.lateData = true
		}
	}
	var ts []*scxml.Transition
	for _, s := range doc.States {
		if s.Initial != nil {
			ts = append(ts, s.Initial)
		}
		ts = append(ts, s.Transitions...)
	}
	n := 0
	for _, t := range ts {
		if t.Order+1 > n {
			n = t.Order + 1
		}
	}
	c.domain = make([]*scxml.State, n)
	c.static = make([]bool, n)
	for _, t := range ts {
		if len(t.Targets) == 0 {
			continue
		}
		static := true
		for _, tg := range t.Targets {
			if tg.Kind == scxml.History {
				static = false
			}
		}
		if !static {
			continue
		}
		d := c.domainOf(t, t.Targets)
		c.domain[t.Order] = d
		c.static[t.Order] = true
	}
	c.entry = make([][]entered, n)
	for _, t := range ts {
		switch {
		case len(t.Targets) == 0:
			c.entry[t.Order] = []entered{}
		case c.static[t.Order]:
			c.entry[t.Order] = c.staticEntry(t)
		}
	}
	c.exit = make([][]int32, n)
	for _, t := range ts {
		c.exit[t.Order] = c.staticExit(t)
	}
	c.byEvent = make([][]candidate, len(doc.States))
	c.eventless = make([][]*scxml.Transition, len(doc.States))
	c.atomic = make(bitset, (len(doc.States)+63)/64)
	for _, s := range doc.States {
		if !isAtomic(s) {
			continue
		}
		c.atomic.add(s.Order)
		for a := s; a != nil; a = a.Parent {
			for _, t := range a.Transitions {
				if len(t.Events) == 0 {
					c.eventless[s.Order] = append(c.eventless[s.Order], t)
					c.anyEventless = true
				} else {
					c.byEvent[s.Order] = append(c.byEvent[s.Order], newCandidate(t))
				}
			}
		}
	}
	return c, nil
}

// candidate is a transition with event descriptors as event selection
// considers it: its first descriptor, and whether name matching needs
// more than that one (a wildcard, or further descriptors).
type candidate struct {
	t     *scxml.Transition
	event string
	more  bool
	cond  bool
}

func newCandidate(t *scxml.Transition) candidate {
	return candidate{t: t, event: t.Events[0], more: len(t.Events) > 1 || t.Events[0] == "*", cond: t.Cond != nil}
}

// matches is nameMatch(t.Events, name) (§3.12.1), the first descriptor
// read from the candidate.
func (x *candidate) matches(name string) bool {
	d := x.event
	if d == name || len(name) > len(d) && name[len(d)] == '.' && name[:len(d)] == d {
		return true
	}
	return x.more && nameMatch(x.t.Events, name)
}

// entered is a state of a static entry set: its order, and whether it is
// entered by default (statesForDefaultEntry: its initial transition's
// content runs).
type entered struct {
	order int32
	def   bool
	// plain says entering the state does nothing but its <onentry>:
	// it has no invocation, is not final, and its initial
	// transition's content does not run (enterPlain).
	plain bool
}

// staticEntry computes the entry set of t by the algorithm itself, on a
// session that has nothing but the scratch sets, and returns it unless it
// reached a history state (whose value the configuration decides).
func (c *Chart) staticEntry(t *scxml.Transition) []entered {
	s := &Session{chart: c, doc: c.doc, bits: newSets(c.nstates)}
	s.computeEntrySet([]*scxml.Transition{t})
	if s.rare != nil && len(s.histContent) > 0 {
		return nil
	}
	list := []entered{}
	for o := s.toEnter().next(0); o >= 0; o = s.toEnter().next(o + 1) {
		st, def := c.doc.States[o], s.defEntry().has(o)
		plain := len(st.Invokes) == 0 && st.Kind != scxml.Final && (!def || st.Initial == nil || len(st.Initial.Body) == 0)
		list = append(list, entered{int32(o), def, plain})
	}
	return list
}

// staticExit returns the exit set of t taken alone, in exit order, when
// the configuration cannot change it, or nil. computeExitSet (§3.13,
// Appendix D) exits the active descendants of t's domain. When t's
// domain is static and its source atomic, the source and its ancestors
// below the domain are active whenever t is enabled; and when none of
// those ancestors is a parallel state, nothing else below the domain
// can be active (a state's active children are one, save a parallel
// state's). The set is then the source and its ancestors up to the
// domain, deepest first: reverse document order. A transition without
// targets exits nothing.
func (c *Chart) staticExit(t *scxml.Transition) []int32 {
	if len(t.Targets) == 0 {
		return []int32{}
	}
	src, d := t.Source, c.domain[t.Order]
	if !c.static[t.Order] || d == nil || src == nil || !isAtomic(src) || !c.isDescendant(src, d) {
		return nil
	}
	var list []int32
	for a := src; a != d; a = a.Parent {
		if a.Kind == scxml.Parallel {
			return nil
		}
		list = append(list, int32(a.Order))
	}
	return list
}

// Document returns the chart's document.
func (c *Chart) Document() *scxml.Document { return c.doc }

// Problems lists expressions the data model could not compile.
func (c *Chart) Problems() []error { return c.dm.Problems() }

// child returns the chart of a document nested in this one (inline
// <content> of an <invoke>), compiling it once.
func (c *Chart) child(doc *scxml.Document) (*Chart, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if ch := c.children[doc]; ch != nil {
		return ch, nil
	}
	ch, err := Compile(doc, c.comps)
	if err != nil {
		return nil, err
	}
	if c.children == nil {
		c.children = make(map[*scxml.Document]*Chart)
	}
	c.children[doc] = ch
	return ch, nil
}

// isDescendant reports whether a is a proper descendant of b.
func (c *Chart) isDescendant(a, b *scxml.State) bool {
	return a.Order > b.Order && a.Order <= c.last[b.Order]
}

func isCompound(s *scxml.State) bool {
	return s.Kind == scxml.Compound || s.Kind == scxml.Root
}

// domainOf is getTransitionDomain (Appendix D) for the given effective
// targets (non-empty).
func (c *Chart) domainOf(t *scxml.Transition, targets []*scxml.State) *scxml.State {
	if t.Internal && isCompound(t.Source) {
		all := true
		for _, s := range targets {
			if !c.isDescendant(s, t.Source) {
				all = false
				break
			}
		}
		if all {
			return t.Source
		}
	}
	return c.lcca(t.Source, targets)
}

// lcca is findLCCA([head].append(tail)): the nearest proper ancestor of
// head that is compound (or the root) and an ancestor of every state in tail.
func (c *Chart) lcca(head *scxml.State, tail []*scxml.State) *scxml.State {
	for anc := head.Parent; anc != nil; anc = anc.Parent {
		if !isCompound(anc) {
			continue
		}
		all := true
		for _, s := range tail {
			if !c.isDescendant(s, anc) {
				all = false
				break
			}
		}
		if all {
			return anc
		}
	}
	return c.doc.Root
}
