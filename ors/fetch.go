package ors

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/orca-scxml/orca/egress"
	"github.com/orca-scxml/orca/interp"
)

// maxFetchBody bounds the response body a <session:fetch> reads.
const maxFetchBody = 8 << 20

// runFetch starts the HTTP request of a <session:fetch>. Its outcome
// arrives as session.fetch.done, whose data holds requestid, status,
// headers (lower-case names) and content, the body as text (Composer's
// generated code evaluates it: eval('(' + _event.data.content + ')')),
// or as error.session.fetch with status when the server answered with an
// error status. The headers attribute is an object of request headers;
// a <content> child is the body (sent as JSON when it is not a string),
// <param> children a query or a form.
func runFetch(c *call) error {
	src := c.src()
	if src == "" {
		return c.fail(errInvalidAttribute, "no URL (src or srcexpr)")
	}
	timeout, err := c.duration("timeout")
	if err != nil {
		return err
	}
	params, err := c.paramValues()
	if err != nil {
		return err
	}
	method := strings.ToUpper(c.str("method"))
	if method == "" {
		method = http.MethodGet
	}
	var body any
	if ct := c.a.content; ct != nil {
		if ct.Expr != nil {
			if body, err = c.s.Datamodel().Eval(ct.Expr); err != nil {
				return err
			}
		} else {
			body = ct.Text
		}
	}
	req, err := buildRequest(method, src, c.str("enctype"), params, body)
	if err != nil {
		return c.fail(errInvalidAttribute, err.Error())
	}
	if h, ok := c.val("headers").(map[string]any); ok {
		for _, k := range slices.Sorted(maps.Keys(h)) {
			req.Header.Set(k, valueString(h[k]))
		}
	}
	if t := c.str("type"); t != "" && req.Header.Get("Accept") == "" {
		req.Header.Set("Accept", t)
	}
	rt, sid, reqID, pos := c.rt, c.s.ID(), c.reqID, c.a.pos
	rt.mu.Lock()
	rt.inflight++
	rt.fetches[sid] = append(rt.fetches[sid], reqID)
	rt.mu.Unlock()
	go func() {
		ev := rt.fetch(req, timeout)
		if ev.Name != "session.fetch.done" {
			data := ev.Data.(map[string]any)
			data["description"] = fmt.Sprintf("%s: %s", pos, data["description"])
		}
		ev.Data.(map[string]any)["requestid"] = reqID
		// Delivered and no longer listed as in flight at once, for the
		// session's snapshot (made under rt.mu) to show one or the
		// other: the host puts the answer in the snapshot too
		// (host.Host.Snapshot). Delivered before it stops counting as
		// in flight: a host that settles when nothing is in flight and
		// no event waits (virtual time) must not see neither between
		// the two.
		rt.mu.Lock()
		rt.deliver(sid, ev)
		rt.fetched(sid, reqID)
		rt.inflight--
		rt.mu.Unlock()
	}()
	return nil
}

// fetched forgets fetch reqID of session sid, answered; r.mu is held.
func (r *Runtime) fetched(sid, reqID string) {
	ids := slices.DeleteFunc(r.fetches[sid], func(id string) bool { return id == reqID })
	if len(ids) == 0 {
		delete(r.fetches, sid)
		return
	}
	r.fetches[sid] = ids
}

// fetchesLost answers the fetches that a snapshot of session sid made by
// another runtime lists as in flight: that runtime's process stopped
// before their answers, and the requests are not made again. Each ends
// in error.session.fetch (error "interrupted"), through Options.Deliver,
// so that the restored session does not wait for an answer nothing
// sends.
func (r *Runtime) fetchesLost(sid string, sh *sessionShare) {
	if sh.Instance == r.instance {
		return // in flight here: its goroutine answers
	}
	for _, id := range sh.Fetches {
		r.deliver(sid, errorEvent("session", "fetch", id, "interrupted",
			"the process that made the request stopped before its answer; it is not made again", nil))
	}
}

// buildRequest makes the request: params go into the query of a GET, and
// into a form (or JSON, for enctype application/json) body otherwise; a
// content body replaces the form.
func buildRequest(method, src, enctype string, params map[string]any, content any) (*http.Request, error) {
	u, err := url.Parse(src)
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("%q is not an http or https URL", src)
	}
	var body io.Reader
	ctype := ""
	switch {
	case content != nil:
		ctype = enctype
		if str, ok := content.(string); ok {
			body = strings.NewReader(str)
		} else {
			b, err := json.Marshal(content)
			if err != nil {
				return nil, err
			}
			body = bytes.NewReader(b)
			if ctype == "" {
				ctype = "application/json"
			}
		}
		if method == http.MethodGet || method == http.MethodDelete {
			q := u.Query()
			for _, k := range slices.Sorted(maps.Keys(params)) {
				q.Set(k, paramString(params[k]))
			}
			u.RawQuery = q.Encode()
		}
	case method == http.MethodGet || method == http.MethodDelete:
		q := u.Query()
		for _, k := range slices.Sorted(maps.Keys(params)) {
			q.Set(k, paramString(params[k]))
		}
		u.RawQuery = q.Encode()
	case enctype == "application/json":
		b, err := json.Marshal(params)
		if err != nil {
			return nil, err
		}
		body, ctype = bytes.NewReader(b), enctype
	default:
		form := url.Values{}
		for _, k := range slices.Sorted(maps.Keys(params)) {
			form.Set(k, paramString(params[k]))
		}
		body, ctype = strings.NewReader(form.Encode()), "application/x-www-form-urlencoded"
	}
	req, err := http.NewRequest(method, u.String(), body)
	if err != nil {
		return nil, err
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	return req, nil
}

// fetch performs req and returns the event that reports its outcome.
func (r *Runtime) fetch(req *http.Request, timeout time.Duration) *interp.Event {
	if timeout > 0 {
		ctx, cancel := context.WithTimeout(req.Context(), timeout)
		defer cancel()
		req = req.WithContext(ctx)
	}
	resp, err := r.client.Do(req)
	if err != nil {
		if ref, ok := egress.AsRefusal(err); ok {
			return errorEvent("session", "fetch", "", "forbidden", ref.Error(), nil)
		}
		return errorEvent("session", "fetch", "", "connection", err.Error(), nil)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxFetchBody))
	if err != nil {
		return errorEvent("session", "fetch", "", "connection", err.Error(), map[string]any{"status": float64(resp.StatusCode)})
	}
	if resp.StatusCode >= 400 {
		return errorEvent("session", "fetch", "", "http", fmt.Sprintf("%s %s: %s", req.Method, req.URL, resp.Status),
			map[string]any{"status": float64(resp.StatusCode), "content": string(b)})
	}
	headers := map[string]any{}
	for k, v := range resp.Header {
		headers[strings.ToLower(k)] = strings.Join(v, ", ")
	}
	return doneEvent("session", "fetch", map[string]any{"status": float64(resp.StatusCode), "headers": headers, "content": string(b)})
}

func paramString(v any) string {
	switch v := v.(type) {
	case nil:
		return ""
	case string:
		return v
	case map[string]any, []any:
		b, _ := json.Marshal(v)
		return string(b)
	}
	return fmt.Sprint(v)
}
