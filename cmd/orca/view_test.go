package main

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/trace"
)

// viewURL starts orca view with args and returns the session page's URL.
func viewURL(t *testing.T, args ...string) (string, *watchWriter, func() int) {
	t.Helper()
	stdout, stderr, stop := background(t, runView, args...)
	waitFor(t, stdout, "\n")
	url := strings.TrimSpace(stdout.String())
	require.True(t, strings.HasPrefix(url, "http://127.0.0.1:"), url)
	return url, stderr, stop
}

// sessionOf reads the session a view serves through its API.
func sessionOf(t *testing.T, pageURL string) (steps []map[string]any, hasChart bool) {
	t.Helper()
	api := strings.Replace(pageURL, "/session/", "/console/api/session/", 1)
	resp, err := http.Get(api)
	require.NoError(t, err)
	defer resp.Body.Close()
	require.Equal(t, http.StatusOK, resp.StatusCode)
	var s struct {
		Steps    []map[string]any
		HasChart bool
	}
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&s))
	return s.Steps, s.HasChart
}

func TestViewRunTrace(t *testing.T) {
	// The trace orca run --trace writes, final state line included: its
	// header names the document, so no --doc is needed.
	chart, err := filepath.Abs(filepath.Join(repoTestdata, "pingpong.scxml"))
	require.NoError(t, err)
	code, out, _ := orca(t, strings.NewReader("{\"name\":\"ping\"}\n{\"name\":\"stop\"}\n"), "run", "--trace", chart)
	require.Equal(t, exitOK, code)
	file := filepath.Join(t.TempDir(), "run.trace")
	require.NoError(t, os.WriteFile(file, []byte(out), 0o644))

	url, stderr, stop := viewURL(t, file)
	assert.Contains(t, stderr.String(), "done (not a trace line, skipped)")
	steps, hasChart := sessionOf(t, url)
	assert.True(t, hasChart)
	require.Len(t, steps, 3)
	assert.Equal(t, "stop", steps[2]["event"])
	// A step in full: its data model.
	resp, err := http.Get(strings.Replace(url, "/session/", "/console/api/session/", 1) + "/step/1")
	require.NoError(t, err)
	var st map[string]any
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&st))
	resp.Body.Close()
	assert.Equal(t, map[string]any{"count": 1.0}, st["datamodel"])
	resp, err = http.Get(url)
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, exitOK, stop())

	// The lines of the first format are read as they were.
	old := filepath.Join(t.TempDir(), "old.trace")
	require.NoError(t, os.WriteFile(old, []byte(`{"event":null,"atomic":["ping"],"active":["play","ping"],"final":false}
{"event":"stop","atomic":["done"],"active":["done"],"final":true}
done
`), 0o644))
	url, _, stop = viewURL(t, "--doc", chart, old)
	steps, hasChart = sessionOf(t, url)
	assert.True(t, hasChart)
	require.Len(t, steps, 2)
	assert.Equal(t, []any{"done"}, steps[1]["atomic"])
	assert.Equal(t, exitOK, stop())
}

func TestViewHeaderDocument(t *testing.T) {
	// A trace whose header names its document beside it, and no chart
	// when it names none.
	dir := t.TempDir()
	src, err := os.ReadFile(filepath.Join(repoTestdata, "pingpong.scxml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "pp.scxml"), src, 0o644))
	var sb strings.Builder
	enc := trace.NewEncoder(&sb)
	require.NoError(t, enc.Header(trace.Header{Session: "S9", Document: "pp.scxml"}))
	require.NoError(t, enc.Step(&trace.Step{Atomic: []string{"ping"}, Active: []string{"play", "ping"}}))
	file := filepath.Join(dir, "h.trace")
	require.NoError(t, os.WriteFile(file, []byte(sb.String()), 0o644))
	url, _, stop := viewURL(t, file)
	assert.True(t, strings.HasSuffix(url, "/session/S9"), url)
	_, hasChart := sessionOf(t, url)
	assert.True(t, hasChart)
	assert.Equal(t, exitOK, stop())

	bare := filepath.Join(dir, "bare.trace")
	require.NoError(t, os.WriteFile(bare, []byte(`{"event":null,"atomic":["a"],"active":["a"],"final":false}`+"\n"), 0o644))
	url, stderr, stop := viewURL(t, bare)
	assert.Contains(t, stderr.String(), "names no document")
	_, hasChart = sessionOf(t, url)
	assert.False(t, hasChart)
	assert.Equal(t, exitOK, stop())
}

func TestViewErrors(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.trace")
	require.NoError(t, os.WriteFile(bad, []byte("{\"event\":null,\"atomic\":[],\"active\":[]}\n{oops}\n"), 0o644))
	good := filepath.Join(dir, "good.trace")
	require.NoError(t, os.WriteFile(good, []byte("{\"event\":null,\"atomic\":[],\"active\":[]}\n"), 0o644))
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{nil, exitUsage, "usage: orca view"},
		{[]string{filepath.Join(dir, "missing.trace")}, exitFail, "no such file"},
		{[]string{bad}, exitFail, "bad.trace: line 2:"},
		{[]string{"--doc", filepath.Join(dir, "nope.scxml"), good}, exitFail, "nope.scxml"},
	} {
		code, _, stderr := orca(t, nil, append([]string{"view"}, tc.args...)...)
		assert.Equal(t, tc.code, code, tc.args)
		assert.Contains(t, stderr, tc.want, tc.args)
	}
}
