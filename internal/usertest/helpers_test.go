package usertest

import (
	"bytes"
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/internal/testenv"
)

// tool returns the path of a program the test needs, or skips the test
// naming it.
func tool(t *testing.T, name, get string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err != nil {
		testenv.Missing(t, name+" is not on the PATH", get)
	}
	return p
}

// clone makes a fresh clone of the repository's committed HEAD.
func clone(t *testing.T) string {
	t.Helper()
	git := tool(t, "git", "apt-get install git")
	dir := filepath.Join(t.TempDir(), "orca")
	out, err := exec.Command(git, "clone", "--quiet", "--no-hardlinks", testenv.Root(t), dir).CombinedOutput()
	require.NoError(t, err, "git clone: %s", out)
	return dir
}

// userEnv is the environment of a user's shell: this one without the
// variables that point the tests at things beside the checkout.
func userEnv(extra ...string) []string {
	var env []string
	for _, kv := range os.Environ() {
		k, _, _ := strings.Cut(kv, "=")
		switch k {
		case testenv.W3CVar, testenv.SeedsVar, testenv.RequireAllVar, testenv.SkipLogVar,
			"NATS_URL", "NATS_CREDS", "NATS_NKEY", "NATS_USER", "NATS_PASSWORD",
			"ORCA_API_TOKEN", "ORCA_API_USER", "ORCA_API_PASSWORD", "ORCA_INFOMART_DB":
			continue
		}
		env = append(env, kv)
	}
	return append(env, extra...)
}

// shell runs a command line with sh in dir, within d, and returns its
// combined output and error.
func shell(t *testing.T, dir string, d time.Duration, env []string, line string) (string, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	cmd := exec.CommandContext(ctx, "sh", "-c", line)
	cmd.Dir = dir
	cmd.Env = env
	cmd.WaitDelay = 10 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	if ctx.Err() != nil {
		err = ctx.Err()
	}
	return out.String(), err
}
