package ecmascript

import (
	"fmt"
	"strconv"
	"unicode"

	"github.com/dop251/goja"
	"github.com/orca-scxml/orca/scxml"
)

// Foreach runs a <foreach> (§4.6): it iterates a shallow copy of the array,
// so that the body may change the array (W3C test 525), assigning the item
// and the index (when given) before each call of body, and returns the
// first error body returns. The array must be an array or another iterable
// object (152); item and index must be valid variable names (152) and are
// declared when they are not (150, 151).
func (m *Model) Foreach(f *scxml.Foreach, body func() error) error {
	if m.closed {
		return ErrClosed
	}
	if f.Array == nil {
		return posError(f.Pos, "foreach without array")
	}
	arr, err := m.value(f.Array)
	if err != nil {
		return err
	}
	items, err := m.shallowCopy(arr)
	if err != nil {
		return exprError(f.Array, err)
	}
	for i, name := range [2]string{f.Item, f.Index} {
		if i == 1 && name == "" {
			continue
		}
		if !isIdentifier(name) {
			return posError(f.Pos, "foreach: %q is not a valid variable name", name)
		}
		if m.global.Get(name) == nil {
			if err := m.declare(name, goja.Undefined()); err != nil {
				return posError(f.Pos, "foreach: declare %q: %w", name, err)
			}
		}
	}
	for i, item := range items {
		if err := m.global.Set(f.Item, item); err != nil {
			return posError(f.Pos, "foreach: item %q: %w", f.Item, m.plainError(err))
		}
		if f.Index != "" {
			if err := m.global.Set(f.Index, i); err != nil {
				return posError(f.Pos, "foreach: index %q: %w", f.Index, m.plainError(err))
			}
		}
		if err := body(); err != nil {
			return err
		}
	}
	return nil
}

// shallowCopy returns the elements of an array, or of another iterable
// object (through Array.from).
func (m *Model) shallowCopy(v goja.Value) ([]goja.Value, error) {
	obj, ok := v.(*goja.Object)
	if !ok || goja.IsNull(v) {
		return nil, fmt.Errorf("foreach array is not an array: %s", typeOf(v))
	}
	var items []goja.Value
	err := m.guard(func() {
		if obj.ClassName() != "Array" {
			if it := obj.GetSymbol(goja.SymIterator); it == nil || goja.IsUndefined(it) {
				return
			}
			if m.arrayFrom == nil {
				m.arrayFrom, _ = goja.AssertFunction(m.rt.Get("Array").ToObject(m.rt).Get("from"))
			}
			a, err := m.arrayFrom(goja.Undefined(), obj)
			if err != nil {
				panic(err)
			}
			obj = a.ToObject(m.rt)
		}
		n := obj.Get("length").ToInteger()
		items = make([]goja.Value, n)
		for i := range items {
			if items[i] = obj.Get(strconv.Itoa(i)); items[i] == nil {
				items[i] = goja.Undefined()
			}
		}
	})
	if err != nil {
		return nil, m.plainError(err)
	}
	if items == nil {
		return nil, fmt.Errorf("foreach array is not iterable: %s", typeOf(v))
	}
	return items, nil
}

// typeOf names the type of v as typeof does.
func typeOf(v goja.Value) string {
	switch {
	case v == nil || goja.IsUndefined(v):
		return "undefined"
	case goja.IsNull(v):
		return "null"
	}
	if obj, ok := v.(*goja.Object); ok {
		if _, fn := goja.AssertFunction(obj); fn {
			return "function"
		}
		return "object"
	}
	switch v.ExportType().Kind().String() {
	case "bool":
		return "boolean"
	case "string":
		return "string"
	case "int64", "float64":
		return "number"
	}
	return v.ExportType().String()
}

// isIdentifier reports whether s is an ECMAScript identifier that is not a
// reserved word.
func isIdentifier(s string) bool {
	if s == "" || reservedWord(s) {
		return false
	}
	for i, r := range s {
		switch {
		case r == '$' || r == '_' || unicode.IsLetter(r) || unicode.Is(unicode.Nl, r):
		case i > 0 && (unicode.IsDigit(r) || unicode.In(r, unicode.Mn, unicode.Mc, unicode.Pc) || r == '\u200c' || r == '\u200d'):
		default:
			return false
		}
	}
	return true
}

func reservedWord(s string) bool {
	switch s {
	case "break", "case", "catch", "class", "const", "continue", "debugger",
		"default", "delete", "do", "else", "enum", "export", "extends",
		"false", "finally", "for", "function", "if", "implements", "import",
		"in", "instanceof", "interface", "let", "new", "null", "package",
		"private", "protected", "public", "return", "static", "super",
		"switch", "this", "throw", "true", "try", "typeof", "var", "void",
		"while", "with", "yield", "await":
		return true
	}
	return false
}
