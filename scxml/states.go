package scxml

import (
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// scxml builds the document's root from the <scxml> element el.
func (b *builder) scxml(el *etree.Element) {
	d := b.doc
	if d.Dialect == ORS {
		b.checkAttrs(el, "initial", "name", "version", "datamodel", "binding", "profile")
		if v, ok := attr(el, "profile"); ok && v != "ecmascript" {
			b.errorf(b.pos.attrValue(el, "profile"), "unsupported profile %q (want \"ecmascript\")", v)
		}
	} else {
		b.checkAttrs(el, "initial", "name", "version", "datamodel", "binding")
	}
	if v, ok := b.required(el, "version"); ok && v != "1.0" {
		b.errorf(b.pos.attrValue(el, "version"), "unsupported version %q (want \"1.0\")", v)
	}
	d.Name, _ = attr(el, "name")
	d.Datamodel, _ = attr(el, "datamodel")
	switch d.Datamodel {
	case "", "null", "ecmascript":
	default:
		b.errorf(b.pos.attrValue(el, "datamodel"), "unsupported datamodel %q (want \"null\" or \"ecmascript\")", d.Datamodel)
	}
	d.Binding = Binding(b.enum(el, "binding", "early", "late"))
	d.Root = b.newState(el, Root, nil)
	b.children(d.Root, el)
}

// state builds a <state>, <parallel> or <final> child of parent.
func (b *builder) state(el *etree.Element, parent *State) {
	var kind Kind
	switch el.Tag {
	case "parallel":
		kind = Parallel
		b.checkAttrs(el, "id")
	case "final":
		kind = Final
		b.checkAttrs(el, "id")
	default:
		kind = Atomic
		if hasChildStates(el) {
			kind = Compound
		}
		b.checkAttrs(el, "id", "initial")
	}
	b.children(b.newState(el, kind, parent), el)
}

// hasChildStates reports whether el has <state>, <parallel> or <final>
// children.
func hasChildStates(el *etree.Element) bool {
	for _, c := range el.ChildElements() {
		if isSCXML(c) && (c.Tag == "state" || c.Tag == "parallel" || c.Tag == "final") {
			return true
		}
	}
	return false
}

// newState adds a state for el to the document, registering its id.
func (b *builder) newState(el *etree.Element, kind Kind, parent *State) *State {
	s := &State{Kind: kind, Pos: b.pos.of(el), Parent: parent, Order: len(b.doc.States), Prefix: b.prefixOf(el)}
	if parent != nil {
		s.Depth = parent.Depth + 1
		parent.Children = append(parent.Children, s)
	}
	b.doc.States = append(b.doc.States, s)
	id, ok := "", false
	if kind != Root {
		id, ok = attr(el, "id")
	}
	switch first, dup := b.stateIDs[id]; {
	case !ok:
	case !validID(id):
		b.errorf(b.pos.attrValue(el, "id"), "invalid id %q", id)
		ok = false
	case dup:
		b.errorf(b.pos.attrValue(el, "id"), "duplicate state id %q (first defined at %s)", id, first)
		ok = false
	default:
		b.stateIDs[id] = b.pos.attrValue(el, "id")
	}
	if ok {
		s.ID = id
	} else {
		s.ID = fmt.Sprintf("#%s%d", kind, s.Order)
		s.Generated = true
	}
	b.doc.ByID[s.ID] = s
	return s
}

// allowedChild reports whether a state of kind k may hold the SCXML
// element name.
func allowedChild(k Kind, name string) bool {
	switch k {
	case Root:
		switch name {
		case "state", "parallel", "final", "datamodel", "script":
			return true
		}
	case Compound, Atomic:
		switch name {
		case "onentry", "onexit", "transition", "initial", "state", "parallel", "final",
			"history", "datamodel", "invoke":
			return true
		}
	case Parallel:
		switch name {
		case "onentry", "onexit", "transition", "state", "parallel", "history",
			"datamodel", "invoke":
			return true
		}
	case Final:
		switch name {
		case "onentry", "onexit", "donedata":
			return true
		}
	}
	return false
}

// children builds the content of the state s from its element el.
func (b *builder) children(s *State, el *etree.Element) {
	b.noText(el)
	b.defaultInitial(s, el)
	seen := make(map[string]bool)
	once := func(c *etree.Element) bool {
		if seen[c.Tag] {
			b.errorf(b.pos.of(c), "%s must not have more than one %s", tag(el), tag(c))
			return false
		}
		seen[c.Tag] = true
		return true
	}
	for _, c := range el.ChildElements() {
		if !isSCXML(c) {
			if b.doc.Dialect == ORS && IsGenesysNS(c.NamespaceURI()) {
				s.Extensions = append(s.Extensions, c)
			}
			continue
		}
		// The 2009 draft, and ORS with it, lets <scxml> hold an
		// <initial> as compound states do (SCXML Language Reference,
		// "Syntax and Semantics").
		rootInitial := s.Kind == Root && c.Tag == "initial" && b.doc.Dialect == ORS
		if !allowedChild(s.Kind, c.Tag) && !rootInitial {
			b.notAllowed(c, el)
			continue
		}
		switch c.Tag {
		case "state", "parallel", "final":
			b.state(c, s)
		case "history":
			b.history(c, s)
		case "transition":
			t, _ := b.transition(c, s)
			s.Transitions = append(s.Transitions, t)
		case "initial":
			if once(c) {
				b.initial(c, s)
			}
		case "onentry":
			b.checkAttrs(c)
			s.OnEntry = append(s.OnEntry, b.block(c, false))
		case "onexit":
			b.checkAttrs(c)
			s.OnExit = append(s.OnExit, b.block(c, false))
		case "datamodel":
			if once(c) {
				b.datamodel(c, s)
			}
		case "invoke":
			s.Invokes = append(s.Invokes, b.invoke(c, s))
		case "donedata":
			if once(c) {
				s.DoneData = b.donedata(c)
			}
		case "script":
			if b.doc.Dialect == ORS || once(c) {
				sc := b.script(c)
				b.doc.Scripts = append(b.doc.Scripts, sc)
				if b.doc.Script == nil {
					b.doc.Script = sc
				}
			}
		}
	}
}

// defaultInitial sets up the initial transition of the root or a compound
// state that has no <initial> child, from its initial attribute or its first
// child state; it also reports misplaced initial attributes.
func (b *builder) defaultInitial(s *State, el *etree.Element) {
	hasAttr := has(el, "initial")
	var initialEl *etree.Element
	for _, c := range el.ChildElements() {
		if isSCXML(c) && c.Tag == "initial" {
			initialEl = c
			break
		}
	}
	switch s.Kind {
	case Atomic:
		if hasAttr {
			b.errorf(b.pos.attrName(el, "initial"), "%s has an \"initial\" attribute but no child states", tag(el))
		}
		return
	case Root, Compound:
	default:
		return
	}
	if initialEl != nil {
		if hasAttr {
			b.errorf(b.pos.of(initialEl), "%s must not have both an \"initial\" attribute and an <initial> element", tag(el))
		}
		return
	}
	t := &Transition{Source: s, Pos: s.Pos, Order: b.next()}
	s.Initial = t
	if !hasAttr {
		b.firstChild = append(b.firstChild, t)
		return
	}
	t.Pos = b.pos.attrValue(el, "initial")
	ids, pos := b.fields(el, "initial")
	if len(ids) == 0 {
		b.errorf(t.Pos, "empty \"initial\" attribute on %s", tag(el))
		return
	}
	p := pendingTargets{t: t, ids: ids, pos: pos, what: "initial state"}
	b.targets = append(b.targets, p)
	b.initials = append(b.initials, p)
}

// initial builds the <initial> element el of s.
func (b *builder) initial(el *etree.Element, s *State) {
	b.checkAttrs(el)
	b.noText(el)
	if s.Kind == Atomic {
		b.errorf(b.pos.of(el), "<initial> is not allowed in a <state> without child states")
	}
	t, p := b.onlyTransition(el, s, "<initial>")
	if t == nil {
		return
	}
	s.Initial = t
	if len(p.ids) > 0 {
		b.initials = append(b.initials, p)
	}
}

// onlyTransition builds the single <transition> child of an <initial> or
// <history> element el (named what) whose source is src, checked as a
// default transition; nil when there is none.
func (b *builder) onlyTransition(el *etree.Element, src *State, what string) (*Transition, pendingTargets) {
	var first *Transition
	var firstP pendingTargets
	var n int
	for _, c := range el.ChildElements() {
		if !isSCXML(c) {
			continue
		}
		if c.Tag != "transition" {
			b.notAllowed(c, el)
			continue
		}
		n++
		if n > 1 {
			b.errorf(b.pos.of(c), "%s must have exactly one <transition>", what)
			continue
		}
		first, firstP = b.transition(c, src)
		b.defaultTransition(c, first, what)
	}
	if n == 0 {
		b.errorf(b.pos.of(el), "%s must have exactly one <transition>", what)
	}
	return first, firstP
}

// defaultTransition checks the transition of an <initial> or <history>:
// no event, no cond, a target.
func (b *builder) defaultTransition(el *etree.Element, t *Transition, in string) {
	for _, key := range []string{"event", "cond"} {
		if has(el, key) {
			b.errorf(b.pos.attrName(el, key), "the <transition> of %s must not have %q", in, key)
		}
	}
	if v, _ := attr(el, "target"); strings.TrimSpace(v) == "" {
		b.errorf(b.pos.of(el), "the <transition> of %s must have a target", in)
	}
}

// history builds the <history> element el, child of parent.
func (b *builder) history(el *etree.Element, parent *State) {
	b.checkAttrs(el, "id", "type")
	h := b.newState(el, History, parent)
	h.Deep = b.enum(el, "type", "shallow", "deep") == 1
	b.noText(el)
	t, p := b.onlyTransition(el, h, "<history>")
	if t == nil {
		return
	}
	h.Transitions = []*Transition{t}
	if len(p.ids) > 0 {
		b.histories = append(b.histories, p)
	}
}

// transition builds the <transition> element el of src. The target ids are
// resolved once the whole document has been read.
func (b *builder) transition(el *etree.Element, src *State) (*Transition, pendingTargets) {
	b.checkAttrs(el, "event", "cond", "target", "type")
	t := &Transition{Source: src, Pos: b.pos.of(el), Order: b.next()}
	if v, ok := attr(el, "event"); ok {
		for _, e := range strings.Fields(v) {
			t.Events = append(t.Events, normalizeEvent(e))
		}
	}
	t.Cond = b.exprAttr(el, "cond", CondExpr)
	t.Internal = b.enum(el, "type", "external", "internal") == 1
	ids, pos := b.fields(el, "target")
	p := pendingTargets{t: t, ids: ids, pos: pos, what: "transition target"}
	if len(ids) > 0 {
		b.targets = append(b.targets, p)
	}
	t.Body = b.block(el, false)
	return t, p
}

// normalizeEvent removes a trailing ".*" or "." from an event descriptor.
func normalizeEvent(e string) string {
	if e == "*" {
		return e
	}
	e = strings.TrimSuffix(e, ".*")
	e = strings.TrimSuffix(e, ".")
	if e == "" {
		return "*"
	}
	return e
}

// datamodel builds the <datamodel> element el of s.
func (b *builder) datamodel(el *etree.Element, s *State) {
	b.checkAttrs(el)
	b.noText(el)
	for _, c := range el.ChildElements() {
		if !isSCXML(c) {
			continue
		}
		if c.Tag != "data" {
			b.notAllowed(c, el)
			continue
		}
		s.Data = append(s.Data, b.data(c))
	}
}
