package interp

import (
	"bytes"
	"encoding/json"
	"fmt"
	"maps"
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
// integer types, float32, []string and map[string]string are written as
// the neutral values they stand for (float64, []any, map[string]any).
// Any other type is an error naming it: it has no neutral form.
func MarshalValue(v any) (json.RawMessage, error) {
	var b bytes.Buffer
	if err := writeValue(&b, v, 0); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
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

func writeValue(b *bytes.Buffer, v any, depth int) error {
	if depth > maxValueDepth {
		return fmt.Errorf("value nested deeper than %d levels", maxValueDepth)
	}
	switch v := v.(type) {
	case nil:
		b.WriteString("null")
	case bool:
		b.WriteString(strconv.FormatBool(v))
	case string:
		writeString(b, v)
	case float64:
		writeFloat(b, v)
	case float32:
		writeFloat(b, float64(v))
	case int:
		b.WriteString(`{"$i":"`)
		b.WriteString(strconv.Itoa(v))
		b.WriteString(`"}`)
	case int64:
		b.WriteString(`{"$l":"`)
		b.WriteString(strconv.FormatInt(v, 10))
		b.WriteString(`"}`)
	case int8, int16, int32, uint, uint8, uint16, uint32, uint64:
		f, _ := strconv.ParseFloat(fmt.Sprint(v), 64)
		writeFloat(b, f)
	case *XMLNode:
		if v == nil {
			b.WriteString("null")
			return nil
		}
		b.WriteString(`{"$x":`)
		writeString(b, v.Text)
		b.WriteByte('}')
	case XMLNode:
		return writeValue(b, &v, depth)
	case []any:
		b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			if err := writeValue(b, x, depth+1); err != nil {
				return err
			}
		}
		b.WriteByte(']')
	case []string:
		b.WriteByte('[')
		for i, x := range v {
			if i > 0 {
				b.WriteByte(',')
			}
			writeString(b, x)
		}
		b.WriteByte(']')
	case map[string]any:
		b.WriteByte('{')
		for i, k := range slices.Sorted(maps.Keys(v)) {
			if i > 0 {
				b.WriteByte(',')
			}
			writeKey(b, k)
			if err := writeValue(b, v[k], depth+1); err != nil {
				return fmt.Errorf("%s: %w", k, err)
			}
		}
		b.WriteByte('}')
	case map[string]string:
		b.WriteByte('{')
		for i, k := range slices.Sorted(maps.Keys(v)) {
			if i > 0 {
				b.WriteByte(',')
			}
			writeKey(b, k)
			writeString(b, v[k])
		}
		b.WriteByte('}')
	default:
		return fmt.Errorf("a value of type %T has no neutral form and cannot be persisted", v)
	}
	return nil
}

func writeKey(b *bytes.Buffer, k string) {
	if strings.HasPrefix(k, "$") {
		k = "$" + k
	}
	writeString(b, k)
	b.WriteByte(':')
}

func writeString(b *bytes.Buffer, s string) {
	b.Write(jsontext.AppendString(b.AvailableBuffer(), s))
}

func writeFloat(b *bytes.Buffer, f float64) {
	switch {
	case math.IsNaN(f):
		b.WriteString(`{"$n":"NaN"}`)
	case math.IsInf(f, 1):
		b.WriteString(`{"$n":"Infinity"}`)
	case math.IsInf(f, -1):
		b.WriteString(`{"$n":"-Infinity"}`)
	case f == 0 && math.Signbit(f):
		b.WriteString(`{"$n":"-0"}`)
	default:
		b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
	}
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
