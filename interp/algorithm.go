package interp

import (
	"math/bits"

	"github.com/orca-scxml/orca/scxml"
)

// This file follows Appendix D of the SCXML Recommendation procedure by
// procedure. Configuration-sized sets are bitsets over document order, so
// iterating one upwards is document (entry) order and downwards exit order.

func isAtomic(st *scxml.State) bool {
	return st.Kind == scxml.Atomic || st.Kind == scxml.Final
}

// nameMatch reports whether an event name matches one of the transition's
// descriptors (§3.12.1): a descriptor matches a name equal to it or
// starting with it followed by ".", and "*" matches every name.
func nameMatch(descriptors []string, name string) bool {
	for _, d := range descriptors {
		if d == "*" || d == name {
			return true
		}
		if len(name) > len(d) && name[len(d)] == '.' && name[:len(d)] == d {
			return true
		}
	}
	return false
}

// conditionMatch evaluates a guard; an error in it counts as false and
// raises error.execution (§5.9.1).
func (s *Session) conditionMatch(t *scxml.Transition) bool {
	if t.Cond == nil {
		return true
	}
	s.setPrefix(t.Source.Prefix)
	ok, err := s.dm.Cond(t.Cond)
	if err != nil {
		s.raiseError(t.Cond.Pos, err)
		return false
	}
	return ok
}

// selectEventless is selectEventlessTransitions().
func (s *Session) selectEventless() []*scxml.Transition {
	if !s.chart.anyEventless {
		return nil
	}
	return s.selectFor(s.chart.eventless)
}

// selectTransitions is selectTransitions(event): for each atomic state
// of the configuration, the first of its candidates (own transitions,
// then its ancestors') whose descriptors match the event's name and
// whose guard holds.
func (s *Session) selectTransitions(ev *Event) []*scxml.Transition {
	en := s.enabled[:0]
	name := ev.Name
	cfg, c := s.cfg, s.chart
	for w := range cfg {
		// Only atomic states have candidates.
		for word := cfg[w] & c.atomic[w]; word != 0; word &= word - 1 {
			cands := c.byEvent[w<<6+bits.TrailingZeros64(word)]
			for i := range cands {
				x := &cands[i]
				if !x.matches(name) || x.cond && !s.conditionMatch(x.t) {
					continue
				}
				if !containsT(en, x.t) {
					en = append(en, x.t)
				}
				break
			}
		}
	}
	return s.selected(en)
}

// selectFor selects, for each atomic state of the configuration, the
// first of its eventless candidates whose guard holds.
func (s *Session) selectFor(candidates [][]*scxml.Transition) []*scxml.Transition {
	en := s.enabled[:0]
	cfg, atomic := s.cfg, s.chart.atomic
	for w := range cfg {
		// Only atomic states have candidates.
		for word := cfg[w] & atomic[w]; word != 0; word &= word - 1 {
			o := w<<6 + bits.TrailingZeros64(word)
			for _, t := range candidates[o] {
				if !s.conditionMatch(t) {
					continue
				}
				if !containsT(en, t) {
					en = append(en, t)
				}
				break
			}
		}
	}
	return s.selected(en)
}

// selected keeps en, the transitions selection enabled, as the session's
// scratch list and returns them without those in conflict.
func (s *Session) selected(en []*scxml.Transition) []*scxml.Transition {
	if cap(en) != cap(s.enabled) {
		// append grew it; otherwise en is s.enabled's own array,
		// which need not be written again (a pointer, which pays the
		// write barrier while the collector marks).
		s.enabled = en
	}
	if len(en) > 1 {
		return s.removeConflicting(en)
	}
	return en
}

// quiet reports whether the session's next step is an external event that
// selects no transition whatever the guards say, with nothing else to
// evaluate: no eventless transition in the configuration (which the
// macrostep after the event would check), no invocation (finalize,
// autoforward), no abort (which exits states). It is Step.Quiet.
func (s *Session) quiet() bool {
	if !s.started || s.ended || s.ext.len() == 0 || s.aborted() != nil ||
		(s.rare != nil && len(s.byInvoke) > 0) {
		return false
	}
	name := s.ext.at(0).Name
	c := s.chart
	for w := range s.cfg {
		for word := s.cfg[w] & c.atomic[w]; word != 0; word &= word - 1 {
			o := w<<6 + bits.TrailingZeros64(word)
			if c.anyEventless && len(c.eventless[o]) > 0 {
				return false
			}
			for i := range c.byEvent[o] {
				if c.byEvent[o][i].matches(name) {
					return false
				}
			}
		}
	}
	return true
}

func containsT(ts []*scxml.Transition, t *scxml.Transition) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

// removeConflicting is removeConflictingTransitions(enabledTransitions).
func (s *Session) removeConflicting(en []*scxml.Transition) []*scxml.Transition {
	filtered := s.filtered[:0]
	for _, t1 := range en {
		preempted := false
		s.setA().clear()
		s.addExitSet(t1, s.setA())
		for i := 0; i < len(filtered); i++ {
			t2 := filtered[i]
			s.setB().clear()
			s.addExitSet(t2, s.setB())
			if !s.setA().intersects(s.setB()) {
				continue
			}
			if s.chart.isDescendant(t1.Source, t2.Source) {
				filtered = append(filtered[:i], filtered[i+1:]...)
				i--
			} else {
				preempted = true
				break
			}
		}
		if !preempted {
			filtered = append(filtered, t1)
		}
	}
	s.filtered = filtered
	return filtered
}

// domain is getTransitionDomain(t); nil for a targetless transition.
func (s *Session) domain(t *scxml.Transition) *scxml.State {
	if len(t.Targets) == 0 {
		return nil
	}
	if s.chart.static[t.Order] {
		return s.chart.domain[t.Order]
	}
	return s.chart.domainOf(t, s.effectiveTargets(t))
}

// effectiveTargets is getEffectiveTargetStates(t).
func (s *Session) effectiveTargets(t *scxml.Transition) []*scxml.State {
	if len(t.Targets) == 0 || s.chart.static[t.Order] {
		return t.Targets
	}
	var out []*scxml.State
	var add func(ts []*scxml.State)
	add = func(ts []*scxml.State) {
		for _, st := range ts {
			if st.Kind != scxml.History {
				out = appendState(out, st)
				continue
			}
			if hv, ok := s.historyOf(st); ok {
				for _, h := range hv {
					out = appendState(out, h)
				}
			} else if len(st.Transitions) > 0 {
				add(st.Transitions[0].Targets)
			}
		}
	}
	add(t.Targets)
	return out
}

func appendState(list []*scxml.State, st *scxml.State) []*scxml.State {
	for _, x := range list {
		if x == st {
			return list
		}
	}
	return append(list, st)
}

// addExitSet adds computeExitSet([t]) to dst.
func (s *Session) addExitSet(t *scxml.Transition, dst bitset) {
	d := s.domain(t)
	if d == nil {
		return
	}
	last := s.chart.last[d.Order]
	cfg := s.cfg
	for o := cfg.next(d.Order + 1); o >= 0 && o <= last; o = cfg.next(o + 1) {
		dst.add(o)
	}
}

// microstep is microstep(enabledTransitions).
func (s *Session) microstep(en []*scxml.Transition) {
	s.exitStates(en)
	for _, t := range en {
		s.setPrefix(t.Source.Prefix)
		s.execBlock(t.Body)
	}
	s.enterStates(en)
}

// exitStates is exitStates(enabledTransitions).
func (s *Session) exitStates(en []*scxml.Transition) {
	if len(en) == 1 && !s.chart.hasInvoke && !s.chart.hasHistory {
		// One transition, and nothing to do for the whole exit set
		// before the first exit: exit the states of the exit set the
		// chart computed (Chart.exit), or else the configuration's
		// states below the domain as they come, in exit order. Only
		// states already exited leave the configuration meanwhile.
		if list := s.chart.exit[en[0].Order]; list != nil {
			for _, o := range list {
				s.exitState(int(o))
			}
			return
		}
		s.exitBelow(s.domain(en[0]))
		return
	}
	exit := s.exitSet()
	exit.clear()
	for _, t := range en {
		s.addExitSet(t, exit)
	}
	if exit.empty() {
		return
	}
	if s.chart.hasInvoke {
		toInvoke := s.toInvoke()
		for o := exit.next(0); o >= 0; o = exit.next(o + 1) {
			toInvoke.del(o)
		}
	}
	if s.chart.hasHistory {
		for o := exit.next(0); o >= 0; o = exit.next(o + 1) {
			for _, h := range s.chart.histories[o] {
				s.recordHistory(h)
			}
		}
	}
	for o := exit.prev(s.chart.nstates - 1); o >= 0; o = exit.prev(o - 1) {
		s.exitState(o)
	}
}

// exitBelow exits the active descendants of d (nil: none) in exit order.
func (s *Session) exitBelow(d *scxml.State) {
	if d == nil {
		return
	}
	cfg := s.cfg
	for o := cfg.prev(s.chart.last[d.Order]); o > d.Order; o = cfg.prev(o - 1) {
		s.exitState(o)
	}
}

// exitState runs the exit handlers of the state of order o, cancels its
// invocations and removes it from the configuration.
func (s *Session) exitState(o int) {
	st := s.doc.States[o]
	s.setPrefix(st.Prefix)
	for _, b := range st.OnExit {
		s.execBlock(b)
	}
	if len(st.Invokes) > 0 {
		s.cancelInvokes(st)
	}
	s.cfg.del(o)
}

// recordHistory stores the history value of h from the configuration
// before its parent is exited.
func (s *Session) recordHistory(h *scxml.State) {
	p := h.Parent
	var hv []*scxml.State
	last := s.chart.last[p.Order]
	for o := s.cfg.next(p.Order + 1); o >= 0 && o <= last; o = s.cfg.next(o + 1) {
		st := s.doc.States[o]
		if h.Deep {
			if isAtomic(st) {
				hv = append(hv, st)
			}
		} else if st.Parent == p {
			hv = append(hv, st)
		}
	}
	if r := s.more(); r.history == nil {
		r.history = make(map[int][]*scxml.State)
	}
	s.history[h.Order] = hv
}

// enterStates is enterStates(enabledTransitions). A transition taken
// alone whose entry set the chart computed (Chart.entry) enters that
// list, already in document order, without the sets.
func (s *Session) enterStates(en []*scxml.Transition) {
	if s.rare != nil {
		clear(s.histContent)
	}
	if len(en) == 1 {
		if list := s.chart.entry[en[0].Order]; list != nil {
			// The static list holds no history state: no history
			// content is entered on the way (histContent was cleared).
			plain := !s.chart.lateData && s.e.opts.OnEnter == nil
			for _, x := range list {
				if plain && x.plain {
					s.enterPlain(int(x.order))
					continue
				}
				s.enterState(int(x.order), x.def)
			}
			return
		}
	}
	toEnter, defEntry := s.toEnter(), s.defEntry()
	toEnter.clear()
	defEntry.clear()
	s.computeEntrySet(en)
	for o := toEnter.next(0); o >= 0; o = toEnter.next(o + 1) {
		s.enterState(o, defEntry.has(o))
	}
}

// enterPlain is enterState for a state that has no invocation, is not
// final, and whose initial transition's content does not run, entered
// by a static entry set (no history content) in a session with nothing
// else to do on entry (no late data, no OnEnter hook).
func (s *Session) enterPlain(o int) {
	st := s.doc.States[o]
	s.cfg.add(o)
	s.setPrefix(st.Prefix)
	for _, b := range st.OnEntry {
		s.execBlock(b)
	}
}

// enterState is the body of enterStates' loop for the state of order o;
// def says it is entered by default (statesForDefaultEntry).
func (s *Session) enterState(o int, def bool) {
	st := s.doc.States[o]
	s.cfg.add(o)
	if len(st.Invokes) > 0 {
		s.toInvoke().add(o)
	}
	if dataDone := s.dataDone(); dataDone != nil && !dataDone.has(o) {
		s.initData(st)
	}
	s.setPrefix(st.Prefix)
	if s.e.opts.OnEnter != nil {
		s.e.opts.OnEnter(s, st)
	}
	for _, b := range st.OnEntry {
		s.execBlock(b)
	}
	if def && st.Initial != nil {
		s.execBlock(st.Initial.Body)
	}
	if b, ok := s.histContentOf(st); ok {
		s.execBlock(b)
	}
	if st.Kind != scxml.Final {
		return
	}
	parent := st.Parent
	if parent.Kind == scxml.Root {
		s.running = false
		s.final = st
		return
	}
	s.raisePlatform("done.state."+parent.ID, "", s.doneData(st))
	if gp := parent.Parent; gp != nil && gp.Kind == scxml.Parallel {
		all := true
		for _, ch := range gp.Children {
			if ch.Kind != scxml.History && !s.isInFinalState(ch) {
				all = false
				break
			}
		}
		if all {
			s.raisePlatform("done.state."+gp.ID, "", nil)
		}
	}
}

// computeEntrySet is computeEntrySet(transitions, ...).
func (s *Session) computeEntrySet(en []*scxml.Transition) {
	for _, t := range en {
		for _, tg := range t.Targets {
			s.addDescendants(tg)
		}
		anc := s.domain(t)
		for _, tg := range s.effectiveTargets(t) {
			s.addAncestors(tg, anc)
		}
	}
}

// addDescendants is addDescendantStatesToEnter(state, ...).
func (s *Session) addDescendants(st *scxml.State) {
	if st.Kind == scxml.History {
		if hv, ok := s.historyOf(st); ok {
			for _, h := range hv {
				s.addDescendants(h)
			}
			for _, h := range hv {
				s.addAncestors(h, st.Parent)
			}
			return
		}
		if len(st.Transitions) == 0 {
			return
		}
		def := st.Transitions[0]
		if r := s.more(); r.histContent == nil {
			r.histContent = make(map[*scxml.State]scxml.Block)
		}
		s.histContent[st.Parent] = def.Body
		for _, tg := range def.Targets {
			s.addDescendants(tg)
		}
		for _, tg := range def.Targets {
			s.addAncestors(tg, st.Parent)
		}
		return
	}
	s.toEnter().add(st.Order)
	switch st.Kind {
	case scxml.Compound, scxml.Root:
		s.defEntry().add(st.Order)
		for _, tg := range st.Initial.Targets {
			s.addDescendants(tg)
		}
		for _, tg := range st.Initial.Targets {
			s.addAncestors(tg, st)
		}
	case scxml.Parallel:
		s.fillParallel(st)
	}
}

// fillParallel enters every child of a parallel state that has no
// descendant to be entered yet.
func (s *Session) fillParallel(p *scxml.State) {
	for _, ch := range p.Children {
		if ch.Kind == scxml.History {
			continue
		}
		if !s.enteringBelow(ch) {
			s.addDescendants(ch)
		}
	}
}

// enteringBelow reports whether statesToEnter holds a proper descendant of st.
func (s *Session) enteringBelow(st *scxml.State) bool {
	o := s.toEnter().next(st.Order + 1)
	return o >= 0 && o <= s.chart.last[st.Order]
}

// addAncestors is addAncestorStatesToEnter(state, ancestor, ...).
func (s *Session) addAncestors(st, ancestor *scxml.State) {
	for a := st.Parent; a != nil && a != ancestor; a = a.Parent {
		s.toEnter().add(a.Order)
		if a.Kind == scxml.Parallel {
			s.fillParallel(a)
		}
	}
}

// isInFinalState is isInFinalState(s).
func (s *Session) isInFinalState(st *scxml.State) bool {
	switch st.Kind {
	case scxml.Compound, scxml.Root:
		for _, ch := range st.Children {
			if ch.Kind == scxml.Final && s.cfg.has(ch.Order) {
				return true
			}
		}
	case scxml.Parallel:
		for _, ch := range st.Children {
			if ch.Kind != scxml.History && !s.isInFinalState(ch) {
				return false
			}
		}
		return true
	}
	return false
}

// historyOf returns the recorded value of history state h.
func (s *Session) historyOf(h *scxml.State) ([]*scxml.State, bool) {
	if s.rare == nil {
		return nil, false
	}
	hv, ok := s.history[h.Order]
	return hv, ok
}

// histContentOf returns the content of the default transition of a
// history state of st that the microstep enters.
func (s *Session) histContentOf(st *scxml.State) (scxml.Block, bool) {
	if s.rare == nil {
		return nil, false
	}
	b, ok := s.histContent[st]
	return b, ok
}

// setPrefix makes p the include prefix of the content that runs. Most
// documents have one prefix for every state, so it is written (a
// pointer) only when it changes.
func (s *Session) setPrefix(p string) {
	if p != s.prefix {
		s.prefix = p
	}
}
