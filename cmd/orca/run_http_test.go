package main

import (
	"bufio"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunHTTPSelf runs a chart that sends itself an event over the Basic
// HTTP Event I/O Processor.
func TestRunHTTPSelf(t *testing.T) {
	path := writeChart(t, "self.scxml", `
  <state id="s0">
    <onentry>
      <send event="hello" type="basichttp" targetexpr="_ioprocessors['basichttp'].location">
        <param name="n" expr="42"/>
      </send>
    </onentry>
    <transition event="hello" cond="_event.data.n == 42 &amp;&amp; _event.origintype == 'http://www.w3.org/TR/scxml/#BasicHTTPEventProcessor'" target="pass"/>
    <transition event="*" target="fail"/>
  </state>
  <final id="pass"/>
  <final id="fail"/>
`)
	code, stdout, stderr := orca(t, nil, "run", "--http", "127.0.0.1:0", "--timeout", "10s", path)
	assert.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "pass\n", stdout)
	assert.Regexp(t, `basichttp location http://127\.0\.0\.1:\d+/basichttp/[0-9a-f]+`, stderr)
}

// TestRunHTTPExternal posts an event to the location orca run prints; the
// run keeps waiting for HTTP events although stdin is closed.
func TestRunHTTPExternal(t *testing.T) {
	path := writeChart(t, "wait.scxml", `
  <state id="s0">
    <transition event="go" cond="_event.data.who === 'test'" target="pass"/>
    <transition event="*" target="fail"/>
  </state>
  <final id="pass"/>
  <final id="fail"/>
`)
	pr, pw := io.Pipe()
	type result struct {
		code   int
		stdout string
	}
	done := make(chan result, 1)
	go func() {
		var out strings.Builder
		code := run([]string{"run", "--http", "127.0.0.1:0", "--timeout", "10s", path}, strings.NewReader(""), &out, pw)
		_ = pw.Close()
		done <- result{code: code, stdout: out.String()}
	}()

	sc := bufio.NewScanner(pr)
	require.True(t, sc.Scan(), "orca run printed nothing")
	loc := regexp.MustCompile(`http://\S+`).FindString(sc.Text())
	require.NotEmpty(t, loc, sc.Text())
	go func() { _, _ = io.Copy(io.Discard, pr) }()

	// stdin is already closed: without --http the run would have ended.
	resp, err := http.Post(loc, "application/x-www-form-urlencoded", strings.NewReader("_scxmleventname=go&who=test"))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusOK, resp.StatusCode)

	select {
	case r := <-done:
		assert.Equal(t, exitOK, r.code)
		assert.Equal(t, "pass\n", r.stdout)
	case <-time.After(15 * time.Second):
		t.Fatal("orca run did not finish")
	}
}

func TestRunHTTPBadAddr(t *testing.T) {
	path := writeChart(t, "x.scxml", `<final id="pass"/>`+"\n")
	code, _, stderr := orca(t, nil, "run", "--http", "256.0.0.1:bad", path)
	assert.Equal(t, exitFail, code)
	assert.Contains(t, stderr, "--http")
}
