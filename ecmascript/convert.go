package ecmascript

import (
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/dop251/goja"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// maxExportDepth bounds the nesting of exported values.
const maxExportDepth = 1000

// toJS converts a neutral value to a native JavaScript value: arrays and
// objects become ordinary JavaScript arrays and objects (object keys in
// sorted order), *interp.XMLNode a DOM document. nil is null. Values of
// other types are wrapped by goja.
func (m *Model) toJS(v any) goja.Value {
	switch v := v.(type) {
	case nil:
		return goja.Null()
	case goja.Value:
		return v
	case bool, string, float64, float32, int, int8, int16, int32, int64, uint, uint8, uint16, uint32, uint64:
		return m.rt.ToValue(v)
	case []any:
		items := make([]any, len(v))
		for i, x := range v {
			items[i] = m.toJS(x)
		}
		return m.rt.NewArray(items...)
	case []string:
		items := make([]any, len(v))
		for i, x := range v {
			items[i] = x
		}
		return m.rt.NewArray(items...)
	case map[string]any:
		obj := m.rt.NewObject()
		var buf [16]string
		for _, k := range appendSortedKeys(buf[:0], v) {
			_ = obj.Set(k, m.toJS(v[k]))
		}
		return obj
	case map[string]string:
		obj := m.rt.NewObject()
		var buf [16]string
		for _, k := range appendSortedKeys(buf[:0], v) {
			_ = obj.Set(k, v[k])
		}
		return obj
	case *interp.XMLNode:
		if v == nil {
			return goja.Null()
		}
		return m.xmlToJS(v.Text)
	case interp.SendIDData:
		return m.toJS(v.Map())
	case interp.XMLNode:
		return m.xmlToJS(v.Text)
	}
	return m.rt.ToValue(v)
}

// appendSortedKeys appends the keys of m to buf in order and returns them: the
// properties of an object made from a map come in the same order in every
// run. A caller's buffer on its stack spares an allocation for the maps
// events carry, which are small.
func appendSortedKeys[V any](buf []string, m map[string]V) []string {
	for k := range m {
		buf = append(buf, k)
	}
	slices.Sort(buf)
	return buf
}

// xmlToJS returns the DOM of text, or text as a string when it is not
// well-formed.
func (m *Model) xmlToJS(text string) goja.Value {
	doc, err := parseXML(text)
	if err != nil {
		return m.rt.ToValue(text)
	}
	return m.newDOM(doc, text).object(m)
}

// export converts a JavaScript value to neutral form, by the rules of
// JSON.stringify where they apply: functions and undefined are dropped from
// objects and are nil in arrays, dates are ISO strings. DOM nodes become
// *interp.XMLNode (text nodes their text). Cyclic values are an error.
func (m *Model) export(v goja.Value) (any, error) {
	var out any
	var xerr error
	err := m.guard(func() {
		x := exporter{m: m}
		out, xerr = x.value(v, 0)
	})
	if err != nil {
		return nil, err
	}
	return out, xerr
}

// Export converts v to neutral form as the data model does for the
// values its host reads (numbers float64, objects map[string]any, arrays
// []any, functions dropped, dates ISO strings), reading a Go-backed object
// (NewLazyObject, such as _event.data) as the object it is where goja's
// own Export gives its handler. A native function of a host that takes
// objects from scripts converts them with it. It panics with goja's
// exceptions as a native function's reads do; call it from one.
func Export(v goja.Value) (any, error) {
	x := exporter{}
	return x.value(v, 0)
}

type exporter struct {
	m *Model
	// path holds the objects being exported, to detect cycles.
	path []*goja.Object
}

var errCycle = errors.New("cyclic value cannot be exported")

func (x *exporter) value(v goja.Value, depth int) (any, error) {
	if v == nil || goja.IsUndefined(v) || goja.IsNull(v) {
		return nil, nil
	}
	obj, ok := v.(*goja.Object)
	if !ok {
		if x.m != nil {
			// Boxed from the model's slab: Export would allocate a
			// copy of the string's header, or of the number, for
			// each (an integer twice: as int64, then as float64).
			if s, ok := v.(goja.String); ok {
				return x.m.strs.String(s.String()), nil
			}
			if goja.IsNumber(v) {
				return x.m.strs.Float(v.ToFloat()), nil
			}
		}
		return primitive(v.Export()), nil
	}
	if depth > maxExportDepth {
		return nil, fmt.Errorf("value nested deeper than %d levels cannot be exported", maxExportDepth)
	}
	for _, o := range x.path {
		if o == obj {
			return nil, errCycle
		}
	}
	if n, ok := domNodeOf(obj); ok {
		return n.export(), nil
	}
	if _, ok := goja.AssertFunction(obj); ok {
		return nil, nil
	}
	x.path = append(x.path, obj)
	defer func() { x.path = x.path[:len(x.path)-1] }()
	switch obj.ClassName() {
	case "Array":
		n := obj.Get("length").ToInteger()
		out := make([]any, 0, n)
		for i := int64(0); i < n; i++ {
			item, err := x.value(obj.Get(strconv.FormatInt(i, 10)), depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, item)
		}
		return out, nil
	case "Date":
		if t, ok := obj.Export().(time.Time); ok {
			return t.UTC().Format("2006-01-02T15:04:05.000Z"), nil
		}
	case "String", "Number", "Boolean", "BigInt":
		if valueOf, ok := goja.AssertFunction(obj.Get("valueOf")); ok {
			p, err := valueOf(obj)
			if err != nil {
				return nil, err
			}
			return primitive(p.Export()), nil
		}
	}
	out := map[string]any{}
	for _, k := range obj.Keys() {
		p := obj.Get(k)
		if p == nil || goja.IsUndefined(p) {
			continue
		}
		if po, ok := p.(*goja.Object); ok {
			if _, fn := goja.AssertFunction(po); fn {
				continue
			}
		}
		item, err := x.value(p, depth+1)
		if err != nil {
			return nil, err
		}
		out[k] = item
	}
	return out, nil
}

// primitive normalises an exported goja primitive: numbers are float64.
func primitive(v any) any {
	switch v := v.(type) {
	case int64:
		return float64(v)
	case int:
		return float64(v)
	case *big.Int:
		return v.String()
	case nil, bool, float64, string:
		return v
	}
	return fmt.Sprint(v)
}

// inline is inline content (or content loaded from src) read by the rules
// of Appendix B.2.2.
type inline struct {
	kind int
	text string // the normalised string, the JSON or the XML text
	num  float64
	xml  *etree.Document
}

// The kinds of inline content.
const (
	inlineEmpty = iota
	inlineJSON
	inlineXML
	inlineNumber
	inlineString
)

// readInline classifies inline content: XML when the loader says so or the
// text parses as XML (W3C test 557), JSON (446, 578), a number literal
// (179, 529, 552), otherwise the space-normalised string (558, 562).
func readInline(text string, isXML bool) (inline, error) {
	t := strings.TrimSpace(text)
	if t == "" && !isXML {
		return inline{kind: inlineEmpty}, nil
	}
	if isXML || strings.HasPrefix(t, "<") {
		doc, err := parseXML(t)
		if err == nil {
			return inline{kind: inlineXML, text: t, xml: doc}, nil
		}
		if isXML {
			return inline{}, fmt.Errorf("XML content: %w", err)
		}
	}
	if json.Valid([]byte(t)) {
		return inline{kind: inlineJSON, text: t}, nil
	}
	if f, ok := parseNumber(t); ok {
		return inline{kind: inlineNumber, num: f}, nil
	}
	return inline{kind: inlineString, text: strings.Join(strings.Fields(t), " ")}, nil
}

// neutral returns the content as a neutral value.
func (in inline) neutral() (any, error) {
	switch in.kind {
	case inlineJSON:
		var v any
		if err := json.Unmarshal([]byte(in.text), &v); err != nil {
			return nil, fmt.Errorf("JSON content: %w", err)
		}
		return v, nil
	case inlineXML:
		return &interp.XMLNode{Text: in.text}, nil
	case inlineNumber:
		return in.num, nil
	case inlineString:
		return in.text, nil
	}
	return nil, nil
}

// contentJS returns the value of a <content> (or <data> content) as a
// JavaScript value. Errors name c.Pos, or pos when c has none (content
// loaded from a src).
func (m *Model) contentJS(c *scxml.Content, pos scxml.Pos) (goja.Value, error) {
	if c.Expr != nil {
		return m.value(c.Expr)
	}
	if c.Pos.Line > 0 {
		pos = c.Pos
	}
	in, err := readInline(c.Text, c.XML)
	if err != nil {
		return nil, fmt.Errorf("%s: content: %w", pos, err)
	}
	switch in.kind {
	case inlineJSON:
		v, err := m.parseJSON(in.text)
		if err != nil {
			return nil, fmt.Errorf("%s: JSON content: %w", pos, m.plainError(err))
		}
		return v, nil
	case inlineXML:
		return m.newDOM(in.xml, in.text).object(m), nil
	case inlineNumber:
		return m.rt.ToValue(in.num), nil
	case inlineString:
		return m.rt.ToValue(in.text), nil
	}
	return goja.Undefined(), nil
}

// parseJSON parses text with the runtime's JSON.parse, which keeps the
// order of object keys.
func (m *Model) parseJSON(text string) (goja.Value, error) {
	if m.jsonParse == nil {
		var fn goja.Callable
		err := m.guard(func() {
			j := m.rt.Get("JSON").ToObject(m.rt)
			fn, _ = goja.AssertFunction(j.Get("parse"))
		})
		if err != nil || fn == nil {
			return nil, fmt.Errorf("JSON.parse unavailable: %v", err)
		}
		m.jsonParse = fn
	}
	return m.jsonParse(goja.Undefined(), m.rt.ToValue(text))
}

// parseNumber parses an ECMAScript numeric literal: decimal (with optional
// sign, fraction and exponent) or hexadecimal.
func parseNumber(s string) (float64, bool) {
	if s == "" {
		return 0, false
	}
	body := strings.TrimLeft(s, "+-")
	if len(s)-len(body) > 1 || body == "" {
		return 0, false
	}
	if len(body) > 2 && body[0] == '0' && (body[1] == 'x' || body[1] == 'X') {
		u, err := strconv.ParseUint(body[2:], 16, 64)
		if err != nil {
			return 0, false
		}
		f := float64(u)
		if s[0] == '-' {
			f = -f
		}
		return f, true
	}
	digits := false
	for i := 0; i < len(body); i++ {
		c := body[i]
		switch {
		case c >= '0' && c <= '9':
			digits = true
		case c == '.' || c == 'e' || c == 'E' || c == '+' || c == '-':
		default:
			return 0, false
		}
	}
	if !digits {
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		var ne *strconv.NumError
		if errors.As(err, &ne) && errors.Is(ne.Err, strconv.ErrRange) {
			return f, true
		}
		return 0, false
	}
	return f, true
}

// parseXML parses well-formed XML with at least one element.
func parseXML(text string) (*etree.Document, error) {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(text); err != nil {
		return nil, err
	}
	if doc.Root() == nil {
		return nil, errors.New("no root element")
	}
	return doc, nil
}

// domNodeOf returns the DOM node behind obj.
func domNodeOf(obj *goja.Object) (*domNode, bool) {
	if obj.ExportType() != reflect.TypeFor[*domNode]() {
		return nil, false
	}
	n, ok := obj.Export().(*domNode)
	return n, ok
}
