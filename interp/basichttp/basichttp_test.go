package basichttp

import (
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/internal/testenv"
	"github.com/orca-scxml/orca/interp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// w3cDir is the W3C suite directory (see testenv.W3C).
func w3cDir(t *testing.T) string {
	t.Helper()
	return testenv.W3C(t)
}

// harness is one engine on a virtual clock with a processor on a loopback
// listener, driven the way the conformance runner drives its engines.
type harness struct {
	t      *testing.T
	clock  *interp.VirtualClock
	inbox  *interp.Inbox
	proc   *Processor
	engine *interp.Engine
}

func newHarness(t *testing.T) *harness {
	t.Helper()
	h := &harness{t: t, clock: interp.NewVirtualClock(time.Unix(0, 0)), inbox: interp.NewInbox()}
	p, err := New(Options{Deliver: h.inbox.Put})
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, p.Close()) })
	h.proc = p
	h.engine = interp.NewEngine(interp.Options{
		Clock:        h.clock,
		Datamodels:   host.Datamodels(),
		Limit:        interp.LimitTerminate,
		IOProcessors: p.Register(nil),
		OnDone:       func(s *interp.Session) { p.Forget(s.ID()) },
		Log:          func(_ *interp.Session, label, msg string) { t.Logf("%s: %s", label, msg) },
		OnError:      func(_ *interp.Session, err error) { t.Logf("error: %v", err) },
	})
	return h
}

func (h *harness) start(path string) *interp.Session {
	h.t.Helper()
	chart, err := host.LoadChart(path, nil)
	require.NoError(h.t, err)
	s, err := h.engine.Start(chart, interp.StartOptions{})
	require.NoError(h.t, err)
	return s
}

// runUntilDone runs the engine until s ends. The clock moves to the next
// delayed event only when the inbox is empty and the engine idle.
func (h *harness) runUntilDone(s *interp.Session) {
	h.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !s.Done() {
		require.True(h.t, time.Now().Before(deadline), "no final state in time; active %v", s.Active())
		h.engine.Run()
		if s.Done() {
			break
		}
		if h.inbox.Deliver(h.engine, nil) > 0 || !h.engine.Idle() {
			continue
		}
		due, ok := h.engine.NextDue()
		require.True(h.t, ok, "stuck in %v: no event can arrive", s.Active())
		h.clock.Set(due)
	}
}

func requirePass(t *testing.T, s *interp.Session) {
	t.Helper()
	require.NoError(t, s.Err())
	require.NotNil(t, s.Final(), "session ended without a top-level final state")
	assert.Equal(t, "pass", s.Final().ID)
}

// TestW3C runs the W3C Basic HTTP Event I/O Processor tests end to end.
func TestW3C(t *testing.T) {
	dir := w3cDir(t)
	for _, id := range []string{"201", "509", "510", "518", "519", "520", "522", "531", "532", "534", "567", "577"} {
		t.Run("test"+id, func(t *testing.T) {
			h := newHarness(t)
			s := h.start(filepath.Join(dir, "ecma", "test"+id+".scxml"))
			h.runUntilDone(s)
			requirePass(t, s)
		})
	}
}

// formChart passes when its first event is test with the form data
// key1=value1&key2=value2 (W3C test 513), and never reads _ioprocessors.
const formChart = `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">
  <state id="s0">
    <transition event="test" cond="_event.data.key1 === 'value1' &amp;&amp; _event.data.key2 === 'value2'" target="pass"/>
    <transition event="*" target="fail"/>
  </state>
  <final id="pass"/>
  <final id="fail"/>
</scxml>`

// TestW3C513 follows test513.txt: a form POST to a session's location,
// naming the event in the _scxmleventname header, gets 200, and the
// session receives the event.
func TestW3C513(t *testing.T) {
	dir := w3cDir(t)
	_, err := os.Stat(filepath.Join(dir, "ecma", "test513.txt"))
	require.NoError(t, err)

	h := newHarness(t)
	path := filepath.Join(t.TempDir(), "wait.scxml")
	require.NoError(t, os.WriteFile(path, []byte(formChart), 0o644))
	s := h.start(path)
	h.engine.Run()
	assert.Equal(t, http.StatusOK, postForm(t, h.proc.Location(s), "test", "key1=value1&key2=value2"))

	h.runUntilDone(s)
	requirePass(t, s)
}

// TestSendBetweenSessions checks replies: the receiver answers to
// _event.origin, which the sender's processor set.
func TestSendBetweenSessions(t *testing.T) {
	h := newHarness(t)
	dir := t.TempDir()
	pong := filepath.Join(dir, "pong.scxml")
	require.NoError(t, os.WriteFile(pong, []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">
  <state id="wait">
    <transition event="ping" target="done">
      <send event="pong" type="basichttp" targetexpr="_event.origin">
        <param name="n" expr="_event.data.n"/>
      </send>
    </transition>
  </state>
  <final id="done"/>
</scxml>`), 0o644))
	ps := h.start(pong)
	h.engine.Run()
	ping := filepath.Join(dir, "ping.scxml")
	require.NoError(t, os.WriteFile(ping, []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">
  <datamodel><data id="to" expr="'`+h.proc.Location(ps)+`'"/></datamodel>
  <state id="s0">
    <onentry>
      <send event="timeout" delay="5s"/>
      <send event="ping" type="basichttp" targetexpr="to" namelist="to"><param name="n" expr="'41 + 1'"/></send>
    </onentry>
    <transition event="pong" cond="_event.data.n === '41 + 1' &amp;&amp; _event.origin === to" target="pass"/>
    <transition event="*" target="fail"/>
  </state>
  <final id="pass"/>
  <final id="fail"/>
</scxml>`), 0o644))
	s := h.start(ping)
	h.runUntilDone(s)
	requirePass(t, s)
	assert.True(t, ps.Done())
}

// The listener accepts events for every session of the engine, also one
// whose chart never reads _ioprocessors and whose location nothing asked
// for: a client that knows the session's id posts to it; and it stops at
// Forget.
func TestAcceptsSessionsThatNeverReadTheirLocation(t *testing.T) {
	h := newHarness(t)
	path := filepath.Join(t.TempDir(), "quiet.scxml")
	require.NoError(t, os.WriteFile(path, []byte(formChart), 0o644))
	s := h.start(path)
	h.engine.Run()
	post := func(id string) int {
		return postForm(t, h.proc.URL()+"/basichttp/"+id, "test", "key1=value1&key2=value2")
	}
	assert.Equal(t, http.StatusNotFound, post("nosuch"))
	assert.Equal(t, http.StatusOK, post(s.ID()))
	h.runUntilDone(s)
	requirePass(t, s)
	assert.Equal(t, http.StatusNotFound, post(s.ID()), "accepted after Forget")
}

// postForm posts a form body to url, naming the event in the
// _scxmleventname header, and returns the status of the answer.
func postForm(t *testing.T, url, event, body string) int {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("_scxmleventname", event)
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	return resp.StatusCode
}
