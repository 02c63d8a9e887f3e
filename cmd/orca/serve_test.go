package main

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestServeDemo(t *testing.T) {
	var stdout, stderr bytes.Buffer
	code := runServe(context.Background(), []string{"--demo", "--count", "3", "--speed", "100"}, &stdout, &stderr)
	require.Equal(t, exitOK, code, "stderr:\n%s", stderr.String())
	out := stdout.String()
	assert.Equal(t, 3, strings.Count(out, "requested: _id="))
	assert.Equal(t, 6, strings.Count(out, "distribute_user_event: message EventUserEvent"))
	assert.Equal(t, 3, strings.Count(out, "'_CB_FINAL_RECORD'\t1\n"))
	assert.Equal(t, 3, strings.Count(out, ": COMPLETED "))
	assert.Contains(t, out, "# 3 callbacks completed, 6 UserEvents at the reporting DN")
	assert.Contains(t, out, "pending 0, failed 0")
}

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
	_, stderr, stop := background(t, runServe, "--config", cfg, "--listen", "127.0.0.1:0")
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
	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("services:\n  - {name: cb, template: callback-immediate, options: {_max_dial_attempts: 0}}\n"), 0o644))
	tests := []struct {
		name string
		args []string
		code int
		msg  string
	}{
		{"missing config", []string{"--config", filepath.Join(dir, "none.yaml")}, exitFail, "none.yaml"},
		{"bad service", []string{"--config", bad, "--listen", "127.0.0.1:0"}, exitFail, `service "cb"`},
		{"public listen", []string{"--listen", "0.0.0.0:0"}, exitFail, "loopback"},
		{"stray argument", []string{"extra"}, exitUsage, "usage: orca serve"},
		{"unknown flag", []string{"--nope"}, exitUsage, "nope"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			assert.Equal(t, tc.code, runServe(context.Background(), tc.args, &stdout, &stderr))
			assert.Contains(t, stderr.String(), tc.msg)
		})
	}
}
