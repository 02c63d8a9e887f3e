package ecmascript

import (
	"strings"

	"github.com/beevik/etree"
	"github.com/dop251/goja"
	"github.com/orca-scxml/orca/interp"
)

// The DOM node types (the nodeType property).
const (
	elementNode   = 1
	attributeNode = 2
	textNode      = 3
	cdataNode     = 4
	procInstNode  = 7
	commentNode   = 8
	documentNode  = 9
)

// domNode is a read-only DOM node over parsed XML (W3C tests 557, 561):
// documents, elements, attributes, text, CDATA, comments and processing
// instructions. Its JavaScript object is a goja.DynamicObject made on first
// use, so a node keeps its identity.
type domNode struct {
	typ   int
	name  string // nodeName
	value string // nodeValue of attributes, text, comments, instructions
	el    *etree.Element
	src   string // the markup of a document
	// parent is the parent node (the owner element of an attribute).
	parent   *domNode
	index    int
	children []*domNode
	attrs    []*domNode

	m          *Model
	obj        *goja.Object
	childNodes *goja.Object
}

// newDOM builds the DOM of a parsed document; src is its markup.
func (m *Model) newDOM(doc *etree.Document, src string) *domNode {
	d := &domNode{m: m, typ: documentNode, name: "#document", src: src}
	for _, t := range doc.Child {
		switch t := t.(type) {
		case *etree.CharData:
			continue // no text outside the document element
		case *etree.ProcInst:
			if t.Target == "xml" {
				continue // the XML declaration is not a node
			}
		}
		d.add(t)
	}
	return d
}

// add appends the node for token t to n's children.
func (n *domNode) add(t etree.Token) {
	c := &domNode{m: n.m, parent: n, index: len(n.children)}
	switch t := t.(type) {
	case *etree.Element:
		c.typ, c.name, c.el = elementNode, t.FullTag(), t
		for i := range t.Attr {
			a := &t.Attr[i]
			c.attrs = append(c.attrs, &domNode{m: n.m, typ: attributeNode, name: a.FullKey(), value: a.Value, parent: c, index: i})
		}
		for _, ct := range t.Child {
			c.add(ct)
		}
	case *etree.CharData:
		c.typ, c.name, c.value = textNode, "#text", t.Data
		if t.IsCData() {
			c.typ, c.name = cdataNode, "#cdata-section"
		}
	case *etree.Comment:
		c.typ, c.name, c.value = commentNode, "#comment", t.Data
	case *etree.ProcInst:
		c.typ, c.name, c.value = procInstNode, t.Target, t.Inst
	default:
		return
	}
	n.children = append(n.children, c)
}

// object returns the node's JavaScript object.
func (n *domNode) object(m *Model) *goja.Object {
	if n.obj == nil {
		n.obj = m.rt.NewDynamicObject(n)
	}
	return n.obj
}

func (n *domNode) objectOrNull(m *Model) goja.Value {
	if n == nil {
		return goja.Null()
	}
	return n.object(m)
}

// export returns the node in neutral form: documents and elements as
// *interp.XMLNode, other nodes as their text.
func (n *domNode) export() any {
	switch n.typ {
	case documentNode:
		return &interp.XMLNode{Text: n.src}
	case elementNode:
		doc := etree.NewDocumentWithRoot(n.el.Copy())
		s, err := doc.WriteToString()
		if err != nil {
			return n.text()
		}
		return &interp.XMLNode{Text: s}
	}
	return n.text()
}

// text is the textContent of the node.
func (n *domNode) text() string {
	switch n.typ {
	case elementNode, documentNode:
		var b strings.Builder
		n.appendText(&b)
		return b.String()
	}
	return n.value
}

func (n *domNode) appendText(b *strings.Builder) {
	for _, c := range n.children {
		switch c.typ {
		case textNode, cdataNode:
			b.WriteString(c.value)
		case elementNode:
			c.appendText(b)
		}
	}
}

// documentElement returns the first element child.
func (n *domNode) documentElement() *domNode {
	for _, c := range n.children {
		if c.typ == elementNode {
			return c
		}
	}
	return nil
}

func (n *domNode) sibling(d int) *domNode {
	if n.parent == nil || n.typ == attributeNode {
		return nil
	}
	i := n.index + d
	if i < 0 || i >= len(n.parent.children) {
		return nil
	}
	return n.parent.children[i]
}

func (n *domNode) owner() *domNode {
	d := n
	for d.parent != nil {
		d = d.parent
	}
	if d == n || d.typ != documentNode {
		return nil
	}
	return d
}

// elementsByTagName collects the descendant elements named name ("*": all)
// in document order.
func (n *domNode) elementsByTagName(name string, out []*domNode) []*domNode {
	for _, c := range n.children {
		if c.typ != elementNode {
			continue
		}
		if name == "*" || c.name == name {
			out = append(out, c)
		}
		out = c.elementsByTagName(name, out)
	}
	return out
}

func (n *domNode) attr(name string) *domNode {
	for _, a := range n.attrs {
		if a.name == name {
			return a
		}
	}
	return nil
}

func (n *domNode) array(nodes []*domNode) *goja.Object {
	items := make([]any, len(nodes))
	for i, c := range nodes {
		items[i] = c.object(n.m)
	}
	return n.m.rt.NewArray(items...)
}

// Get returns the DOM property key.
func (n *domNode) Get(key string) goja.Value {
	m := n.m
	rt := m.rt
	isElem := n.typ == elementNode
	isContainer := isElem || n.typ == documentNode
	switch key {
	case "nodeType":
		return rt.ToValue(n.typ)
	case "nodeName":
		return rt.ToValue(n.name)
	case "nodeValue":
		if isContainer {
			return goja.Null()
		}
		return rt.ToValue(n.value)
	case "textContent":
		if n.typ == documentNode {
			return goja.Null()
		}
		return rt.ToValue(n.text())
	case "data":
		if n.typ == textNode || n.typ == cdataNode || n.typ == commentNode || n.typ == procInstNode {
			return rt.ToValue(n.value)
		}
	case "parentNode":
		if n.typ == attributeNode {
			return goja.Null()
		}
		return n.parent.objectOrNull(m)
	case "ownerDocument":
		return n.owner().objectOrNull(m)
	case "childNodes":
		if n.childNodes == nil {
			n.childNodes = n.array(n.children)
		}
		return n.childNodes
	case "firstChild":
		if len(n.children) == 0 {
			return goja.Null()
		}
		return n.children[0].object(m)
	case "lastChild":
		if len(n.children) == 0 {
			return goja.Null()
		}
		return n.children[len(n.children)-1].object(m)
	case "nextSibling":
		return n.sibling(1).objectOrNull(m)
	case "previousSibling":
		return n.sibling(-1).objectOrNull(m)
	case "getElementsByTagName":
		if isContainer {
			return m.domFunctions().getElementsByTagName
		}
	case "hasChildNodes":
		return m.domFunctions().hasChildNodes
	}
	if n.typ == documentNode && key == "documentElement" {
		return n.documentElement().objectOrNull(m)
	}
	if n.typ == attributeNode {
		switch key {
		case "name":
			return rt.ToValue(n.name)
		case "value":
			return rt.ToValue(n.value)
		case "ownerElement":
			return n.parent.objectOrNull(m)
		}
	}
	if !isElem {
		return nil
	}
	switch key {
	case "tagName":
		return rt.ToValue(n.name)
	case "localName":
		return rt.ToValue(n.el.Tag)
	case "prefix":
		if n.el.Space == "" {
			return goja.Null()
		}
		return rt.ToValue(n.el.Space)
	case "namespaceURI":
		if uri := n.el.NamespaceURI(); uri != "" {
			return rt.ToValue(uri)
		}
		return goja.Null()
	case "attributes":
		return n.array(n.attrs)
	case "children":
		var els []*domNode
		for _, c := range n.children {
			if c.typ == elementNode {
				els = append(els, c)
			}
		}
		return n.array(els)
	case "firstElementChild":
		return n.documentElement().objectOrNull(m)
	case "getAttribute":
		return m.domFunctions().getAttribute
	case "hasAttribute":
		return m.domFunctions().hasAttribute
	case "getAttributeNode":
		return m.domFunctions().getAttributeNode
	}
	return nil
}

// Set refuses: the DOM is read-only.
func (n *domNode) Set(string, goja.Value) bool { return false }

// Has reports whether the node has property key.
func (n *domNode) Has(key string) bool { return n.Get(key) != nil }

// Delete refuses: the DOM is read-only.
func (n *domNode) Delete(string) bool { return false }

// Keys lists no properties, so that JSON.stringify of a node is "{}" as in
// browsers.
func (n *domNode) Keys() []string { return nil }

// domFuncs are the DOM methods, one function object per session.
type domFuncs struct {
	getElementsByTagName goja.Value
	getAttribute         goja.Value
	hasAttribute         goja.Value
	getAttributeNode     goja.Value
	hasChildNodes        goja.Value
}

func (m *Model) domFunctions() *domFuncs {
	if m.dom != nil {
		return m.dom
	}
	this := func(call goja.FunctionCall, elem bool) *domNode {
		if obj, ok := call.This.(*goja.Object); ok {
			if n, ok := domNodeOf(obj); ok && (!elem || n.typ == elementNode) {
				return n
			}
		}
		panic(m.rt.NewTypeError("Illegal invocation"))
	}
	m.dom = &domFuncs{
		getElementsByTagName: m.rt.ToValue(func(call goja.FunctionCall) goja.Value {
			n := this(call, false)
			return n.array(n.elementsByTagName(call.Argument(0).String(), nil))
		}),
		getAttribute: m.rt.ToValue(func(call goja.FunctionCall) goja.Value {
			if a := this(call, true).attr(call.Argument(0).String()); a != nil {
				return m.rt.ToValue(a.value)
			}
			return goja.Null()
		}),
		hasAttribute: m.rt.ToValue(func(call goja.FunctionCall) goja.Value {
			return m.rt.ToValue(this(call, true).attr(call.Argument(0).String()) != nil)
		}),
		getAttributeNode: m.rt.ToValue(func(call goja.FunctionCall) goja.Value {
			return this(call, true).attr(call.Argument(0).String()).objectOrNull(m)
		}),
		hasChildNodes: m.rt.ToValue(func(call goja.FunctionCall) goja.Value {
			return m.rt.ToValue(len(this(call, false).children) > 0)
		}),
	}
	return m.dom
}
