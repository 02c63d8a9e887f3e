package usertest

import (
	"bufio"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/internal/testenv"
)

// quickStart returns the commands of the README's quick start: the lines
// of the first sh block after the "## Quick start" heading that are not
// comments.
func quickStart(t *testing.T, readme string) []string {
	t.Helper()
	f, err := os.Open(readme)
	require.NoError(t, err)
	defer f.Close()
	var cmds []string
	section, block := false, false
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := sc.Text()
		switch {
		case strings.HasPrefix(line, "## "):
			if section && len(cmds) > 0 {
				return cmds
			}
			section = line == "## Quick start"
		case section && !block && line == "```sh":
			block = true
		case section && block && line == "```":
			return cmds
		case section && block && strings.TrimSpace(line) != "" && !strings.HasPrefix(strings.TrimSpace(line), "#"):
			cmds = append(cmds, strings.TrimSpace(line))
		}
	}
	require.NoError(t, sc.Err())
	return cmds
}

// TestREADMEQuickStart runs the README's two commands as written, on a
// fresh clone with nothing beside it, as a new user would:
//
//   - the demo, with a bounded --count added, must complete its callbacks,
//     explain them and say where to look next; what it names is there;
//   - make test must pass and end by naming what it skipped and the
//     command that gets it. It runs as written with PKGS and FUZZTIME set
//     to one package and one second (the whole suite runs in the test run
//     that runs this test): the W3C suite is not beside the clone, so the
//     package's W3C tests skip and the list must name "make w3c".
func TestREADMEQuickStart(t *testing.T) {
	tool(t, "make", "apt-get install make")
	dir := clone(t)
	readme, err := os.ReadFile(filepath.Join(dir, "README.md"))
	require.NoError(t, err)
	assert.NotContains(t, string(readme), "@latest", "the module is not published: no go install ...@latest")
	cmds := quickStart(t, filepath.Join(dir, "README.md"))
	require.Equal(t, []string{"go run ./cmd/orca serve --demo", "make test"}, cmds)

	t.Run("demo", func(t *testing.T) {
		out, err := shell(t, dir, 3*time.Minute, userEnv(), cmds[0]+" --count 2")
		require.NoError(t, err, out)
		assert.Contains(t, out, "orca serve --demo: 2 callbacks to service callback-demo")
		assert.Regexp(t, `(?m)^\s+1  5550001\s+[0-9A-F]{8}\s+COMPLETED\s+`, out)
		assert.Regexp(t, `(?m)^\s+2  5550002\s+[0-9A-F]{8}\s+COMPLETED\s+`, out)
		assert.Contains(t, out, "2 callbacks to service callback-demo completed")
		assert.Contains(t, out, "CALLBACK_FACT   4 rows, one per UserEvent; 2 final records, one per callback:")
		assert.Contains(t, out, "Where to look next:")
		// What it names is there.
		next := regexp.MustCompile(`(?m)^  (orca infomart report summary --db \S+)$`).FindStringSubmatch(out)
		require.Len(t, next, 2, out)
		report, err := shell(t, dir, time.Minute, userEnv(), "go run ./cmd/"+next[1]+" --csv")
		require.NoError(t, err, report)
		assert.Regexp(t, `(?m)^TOTAL,.*,2,2,0,`, report)
	})

	t.Run("make test", func(t *testing.T) {
		out, err := shell(t, dir, 10*time.Minute, userEnv(), cmds[1]+" PKGS=./ecmascript FUZZTIME=200x")
		require.NoError(t, err, out)
		assert.Contains(t, out, "ok  \tgithub.com/orca-scxml/orca/ecmascript")
		list := out[strings.LastIndex(out, "Tests skipped because something they need is missing:"):]
		assert.Contains(t, list, "the W3C SCXML suite is in none of "+filepath.Join(dir, ".w3c"))
		assert.Contains(t, list, "to run this test: make w3c")
		assert.Contains(t, list, "TestW3CDocumentsCompile")
		assert.Contains(t, list, "(ORCA_REQUIRE_ALL=1 makes these fail instead, as CI does.)")
	})

	t.Run("make test under ORCA_REQUIRE_ALL", func(t *testing.T) {
		out, err := shell(t, dir, 10*time.Minute, userEnv(testenv.RequireAllVar+"=1"), cmds[1]+" PKGS=./ecmascript FUZZTIME=200x")
		require.Error(t, err, out)
		assert.Contains(t, out, "ORCA_REQUIRE_ALL=1 requires every test to run")
	})
}
