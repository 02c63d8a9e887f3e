package scxml

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"io/fs"
	"os"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// Options configure loading. A nil *Options, or a nil field, selects the
// default.
type Options struct {
	// Registry holds the parsers of custom actions; nil means none.
	Registry *Registry
	// ReadFile reads the document, <script src>, <data src> and
	// <xi:include href> files; nil means os.ReadFile. It receives paths
	// made by Resolve.
	ReadFile func(path string) ([]byte, error)
	// ReadDir lists a directory. When a file an <xi:include href> or a
	// <script src> names does not exist, the loader looks there for one
	// whose name differs only in letter case (projects built on Windows)
	// and uses it with a warning. Nil means os.ReadDir when ReadFile is
	// nil too, and no such lookup otherwise.
	ReadDir func(dir string) ([]fs.DirEntry, error)
	// Dialect forces the dialect of the documents loaded (W3C or ORS);
	// AutoDialect, the zero value, recognises it from each document.
	Dialect Dialect
}

func (o *Options) withDefaults() Options {
	var r Options
	if o != nil {
		r = *o
	}
	if r.ReadFile == nil {
		r.ReadFile = os.ReadFile
		if r.ReadDir == nil {
			r.ReadDir = os.ReadDir
		}
	}
	return r
}

// Load reads the SCXML document at path and builds its validated model.
// When the document has errors, the error is an ErrorList.
func Load(path string, opts *Options) (*Document, error) {
	o := opts.withDefaults()
	src, err := o.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("scxml: %w", err)
	}
	return Parse(path, src, &o)
}

// Parse builds the validated model of the SCXML document src. file names
// the document in positions and is the base against which src attributes
// are resolved. When the document has errors, the error is an ErrorList.
func Parse(file string, src []byte, opts *Options) (*Document, error) {
	o := opts.withDefaults()
	src, err := toUTF8(src)
	if err != nil {
		return nil, ErrorList{{Pos: Pos{File: file, Line: 1, Col: 1}, Msg: err.Error(), Err: err}}
	}
	m := newSrcMap(file, src)
	infos, serr := scanXML(m)
	if serr != nil {
		return nil, ErrorList{serr}
	}
	et := etree.NewDocument()
	et.ReadSettings.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	if err := et.ReadFromBytes(src[bomLen(src):]); err != nil {
		return nil, ErrorList{{Pos: m.pos(0), Msg: "malformed XML: " + err.Error()}}
	}
	root := et.Root()
	if root == nil {
		return nil, ErrorList{{Pos: m.pos(len(src)), Msg: "no root element"}}
	}
	l := &loader{opts: o, file: file, pos: newPositions(file), prefixes: make(map[*etree.Element]string)}
	l.pos.add(m, root, infos)
	if root.Tag != "scxml" || root.NamespaceURI() != NS {
		l.errs.errorf(l.pos.of(root), "root element must be <scxml> in namespace %s, found <%s> in namespace %q",
			NS, root.FullTag(), root.NamespaceURI())
		return nil, l.errs
	}
	normalizeNamespaces(root)
	if l.dialectOf(root, AutoDialect) == ORS {
		// A state file loaded on its own (a Composer workflow or
		// subroutine) has no include prefix: "$$_MY_PREFIX_$$.id" is
		// then the id itself.
		replacePrefix(root, "")
	}
	l.expand(root, []string{file})
	doc := l.document(root, AutoDialect)
	if len(l.errs) > 0 {
		return nil, sortErrors(l.errs)
	}
	doc.Warnings = sortErrors(l.warns)
	return doc, nil
}

// loader holds what the builders of a file and of its inline documents
// share.
type loader struct {
	opts Options
	file string
	pos  *positions
	errs ErrorList
	// warns are problems that do not stop the document from loading.
	warns ErrorList
	// includes counts the <xi:include> elements processed.
	includes int
	// prefixes holds the include prefix of each spliced element.
	prefixes map[*etree.Element]string
}

// builder builds one Document: the file's, or an inline <scxml> in an
// <invoke>'s <content>.
type builder struct {
	*loader
	doc         *Document
	transitions int
	targets     []pendingTargets
	firstChild  []*Transition
	initials    []pendingTargets
	histories   []pendingTargets
	stateIDs    map[string]Pos
	dataIDs     map[string]Pos
}

// pendingTargets is a target list waiting for the whole document to be
// read before it can be resolved.
type pendingTargets struct {
	t    *Transition
	ids  []string
	pos  []Pos
	what string // "transition target" or "initial state"
}

// document builds the document whose root element is el; outer is the
// dialect of the document holding it, for an inline document.
func (l *loader) document(el *etree.Element, outer Dialect) *Document {
	b := &builder{
		loader: l,
		doc: &Document{File: l.file, ByID: make(map[string]*State), Element: el,
			Dialect: l.dialectOf(el, outer)},
		stateIDs: make(map[string]Pos),
		dataIDs:  make(map[string]Pos),
	}
	b.scxml(el)
	b.resolve()
	return b.doc
}

// errorf records an error at pos.
func (b *builder) errorf(pos Pos, format string, args ...any) {
	b.errs.errorf(pos, format, args...)
}

// expr adds an expression to the document.
func (b *builder) expr(kind ExprKind, src string, pos Pos) *Expr {
	e := &Expr{Kind: kind, Src: src, Pos: pos, Index: len(b.doc.Exprs)}
	b.doc.Exprs = append(b.doc.Exprs, e)
	return e
}

// exprAttr returns the expression in el's attribute key, or nil.
func (b *builder) exprAttr(el *etree.Element, key string, kind ExprKind) *Expr {
	v, ok := attr(el, key)
	if !ok {
		return nil
	}
	return b.expr(kind, v, b.pos.attrValue(el, key))
}

// next returns the Order of the next transition.
func (b *builder) next() int {
	b.transitions++
	return b.transitions - 1
}

// tag returns "<name>" for error messages.
func tag(el *etree.Element) string {
	return "<" + el.FullTag() + ">"
}

// isSCXML reports whether el is in the SCXML namespace.
func isSCXML(el *etree.Element) bool {
	return el.NamespaceURI() == NS
}

// attr returns the value of el's attribute key in no namespace.
func attr(el *etree.Element, key string) (string, bool) {
	for _, a := range el.Attr {
		if a.Space == "" && a.Key == key {
			return a.Value, true
		}
	}
	return "", false
}

// has reports whether el has the attribute key in no namespace.
func has(el *etree.Element, key string) bool {
	_, ok := attr(el, key)
	return ok
}

// checkAttrs reports attributes in no namespace other than allowed, and
// attributes written twice. Namespace declarations and attributes of other
// namespaces are always allowed, and so are attributes whose name starts
// with "_" in ORS documents.
func (b *builder) checkAttrs(el *etree.Element, allowed ...string) {
	for _, a := range el.Attr {
		if a.Space != "" || a.Key == "xmlns" || slices.Contains(allowed, a.Key) {
			continue
		}
		if b.doc.Dialect == ORS && strings.HasPrefix(a.Key, "_") {
			continue
		}
		b.errorf(b.pos.attrName(el, a.Key), "unknown attribute %q on %s", a.Key, tag(el))
	}
	for _, d := range b.pos.duplicateAttrs(el) {
		b.errorf(d.pos, "duplicate attribute %q on %s", d.key, tag(el))
	}
}

// required returns el's attribute key, reporting it when missing.
func (b *builder) required(el *etree.Element, key string) (string, bool) {
	v, ok := attr(el, key)
	if !ok {
		b.errorf(b.pos.of(el), "missing required attribute %q on %s", key, tag(el))
	}
	return v, ok
}

// exclusive reports el when it has both attributes x and y.
func (b *builder) exclusive(el *etree.Element, x, y string) {
	if has(el, x) && has(el, y) {
		b.errorf(b.pos.attrName(el, y), "%s must not have both %q and %q", tag(el), x, y)
	}
}

// enum returns the index in values of el's attribute key ("" when absent
// counts as values[0]), reporting other values.
func (b *builder) enum(el *etree.Element, key string, values ...string) int {
	v, ok := attr(el, key)
	if !ok {
		return 0
	}
	if i := slices.Index(values, v); i >= 0 {
		return i
	}
	b.errorf(b.pos.attrValue(el, key), "invalid %s %q on %s (want %s)", key, v, tag(el), quoteList(values))
	return 0
}

// quoteList formats values as `"a", "b" or "c"`.
func quoteList(values []string) string {
	q := make([]string, len(values))
	for i, v := range values {
		q[i] = fmt.Sprintf("%q", v)
	}
	if len(q) == 1 {
		return q[0]
	}
	return strings.Join(q[:len(q)-1], ", ") + " or " + q[len(q)-1]
}

// text returns the character data directly inside el, as written.
func text(el *etree.Element) string {
	var sb strings.Builder
	for _, t := range el.Child {
		if cd, ok := t.(*etree.CharData); ok {
			sb.WriteString(cd.Data)
		}
	}
	return sb.String()
}

// hasText reports whether el holds character data other than white space.
func hasText(el *etree.Element) bool {
	return strings.TrimSpace(text(el)) != ""
}

// hasChildren reports whether el has child elements or non-blank text.
func hasChildren(el *etree.Element) bool {
	return len(el.ChildElements()) > 0 || hasText(el)
}

// noText reports non-blank character data in an element whose content is
// elements only.
func (b *builder) noText(el *etree.Element) {
	if hasText(el) {
		b.errorf(b.pos.body(el), "unexpected text in %s", tag(el))
	}
}

// empty reports text and SCXML child elements in an element that must be
// empty. Elements of other namespaces are ignored.
func (b *builder) empty(el *etree.Element) {
	b.noText(el)
	for _, c := range el.ChildElements() {
		if isSCXML(c) {
			b.notAllowed(c, el)
		}
	}
}

// isElementName reports whether name is an element of SCXML 1.0.
func isElementName(name string) bool {
	switch name {
	case "scxml", "state", "parallel", "transition", "initial", "final", "onentry",
		"onexit", "history", "raise", "if", "elseif", "else", "foreach", "log",
		"datamodel", "data", "assign", "donedata", "content", "param", "script",
		"send", "cancel", "invoke", "finalize":
		return true
	}
	return false
}

// notAllowed reports an SCXML element child c that parent cannot hold.
func (b *builder) notAllowed(c, parent *etree.Element) {
	if isElementName(c.Tag) {
		b.errorf(b.pos.of(c), "%s is not allowed in %s", tag(c), tag(parent))
		return
	}
	b.errorf(b.pos.of(c), "unknown element %s in %s", tag(c), tag(parent))
}

// fields splits an attribute value into tokens, with the position of each.
func (b *builder) fields(el *etree.Element, key string) ([]string, []Pos) {
	v, _ := attr(el, key)
	base := b.pos.attrValue(el, key)
	toks := strings.Fields(v)
	pos := make([]Pos, len(toks))
	at := 0
	for i, t := range toks {
		j := at + strings.Index(v[at:], t)
		pos[i] = advance(base, v[:j])
		at = j + len(t)
	}
	return toks, pos
}

// advance returns the position after the text s, which starts at p.
func advance(p Pos, s string) Pos {
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		p.Line += strings.Count(s, "\n")
		p.Col = 1
		s = s[i+1:]
	}
	p.Col += utf8.RuneCountInString(s)
	return p
}

// validID reports whether id is an XML NCName, the form of an XML ID.
func validID(id string) bool {
	if id == "" {
		return false
	}
	for i, r := range id {
		switch {
		case r == '_' || unicode.IsLetter(r):
		case i > 0 && (r == '-' || r == '.' || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) ||
			unicode.Is(unicode.Mc, r) || unicode.Is(unicode.Nd, r) || r == 0xB7):
		default:
			return false
		}
	}
	return true
}

// isXML reports whether data is a well-formed XML document with a root
// element.
func isXML(data []byte) bool {
	if !bytes.HasPrefix(bytes.TrimSpace(data), []byte("<")) {
		return false
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	roots, depth := 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return roots == 1
		}
		if err != nil {
			return false
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				return false
			}
		}
	}
}
