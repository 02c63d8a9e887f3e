package conformance

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/interp/basichttp"
	"github.com/orca-scxml/orca/scxml"
)

// newHTTPEnv starts a Basic HTTP Event I/O Processor on the loopback
// interface for one document: events POSTed to it reach the document's host
// through a relay.
func newHTTPEnv() (runEnv, error) {
	r := &relay{}
	p, err := basichttp.New(basichttp.Options{Deliver: r.deliver})
	if err != nil {
		return runEnv{}, fmt.Errorf("starting the Basic HTTP Event I/O Processor: %w", err)
	}
	return runEnv{
		ioprocs: p.Register(nil),
		relay:   r,
		forget:  p.Forget,
		release: func() { _ = p.Close() },
	}, nil
}

// postCheckDoc is the session test 513 posts to: it passes when the posted
// event arrives with the posted data.
const postCheckDoc = `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript" initial="s0">
  <state id="s0">
    <transition event="test" cond="_event.data.key1 == 'value1' &amp;&amp; _event.data.key2 == 'value2'" target="pass"/>
    <transition event="*" target="fail"/>
  </state>
  <final id="pass"/>
  <final id="fail"/>
</scxml>
`

// runPostCheck is test 513, which has no document (test513.txt): POST a
// well-formed event (_scxmleventname in a header, key1=value1&key2=value2 as
// the body) to a session's basichttp location and expect 200; the session
// must then receive the event. The error is for a wrong answer.
func runPostCheck(o Options) (Trace, error) {
	tr := Trace{File: "test513", Source: postCheckDoc}
	env, err := newHTTPEnv()
	if err != nil {
		tr.LoadErr = err
		return tr, nil
	}
	defer env.close()
	doc, err := scxml.Parse("test513.scxml", []byte(postCheckDoc), nil)
	if err != nil {
		tr.LoadErr = err
		return tr, nil
	}
	// The POST happens once the session is waiting for events, from the
	// runner's goroutine: the processor answers before the engine sees
	// the event.
	var postErr error
	env.onIdle = func(s *interp.Session) {
		loc := s.IOProcessors()[basichttp.ShortName]
		postErr = postEvent(loc, o.Timeout)
	}
	runDoc(&tr, doc, o, env)
	return tr, postErr
}

// postEvent sends the event of test513.txt to loc and checks for 200.
func postEvent(loc string, timeout time.Duration) error {
	if loc == "" {
		return fmt.Errorf("_ioprocessors has no %s location", basichttp.ShortName)
	}
	req, err := http.NewRequest(http.MethodPost, loc, strings.NewReader("key1=value1&key2=value2"))
	if err != nil {
		return fmt.Errorf("POST %s: %w", loc, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set(basichttp.EventNameParam, "test")
	client := &http.Client{Timeout: timeout}
	defer client.CloseIdleConnections()
	resp, err := client.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s: %w", loc, err)
	}
	defer resp.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s answered %s, want 200 OK", loc, resp.Status)
	}
	return nil
}
