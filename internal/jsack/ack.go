package jsack

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
)

// Ack is what a stream answered to one published message: the sequence
// it stored the message at (Duplicate when it had it already), or why it
// did not store it.
type Ack struct {
	Seq       uint64
	Duplicate bool
	Err       error
}

// FromMsg reads the answer m to a publish: a status without a body is
// jetstream.ErrNoStreamResponse for 503 (no stream captured the subject
// and no one else listens to it, or the stream has no leader: publish
// again) and an error wrapping jetstream.ErrInvalidJSAck for any other;
// a body is read with Parse.
func FromMsg(m *nats.Msg) Ack {
	if len(m.Data) == 0 && m.Header != nil {
		if s := m.Header.Get("Status"); s == "503" {
			return Ack{Err: jetstream.ErrNoStreamResponse}
		} else if s != "" {
			return Ack{Err: fmt.Errorf("%w: status %s %s", jetstream.ErrInvalidJSAck, s, m.Header.Get("Description"))}
		}
	}
	return Parse(m.Data)
}

// Parse reads a stream's acknowledgement of a published message:
// {"stream":"S","seq":N} with "domain" and "duplicate": true when they
// apply, or {"error":{"code":..,"err_code":..,"description":..}} (then
// Err is a *jetstream.APIError; any other answer's wraps
// jetstream.ErrInvalidJSAck). The members the acknowledgement always
// has are read by hand; anything else (an error, an escaped string) is
// left to encoding/json.
func Parse(data []byte) Ack {
	var st Ack
	seen := false
	i := skipSpace(data, 0)
	if i >= len(data) || data[i] != '{' {
		return parseJSON(data)
	}
	i = skipSpace(data, i+1)
	for i < len(data) && data[i] != '}' {
		ks, ke, ok := plainString(data, i)
		if !ok {
			return parseJSON(data)
		}
		key := data[ks:ke]
		i = skipSpace(data, ke+1)
		if i >= len(data) || data[i] != ':' {
			return parseJSON(data)
		}
		i = skipSpace(data, i+1)
		switch {
		case string(key) == "seq":
			j := i
			for j < len(data) && data[j] >= '0' && data[j] <= '9' {
				j++
			}
			n, err := strconv.ParseUint(string(data[i:j]), 10, 64) // no copy: the conversion does not escape
			if err != nil {
				return parseJSON(data)
			}
			st.Seq, seen, i = n, true, j
		case string(key) == "duplicate" && hasPrefix(data[i:], "true"):
			st.Duplicate, i = true, i+4
		case string(key) == "duplicate" && hasPrefix(data[i:], "false"):
			i += 5
		case string(key) == "stream" || string(key) == "domain":
			_, e, ok := plainString(data, i)
			if !ok {
				return parseJSON(data)
			}
			i = e + 1
		default:
			return parseJSON(data)
		}
		i = skipSpace(data, i)
		if i < len(data) && data[i] == ',' {
			i = skipSpace(data, i+1)
		}
	}
	if !seen || i >= len(data) {
		return parseJSON(data)
	}
	return st
}

// parseJSON reads an acknowledgement with encoding/json.
func parseJSON(data []byte) Ack {
	var a struct {
		Stream    string              `json:"stream"`
		Seq       *uint64             `json:"seq"`
		Duplicate bool                `json:"duplicate"`
		Error     *jetstream.APIError `json:"error"`
	}
	if err := json.Unmarshal(data, &a); err != nil {
		return Ack{Err: fmt.Errorf("%w: %q: %w", jetstream.ErrInvalidJSAck, data, err)}
	}
	switch {
	case a.Error != nil:
		return Ack{Err: a.Error}
	case a.Seq == nil || a.Stream == "":
		return Ack{Err: fmt.Errorf("%w: %q: no stream or sequence", jetstream.ErrInvalidJSAck, data)}
	}
	return Ack{Seq: *a.Seq, Duplicate: a.Duplicate}
}

func skipSpace(data []byte, i int) int {
	for i < len(data) && (data[i] == ' ' || data[i] == '\t' || data[i] == '\n' || data[i] == '\r') {
		i++
	}
	return i
}

// plainString finds a JSON string without escapes at data[i]: its
// content is data[start:end], its closing quote data[end].
func plainString(data []byte, i int) (start, end int, ok bool) {
	if i >= len(data) || data[i] != '"' {
		return 0, 0, false
	}
	for j := i + 1; j < len(data); j++ {
		switch data[j] {
		case '\\':
			return 0, 0, false
		case '"':
			return i + 1, j, true
		}
	}
	return 0, 0, false
}

func hasPrefix(data []byte, s string) bool {
	return len(data) >= len(s) && string(data[:len(s)]) == s
}
