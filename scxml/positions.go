package scxml

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"sort"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// maxDepth bounds element nesting, so that deeply nested input cannot
// exhaust the stack of the recursive model builder.
const maxDepth = 512

// srcMap converts byte offsets of one source text to positions.
type srcMap struct {
	file  string
	src   []byte
	lines []int // byte offset of the start of each line
}

func newSrcMap(file string, src []byte) *srcMap {
	m := &srcMap{file: file, src: src, lines: []int{bomLen(src)}}
	for i, c := range src {
		if c == '\n' {
			m.lines = append(m.lines, i+1)
		}
	}
	return m
}

// bomLen returns the length of the UTF-8 byte order mark src starts with.
func bomLen(src []byte) int {
	if bytes.HasPrefix(src, []byte("\xef\xbb\xbf")) {
		return 3
	}
	return 0
}

// pos returns the 1-based line and column (in runes) of byte offset off.
func (m *srcMap) pos(off int) Pos {
	off = max(m.lines[0], min(off, len(m.src)))
	line := sort.Search(len(m.lines), func(i int) bool { return m.lines[i] > off }) - 1
	start := m.lines[line]
	return Pos{File: m.file, Line: line + 1, Col: utf8.RuneCount(m.src[start:off]) + 1}
}

// elemInfo records where an element and its attributes are in the source.
type elemInfo struct {
	m     *srcMap // the source the element was read from
	start int     // offset of '<'
	body  int     // offset just after the start tag
	attrs []attrInfo
}

// attrInfo is one attribute of a start tag as written.
type attrInfo struct {
	key   string // qualified name as written
	name  int    // offset of the name
	value int    // offset of the first character of the value
}

// scanXML checks that src is well-formed XML with a single root element
// and returns the offsets of the start tags in document order, one for each
// element etree will build. Malformed input yields a positioned error.
func scanXML(m *srcMap) ([]elemInfo, *Error) {
	skip := bomLen(m.src)
	dec := xml.NewDecoder(bytes.NewReader(m.src[skip:]))
	dec.Strict = true
	dec.CharsetReader = func(_ string, r io.Reader) (io.Reader, error) { return r, nil }
	var (
		infos []elemInfo
		depth int
		roots int
	)
	for {
		off := skip + int(dec.InputOffset())
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, syntaxError(m, skip+int(dec.InputOffset()), err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
				if roots > 1 {
					return nil, &Error{Pos: m.pos(off), Msg: "unexpected element <" + t.Name.Local + "> after the root element"}
				}
			}
			depth++
			if depth > maxDepth {
				return nil, &Error{Pos: m.pos(off), Msg: "elements nested too deeply"}
			}
			infos = append(infos, elemInfo{start: off, body: skip + int(dec.InputOffset()), attrs: scanAttrs(m.src, off)})
		case xml.EndElement:
			depth--
		case xml.CharData:
			if depth == 0 && len(bytes.TrimSpace(t)) > 0 {
				lead := len(t) - len(bytes.TrimLeft(t, " \t\r\n"))
				return nil, &Error{Pos: m.pos(off + lead), Msg: "text outside the root element"}
			}
		}
	}
	if roots == 0 {
		return nil, &Error{Pos: m.pos(len(m.src)), Msg: "no root element"}
	}
	return infos, nil
}

// syntaxError positions a decoder error at the offset where the decoder
// stopped, keeping the line the decoder reports.
func syntaxError(m *srcMap, off int, err error) *Error {
	p := m.pos(off)
	msg := err.Error()
	var se *xml.SyntaxError
	if errors.As(err, &se) {
		msg = se.Msg
		if se.Line > 0 && se.Line != p.Line && se.Line <= len(m.lines) {
			p = Pos{File: m.file, Line: se.Line, Col: 1}
		}
	}
	return &Error{Pos: p, Msg: "malformed XML: " + msg}
}

// scanAttrs lists the attributes of the start tag at src[off], which the
// decoder has already found well-formed.
func scanAttrs(src []byte, off int) []attrInfo {
	i := off + 1
	n := len(src)
	isSpace := func(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }
	for i < n && !isSpace(src[i]) && src[i] != '/' && src[i] != '>' {
		i++
	}
	var attrs []attrInfo
	for i < n {
		for i < n && isSpace(src[i]) {
			i++
		}
		if i >= n || src[i] == '/' || src[i] == '>' {
			break
		}
		nameStart := i
		for i < n && !isSpace(src[i]) && src[i] != '=' {
			i++
		}
		key := string(src[nameStart:i])
		for i < n && src[i] != '"' && src[i] != '\'' {
			i++
		}
		if i >= n {
			break
		}
		q := src[i]
		i++
		valueStart := i
		for i < n && src[i] != q {
			i++
		}
		attrs = append(attrs, attrInfo{key: key, name: nameStart, value: valueStart})
		i++
	}
	return attrs
}

// positions maps the elements of parsed etree documents to their source
// offsets: those of the document's file, and those spliced from files
// included with <xi:include>.
type positions struct {
	file  string
	elems map[*etree.Element]*elemInfo
	// texts are the positions of character data included with
	// <xi:include parse="text">.
	texts map[*etree.CharData]Pos
}

func newPositions(file string) *positions {
	return &positions{file: file, elems: make(map[*etree.Element]*elemInfo), texts: make(map[*etree.CharData]Pos)}
}

// add records the positions of the elements of the tree root, read from
// the source m in which scanXML found infos.
func (p *positions) add(m *srcMap, root *etree.Element, infos []elemInfo) {
	i := 0
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		if i < len(infos) {
			infos[i].m = m
			p.elems[e] = &infos[i]
		}
		i++
		for _, c := range e.ChildElements() {
			walk(c)
		}
	}
	walk(root)
}

// of returns the position of el's start tag.
func (p *positions) of(el *etree.Element) Pos {
	if info := p.elems[el]; info != nil {
		return info.m.pos(info.start)
	}
	return Pos{File: p.file, Line: 1, Col: 1}
}

// body returns the position just after el's start tag, where its content
// begins.
func (p *positions) body(el *etree.Element) Pos {
	if info := p.elems[el]; info != nil {
		return info.m.pos(info.body)
	}
	return p.of(el)
}

// attrName returns the position of the name of el's attribute key (as
// written, with any prefix), or of el when it has no such attribute.
func (p *positions) attrName(el *etree.Element, key string) Pos {
	if info, a := p.attr(el, key); a != nil {
		return info.m.pos(a.name)
	}
	return p.of(el)
}

// attrValue returns the position of the first character of the value of
// el's attribute key, or of el when it has no such attribute.
func (p *positions) attrValue(el *etree.Element, key string) Pos {
	if info, a := p.attr(el, key); a != nil {
		return info.m.pos(a.value)
	}
	return p.of(el)
}

func (p *positions) attr(el *etree.Element, key string) (*elemInfo, *attrInfo) {
	info := p.elems[el]
	if info == nil {
		return nil, nil
	}
	for i := range info.attrs {
		if info.attrs[i].key == key {
			return info, &info.attrs[i]
		}
	}
	return nil, nil
}

// duplicateAttr is an attribute written more than once on an element.
type duplicateAttr struct {
	key string // qualified name as written
	pos Pos    // position of the second (or later) name
}

// duplicateAttrs returns the attributes written more than once on el.
func (p *positions) duplicateAttrs(el *etree.Element) []duplicateAttr {
	info := p.elems[el]
	if info == nil || len(info.attrs) < 2 {
		return nil
	}
	var dups []duplicateAttr
	seen := make(map[string]bool, len(info.attrs))
	for _, a := range info.attrs {
		if seen[a.key] {
			dups = append(dups, duplicateAttr{key: a.key, pos: info.m.pos(a.name)})
		}
		seen[a.key] = true
	}
	return dups
}
