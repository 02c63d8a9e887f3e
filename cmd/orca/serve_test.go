package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServeUntilInterrupted(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "orca.yaml")
	require.NoError(t, os.MkdirAll(filepath.Join(dir, "strategies"), 0o755))
	require.NoError(t, os.WriteFile(cfg, []byte(`
nats: {data_dir: nats}
strategies: {dirs: [strategies]}
services:
  - name: callback
    template: callback-immediate
    options: {_target: Callback_Agents, _route_point: RP_Callback}
`), 0o644))
	_, stderr, stop := background(t, runServe, "--config", cfg, "--listen", "127.0.0.1:0", "--nats-port", natsPort(t))
	waitFor(t, stderr, "orca serve: listening on ")
	base := regexp.MustCompile(`http://127\.0\.0\.1:\d+`).FindString(stderr.String())
	require.NotEmpty(t, base)
	resp, err := http.Get(base + "/healthz")
	require.NoError(t, err)
	var health map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&health))
	resp.Body.Close()
	assert.Equal(t, "ok", health["status"])
	resp, err = http.PostForm(base+"/scxml/session/start", map[string][]string{"src": {"../../etc/passwd"}})
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusForbidden, resp.StatusCode)
	assert.Equal(t, exitOK, stop())
	assert.Contains(t, stderr.String(), "orca serve: shutting down")
}

func TestServeRefusesBadSettings(t *testing.T) {
	dir := t.TempDir()
	// A refused start may already have made the bus's data directory
	// (orca-data, relative to the working directory).
	t.Chdir(dir)
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("services:\n  - {name: cb, template: callback-immediate, options: {_max_dial_attempts: 0}}\n"), 0o644))
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"missing config", []string{"--config", filepath.Join(dir, "none.yaml")}, exitFail, "none.yaml"},
		{"bad service", []string{"--config", bad, "--listen", "127.0.0.1:0", "--nats-port", natsPort(t)}, exitFail, `service "cb"`},
		{"public listen without credentials", []string{"--listen", "0.0.0.0:0", "--nats-port", natsPort(t)}, exitFail, "reachable from other hosts: set http.token (or ORCA_API_TOKEN)"},
		{"stray argument", []string{"extra"}, exitUsage, "orca serve: unexpected argument \"extra\": orca serve takes flags only\nusage: orca serve"},
		{"unknown flag", []string{"--nope"}, exitUsage, "nope"},
	}
	for _, v := range []string{"ORCA_API_TOKEN", "ORCA_API_USER", "ORCA_API_PASSWORD"} {
		t.Setenv(v, "")
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			assert.Equal(t, tc.code, runServe(context.Background(), tc.args, &stdout, &stderr))
			assert.Contains(t, stderr.String(), tc.msg)
		})
	}
}

func TestServeOnEveryInterfaceWithATokenFromTheEnvironment(t *testing.T) {
	t.Setenv("ORCA_API_TOKEN", "s3cret")
	dir := t.TempDir()
	cfg := filepath.Join(dir, "orca.yaml")
	require.NoError(t, os.WriteFile(cfg, []byte("nats: {data_dir: nats}\n"), 0o644))
	// 0.0.0.0 is every interface: authentication is required, whatever
	// address a client comes from. The test's own requests stay on
	// loopback.
	_, stderr, stop := background(t, runServe, "--config", cfg, "--listen", "0.0.0.0:0", "--nats-port", natsPort(t))
	waitFor(t, stderr, "orca serve: listening on ")
	assert.Contains(t, stderr.String(), "HTTP authentication: bearer token")
	base := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(stderr.String())
	require.Len(t, base, 2, stderr.String())
	assert.Contains(t, stderr.String(), "set base_url to the URL clients use")
	get := func(path, token string) int {
		req, err := http.NewRequest(http.MethodGet, base[1]+path, nil)
		require.NoError(t, err)
		if token != "" {
			req.Header.Set("Authorization", "Bearer "+token)
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		return resp.StatusCode
	}
	assert.Equal(t, http.StatusOK, get("/healthz", ""))
	assert.Equal(t, http.StatusUnauthorized, get("/metrics", ""))
	assert.Equal(t, http.StatusUnauthorized, get("/metrics", "wrong"))
	assert.Equal(t, http.StatusOK, get("/metrics", "s3cret"))
	assert.Equal(t, exitOK, stop())
}
