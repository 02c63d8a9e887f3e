package interp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/orca-scxml/orca/internal/jsontext"
)

// MarshalValue encodes a data-model-neutral value (see Event) as JSON, so
// that the events, parameters and host state of a snapshot survive a
// restart unchanged. Plain JSON carries nil, bool, string, finite float64,
// []any and map[string]any; the rest is written as an object of one key
// that starts with "$":
//
//	{"$x": "<a/>"}        *XMLNode (XMLNode)
//	{"$n": "NaN"}         NaN, "Infinity", "-Infinity", "-0" (float64)
//	{"$i": "42"}          int (Go type kept)
//	{"$l": "42"}          int64
//
// A key of a map that starts with "$" is written with one "$" more. Other
// integer types, float32, []string, map[string]string and SendIDData are
// written as the neutral values they stand for (float64, []any,
// map[string]any).
// Any other type is an error naming it: it has no neutral form.
func MarshalValue(v any) (json.RawMessage, error) {
	// Its values are mostly events' data, a few hundred bytes to 2 KB
	// (an interaction's): from 512 the buffer grows twice at most,
	// from nothing up to ten times.
	b, err := AppendValue(make([]byte, 0, 512), v)
	if err != nil {
		return nil, err
	}
	return b, nil
}

// AppendValue appends v as MarshalValue writes it to b.
func AppendValue(b []byte, v any) ([]byte, error) {
	return appendValue(b, v, 0)
}

// UnmarshalValue decodes what MarshalValue wrote.
func UnmarshalValue(data []byte) (any, error) {
	if len(data) == 0 {
		return nil, nil
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var raw any
	if err := dec.Decode(&raw); err != nil {
		return nil, fmt.Errorf("value: %w", err)
	}
	return readValue(raw)
}

// maxValueDepth bounds the nesting MarshalValue follows.
const maxValueDepth = 1000

// sortKeys is how many keys of a map appendValue sorts on its stack.
const sortKeys = 64

func appendValue(b []byte, v any, depth int) ([]byte, error) {
	if depth > maxValueDepth {
		return b, fmt.Errorf("value nested deeper than %d levels", maxValueDepth)
	}
	switch v := v.(type) {
	case nil:
		b = append(b, "null"...)
	case bool:
		b = strconv.AppendBool(b, v)
	case string:
		b = jsontext.AppendString(b, v)
	case float64:
		b = appendFloat(b, v)
	case float32:
		b = appendFloat(b, float64(v))
	case int:
		b = append(b, `{"$i":"`...)
		b = strconv.AppendInt(b, int64(v), 10)
		b = append(b, `"}`...)
	case int64:
		b = append(b, `{"$l":"`...)
		b = strconv.AppendInt(b, v, 10)
		b = append(b, `"}`...)
	case int8, int16, int32, uint, uint8, uint16, uint32, uint64:
		f, _ := strconv.ParseFloat(fmt.Sprint(v), 64)
		b = appendFloat(b, f)
	case *XMLNode:
		if v == nil {
			return append(b, "null"...), nil
		}
		b = append(b, `{"$x":`...)
		b = jsontext.AppendString(b, v.Text)
		b = append(b, '}')
	case XMLNode:
		return appendValue(b, &v, depth)
	case SendIDData:
		b = append(b, '{')
		b = appendKey(b, "sendid")
		b = jsontext.AppendString(b, v.SendID)
		b = append(b, '}')
	case []any:
		b = append(b, '[')
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			var err error
			if b, err = appendValue(b, x, depth+1); err != nil {
				return b, err
			}
		}
		b = append(b, ']')
	case []string:
		b = append(b, '[')
		for i, x := range v {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsontext.AppendString(b, x)
		}
		b = append(b, ']')
	case map[string]any:
		var buf [sortKeys]string
		b = append(b, '{')
		for i, k := range sortedKeys(buf[:0], v) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendKey(b, k)
			var err error
			if b, err = appendValue(b, v[k], depth+1); err != nil {
				return b, fmt.Errorf("%s: %w", k, err)
			}
		}
		b = append(b, '}')
	case map[string]string:
		var buf [sortKeys]string
		b = append(b, '{')
		for i, k := range sortedKeys(buf[:0], v) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendKey(b, k)
			b = jsontext.AppendString(b, v[k])
		}
		b = append(b, '}')
	default:
		return b, fmt.Errorf("a value of type %T has no neutral form and cannot be persisted", v)
	}
	return b, nil
}

// sortedKeys appends the keys of m to keys, sorted: into the caller's
// array when they fit.
func sortedKeys[V any](keys []string, m map[string]V) []string {
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

func appendKey(b []byte, k string) []byte {
	if strings.HasPrefix(k, "$") {
		k = "$" + k
	}
	b = jsontext.AppendString(b, k)
	return append(b, ':')
}

func appendFloat(b []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(b, `{"$n":"NaN"}`...)
	case math.IsInf(f, 1):
		return append(b, `{"$n":"Infinity"}`...)
	case math.IsInf(f, -1):
		return append(b, `{"$n":"-Infinity"}`...)
	case f == 0 && math.Signbit(f):
		return append(b, `{"$n":"-0"}`...)
	}
	return strconv.AppendFloat(b, f, 'g', -1, 64)
}

func readValue(raw any) (any, error) {
	switch v := raw.(type) {
	case nil, bool, string:
		return v, nil
	case json.Number:
		f, err := strconv.ParseFloat(string(v), 64)
		if err != nil {
			return nil, fmt.Errorf("value: number %s: %w", v, err)
		}
		return f, nil
	case []any:
		for i, x := range v {
			y, err := readValue(x)
			if err != nil {
				return nil, err
			}
			v[i] = y
		}
		return v, nil
	case map[string]any:
		if len(v) == 1 {
			for k, x := range v {
				if tagged, ok, err := readTagged(k, x); ok || err != nil {
					return tagged, err
				}
			}
		}
		out := make(map[string]any, len(v))
		for k, x := range v {
			y, err := readValue(x)
			if err != nil {
				return nil, err
			}
			if strings.HasPrefix(k, "$$") {
				k = k[1:]
			}
			out[k] = y
		}
		return out, nil
	}
	return nil, fmt.Errorf("value: unexpected %T", raw)
}

// readTagged reads an object of one "$" key written for a value plain JSON
// does not carry; ok is false for an ordinary object.
func readTagged(k string, x any) (v any, ok bool, err error) {
	s, isStr := x.(string)
	switch k {
	case "$x", "$n", "$i", "$l":
		if !isStr {
			return nil, true, fmt.Errorf("value: %s of %T", k, x)
		}
	default:
		return nil, false, nil
	}
	switch k {
	case "$x":
		return &XMLNode{Text: s}, true, nil
	case "$n":
		switch s {
		case "NaN":
			return math.NaN(), true, nil
		case "Infinity":
			return math.Inf(1), true, nil
		case "-Infinity":
			return math.Inf(-1), true, nil
		case "-0":
			return math.Copysign(0, -1), true, nil
		}
		return nil, true, fmt.Errorf("value: number %q", s)
	case "$i":
		n, err := strconv.Atoi(s)
		return n, true, err
	default:
		n, err := strconv.ParseInt(s, 10, 64)
		return n, true, err
	}
}
