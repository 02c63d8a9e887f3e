package main

import (
	"os"
	"path/filepath"
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
	code, out, errOut := orca(t, nil, "templates", "show", "callback-immediate")
	require.Equal(t, exitOK, code, errOut)
	src, err := templates.Source("callback-immediate")
	require.NoError(t, err)
	assert.Equal(t, string(src), out)

	code, _, errOut = orca(t, nil, "templates", "show", "nope")
	assert.Equal(t, exitFail, code)
	assert.Contains(t, errOut, `unknown template "nope"`)
	assert.Contains(t, errOut, "callback-in-queue")
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
