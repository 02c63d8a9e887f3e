package main

import (
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRunOutboundPolicy runs a strategy that fetches a URL and sends to
// another: nothing is reachable without --allow, and loopback, link-local
// and metadata addresses stay refused under --allow '*'.
func TestRunOutboundPolicy(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "hello")
	}))
	defer srv.Close()
	path := filepath.Join(t.TempDir(), "fetch.scxml")
	require.NoError(t, os.WriteFile(path, []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" xmlns:session="http://www.genesyslab.com/modules/session" version="1.0" profile="ecmascript" initial="fetch">
  <state id="fetch">
    <onentry><session:fetch srcexpr="_data.url" method="'get'" timeout="5"/></onentry>
    <transition event="session.fetch.done" target="send"/>
    <transition event="error.session.fetch" target="fetch_refused"><script>__Log(_event.data.error)</script></transition>
  </state>
  <state id="send">
    <onentry><send type="'basichttp'" target="'http://169.254.169.254/latest/meta-data/'" event="'x'"/></onentry>
    <transition event="error.communication" target="send_refused"/>
  </state>
  <final id="fetch_refused"/>
  <final id="send_refused"/>
</scxml>
`), 0o644))
	tests := []struct {
		name  string
		args  []string
		final string
		msg   string
	}{
		{"nothing allowed", nil, "fetch_refused", "no prefix in --allow matches it"},
		{"the server's prefix", []string{"--allow", srv.URL + "/"}, "send_refused", "no prefix in --allow matches it"},
		{"any URL but loopback", []string{"--allow", "*"}, "fetch_refused", "127.0.0.1 is a loopback address; only a prefix naming that address, or --allow-network, allows it"},
		{"any URL, loopback let through", []string{"--allow", "*", "--allow-network", "127.0.0.0/8"}, "send_refused", "169.254.169.254 is a link-local address"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			args := append(append([]string{"run", "--http", "127.0.0.1:0", "--timeout", "10s", "--param", "url=" + srv.URL + "/x"}, tt.args...), path)
			code, stdout, stderr := orca(t, nil, args...)
			assert.Equal(t, exitOK, code, stderr)
			assert.Equal(t, tt.final+"\n", stdout, stderr)
			assert.Contains(t, stderr, "orca run: outbound request refused: ")
			assert.Contains(t, stderr, tt.msg)
		})
	}
}
