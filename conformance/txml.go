package conformance

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/beevik/etree"
)

// Namespaces of the W3C test templates.
const (
	// ConfNamespace is the namespace of the conf: attributes and elements
	// in the W3C .txml templates.
	ConfNamespace = "http://www.w3.org/2005/scxml-conformance"
	// SCXMLNamespace is the SCXML 1.0 namespace.
	SCXMLNamespace = "http://www.w3.org/2005/07/scxml"
)

// xmlNamespace is the namespace bound to the reserved prefix xml.
const xmlNamespace = "http://www.w3.org/XML/1998/namespace"

// TransformTXML turns one W3C .txml test template into an SCXML document
// for the ECMAScript data model, applying the rules of the W3C stylesheet
// confEcma.xsl: every conf: attribute and element the stylesheet knows is
// replaced by its ECMAScript form, and everything else (elements,
// attributes, namespace declarations, text, comments and processing
// instructions) is copied. The result starts with an XML declaration and is
// indented the way xmllint --format indents, which leaves elements with
// mixed content as they are. A conf: attribute or element the stylesheet
// has no rule for is copied unchanged, as the stylesheet's identity rule
// does.
func TransformTXML(src []byte) ([]byte, error) {
	in := etree.NewDocument()
	if err := in.ReadFromBytes(src); err != nil {
		return nil, fmt.Errorf("conformance: parse txml: %w", err)
	}
	if in.Root() == nil {
		return nil, errors.New("conformance: parse txml: no root element")
	}

	out := etree.NewDocument()
	out.WriteSettings = etree.WriteSettings{CanonicalText: true, CanonicalAttrVal: true}
	out.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	top := etree.NewElement("document")
	for _, tok := range in.Child {
		switch tok := tok.(type) {
		case *etree.Element:
			transformElement(top, tok)
		case *etree.Comment:
			top.AddChild(etree.NewComment(tok.Data))
		case *etree.ProcInst:
			if tok.Target != "xml" {
				top.AddChild(etree.NewProcInst(tok.Target, tok.Inst))
			}
		}
	}
	var roots int
	for _, tok := range slices.Clone(top.Child) {
		switch tok := tok.(type) {
		case *etree.Element:
			roots++
		case *etree.CharData:
			if strings.TrimSpace(tok.Data) != "" {
				return nil, errors.New("conformance: transform txml: text outside the root element")
			}
			continue
		}
		out.AddChild(etree.NewText("\n"))
		out.AddChild(tok)
	}
	if roots != 1 {
		return nil, fmt.Errorf("conformance: transform txml: result has %d root elements, want 1", roots)
	}
	out.AddChild(etree.NewText("\n"))
	for _, el := range out.ChildElements() {
		indentLikeXmllint(el, 1)
	}

	var buf bytes.Buffer
	if _, err := out.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("conformance: write scxml: %w", err)
	}
	return buf.Bytes(), nil
}

// TransformDir regenerates the W3C suite directory from its templates. It
// transforms every srcDir/NAME.txml into dstDir/NAME.scxml with
// TransformTXML and copies every other regular file of srcDir (the data
// files the tests load, such as test446.txt) except the XSLT stylesheets
// (*.xsl), creating dstDir if needed. It returns the base names of the files
// it wrote, sorted.
func TransformDir(srcDir, dstDir string) ([]string, error) {
	entries, err := os.ReadDir(srcDir)
	if err != nil {
		return nil, fmt.Errorf("conformance: read templates: %w", err)
	}
	if err := os.MkdirAll(dstDir, 0o755); err != nil {
		return nil, fmt.Errorf("conformance: create output directory: %w", err)
	}
	var written []string
	for _, e := range entries {
		if !e.Type().IsRegular() {
			continue
		}
		name := e.Name()
		ext := filepath.Ext(name)
		if ext == ".xsl" {
			continue
		}
		src := filepath.Join(srcDir, name)
		data, err := os.ReadFile(src)
		if err != nil {
			return written, fmt.Errorf("conformance: %w", err)
		}
		if ext == ".txml" {
			if data, err = TransformTXML(data); err != nil {
				return written, fmt.Errorf("%s: %w", src, err)
			}
			name = strings.TrimSuffix(name, ext) + ".scxml"
		}
		dst := filepath.Join(dstDir, name)
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return written, fmt.Errorf("conformance: %w", err)
		}
		written = append(written, name)
	}
	slices.Sort(written)
	return written, nil
}

// transformElement appends to parent the result of applying the stylesheet
// to the source element src.
func transformElement(parent, src *etree.Element) {
	if src.NamespaceURI() == ConfNamespace && src.Space != "" {
		if confElement(parent, src) {
			return
		}
	}

	el := etree.NewElement(src.Tag)
	el.Space = src.Space
	parent.AddChild(el)
	// Namespace declarations first, as an XSLT serializer writes them, and
	// only those the parent does not already have in scope.
	for _, a := range src.Attr {
		if isNamespaceDecl(a) && lookupNamespace(parent, declaredPrefix(a)) != a.Value {
			el.CreateAttr(a.FullKey(), a.Value)
		}
	}
	for _, a := range src.Attr {
		if isNamespaceDecl(a) {
			continue
		}
		if a.Space != "" && a.NamespaceURI() == ConfNamespace {
			if name, value, ok := confAttr(a.Key, a.Value); ok {
				el.CreateAttr(name, value)
				continue
			}
		}
		el.CreateAttr(a.FullKey(), a.Value)
	}
	for _, tok := range src.Child {
		switch tok := tok.(type) {
		case *etree.Element:
			transformElement(el, tok)
		case *etree.CharData:
			cd := etree.NewText(tok.Data)
			if tok.IsCData() {
				cd = etree.NewCData(tok.Data)
			}
			el.AddChild(cd)
		case *etree.Comment:
			el.AddChild(etree.NewComment(tok.Data))
		case *etree.ProcInst:
			el.AddChild(etree.NewProcInst(tok.Target, tok.Inst))
		}
	}
}

// isNamespaceDecl reports whether a is an xmlns or xmlns:p attribute.
func isNamespaceDecl(a etree.Attr) bool {
	return a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns")
}

// declaredPrefix returns the prefix the namespace declaration a binds, ""
// for the default namespace.
func declaredPrefix(a etree.Attr) string {
	if a.Space == "xmlns" {
		return a.Key
	}
	return ""
}

// lookupNamespace returns the namespace URI that prefix ("" for the default
// namespace) has in scope at el, or "" when it has none.
func lookupNamespace(el *etree.Element, prefix string) string {
	if prefix == "xml" {
		return xmlNamespace
	}
	for e := el; e != nil; e = e.Parent() {
		for _, a := range e.Attr {
			if isNamespaceDecl(a) && declaredPrefix(a) == prefix {
				return a.Value
			}
		}
	}
	return ""
}

// literal appends to parent a new element in the SCXML namespace, as a
// literal result element of the stylesheet, and returns it. Such an element
// carries the stylesheet's namespaces (SCXML as the default namespace and
// the conf: prefix); the declarations are written only where the parent
// does not already have them in scope.
func literal(parent *etree.Element, tag string) *etree.Element {
	el := etree.NewElement(tag)
	parent.AddChild(el)
	for _, ns := range [...]struct{ prefix, uri string }{{"", SCXMLNamespace}, {"conf", ConfNamespace}} {
		if lookupNamespace(parent, ns.prefix) == ns.uri {
			continue
		}
		key := "xmlns"
		if ns.prefix != "" {
			key += ":" + ns.prefix
		}
		el.CreateAttr(key, ns.uri)
	}
	return el
}

// literalChild is literal for an element nested in another literal result
// element, which needs no namespace declarations of its own.
func literalChild(parent *etree.Element, tag string) *etree.Element {
	el := etree.NewElement(tag)
	parent.AddChild(el)
	return el
}

// indentLikeXmllint re-indents the children of el by two spaces per level
// the way xmllint --format does: an element whose text children are all
// whitespace and which has element, comment or processing instruction
// children loses that whitespace and gets one child per line; an element
// with non-whitespace text (mixed content) or with text only is left as it
// is.
func indentLikeXmllint(el *etree.Element, depth int) {
	structured := false
	for _, tok := range el.Child {
		switch tok := tok.(type) {
		case *etree.CharData:
			if tok.IsCData() || strings.TrimSpace(tok.Data) != "" {
				return
			}
		default:
			structured = true
		}
	}
	if !structured {
		return
	}
	kids := make([]etree.Token, 0, len(el.Child))
	for _, tok := range el.Child {
		if _, ok := tok.(*etree.CharData); !ok {
			kids = append(kids, tok)
		}
	}
	for _, tok := range slices.Clone(el.Child) {
		el.RemoveChild(tok)
	}
	inner := "\n" + strings.Repeat("  ", depth)
	for _, tok := range kids {
		el.AddChild(etree.NewText(inner))
		el.AddChild(tok)
		if child, ok := tok.(*etree.Element); ok {
			indentLikeXmllint(child, depth+1)
		}
	}
	el.AddChild(etree.NewText("\n" + strings.Repeat("  ", depth-1)))
}
