package server

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/orca-scxml/orca/internal/loopback"
	"github.com/stretchr/testify/require"
)

// strategyDir copies testdata/*.scxml into a new directory and adds a
// symbolic link that leads outside it.
func strategyDir(t testing.TB) string {
	dir := filepath.Join(t.TempDir(), "strategies")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	files, err := filepath.Glob("testdata/*.scxml")
	require.NoError(t, err)
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644))
	}
	outside := filepath.Join(filepath.Dir(dir), "outside.scxml")
	require.NoError(t, os.WriteFile(outside, []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0"><final id="f"/></scxml>`), 0o644))
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "escape.scxml")))
	require.NoError(t, os.Symlink(filepath.Dir(dir), filepath.Join(dir, "up")))
	return dir
}

// newTestServer starts a server on 127.0.0.1 with an embedded NATS server
// in a temporary directory; mutate adjusts the configuration.
func newTestServer(t testing.TB, mutate func(*Config), opts Options) *Server {
	t.Helper()
	cfg := Config{
		Listen:     "127.0.0.1:0",
		NATS:       NATSConfig{DataDir: filepath.Join(t.TempDir(), "nats"), Port: loopback.Port(t)},
		Strategies: StrategiesConfig{Dirs: []string{strategyDir(t)}},
		Sessions:   SessionsConfig{RequestTimeout: 2 * time.Second},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	s, err := New(cfg, opts)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = s.Shutdown(ctx)
	})
	return s
}

// answer is an HTTP answer: status and decoded JSON body.
type answer struct {
	code   int
	body   any
	raw    string
	header http.Header
}

// obj returns the body as an object.
func (a answer) obj(t testing.TB) map[string]any {
	m, ok := a.body.(map[string]any)
	require.True(t, ok, "want a JSON object, got %s", a.raw)
	return m
}

// call makes an HTTP request; a url.Values body is sent as a form, a
// string as is with contentType, anything else as JSON.
func call(t testing.TB, method, u string, body any, contentType string) answer {
	t.Helper()
	return callWith(t, method, u, body, contentType, nil)
}

// callWith is call with extra request headers.
func callWith(t testing.TB, method, u string, body any, contentType string, header http.Header) answer {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case url.Values:
		rd = strings.NewReader(b.Encode())
		if contentType == "" {
			contentType = "application/x-www-form-urlencoded"
		}
	case string:
		rd = strings.NewReader(b)
	default:
		data, err := json.Marshal(b)
		require.NoError(t, err)
		rd = bytes.NewReader(data)
		if contentType == "" {
			contentType = "application/json"
		}
	}
	req, err := http.NewRequest(method, u, rd)
	require.NoError(t, err)
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	a := answer{code: resp.StatusCode, raw: string(data), header: resp.Header}
	if strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		require.NoError(t, json.Unmarshal(data, &a.body), "body %s", data)
	}
	return a
}

// startSession starts src with params and returns the session id.
func startSession(t testing.TB, s *Server, params url.Values) string {
	t.Helper()
	a := call(t, http.MethodPost, s.URL()+"/scxml/session/start", params, "")
	require.Equal(t, http.StatusOK, a.code, a.raw)
	id, _ := a.obj(t)["sessionid"].(string)
	require.Len(t, id, 32)
	return id
}

// eventually waits for cond, polling.
func eventually(t testing.TB, d time.Duration, cond func() bool, msg string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf(msg, args...)
		}
		time.Sleep(5 * time.Millisecond)
	}
}
