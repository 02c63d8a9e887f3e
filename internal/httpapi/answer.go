package httpapi

import (
	"cmp"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"sync"

	"github.com/orca-scxml/orca/internal/jsontext"
)

// Field is one member of a JSON object of strings (WriteFields).
type Field struct {
	Key, Value string
}

// answer is the buffer an answer is written into before it is sent, and
// the fields of a map it is made of; answers reuses them across requests.
type answer struct {
	buf    []byte
	fields []Field
}

// answers keeps the buffers of answers between requests: an answer is
// encoded on every API call, and its buffer is done with once written.
var answers = sync.Pool{New: func() any { return &answer{buf: make([]byte, 0, 512)} }}

// maxPooled bounds the buffers kept for reuse, so that one large answer
// (a query listing many callbacks) does not stay held.
const maxPooled = 64 << 10

// WriteFields answers code with the JSON object of fields, written as
// encoding/json writes a map[string]string (keys sorted, the same
// escapes, a newline after it); a key given more than once is written
// once, with its last value. fields is sorted in place.
func WriteFields(w http.ResponseWriter, code int, fields []Field) {
	a := answers.Get().(*answer)
	a.buf = appendFields(a.buf[:0], fields)
	writeBody(w, code, a.buf)
	if cap(a.buf) <= maxPooled {
		answers.Put(a)
	}
}

// writeStrings is WriteJSON of a map of strings, without the reflection
// (encoding/json allocates each key and value it walks).
func writeStrings(w http.ResponseWriter, code int, m map[string]string) {
	a := answers.Get().(*answer)
	a.fields = a.fields[:0]
	for k, v := range m {
		a.fields = append(a.fields, Field{k, v})
	}
	a.buf = appendFields(a.buf[:0], a.fields)
	clear(a.fields) // the strings are the caller's
	writeBody(w, code, a.buf)
	if cap(a.buf) <= maxPooled && cap(a.fields) <= maxPooled/32 {
		answers.Put(a)
	}
}

// writeBody sends body, JSON, with code.
func writeBody(w http.ResponseWriter, code int, body []byte) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(body)
}

// appendFields appends the JSON object of fields and a newline to dst.
func appendFields(dst []byte, fields []Field) []byte {
	slices.SortStableFunc(fields, func(a, b Field) int { return cmp.Compare(a.Key, b.Key) })
	dst = append(dst, '{')
	first := true
	for i, f := range fields {
		if i+1 < len(fields) && fields[i+1].Key == f.Key {
			continue // a later value of the same key wins
		}
		if !first {
			dst = append(dst, ',')
		}
		first = false
		dst = appendString(dst, f.Key)
		dst = append(dst, ':')
		dst = appendString(dst, f.Value)
	}
	return append(dst, '}', '\n')
}

// appendString appends s as a JSON string, escaped as encoding/json
// escapes it by default. jsontext writes the same but for what
// encoding/json escapes for HTML (<, >, &) and \b and \f, which it
// writes as \u0008 and \u000c: a string that has one goes through
// encoding/json.
func appendString(dst []byte, s string) []byte {
	if strings.ContainsAny(s, "<>&\b\f") {
		q, _ := json.Marshal(s) // a string always encodes
		return append(dst, q...)
	}
	return jsontext.AppendString(dst, s)
}
