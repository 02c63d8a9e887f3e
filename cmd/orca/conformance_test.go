package main

import (
	"os"
	"path/filepath"
	"strings"
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

	t.Run("no report without --out", func(t *testing.T) {
		// A suite of one test, so that a run of the whole suite is quick.
		small := t.TempDir()
		manifest, err := os.ReadFile(filepath.Join(dir, "manifest.tsv"))
		require.NoError(t, err)
		lines := strings.Split(string(manifest), "\n")
		var rows []string
		for _, l := range lines[1:] {
			if strings.HasPrefix(l, "144\t") {
				rows = append(rows, l)
			}
		}
		require.Len(t, rows, 1)
		require.NoError(t, os.WriteFile(filepath.Join(small, "manifest.tsv"), []byte(lines[0]+"\n"+rows[0]+"\n"), 0o644))
		require.NoError(t, os.Mkdir(filepath.Join(small, "ecma"), 0o755))
		doc, err := os.ReadFile(filepath.Join(dir, "ecma", "test144.scxml"))
		require.NoError(t, err)
		require.NoError(t, os.WriteFile(filepath.Join(small, "ecma", "test144.scxml"), doc, 0o644))

		t.Chdir(t.TempDir())
		for _, args := range [][]string{{"--dir", small}, {"--dir", small, "144"}} {
			code, stdout, stderr := orca(t, nil, append([]string{"conformance"}, args...)...)
			require.Equal(t, exitOK, code, stderr+stdout)
			assert.Contains(t, stdout, "1/1 passed")
			entries, err := os.ReadDir(".")
			require.NoError(t, err)
			assert.Empty(t, entries, "orca conformance %v wrote a file", args)
		}
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
	assert.True(t, strings.HasPrefix(stderr, "orca conformance: --ecma-out needs --from-txml\nusage: orca conformance "), stderr)

	code, _, stderr = orca(t, nil, "conformance", "--dir", dir, "--from-txml", filepath.Join(out, "missing"), "144")
	assert.Equal(t, exitFail, code)
	assert.Contains(t, stderr, "orca conformance: transforming ")
}
