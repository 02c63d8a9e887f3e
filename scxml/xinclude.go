package scxml

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"path/filepath"
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
	data, found, err := l.readFold(path, hrefAt, "xi:include")
	if err != nil {
		if fb := fallback(inc); fb != nil {
			l.expand(fb, stack)
			return detach(fb.Child)
		}
		l.errs.errorf(hrefAt, "xi:include: %v", openError(path, err))
		return nil
	}
	path = found
	if parse == "text" {
		enc, _ := attr(inc, "encoding")
		text, err := textToUTF8(data, enc)
		if err != nil {
			l.errs.errorf(hrefAt, "xi:include: %s: %v", path, err)
			return nil
		}
		cd := etree.NewText(string(text))
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
	for _, s := range sel {
		replacePrefix(s, prefix)
	}
	if rid, ok := attr(inc, "resolveid"); ok && rid != "" {
		renameIDs(sel, rid)
	}
	inner := append(stack[:len(stack):len(stack)], path)
	out := make([]etree.Token, 0, len(sel))
	for _, s := range sel {
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
	data, err := toUTF8(data)
	if err != nil {
		l.errs.errorf(Pos{File: path, Line: 1, Col: 1}, "%v", err)
		return nil
	}
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
	normalizeNamespaces(root)
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
// values and character data of el and its descendants. With an empty
// prefix, "$$_MY_PREFIX_$$." goes as a whole: the id Composer writes as
// "$$_MY_PREFIX_$$.Exit1" is then "Exit1", as resolveid names it
// "<resolveid>.Exit1".
func replacePrefix(el *etree.Element, prefix string) {
	r := strings.NewReplacer(PrefixPlaceholder, prefix)
	if prefix == "" {
		r = strings.NewReplacer(PrefixPlaceholder+".", "", PrefixPlaceholder, "")
	}
	replaceIn(el, r)
}

func replaceIn(el *etree.Element, r *strings.Replacer) {
	for i := range el.Attr {
		if strings.Contains(el.Attr[i].Value, PrefixPlaceholder) {
			el.Attr[i].Value = r.Replace(el.Attr[i].Value)
		}
	}
	for _, t := range el.Child {
		switch t := t.(type) {
		case *etree.Element:
			replaceIn(t, r)
		case *etree.CharData:
			if strings.Contains(t.Data, PrefixPlaceholder) {
				t.Data = r.Replace(t.Data)
			}
		}
	}
}

// isStateElement reports whether el is an SCXML element whose id is a
// state id.
func isStateElement(el *etree.Element) bool {
	if !isSCXML(el) {
		return false
	}
	switch el.Tag {
	case "state", "parallel", "final", "history":
		return true
	}
	return false
}

// renameIDs gives the state ids of the spliced elements sel the prefix
// rid, as ORS applies an <xi:include resolveid>: every state id x written
// in the included content becomes "rid.x", and so do the references to
// those ids in that content (transition targets, initial attributes and
// the state names of done.state.x events). Ids of nested includes are
// left to their own resolveid.
func renameIDs(sel []*etree.Element, rid string) {
	ids := make(map[string]bool)
	var collect func(e *etree.Element)
	collect = func(e *etree.Element) {
		if isInclude(e) {
			return
		}
		if id, ok := attr(e, "id"); ok && isStateElement(e) {
			ids[id] = true
		}
		for _, c := range e.ChildElements() {
			collect(c)
		}
	}
	for _, s := range sel {
		collect(s)
	}
	if len(ids) == 0 {
		return
	}
	ref := func(id string) string {
		if ids[id] {
			return rid + "." + id
		}
		return id
	}
	tokens := func(e *etree.Element, key string, f func(string) string) {
		v, ok := attr(e, key)
		if !ok {
			return
		}
		fs := strings.Fields(v)
		changed := false
		for i, t := range fs {
			if n := f(t); n != t {
				fs[i], changed = n, true
			}
		}
		if changed {
			e.CreateAttr(key, strings.Join(fs, " "))
		}
	}
	doneState := func(ev string) string {
		const p = "done.state."
		if !strings.HasPrefix(ev, p) {
			return ev
		}
		name, suffix := ev[len(p):], ""
		if strings.HasSuffix(name, ".*") {
			name, suffix = name[:len(name)-2], ".*"
		}
		return p + ref(name) + suffix
	}
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		if isInclude(e) {
			return
		}
		if isStateElement(e) {
			tokens(e, "id", ref)
			tokens(e, "initial", ref)
		} else if isSCXML(e) && e.Tag == "transition" {
			tokens(e, "target", ref)
			tokens(e, "event", doneState)
		}
		for _, c := range e.ChildElements() {
			walk(c)
		}
	}
	for _, s := range sel {
		walk(s)
	}
}

// readFold reads path with Options.ReadFile. When the file does not exist
// and the loader can list directories, a file whose path differs only in
// letter case is read instead, with a warning at at naming both
// spellings; what says what named the file. It returns the path read.
func (l *loader) readFold(path string, at Pos, what string) ([]byte, string, error) {
	data, err := l.opts.ReadFile(path)
	if err == nil || l.opts.ReadDir == nil || !errors.Is(err, fs.ErrNotExist) || hasURLScheme(path) {
		return data, path, err
	}
	alt, ok := l.foldPath(path, 0)
	if !ok {
		return nil, path, err
	}
	data, err2 := l.opts.ReadFile(alt)
	if err2 != nil {
		return nil, path, err
	}
	l.warns.errorf(at, "%s: %s does not exist; using %s, whose name differs only in letter case", what, path, alt)
	return data, alt, nil
}

// foldPath returns the one existing path that equals path but for letter
// case, looking up each component that does not exist as written.
func (l *loader) foldPath(path string, depth int) (string, bool) {
	dir, base := filepath.Split(path)
	dir = filepath.Clean(dir)
	if base == "" || depth > maxIncludeDepth {
		return "", false
	}
	entries, err := l.opts.ReadDir(dir)
	if err != nil {
		if !errors.Is(err, fs.ErrNotExist) || dir == "." || dir == string(filepath.Separator) {
			return "", false
		}
		d, ok := l.foldPath(dir, depth+1)
		if !ok {
			return "", false
		}
		if entries, err = l.opts.ReadDir(d); err != nil {
			return "", false
		}
		dir = d
	}
	match := ""
	for _, e := range entries {
		if strings.EqualFold(e.Name(), base) {
			if match != "" {
				return "", false // ambiguous
			}
			match = e.Name()
		}
	}
	if match == "" {
		return "", false
	}
	return filepath.Join(dir, match), true
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
