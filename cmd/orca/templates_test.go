package main

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/orca-scxml/orca/templates"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestTemplatesList(t *testing.T) {
	code, out, errOut := orca(t, nil, "templates", "list")
	require.Equal(t, exitOK, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	require.Len(t, lines, len(templates.List()))
	for i, tpl := range templates.List() {
		assert.True(t, strings.HasPrefix(lines[i], tpl.Name+" "), lines[i])
		assert.True(t, strings.HasSuffix(lines[i], tpl.Description), lines[i])
	}
}

func TestTemplatesShow(t *testing.T) {
	code, out, errOut := orca(t, nil, "templates", "show", "callback-in-queue")
	require.Equal(t, exitOK, code, errOut)
	lines := strings.Split(strings.TrimSpace(out), "\n")
	assert.Equal(t, "callback-in-queue: in-queue (classic IVR) offer to a caller waiting in queue: accepted, declined or abandoned", lines[0])
	tpl, _ := templates.Lookup("callback-in-queue")
	opts, err := tpl.Options()
	require.NoError(t, err)
	header := slices.Index(lines, lines[3])
	require.True(t, strings.HasPrefix(lines[3], "OPTION"), lines[3])
	require.Len(t, lines[header+1:], len(opts), "one line per option the template reads")
	for i, o := range opts {
		f := strings.Fields(lines[header+1+i])
		assert.Equal(t, o.Name, f[0])
		assert.True(t, strings.HasSuffix(lines[header+1+i], o.Description), lines[header+1+i])
	}
	assert.Regexp(t, `(?m)^_rep_userevent_enable\s+bool\s+\(reporting: section\)\s+send the reporting UserEvents`, out)
	assert.Regexp(t, `(?m)^_offer_ewt_threshold\s+duration-seconds\s+0\s+in-queue: `, out)
	assert.Regexp(t, `(?m)^_target\s+string\s+\(required\)\s`, out)
	assert.NotContains(t, out, "_push_notification_url", "an option the template does not read")

	code, out, errOut = orca(t, nil, "templates", "source", "callback-immediate")
	require.Equal(t, exitOK, code, errOut)
	src, err := templates.Source("callback-immediate")
	require.NoError(t, err)
	assert.Equal(t, string(src), out)

	for _, verb := range []string{"show", "source"} {
		code, _, errOut = orca(t, nil, "templates", verb, "nope")
		assert.Equal(t, exitFail, code)
		assert.Contains(t, errOut, `unknown template "nope"`)
		assert.Contains(t, errOut, "callback-in-queue")
	}
}

func TestTemplatesExport(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "mine")
	code, out, errOut := orca(t, nil, "templates", "export", "callback-scheduled", dir)
	require.Equal(t, exitOK, code, errOut)
	want := ""
	for _, f := range []string{"callback-scheduled.scxml", "include/callback.js", "include/begin.scxml", "include/dial.scxml", "include/reserve.scxml", "include/connect.scxml", "include/end.scxml"} {
		want += filepath.Join(dir, filepath.FromSlash(f)) + "\n"
	}
	assert.Equal(t, want, out)
	src, err := templates.Source("callback-scheduled")
	require.NoError(t, err)
	got, err := os.ReadFile(filepath.Join(dir, "callback-scheduled.scxml"))
	require.NoError(t, err)
	assert.Equal(t, src, got)

	require.NoError(t, os.WriteFile(filepath.Join(dir, "include", "callback.js"), []byte("// mine\n"), 0o644))
	code, _, errOut = orca(t, nil, "templates", "export", "callback-scheduled", dir)
	assert.Equal(t, exitFail, code)
	assert.Contains(t, errOut, "file exists (use --force to overwrite)")
	mine, err := os.ReadFile(filepath.Join(dir, "include", "callback.js"))
	require.NoError(t, err)
	assert.Equal(t, "// mine\n", string(mine), "a refused export writes nothing")

	code, _, errOut = orca(t, nil, "templates", "export", "--force", "callback-scheduled", dir)
	require.Equal(t, exitOK, code, errOut)
	mine, err = os.ReadFile(filepath.Join(dir, "include", "callback.js"))
	require.NoError(t, err)
	assert.NotEqual(t, "// mine\n", string(mine))

	code, _, _ = orca(t, nil, "templates", "export", "callback-scheduled")
	assert.Equal(t, exitUsage, code)
}
