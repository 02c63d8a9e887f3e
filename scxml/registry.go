package scxml

import (
	"fmt"
	"slices"
	"strings"

	"github.com/beevik/etree"
)

// ActionParser turns a custom action element found in executable content
// into the value stored in Custom.Action. c gives access to the document
// being loaded: positions, expressions registered in Document.Exprs, nested
// executable content and load errors.
//
// An error the parser returns becomes a load error. Errors made with
// c.Errorf (alone, in an ErrorList or joined with errors.Join) keep their
// own position and message; any other error is reported at the element as
// "<prefix:name>: message".
type ActionParser func(c *ActionContext, el *etree.Element) (any, error)

// ActionContext is what an ActionParser may use of the document being
// loaded. It is valid only during the call to the parser.
type ActionContext struct {
	b        *builder
	finalize bool
}

// Pos returns where el starts. For elements spliced by <xi:include> this is
// a position in the included file.
func (c *ActionContext) Pos(el *etree.Element) Pos {
	return c.b.pos.of(el)
}

// AttrPos returns the position of the first character of the value of el's
// attribute name (in no namespace), or where el starts when it has none.
func (c *ActionContext) AttrPos(el *etree.Element, name string) Pos {
	return c.b.pos.attrValue(el, name)
}

// Attr returns the value of el's attribute name in no namespace.
func (c *ActionContext) Attr(el *etree.Element, name string) (string, bool) {
	return attr(el, name)
}

// Expr adds an expression of the given kind to Document.Exprs, so that the
// data model compiles it with the rest of the document, and returns it with
// its Index set.
func (c *ActionContext) Expr(kind ExprKind, src string, pos Pos) *Expr {
	return c.b.expr(kind, src, pos)
}

// AttrExpr adds the expression held by el's attribute name (in no
// namespace) to Document.Exprs, positioned at the attribute value. It
// returns nil when el has no such attribute.
func (c *ActionContext) AttrExpr(el *etree.Element, name string, kind ExprKind) *Expr {
	return c.b.exprAttr(el, name, kind)
}

// Block builds the children of el as executable content, as in an
// <onentry>: SCXML actions, and custom actions parsed through the registry.
// Problems are recorded as load errors; the returned error, an ErrorList of
// them, lets the parser stop early (returning it again does not report
// them twice).
func (c *ActionContext) Block(el *etree.Element) (Block, error) {
	n := len(c.b.errs)
	blk := c.b.block(el, c.finalize)
	return blk, c.since(n)
}

// Params builds the SCXML <param> and <content> children of el, as in a
// <send>, reporting other SCXML children; children of other namespaces are
// left to the parser. Errors are handled as in Block.
func (c *ActionContext) Params(el *etree.Element) ([]*Param, *Content, error) {
	n := len(c.b.errs)
	var (
		params  []*Param
		content *Content
	)
	for _, ch := range el.ChildElements() {
		if !isSCXML(ch) {
			continue
		}
		switch ch.Tag {
		case "param":
			params = append(params, c.b.param(ch))
		case "content":
			if content != nil {
				c.b.errorf(c.b.pos.of(ch), "%s must not have more than one <content>", tag(el))
				continue
			}
			content = c.b.content(ch, false)
		default:
			c.b.notAllowed(ch, el)
		}
	}
	return params, content, c.since(n)
}

// CheckAttrs reports attributes of el in no namespace that are not in
// allowed (in ORS documents, "_"-prefixed attributes are always allowed)
// and attributes written twice. Errors are handled as in Block.
func (c *ActionContext) CheckAttrs(el *etree.Element, allowed ...string) error {
	n := len(c.b.errs)
	c.b.checkAttrs(el, allowed...)
	return c.since(n)
}

// WarnAttrs reports, as warnings, attributes of el in no namespace that
// are not in allowed ("_"-prefixed ones are always allowed in ORS
// documents); attributes written twice are still errors. ORS ignores the
// attributes of its module actions it does not know, so hosts use this
// for them.
func (c *ActionContext) WarnAttrs(el *etree.Element, allowed ...string) error {
	n := len(c.b.errs)
	for _, a := range el.Attr {
		if a.Space != "" || a.Key == "xmlns" || slices.Contains(allowed, a.Key) {
			continue
		}
		if c.b.doc.Dialect == ORS && strings.HasPrefix(a.Key, "_") {
			continue
		}
		c.b.warns.errorf(c.b.pos.attrName(el, a.Key), "unknown attribute %q on %s is ignored", a.Key, tag(el))
	}
	for _, d := range c.b.pos.duplicateAttrs(el) {
		c.b.errorf(d.pos, "duplicate attribute %q on %s", d.key, tag(el))
	}
	return c.since(n)
}

// Warnf records a warning at pos: a problem that does not stop the
// document from loading (Document.Warnings).
func (c *ActionContext) Warnf(pos Pos, format string, args ...any) {
	c.b.warns.errorf(pos, format, args...)
}

// Dialect returns the dialect of the document being loaded.
func (c *ActionContext) Dialect() Dialect {
	return c.b.doc.Dialect
}

// File returns the file el was read from (an included file for elements
// spliced by <xi:include>), the base against which its references resolve.
func (c *ActionContext) File(el *etree.Element) string {
	return c.b.pos.of(el).File
}

// ReadFile reads the file named by the reference ref in el (resolved with
// Resolve against File(el)) with the loader's Options.ReadFile. It returns
// the resolved path with the content.
func (c *ActionContext) ReadFile(el *etree.Element, ref string) (string, []byte, error) {
	path := Resolve(c.File(el), ref)
	data, err := c.b.opts.ReadFile(path)
	return path, data, err
}

// Errorf returns a load error at pos, formatted as "file:line:col: message".
// Return it from the parser (possibly with others, through errors.Join or
// an ErrorList) to report it.
func (c *ActionContext) Errorf(pos Pos, format string, args ...any) error {
	return &Error{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}

// since returns the errors recorded after the first n, or nil.
func (c *ActionContext) since(n int) error {
	if len(c.b.errs) == n {
		return nil
	}
	return append(ErrorList(nil), c.b.errs[n:]...)
}

// report records the error a parser returned for el, which starts at pos.
// Errors already recorded (returned by Block, Params or CheckAttrs) are not
// recorded again.
func (b *builder) report(el *etree.Element, pos Pos, err error) {
	switch x := err.(type) {
	case *Error:
		if x != nil && !slices.Contains(b.errs, x) {
			b.errs = append(b.errs, x)
		}
	case ErrorList:
		for _, e := range x {
			b.report(el, pos, e)
		}
	case interface{ Unwrap() []error }:
		for _, e := range x.Unwrap() {
			b.report(el, pos, e)
		}
	default:
		b.errorf(pos, "%s: %v", tag(el), err)
	}
}

// Registry maps elements of other namespaces in executable content to the
// parsers of the custom actions they stand for. Register all parsers before
// loading documents with the registry; it is safe to share between
// concurrent loads afterwards.
type Registry struct {
	parsers map[string]map[string]ActionParser
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{parsers: make(map[string]map[string]ActionParser)}
}

// Register sets p as the parser of the element with local name local in
// namespace ns, replacing any earlier one.
func (r *Registry) Register(ns, local string, p ActionParser) {
	if r.parsers == nil {
		r.parsers = make(map[string]map[string]ActionParser)
	}
	m := r.parsers[ns]
	if m == nil {
		m = make(map[string]ActionParser)
		r.parsers[ns] = m
	}
	m[local] = p
}

// lookup returns the parser for ns and local, and whether ns has any
// registered parser.
func (r *Registry) lookup(ns, local string) (p ActionParser, known bool) {
	if r == nil {
		return nil, false
	}
	m, ok := r.parsers[ns]
	if !ok {
		return nil, false
	}
	return m[local], true
}
