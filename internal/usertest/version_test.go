package usertest

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestVersionOfABuild builds orca with "make build" on a fresh clone and
// checks that "orca version" names the commit it was built from, and that
// the tree was clean.
func TestVersionOfABuild(t *testing.T) {
	tool(t, "make", "apt-get install make")
	dir := clone(t)
	head, err := exec.Command("git", "-C", dir, "rev-parse", "HEAD").Output()
	require.NoError(t, err)
	out, err := shell(t, dir, 5*time.Minute, userEnv(), "make build && bin/orca version")
	require.NoError(t, err, out)
	assert.Contains(t, out, "module   github.com/orca-scxml/orca\n")
	assert.Contains(t, out, "git      "+strings.TrimSpace(string(head))+"\n", "the commit, and no (modified)")
	assert.Regexp(t, `commit   \d{4}-\d\d-\d\dT`, out)
	assert.FileExists(t, filepath.Join(dir, "bin", "orca"))
}
