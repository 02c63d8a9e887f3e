package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strconv"
	"syscall"
	"time"
)

// httpConn is the bench's HTTP/1.1 client of one server: one keep-alive
// TCP connection, dialled again when the server closes it, on which
// requests written whole by the caller are sent one after the other and
// their answers read into a buffer of its own. It is what the bench's
// load costs in the process it measures, and costs nothing per request
// once its buffers have grown: no Request or Response, no header map, no
// goroutines or channels per connection, no context or timer per
// request. The run's context ends its requests: when it is done, the
// connection's deadline is set in the past, which ends a write or read
// waiting on it.
//
// It reads what RFC 9112 lets a server send: a status line, header
// fields (Content-Length, Transfer-Encoding: chunked and Connection:
// close are the ones it acts on), then a body delimited by its length,
// by chunks, or by the connection's end; interim (1xx) answers are
// skipped.
type httpConn struct {
	ctx    context.Context
	addr   string // host:port to dial
	dialer net.Dialer
	conn   net.Conn
	stop   func() bool // stops the context's hook on conn
	br     *bufio.Reader
	served int    // answers read on conn
	body   []byte // the last answer's body
}

// maxAnswerBody bounds an answer's body: the GMS API's are a few
// hundred bytes.
const maxAnswerBody = 1 << 20

// aLongTimeAgo is the deadline that ends a connection's blocked I/O.
var aLongTimeAgo = time.Unix(1, 0)

// do sends req, a whole HTTP/1.1 request, and reads its answer: it
// returns the status code and leaves the body in c.body. A GET that
// gets no byte of answer on a connection that carried earlier ones is
// sent once more on a new connection: that is how a keep-alive
// connection the server closed while idle (its idle timeout) looks from
// here. Any other request is not sent again: the server may have acted
// on it before closing (a handler's panic, its WriteTimeout), and a
// second POST would place a second callback, so the run fails with an
// error quoting the request. On a new connection, or once an answer has
// begun, a closed connection is an error.
func (c *httpConn) do(req []byte) (int, error) {
	for {
		if c.conn == nil {
			if err := c.dial(); err != nil {
				return 0, err
			}
		}
		reused := c.served > 0
		_, err := c.conn.Write(req)
		if err == nil {
			_, err = c.br.Peek(1) // the answer's first byte
		}
		if err != nil {
			c.close()
			if cerr := c.ctx.Err(); cerr != nil {
				return 0, cerr
			}
			if reused && (errors.Is(err, io.EOF) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, syscall.EPIPE)) {
				if bytes.HasPrefix(req, []byte("GET ")) {
					continue
				}
				line, _, _ := bytes.Cut(req, []byte("\r\n"))
				return 0, fmt.Errorf("%q: the server closed the connection without an answer; not sent again, as it may have acted on it: %w", line, err)
			}
			return 0, err
		}
		code, closing, err := c.readAnswer()
		if err != nil {
			c.close()
			if cerr := c.ctx.Err(); cerr != nil {
				return 0, cerr
			}
			if errors.Is(err, io.EOF) {
				err = io.ErrUnexpectedEOF
			}
			return 0, fmt.Errorf("reading the answer: %w", err)
		}
		c.served++
		if closing {
			c.close()
		}
		return code, nil
	}
}

// dial opens the connection.
func (c *httpConn) dial() error {
	conn, err := c.dialer.DialContext(c.ctx, "tcp", c.addr)
	if err != nil {
		return err
	}
	c.conn, c.served = conn, 0
	c.stop = context.AfterFunc(c.ctx, func() { _ = conn.SetDeadline(aLongTimeAgo) })
	if c.br == nil {
		c.br = bufio.NewReader(conn)
	} else {
		c.br.Reset(conn)
	}
	return nil
}

// close closes the connection, if open.
func (c *httpConn) close() {
	if c.conn == nil {
		return
	}
	c.stop()
	_ = c.conn.Close()
	c.conn = nil
}

// readAnswer reads an answer: its status code, whether the server
// closes the connection after it, and its body into c.body.
func (c *httpConn) readAnswer() (code int, closing bool, err error) {
	for {
		line, err := c.readLine()
		if err != nil {
			return 0, false, err
		}
		if code, err = parseStatusLine(line); err != nil {
			return 0, false, err
		}
		length, chunked := int64(-1), false
		for {
			line, err := c.readLine()
			if err != nil {
				return 0, false, err
			}
			if len(line) == 0 {
				break
			}
			name, value, err := splitHeaderField(line)
			if err != nil {
				return 0, false, err
			}
			switch {
			case asciiEqualFold(name, "Content-Length"):
				n, ok := parseDecimal(value)
				if !ok || (length >= 0 && n != length) {
					return 0, false, fmt.Errorf("bad Content-Length %q", value)
				}
				length = n
			case asciiEqualFold(name, "Transfer-Encoding"):
				if !asciiEqualFold(value, "chunked") {
					return 0, false, fmt.Errorf("unsupported Transfer-Encoding %q", value)
				}
				chunked = true
			case asciiEqualFold(name, "Connection"):
				closing = closing || hasToken(value, "close")
			}
		}
		c.body = c.body[:0]
		switch {
		case code >= 100 && code < 200:
			if code == 101 {
				return 0, false, errors.New("unexpected 101 Switching Protocols")
			}
			continue // an interim answer: the final one follows
		case code == 204 || code == 304:
		case chunked:
			err = c.readChunked()
		case length > maxAnswerBody:
			err = fmt.Errorf("answer of %d bytes, more than %d", length, maxAnswerBody)
		case length >= 0:
			err = c.readBody(int(length))
		default: // delimited by the connection's end
			closing = true
			err = c.readToEOF()
		}
		return code, closing, err
	}
}

// readLine reads a line of the answer's head, without its CRLF (or LF).
// The line is valid until the next read.
func (c *httpConn) readLine() ([]byte, error) {
	line, err := c.br.ReadSlice('\n')
	if errors.Is(err, bufio.ErrBufferFull) {
		return nil, fmt.Errorf("a line of the answer's head longer than %d bytes", c.br.Size())
	}
	if err != nil {
		return nil, err
	}
	line = line[:len(line)-1]
	if n := len(line); n > 0 && line[n-1] == '\r' {
		line = line[:n-1]
	}
	return line, nil
}

// readBody appends n bytes of body to c.body.
func (c *httpConn) readBody(n int) error {
	if len(c.body)+n > maxAnswerBody {
		return fmt.Errorf("answer of more than %d bytes", maxAnswerBody)
	}
	off := len(c.body)
	c.body = append(c.body, make([]byte, n)...)
	_, err := io.ReadFull(c.br, c.body[off:])
	return err
}

// readChunked reads a chunked body (RFC 9112 section 7.1): chunks, each
// a hexadecimal size (extensions ignored), its data and CRLF, up to the
// chunk of size 0, then trailer fields (ignored) up to an empty line.
func (c *httpConn) readChunked() error {
	for {
		line, err := c.readLine()
		if err != nil {
			return err
		}
		for i, b := range line {
			if b == ';' || b == ' ' || b == '\t' {
				line = line[:i]
				break
			}
		}
		size, err := strconv.ParseUint(string(line), 16, 31)
		if err != nil || len(line) == 0 {
			return fmt.Errorf("bad chunk size %q", line)
		}
		if size == 0 {
			for {
				if line, err = c.readLine(); err != nil || len(line) == 0 {
					return err
				}
			}
		}
		if err := c.readBody(int(size)); err != nil {
			return err
		}
		if line, err = c.readLine(); err != nil {
			return err
		} else if len(line) != 0 {
			return errors.New("chunk data not followed by CRLF")
		}
	}
}

// readToEOF appends the rest of the connection to c.body.
func (c *httpConn) readToEOF() error {
	for {
		if len(c.body) == cap(c.body) {
			c.body = append(c.body, 0)[:len(c.body)]
		}
		n, err := c.br.Read(c.body[len(c.body):cap(c.body)])
		c.body = c.body[:len(c.body)+n]
		if errors.Is(err, io.EOF) {
			return nil
		}
		if err != nil {
			return err
		}
		if len(c.body) > maxAnswerBody {
			return fmt.Errorf("answer of more than %d bytes", maxAnswerBody)
		}
	}
}

// parseStatusLine returns the code of a status line, "HTTP/1.x NNN
// reason".
func parseStatusLine(line []byte) (int, error) {
	if len(line) < 12 || string(line[:7]) != "HTTP/1." || line[8] != ' ' || (len(line) > 12 && line[12] != ' ') {
		return 0, fmt.Errorf("malformed status line %q", line)
	}
	code, ok := parseDecimal(line[9:12])
	if !ok || code < 100 {
		return 0, fmt.Errorf("malformed status line %q", line)
	}
	return int(code), nil
}

// splitHeaderField splits a header field line into its name and its
// value without the spaces around it.
func splitHeaderField(line []byte) (name, value []byte, err error) {
	for i, b := range line {
		switch b {
		case ':':
			if i == 0 {
				return nil, nil, fmt.Errorf("malformed header field %q", line)
			}
			return line[:i], trimOWS(line[i+1:]), nil
		case ' ', '\t':
			// Whitespace before the colon, or a folded line (RFC 9112
			// section 5.2: obsolete, which a client may reject).
			return nil, nil, fmt.Errorf("malformed header field %q", line)
		}
	}
	return nil, nil, fmt.Errorf("malformed header field %q", line)
}

// trimOWS trims spaces and tabs around b.
func trimOWS(b []byte) []byte {
	for len(b) > 0 && (b[0] == ' ' || b[0] == '\t') {
		b = b[1:]
	}
	for len(b) > 0 && (b[len(b)-1] == ' ' || b[len(b)-1] == '\t') {
		b = b[:len(b)-1]
	}
	return b
}

// parseDecimal parses a non-negative decimal of at most 18 digits.
func parseDecimal(b []byte) (int64, bool) {
	if len(b) == 0 || len(b) > 18 {
		return 0, false
	}
	var n int64
	for _, d := range b {
		if d < '0' || d > '9' {
			return 0, false
		}
		n = n*10 + int64(d-'0')
	}
	return n, true
}

// asciiEqualFold reports whether b is s, ignoring ASCII case.
func asciiEqualFold(b []byte, s string) bool {
	if len(b) != len(s) {
		return false
	}
	for i := range len(b) {
		if lower(b[i]) != lower(s[i]) {
			return false
		}
	}
	return true
}

func lower(b byte) byte {
	if 'A' <= b && b <= 'Z' {
		return b + 'a' - 'A'
	}
	return b
}

// hasToken reports whether the comma-separated list v holds token,
// ignoring ASCII case.
func hasToken(v []byte, token string) bool {
	for len(v) > 0 {
		var item []byte
		item, v, _ = bytes.Cut(v, []byte(","))
		if asciiEqualFold(trimOWS(item), token) {
			return true
		}
	}
	return false
}
