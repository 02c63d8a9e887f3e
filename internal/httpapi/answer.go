package httpapi

import (
	"cmp"
	"net/http"
	"slices"
	"sync"
	"unicode/utf8"
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

const hexDigits = "0123456789abcdef"

// appendString appends s as a JSON string, escaped as encoding/json
// escapes it by default: '"' and '\\', the control characters (\b, \f,
// \n, \r, \t by name), '<', '>' and '&' for HTML, U+2028 and U+2029 for
// JavaScript, and each byte of invalid UTF-8 as U+FFFD.
func appendString(dst []byte, s string) []byte {
	dst = append(dst, '"')
	start := 0
	for i := 0; i < len(s); {
		if b := s[i]; b < utf8.RuneSelf {
			if b >= ' ' && b != '"' && b != '\\' && b != '<' && b != '>' && b != '&' {
				i++
				continue
			}
			dst = append(dst, s[start:i]...)
			switch b {
			case '\\', '"':
				dst = append(dst, '\\', b)
			case '\b':
				dst = append(dst, '\\', 'b')
			case '\f':
				dst = append(dst, '\\', 'f')
			case '\n':
				dst = append(dst, '\\', 'n')
			case '\r':
				dst = append(dst, '\\', 'r')
			case '\t':
				dst = append(dst, '\\', 't')
			default:
				dst = append(dst, '\\', 'u', '0', '0', hexDigits[b>>4], hexDigits[b&0xF])
			}
			i++
			start = i
			continue
		}
		c, size := utf8.DecodeRuneInString(s[i:])
		switch {
		case c == utf8.RuneError && size == 1:
			dst = append(dst, s[start:i]...)
			dst = append(dst, `\ufffd`...)
		case c == '\u2028' || c == '\u2029':
			dst = append(dst, s[start:i]...)
			dst = append(dst, '\\', 'u', '2', '0', '2', hexDigits[c&0xF])
		default:
			i += size
			continue
		}
		i += size
		start = i
	}
	dst = append(dst, s[start:]...)
	return append(dst, '"')
}
