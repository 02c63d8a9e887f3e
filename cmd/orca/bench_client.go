package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
)

// gmsClient is one client of the callbacks bench: it places callbacks
// and asks for their state through the GMS API, over one keep-alive
// connection of a shared Transport. It is the load generator, in the
// process it measures, so it costs what a well-written client does: its
// two requests are made once and reused (RoundTrip allows it once the
// answer's body is closed), their bodies and paths are written into
// buffers of its own, and the answers are read into one. It speaks
// through the Transport (net/http's HTTP/1.1 client) rather than an
// http.Client: the API never redirects, and the bench bounds the run as
// a whole (its context) instead of each request with a timer.
type gmsClient struct {
	rt   http.RoundTripper
	post *http.Request
	get  *http.Request
	form formBody
	// path is the service's path, to which a callback's id is appended.
	path   []byte
	plen   int
	answer bytes.Buffer
}

// newGMSClient returns a client of the callbacks of service at base (the
// service's URL), whose requests end with ctx.
func newGMSClient(ctx context.Context, rt http.RoundTripper, base string) (*gmsClient, error) {
	u, err := url.Parse(base)
	if err != nil {
		return nil, fmt.Errorf("bench client: %w", err)
	}
	c := &gmsClient{rt: rt}
	c.post, err = http.NewRequestWithContext(ctx, http.MethodPost, base, &c.form)
	if err != nil {
		return nil, fmt.Errorf("bench client: %w", err)
	}
	c.post.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if c.get, err = http.NewRequestWithContext(ctx, http.MethodGet, base, nil); err != nil {
		return nil, fmt.Errorf("bench client: %w", err)
	}
	c.path = append(c.path, u.Path...)
	c.path = append(c.path, '/')
	c.plen = len(c.path)
	return c, nil
}

// place starts a callback to customer number 556 followed by n on seven
// digits, and returns its id.
func (c *gmsClient) place(n int64) (string, error) {
	c.form.buf = append(c.form.buf[:0], "_customer_number=556"...)
	c.form.buf = appendPadded(c.form.buf, n, 7)
	c.form.off = 0
	c.post.ContentLength = int64(len(c.form.buf))
	code, err := c.do(c.post)
	if err != nil {
		return "", err
	}
	if code != http.StatusOK {
		return "", fmt.Errorf("POST %s: %d %s: %s", c.post.URL, code, http.StatusText(code), clipAnswer(c.answer.Bytes()))
	}
	var body struct {
		ID string `json:"_id"`
	}
	if err := json.Unmarshal(c.answer.Bytes(), &body); err != nil || body.ID == "" {
		return "", fmt.Errorf("POST %s: no _id in the answer %q (%v)", c.post.URL, clipAnswer(c.answer.Bytes()), err)
	}
	return body.ID, nil
}

// state asks for the state of callback id.
func (c *gmsClient) state(id string) error {
	c.path = append(c.path[:c.plen], id...)
	c.get.URL.Path = string(c.path)
	code, err := c.do(c.get)
	if err != nil {
		return err
	}
	if code != http.StatusOK {
		return fmt.Errorf("GET %s: %d %s: %s", c.get.URL, code, http.StatusText(code), clipAnswer(c.answer.Bytes()))
	}
	return nil
}

// do sends req and reads its answer into c.answer.
func (c *gmsClient) do(req *http.Request) (int, error) {
	resp, err := c.rt.RoundTrip(req)
	if err != nil {
		return 0, fmt.Errorf("%s %s: %w", req.Method, req.URL, err)
	}
	c.answer.Reset()
	_, err = c.answer.ReadFrom(resp.Body)
	resp.Body.Close()
	if err != nil {
		return 0, fmt.Errorf("%s %s: reading the answer: %w", req.Method, req.URL, err)
	}
	return resp.StatusCode, nil
}

// clipAnswer shortens an answer quoted in an error.
func clipAnswer(b []byte) []byte { return b[:min(len(b), 512)] }

// appendPadded appends n in decimal, with leading zeros to width digits.
func appendPadded(dst []byte, n int64, width int) []byte {
	var digits [20]byte
	d := strconv.AppendInt(digits[:0], n, 10)
	for range width - len(d) {
		dst = append(dst, '0')
	}
	return append(dst, d...)
}

// formBody is the body of a POST, reread from its start for each
// request (the client sets off to 0). The Transport closes a body once
// sent; closing it does nothing.
type formBody struct {
	buf []byte
	off int
}

func (b *formBody) Read(p []byte) (int, error) {
	if b.off >= len(b.buf) {
		return 0, io.EOF
	}
	n := copy(p, b.buf[b.off:])
	b.off += n
	return n, nil
}

func (b *formBody) Close() error { return nil }
