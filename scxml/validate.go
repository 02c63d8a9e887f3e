package scxml

// resolve runs the checks that need the whole document: it resolves
// transition targets and initial states, and checks initial transitions and
// history defaults.
func (b *builder) resolve() {
	for _, p := range b.targets {
		for i, id := range p.ids {
			s := b.lookup(id)
			if s == nil {
				b.errorf(p.pos[i], "%s %q does not exist", p.what, id)
				continue
			}
			p.t.Targets = append(p.t.Targets, s)
		}
	}
	for _, t := range b.firstChild {
		for _, c := range t.Source.Children {
			if c.Kind != History {
				t.Targets = []*State{c}
				break
			}
		}
	}
	if root := b.doc.Root; !b.hasChildState(root) {
		b.errorf(root.Pos, "<scxml> must have at least one <state>, <parallel> or <final>")
		root.Initial = nil
	}
	for _, p := range b.initials {
		src := p.t.Source
		for i, id := range p.ids {
			if s := b.lookup(id); s != nil && !isDescendant(s, src) {
				b.errorf(p.pos[i], "initial state %q is not a descendant of %s", id, describe(src))
			}
		}
	}
	for _, p := range b.histories {
		h := p.t.Source
		for i, id := range p.ids {
			s := b.lookup(id)
			switch {
			case s == nil:
			case s == h:
				b.errorf(p.pos[i], "history state %s must not target itself", describe(h))
			case h.Deep && !isDescendant(s, h.Parent):
				b.errorf(p.pos[i], "default state %q of deep history %s is not a descendant of %s",
					id, describe(h), describe(h.Parent))
			case !h.Deep && s.Parent != h.Parent:
				b.errorf(p.pos[i], "default state %q of shallow history %s is not a child of %s",
					id, describe(h), describe(h.Parent))
			}
		}
	}
}

// lookup returns the state with the id written in the document, or nil.
func (b *builder) lookup(id string) *State {
	if s := b.doc.ByID[id]; s != nil && !s.Generated {
		return s
	}
	return nil
}

// hasChildState reports whether s has a child that is not a history.
func (b *builder) hasChildState(s *State) bool {
	for _, c := range s.Children {
		if c.Kind != History {
			return true
		}
	}
	return false
}

// isDescendant reports whether s is a proper descendant of anc.
func isDescendant(s, anc *State) bool {
	for p := s.Parent; p != nil; p = p.Parent {
		if p == anc {
			return true
		}
	}
	return false
}

// describe names a state in error messages.
func describe(s *State) string {
	switch {
	case s.Kind == Root:
		return "<scxml>"
	case s.Generated:
		return "<" + s.Kind.String() + "> at " + s.Pos.String()
	}
	return "<" + s.Kind.String() + " id=\"" + s.ID + "\">"
}
