package scxml

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"slices"
	"strings"

	"github.com/beevik/etree"
)

// XIncludeNS is the XInclude namespace (https://www.w3.org/TR/xinclude/).
const XIncludeNS = "http://www.w3.org/2001/XInclude"

// PrefixPlaceholder is replaced, in the attribute values and text of the
// elements an <xi:include parse="xml"> splices, by the include's prefix.
const PrefixPlaceholder = "$$_MY_PREFIX_$$"

// Limits on inclusion, so that a document cannot make the loader read
// without end.
const (
	maxIncludeDepth = 16
	maxIncludes     = 1024
)

// isInclude reports whether el is an <xi:include>.
func isInclude(el *etree.Element) bool {
	return el.Tag == "include" && el.NamespaceURI() == XIncludeNS
}

// expand replaces the <xi:include> elements among the descendants of el by
// what they include. stack lists the files being included, outermost
// first, starting with the document's own file.
func (l *loader) expand(el *etree.Element, stack []string) {
	for i := 0; i < len(el.Child); i++ {
		c, ok := el.Child[i].(*etree.Element)
		if !ok {
			continue
		}
		if !isInclude(c) {
			l.expand(c, stack)
			continue
		}
		repl := l.include(c, stack)
		el.RemoveChildAt(i)
		for k, t := range repl {
			el.InsertChildAt(i+k, t)
		}
		i += len(repl) - 1
	}
}

// include returns the tokens the <xi:include> inc stands for, reporting
// the errors; they are detached from their tree, ready to be spliced.
func (l *loader) include(inc *etree.Element, stack []string) []etree.Token {
	at := l.pos.of(inc)
	href, ok := attr(inc, "href")
	if !ok || href == "" {
		l.errs.errorf(at, "xi:include: missing \"href\" (including parts of the same document is not supported)")
		return nil
	}
	hrefAt := l.pos.attrValue(inc, "href")
	parse, _ := attr(inc, "parse")
	if parse != "" && parse != "xml" && parse != "text" {
		l.errs.errorf(l.pos.attrValue(inc, "parse"), "xi:include: invalid parse %q (want \"xml\" or \"text\")", parse)
		return nil
	}
	path := Resolve(at.File, href)
	if len(stack) > maxIncludeDepth {
		l.errs.errorf(hrefAt, "xi:include: includes nested more than %d deep", maxIncludeDepth)
		return nil
	}
	if l.includes++; l.includes > maxIncludes {
		l.errs.errorf(hrefAt, "xi:include: more than %d includes", maxIncludes)
		return nil
	}
	data, err := l.opts.ReadFile(path)
	if err != nil {
		if fb := fallback(inc); fb != nil {
			l.expand(fb, stack)
			return detach(fb.Child)
		}
		l.errs.errorf(hrefAt, "xi:include: %v", openError(path, err))
		return nil
	}
	if parse == "text" {
		cd := etree.NewText(string(data))
		l.pos.texts[cd] = Pos{File: path, Line: 1, Col: 1}
		return []etree.Token{cd}
	}
	for i, f := range stack {
		if f == path {
			l.errs.errorf(hrefAt, "xi:include: include cycle: %s -> %s", strings.Join(stack[i:], " -> "), path)
			return nil
		}
	}
	root := l.parseIncluded(path, data)
	if root == nil {
		return nil
	}
	xp, _ := attr(inc, "xpointer")
	sel, err := selectXPointer(root, xp)
	if err != nil {
		l.errs.errorf(l.pos.attrValue(inc, "xpointer"), "xi:include: %v", err)
		return nil
	}
	if len(sel) == 0 {
		l.errs.errorf(l.pos.attrValue(inc, "xpointer"), "xi:include: xpointer %q selects nothing in %s", xp, path)
		return nil
	}
	if len(sel) == 1 && sel[0] == root && root.Tag == "scxml" && root.NamespaceURI() == NS {
		sel = root.ChildElements()
	}
	prefix := includePrefix(inc)
	inner := append(stack[:len(stack):len(stack)], path)
	out := make([]etree.Token, 0, len(sel))
	for _, s := range sel {
		replacePrefix(s, prefix)
		l.prefixes[s] = prefix
		l.expand(s, inner)
		scope := namespaces(s)
		declared := make(map[string]bool)
		for _, a := range s.Attr {
			if a.Space == "xmlns" {
				declared[a.Key] = true
			} else if a.Space == "" && a.Key == "xmlns" {
				declared[""] = true
			}
		}
		for _, p := range slices.Sorted(maps.Keys(scope)) {
			if declared[p] || scope[p] == "" {
				continue
			}
			if p == "" {
				s.CreateAttr("xmlns", scope[p])
			} else {
				s.CreateAttr("xmlns:"+p, scope[p])
			}
		}
		out = append(out, s)
	}
	return detach(out)
}

// parseIncluded parses the XML file path, recording the positions of its
// elements, and returns its root element (nil after reporting an error).
func (l *loader) parseIncluded(path string, data []byte) *etree.Element {
	m := newSrcMap(path, data)
	infos, serr := scanXML(m)
	if serr != nil {
		l.errs = append(l.errs, serr)
		return nil
	}
	et := etree.NewDocument()
	et.ReadSettings.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	if err := et.ReadFromBytes(data[bomLen(data):]); err != nil {
		l.errs.errorf(m.pos(0), "malformed XML: %v", err)
		return nil
	}
	root := et.Root()
	if root == nil {
		l.errs.errorf(m.pos(len(data)), "no root element")
		return nil
	}
	l.pos.add(m, root, infos)
	return root
}

// fallback returns the <xi:fallback> child of inc, or nil.
func fallback(inc *etree.Element) *etree.Element {
	for _, c := range inc.ChildElements() {
		if c.Tag == "fallback" && c.NamespaceURI() == XIncludeNS {
			return c
		}
	}
	return nil
}

// detach removes the tokens from their parents and returns them.
func detach(toks []etree.Token) []etree.Token {
	out := append([]etree.Token(nil), toks...)
	for _, t := range out {
		if p := t.Parent(); p != nil {
			p.RemoveChild(t)
		}
	}
	return out
}

// includePrefix returns the prefix of an <xi:include>: its resolveid
// attribute, or else the id of the nearest enclosing element that has one,
// or else "".
func includePrefix(inc *etree.Element) string {
	if v, ok := attr(inc, "resolveid"); ok {
		return v
	}
	for e := inc.Parent(); e != nil; e = e.Parent() {
		if v, ok := attr(e, "id"); ok {
			return v
		}
	}
	return ""
}

// replacePrefix replaces PrefixPlaceholder by prefix in the attribute
// values and character data of el and its descendants.
func replacePrefix(el *etree.Element, prefix string) {
	for i := range el.Attr {
		el.Attr[i].Value = strings.ReplaceAll(el.Attr[i].Value, PrefixPlaceholder, prefix)
	}
	for _, t := range el.Child {
		switch t := t.(type) {
		case *etree.Element:
			replacePrefix(t, prefix)
		case *etree.CharData:
			t.Data = strings.ReplaceAll(t.Data, PrefixPlaceholder, prefix)
		}
	}
}

// openError formats a failure to read path so that it names the path.
func openError(path string, err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) || strings.Contains(err.Error(), path) {
		return err
	}
	return fmt.Errorf("open %s: %w", path, err)
}

// prefixOf returns the include prefix of the element el: that of the
// nearest spliced element among el and its ancestors, or "".
func (l *loader) prefixOf(el *etree.Element) string {
	for e := el; e != nil; e = e.Parent() {
		if p, ok := l.prefixes[e]; ok {
			return p
		}
	}
	return ""
}
