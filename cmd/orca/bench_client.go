package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strconv"
)

// gmsClient is one client of the callbacks bench: it places callbacks
// and asks for their state through the GMS API, as a GMS client does
// (POST of a form to the service's path, GET of the callback's path),
// over one keep-alive connection of its own (httpConn). It is the load
// generator, in the process it measures, so it costs what the leanest
// client would: its requests are written into a buffer of its own, the
// answers read into another, and the callback's id is read from the
// answer's JSON without reflection, so that the figures per callback are
// the server's, not the client's.
type gmsClient struct {
	http httpConn
	base string // the service's URL, for errors
	host string // the Host header
	// path is the service's path and a slash, to which a callback's id
	// is appended.
	path []byte
	plen int
	req  []byte
	id   []byte
}

// newGMSClient returns a client of the callbacks of the service at base
// (the service's URL, http://host:port/...), whose requests end with
// ctx.
func newGMSClient(ctx context.Context, base string) (*gmsClient, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("bench client: %w", err)
	}
	if u.Scheme != "http" || u.Host == "" || u.RawQuery != "" {
		return nil, fmt.Errorf("bench client: %q is not an http:// URL without a query", base)
	}
	addr := u.Host
	if u.Port() == "" {
		addr = net.JoinHostPort(u.Hostname(), "80")
	}
	c := &gmsClient{http: httpConn{ctx: ctx, addr: addr}, base: base, host: u.Host}
	c.path = append(append(c.path, u.EscapedPath()...), '/')
	c.plen = len(c.path)
	return c, nil
}

// place starts a callback to customer number 556 followed by n on seven
// digits, and returns its id, valid until the client's next call.
func (c *gmsClient) place(n int64) ([]byte, error) {
	c.req = appendRequestHead(c.req[:0], http.MethodPost, c.path[:c.plen-1], c.host)
	c.req = append(c.req, "Content-Type: application/x-www-form-urlencoded\r\nContent-Length: "...)
	const form = "_customer_number=556"
	c.req = strconv.AppendInt(c.req, int64(len(form)+max(7, decimalDigits(n))), 10)
	c.req = append(c.req, "\r\n\r\n"+form...)
	c.req = appendPadded(c.req, n, 7)
	code, err := c.http.do(c.req)
	if err != nil {
		return nil, fmt.Errorf("POST %s: %w", c.base, err)
	}
	if code != http.StatusOK {
		return nil, fmt.Errorf("POST %s: %d %s: %s", c.base, code, http.StatusText(code), clipAnswer(c.http.body))
	}
	id, err := jsonStringMember(c.http.body, "_id")
	if err != nil || len(id) == 0 {
		return nil, fmt.Errorf("POST %s: no _id in the answer %q (%v)", c.base, clipAnswer(c.http.body), err)
	}
	c.id = append(c.id[:0], id...)
	return c.id, nil
}

// state asks for the state of callback id, and checks that the answer
// is the callback's.
func (c *gmsClient) state(id []byte) error {
	c.path = appendPathSegment(c.path[:c.plen], id)
	c.req = append(appendRequestHead(c.req[:0], http.MethodGet, c.path, c.host), "\r\n"...)
	code, err := c.http.do(c.req)
	if err != nil {
		return fmt.Errorf("GET %s/%s: %w", c.base, id, err)
	}
	if code != http.StatusOK {
		return fmt.Errorf("GET %s/%s: %d %s: %s", c.base, id, code, http.StatusText(code), clipAnswer(c.http.body))
	}
	got, err := jsonStringMember(c.http.body, "_id")
	if err != nil || string(got) != string(id) {
		return fmt.Errorf("GET %s/%s: the answer %q is not the callback's (%v)", c.base, id, clipAnswer(c.http.body), err)
	}
	return nil
}

// close closes the client's connection.
func (c *gmsClient) close() { c.http.close() }

// appendRequestHead appends an HTTP/1.1 request line and the header
// fields every request has; the caller ends the head.
func appendRequestHead(dst []byte, method string, path []byte, host string) []byte {
	dst = append(dst, method...)
	dst = append(dst, ' ')
	dst = append(dst, path...)
	dst = append(dst, " HTTP/1.1\r\nHost: "...)
	dst = append(dst, host...)
	return append(dst, "\r\nUser-Agent: orca-bench\r\n"...)
}

// appendPathSegment appends seg to a URL path, escaped.
func appendPathSegment(dst, seg []byte) []byte {
	for _, b := range seg {
		if !('a' <= b && b <= 'z' || 'A' <= b && b <= 'Z' || '0' <= b && b <= '9' || b == '-' || b == '.' || b == '_' || b == '~') {
			return append(dst, url.PathEscape(string(seg))...)
		}
	}
	return append(dst, seg...)
}

// clipAnswer shortens an answer quoted in an error.
func clipAnswer(b []byte) []byte { return b[:min(len(b), 512)] }

// decimalDigits is the number of decimal digits of n ≥ 0.
func decimalDigits(n int64) int {
	d := 1
	for ; n >= 10; n /= 10 {
		d++
	}
	return d
}

// appendPadded appends n in decimal, with leading zeros to width digits.
func appendPadded(dst []byte, n int64, width int) []byte {
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], n, 10)
	for range width - len(d) {
		dst = append(dst, '0')
	}
	return append(dst, d...)
}

// jsonStringMember returns the string value of member key of the JSON
// object obj (the last, if given more than once, as encoding/json
// reads it), without reflection: the bytes between its quotes when
// they hold no escape, which are obj's. It is an error when obj is not
// a JSON object, or the member is missing or not a string.
func jsonStringMember(obj []byte, key string) ([]byte, error) {
	if !json.Valid(obj) {
		return nil, fmt.Errorf("not JSON")
	}
	i := skipJSONSpace(obj, 0)
	if obj[i] != '{' {
		return nil, fmt.Errorf("not a JSON object")
	}
	var val []byte
	for i++; ; {
		i = skipJSONSpace(obj, i)
		switch obj[i] {
		case '}':
			if val == nil {
				return nil, fmt.Errorf("no member %q", key)
			}
			if val[0] != '"' {
				return nil, fmt.Errorf("member %q is not a string", key)
			}
			return jsonUnquote(val), nil
		case ',':
			i++
			continue
		}
		end := jsonValueEnd(obj, i)
		name := obj[i:end]
		i = skipJSONSpace(obj, end) + 1 // the colon
		i = skipJSONSpace(obj, i)
		end = jsonValueEnd(obj, i)
		if string(jsonUnquote(name)) == key {
			val = obj[i:end]
		}
		i = end
	}
}

// skipJSONSpace returns the index of the first byte of b from i that is
// not JSON whitespace.
func skipJSONSpace(b []byte, i int) int {
	for i < len(b) && (b[i] == ' ' || b[i] == '\t' || b[i] == '\n' || b[i] == '\r') {
		i++
	}
	return i
}

// jsonValueEnd returns the index just after the value of valid JSON b
// that starts at i.
func jsonValueEnd(b []byte, i int) int {
	depth := 0
	for ; i < len(b); i++ {
		switch b[i] {
		case '"':
			for i++; b[i] != '"'; i++ {
				if b[i] == '\\' {
					i++
				}
			}
			if depth == 0 {
				return i + 1
			}
		case '{', '[':
			depth++
		case '}', ']':
			if depth == 0 {
				return i
			}
			if depth--; depth == 0 {
				return i + 1
			}
		case ',', ' ', '\t', '\n', '\r':
			if depth == 0 {
				return i
			}
		}
	}
	return i
}

// jsonUnquote returns the text of the valid JSON string s: the bytes
// between its quotes, or, when it holds an escape, a copy unescaped.
func jsonUnquote(s []byte) []byte {
	inner := s[1 : len(s)-1]
	for _, b := range inner {
		if b == '\\' {
			var text string
			_ = json.Unmarshal(s, &text) // valid: cannot fail
			return []byte(text)
		}
	}
	return inner
}
