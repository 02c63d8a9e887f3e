package ors_test

import (
	"errors"
	"fmt"
	"github.com/orca-scxml/orca/interp"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/orca-scxml/orca/scxml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestFetch(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/customer" {
			http.NotFound(w, r)
			return
		}
		_ = r.ParseForm()
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprintf(w, `{"name":%q,"method":%q}`, r.Form.Get("customer"), r.Method)
	}))
	defer srv.Close()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	closed := "http://" + ln.Addr().String() + "/customer"
	require.NoError(t, ln.Close())

	tests := []struct {
		name, url, method, final, log string
	}{
		{"get", srv.URL + "/customer", "get", "pass", `200 ({name:"Ann", method:"GET"})`},
		{"post", srv.URL + "/customer", "post", "pass", `200 ({name:"Ann", method:"POST"})`},
		{"not found", srv.URL + "/missing", "get", "failed", "http 404"},
		{"unreachable", closed, "get", "failed", "connection undefined"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			s := h.start("fetch.scxml", map[string]any{"url": tt.url, "method": tt.method})
			require.Equal(t, tt.final, final(s), "logs %v errors %v", h.logs, h.errs)
			assert.Equal(t, []string{tt.log}, h.logs)
		})
	}
}

func TestSessionStartAndTerminate(t *testing.T) {
	h := newHarness(t, nil)
	s := h.start("parent.scxml", nil)
	require.Equal(t, "pass", final(s), "events %v logs %v errors %v", h.names(s.ID()), h.logs, h.errs)
	child := h.event(s.ID(), "session.start.done")["sessionid"].(string)
	assert.Len(t, child, 32)
	assert.Nil(t, h.eng.Session(child))
	assert.Equal(t, []string{"lookup for Ann", "lookup ends"}, h.logs)
	assert.Contains(t, h.event(s.ID(), "error.session.start")["description"], "NoSuch.scxml")
}

func TestLoadErrors(t *testing.T) {
	const head = `<scxml xmlns="http://www.w3.org/2005/07/scxml" xmlns:ixn="http://www.genesyslab.com/modules/interaction" xmlns:queue="http://www.genesyslab.com/modules/queue" xmlns:xi="http://www.w3.org/2001/XInclude" version="1.0" profile="ecmascript">
<state id="s"><onentry>
`
	tests := []struct {
		name, body, want string
	}{
		{"unknown action", `<ixn:frobnicate interactionid="x"/>`, "mem.scxml:3:1: unsupported action <ixn:frobnicate>: Orca does not implement it (namespace http://www.genesyslab.com/modules/interaction)"},
		{"unimplemented module", `<classification:classify xmlns:classification="www.genesyslab.com/modules/classification"/>`, "mem.scxml:3:1: unsupported action <classification:classify>: Orca does not implement namespace http://www.genesyslab.com/modules/classification"},
		{"duplicate attribute", `<ixn:redirect to="'x'" to="'y'"/>`, `mem.scxml:3:`},
		{"bad child", `<queue:submit><queue:nothing/></queue:submit>`, "mem.scxml:3:15: <queue:nothing> is not allowed in <queue:submit>"},
		{"target without expr", `<queue:submit><queue:targets><queue:targetid/></queue:targets></queue:submit>`, "mem.scxml:3:30: <queue:targetid> needs expr"},
		{"missing include", `<script><xi:include href="include/missing.js" parse="text"/></script>`, "include/missing.js"},
	}
	h := newHarness(t, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := head + tt.body + "\n</onentry></state></scxml>"
			_, err := scxml.Parse("testdata/mem.scxml", []byte(src), h.rt.LoadOptions())
			require.Error(t, err)
			var list scxml.ErrorList
			require.True(t, errors.As(err, &list), "%v", err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestSessionTerminatesItself(t *testing.T) {
	h := newHarness(t, nil)
	s := h.start("selfterminate.scxml", nil)
	require.NoError(t, h.eng.Send(s.ID(), &interp.Event{Name: "stop"}))
	h.settle()
	assert.True(t, s.Done())
	assert.Nil(t, s.Final(), "a terminated session reaches no final state")
	assert.Equal(t, []string{"leaving work", "still running the block", "leaving stopping"}, h.logs)
}

// TestToSource checks that sessions of a document naming toSource have it
// on Object.prototype, and that others do without it.
func TestToSource(t *testing.T) {
	for _, tc := range []struct {
		name, cond string
	}{
		{"named", `typeof Object.prototype.toSource === 'function' &amp;&amp; ({a: 1}).toSource().indexOf('a') &gt;= 0`},
		{"not named", `Object.getOwnPropertyNames(Object.prototype).indexOf('to' + 'Source') &lt; 0`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			s := h.startSrc(orsDoc(`<state id="s"><transition cond="`+tc.cond+`" target="pass"/><transition target="fail"/></state>`), nil)
			assert.Equal(t, "pass", final(s))
		})
	}
}
