package scxml

import (
	"maps"
	"slices"
	"strings"

	"github.com/beevik/etree"
)

// content builds a <content>. In an <invoke>, an inline <scxml> child is
// built as a document of its own.
func (b *builder) content(el *etree.Element, invoke bool) *Content {
	b.checkAttrs(el, "expr")
	c := &Content{Pos: b.pos.of(el)}
	c.Expr = b.exprAttr(el, "expr", ValueExpr)
	if !hasChildren(el) {
		return c
	}
	if c.Expr != nil {
		b.errorf(c.Pos, "<content> must not have both \"expr\" and children")
		return c
	}
	in := b.inline(el)
	c.Text, c.XML = in.Text, in.XML
	if kids := el.ChildElements(); invoke && len(kids) == 1 && !hasText(el) &&
		kids[0].Tag == "scxml" && isSCXML(kids[0]) {
		c.Doc = b.document(kids[0], b.doc.Dialect)
	}
	return c
}

// data builds a <data>, loading its src.
func (b *builder) data(el *etree.Element) *Data {
	b.checkAttrs(el, "id", "src", "expr")
	d := &Data{Pos: b.pos.of(el)}
	if id, ok := b.required(el, "id"); ok {
		d.ID = id
		if first, dup := b.dataIDs[id]; dup {
			b.errorf(b.pos.attrValue(el, "id"), "duplicate data id %q (first defined at %s)", id, first)
		} else {
			b.dataIDs[id] = b.pos.attrValue(el, "id")
		}
	}
	b.exclusive(el, "src", "expr")
	d.Expr = b.exprAttr(el, "expr", ValueExpr)
	src, hasSrc := attr(el, "src")
	if hasChildren(el) {
		if d.Expr != nil || hasSrc {
			key := "expr"
			if hasSrc {
				key = "src"
			}
			b.errorf(d.Pos, "<data> must not have both %q and children", key)
		} else {
			d.Content = b.inline(el)
		}
	}
	if hasSrc {
		d.Src = src
		path := Resolve(b.pos.of(el).File, src)
		body, err := b.opts.ReadFile(path)
		if err != nil {
			b.errorf(b.pos.attrValue(el, "src"), "cannot load data %q: %v", src, err)
		} else {
			d.Content = &Content{Pos: Pos{File: path, Line: 1, Col: 1}, Text: string(body), XML: isXML(body)}
		}
	}
	return d
}

// inline returns the inline content of el: the serialised child markup
// when el has child elements, its character data otherwise.
func (b *builder) inline(el *etree.Element) *Content {
	c := &Content{Pos: b.pos.body(el)}
	if len(el.ChildElements()) == 0 {
		c.Text = text(el)
		return c
	}
	c.XML = true
	scope := namespaces(el)
	var sb strings.Builder
	ws := &etree.WriteSettings{}
	for _, t := range el.Child {
		if e, ok := t.(*etree.Element); ok {
			withNamespaces(e, scope).WriteTo(&sb, ws)
			continue
		}
		t.WriteTo(&sb, ws)
	}
	c.Text = strings.TrimSpace(sb.String())
	return c
}

// namespaces returns the namespace declarations in scope at el: prefix to
// URI, with "" for the default namespace.
func namespaces(el *etree.Element) map[string]string {
	m := make(map[string]string)
	for e := el; e != nil; e = e.Parent() {
		for _, a := range e.Attr {
			var prefix string
			switch {
			case a.Space == "xmlns":
				prefix = a.Key
			case a.Space == "" && a.Key == "xmlns":
			default:
				continue
			}
			if _, ok := m[prefix]; !ok {
				m[prefix] = a.Value
			}
		}
	}
	return m
}

// withNamespaces returns a copy of el that declares the namespaces from
// scope that it and its descendants use, so that it can be serialised on
// its own.
func withNamespaces(el *etree.Element, scope map[string]string) *etree.Element {
	used := make(map[string]bool)
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		used[e.Space] = true
		for _, a := range e.Attr {
			if a.Space != "" && a.Space != "xmlns" && a.Space != "xml" {
				used[a.Space] = true
			}
		}
		for _, c := range e.ChildElements() {
			walk(c)
		}
	}
	walk(el)
	cp := el.Copy()
	declared := namespaces(cp)
	for _, prefix := range slices.Sorted(maps.Keys(used)) {
		uri, ok := scope[prefix]
		if _, own := declared[prefix]; own || !ok || (prefix == "" && uri == "") {
			continue
		}
		if prefix == "" {
			cp.CreateAttr("xmlns", uri)
		} else {
			cp.CreateAttr("xmlns:"+prefix, uri)
		}
	}
	return cp
}
