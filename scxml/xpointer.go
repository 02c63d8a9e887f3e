package scxml

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/beevik/etree"
)

// selectXPointer returns the elements of the document whose root element is
// root that the xpointer attribute xp of an <xi:include> identifies, in
// document order. The forms supported are:
//
//   - "" (no xpointer): the root element;
//   - a shorthand pointer "someid": the element whose id (or xml:id) is
//     someid;
//   - element(): "element(/1)", "element(/1/2)" (child sequences from the
//     document), "element(someid)", "element(someid/3)";
//   - xpointer() with an XPath subset: an absolute location path of child
//     steps, "xpointer(/scxml/*)", "xpointer(/scxml/state[2])",
//     "xpointer(/scxml/state[@id='main']/*)", or one starting with
//     id('someid'). A step is a name (matched by its local name; a prefix
//     is ignored) or "*", with predicates [n] or [@name='value'].
//
// Several parts ("xmlns(s=...)xpointer(/s:scxml/*)") are tried in order
// until one selects something; parts of other schemes, such as xmlns(), are
// skipped. No error and no element means nothing was selected.
func selectXPointer(root *etree.Element, xp string) ([]*etree.Element, error) {
	xp = strings.TrimSpace(xp)
	if xp == "" {
		return []*etree.Element{root}, nil
	}
	if !strings.Contains(xp, "(") {
		if !validID(xp) {
			return nil, fmt.Errorf("invalid xpointer %q", xp)
		}
		return one(byID(root, xp)), nil
	}
	parts, err := schemeParts(xp)
	if err != nil {
		return nil, err
	}
	for _, p := range parts {
		var sel []*etree.Element
		switch p.scheme {
		case "element":
			sel, err = elementScheme(root, p.body)
		case "xpointer":
			sel, err = xpathScheme(root, p.body)
		default:
			continue
		}
		if err != nil {
			return nil, err
		}
		if len(sel) > 0 {
			return sel, nil
		}
	}
	return nil, nil
}

// pointerPart is one scheme(body) part of an XPointer.
type pointerPart struct {
	scheme, body string
}

// schemeParts splits an XPointer into its parts, unescaping ^(, ^) and ^^
// in the bodies.
func schemeParts(xp string) ([]pointerPart, error) {
	var parts []pointerPart
	s := xp
	for {
		s = strings.TrimSpace(s)
		if s == "" {
			return parts, nil
		}
		open := strings.IndexByte(s, '(')
		if open <= 0 {
			return nil, fmt.Errorf("invalid xpointer %q", xp)
		}
		scheme := strings.TrimSpace(s[:open])
		var body strings.Builder
		depth, i := 1, open+1
		for ; i < len(s) && depth > 0; i++ {
			c := s[i]
			switch {
			case c == '^' && i+1 < len(s) && strings.IndexByte("()^", s[i+1]) >= 0:
				i++
				body.WriteByte(s[i])
				continue
			case c == '(':
				depth++
			case c == ')':
				depth--
				if depth == 0 {
					continue
				}
			}
			body.WriteByte(c)
		}
		if depth > 0 {
			return nil, fmt.Errorf("invalid xpointer %q: unbalanced parentheses", xp)
		}
		parts = append(parts, pointerPart{scheme: scheme, body: body.String()})
		s = s[i:]
	}
}

// one returns a slice holding e, or nil when e is nil.
func one(e *etree.Element) []*etree.Element {
	if e == nil {
		return nil
	}
	return []*etree.Element{e}
}

// byID returns the first element, in document order, whose id or xml:id
// attribute is id.
func byID(el *etree.Element, id string) *etree.Element {
	for _, a := range el.Attr {
		if a.Key == "id" && (a.Space == "" || a.Space == "xml") && a.Value == id {
			return el
		}
	}
	for _, c := range el.ChildElements() {
		if e := byID(c, id); e != nil {
			return e
		}
	}
	return nil
}

// elementScheme evaluates the body of an element() part: an id or "", then
// 1-based child element numbers separated by "/".
func elementScheme(root *etree.Element, body string) ([]*etree.Element, error) {
	steps := strings.Split(strings.TrimSpace(body), "/")
	var cur *etree.Element
	if steps[0] != "" {
		if cur = byID(root, steps[0]); cur == nil {
			return nil, nil
		}
	} else if len(steps) == 1 {
		return nil, fmt.Errorf("invalid element() pointer %q", body)
	}
	for i, st := range steps[1:] {
		n, err := strconv.Atoi(st)
		if err != nil || n < 1 {
			return nil, fmt.Errorf("invalid element() pointer %q", body)
		}
		var kids []*etree.Element
		if i == 0 && cur == nil {
			kids = []*etree.Element{root}
		} else {
			kids = cur.ChildElements()
		}
		if n > len(kids) {
			return nil, nil
		}
		cur = kids[n-1]
	}
	return one(cur), nil
}

// xpathScheme evaluates the body of an xpointer() part: an absolute
// location path of child steps, or id('x') followed by child steps.
func xpathScheme(root *etree.Element, body string) ([]*etree.Element, error) {
	p := strings.TrimSpace(body)
	bad := func() ([]*etree.Element, error) {
		return nil, fmt.Errorf("unsupported xpointer() expression %q", body)
	}
	var ctx []*etree.Element
	fromDoc := false
	switch {
	case strings.HasPrefix(p, "id("):
		end := strings.IndexByte(p, ')')
		if end < 0 {
			return bad()
		}
		id, ok := unquote(strings.TrimSpace(p[3:end]))
		if !ok {
			return bad()
		}
		ctx = one(byID(root, id))
		p = p[end+1:]
	case strings.HasPrefix(p, "/"):
		fromDoc = true
	default:
		return bad()
	}
	if p == "" {
		return ctx, nil
	}
	if !strings.HasPrefix(p, "/") || strings.HasPrefix(p, "//") {
		return bad()
	}
	for _, step := range strings.Split(p[1:], "/") {
		name, preds, ok := parseStep(step)
		if !ok {
			return bad()
		}
		var groups [][]*etree.Element
		if fromDoc {
			groups = [][]*etree.Element{{root}}
		}
		for _, c := range ctx {
			groups = append(groups, c.ChildElements())
		}
		var next []*etree.Element
		for _, kids := range groups {
			var m []*etree.Element
			for _, k := range kids {
				if name == "*" || k.Tag == name {
					m = append(m, k)
				}
			}
			for _, pr := range preds {
				m = pr(m)
			}
			next = append(next, m...)
		}
		fromDoc = false
		ctx = next
	}
	return ctx, nil
}

// predicate filters the elements a step selected from one context node.
type predicate func([]*etree.Element) []*etree.Element

// parseStep parses a location step: a name test ("*", "name" or
// "prefix:name", giving the local name) and predicates [n] or
// [@name='value'].
func parseStep(step string) (string, []predicate, bool) {
	step = strings.TrimSpace(step)
	name := step
	var rest string
	if i := strings.IndexByte(step, '['); i >= 0 {
		name, rest = strings.TrimSpace(step[:i]), step[i:]
	}
	if i := strings.IndexByte(name, ':'); i >= 0 {
		name = name[i+1:]
	}
	if name != "*" && !validID(name) {
		return "", nil, false
	}
	var preds []predicate
	for rest != "" {
		end := strings.IndexByte(rest, ']')
		if rest[0] != '[' || end < 0 {
			return "", nil, false
		}
		pr, ok := parsePredicate(strings.TrimSpace(rest[1:end]))
		if !ok {
			return "", nil, false
		}
		preds = append(preds, pr)
		rest = strings.TrimSpace(rest[end+1:])
	}
	return name, preds, true
}

// parsePredicate parses "n" or "@name='value'".
func parsePredicate(s string) (predicate, bool) {
	if n, err := strconv.Atoi(s); err == nil {
		return func(m []*etree.Element) []*etree.Element {
			if n < 1 || n > len(m) {
				return nil
			}
			return m[n-1 : n]
		}, true
	}
	key, val, ok := strings.Cut(s, "=")
	if !ok || !strings.HasPrefix(key, "@") {
		return nil, false
	}
	key = strings.TrimSpace(key[1:])
	v, ok := unquote(strings.TrimSpace(val))
	if !ok || !validID(strings.TrimPrefix(key, "xml:")) {
		return nil, false
	}
	return func(m []*etree.Element) []*etree.Element {
		var out []*etree.Element
		for _, e := range m {
			if e.SelectAttrValue(key, "\x00") == v {
				out = append(out, e)
			}
		}
		return out
	}, true
}

// unquote removes the single or double quotes around s.
func unquote(s string) (string, bool) {
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		return s[1 : len(s)-1], true
	}
	return "", false
}
