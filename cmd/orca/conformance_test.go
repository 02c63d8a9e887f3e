package main

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/internal/testenv"
)

// w3cDir returns the absolute path of the W3C suite, or skips the test
// naming how to get it.
func w3cDir(t *testing.T) string {
	t.Helper()
	return testenv.W3C(t)
}

func TestConformanceReport(t *testing.T) {
	dir := w3cDir(t)
	row415 := "| 415 | [3.13](https://www.w3.org/TR/scxml/#SelectingTransitions) | mandatory | manual check | pass |"
	row513 := "| 513 | [C.2](https://www.w3.org/TR/scxml/#BasicHTTPEventProcessor) | optional | HTTP | pass |"

	t.Run("markdown on stdout", func(t *testing.T) {
		code, stdout, stderr := orca(t, nil, "conformance", "--dir", dir, "--out", "-", "144", "415", "513")
		require.Equal(t, exitOK, code, stderr+stdout)
		assert.Contains(t, stdout, "# W3C SCXML 1.0 conformance")
		assert.Contains(t, stdout, "| **all** | 3 | 0 | 3 |")
		assert.Contains(t, stdout, row415)
		assert.Contains(t, stdout, row513)
		assert.NotContains(t, stdout, "TEST  SECTION", "the table is replaced by the report")
	})

	t.Run("report file and table", func(t *testing.T) {
		out := filepath.Join(t.TempDir(), "report.md")
		code, stdout, stderr := orca(t, nil, "conformance", "--dir", dir, "--out", out, "415", "301")
		require.Equal(t, exitOK, code, stderr+stdout)
		assert.Contains(t, stdout, "2/2 passed (mandatory 2/2, optional 0/0), automatic 0/0, manual 2/2, HTTP 0/0")
		md, err := os.ReadFile(out)
		require.NoError(t, err)
		assert.Contains(t, string(md), row415)
		assert.Contains(t, string(md), "| 301 | [5.8](https://www.w3.org/TR/scxml/#script) | mandatory | load rejection | pass |")
	})

	t.Run("no report for a selection", func(t *testing.T) {
		t.Chdir(t.TempDir())
		code, stdout, stderr := orca(t, nil, "conformance", "--dir", dir, "144")
		require.Equal(t, exitOK, code, stderr+stdout)
		_, err := os.Stat(defaultReport)
		assert.ErrorIs(t, err, os.ErrNotExist)
	})
}

func TestConformanceFromTXML(t *testing.T) {
	dir := w3cDir(t)
	out := t.TempDir()
	code, stdout, stderr := orca(t, nil, "conformance", "--dir", dir,
		"--from-txml", filepath.Join(dir, "txml"), "--ecma-out", out, "144", "226", "446")
	require.Equal(t, exitOK, code, stderr+stdout)
	assert.Contains(t, stdout, "3/3 passed")
	for _, name := range []string{"test144.scxml", "test226sub1.scxml", "test446.txt"} {
		assert.FileExists(t, filepath.Join(out, name))
	}

	code, _, stderr = orca(t, nil, "conformance", "--dir", dir, "--ecma-out", out, "144")
	assert.Equal(t, exitUsage, code)
	assert.Equal(t, "orca conformance: --ecma-out needs --from-txml\n", stderr)

	code, _, stderr = orca(t, nil, "conformance", "--dir", dir, "--from-txml", filepath.Join(out, "missing"), "144")
	assert.Equal(t, exitFail, code)
	assert.Contains(t, stderr, "orca conformance: transforming ")
}
