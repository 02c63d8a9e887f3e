package main

import (
	"io"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/trace"
)

// watchWriter records what is written and signals when a wanted text has
// appeared, so that a test can feed the next input line only then.
type watchWriter struct {
	mu   sync.Mutex
	buf  strings.Builder
	want string
	seen chan struct{}
}

func (w *watchWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	if w.want != "" && strings.Contains(w.buf.String(), w.want) {
		w.want = ""
		close(w.seen)
	}
	return len(p), nil
}

func (w *watchWriter) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.buf.String()
}

func TestRunORSStrategy(t *testing.T) {
	strategy := filepath.Join(repoTestdata, "ors-greeting.scxml")
	cases := []struct {
		name   string
		first  string
		after  string // printed before the second line is sent
		second string
		code   int
		stdout string
		stderr []string
	}{
		{
			name:  "call arrives, is tagged, hangs up",
			first: `{"call":{"thisdn":"RP_1","ani":"5551234"}}`, after: "queue VQ_Sales\n", second: `{"hangup":""}`,
			code: exitOK, stdout: "done\n",
			stderr: []string{"Welcome, caller 5551234\n", "queue VQ_Sales\n"},
		},
		{
			name:  "bad telephony command",
			first: `{"call":{"ani":"1"}}`,
			code:  exitFail,
			stderr: []string{`stdin:1: call needs "thisdn" (line skipped)`,
				"no top-level final state reached"},
		},
		{
			name:   "hangup of an unknown call",
			first:  `{"hangup":"nope"}`,
			code:   exitFail,
			stderr: []string{"stdin:1: ", "nope"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			pr, pw := io.Pipe()
			stderr := &watchWriter{want: tc.after, seen: make(chan struct{})}
			if tc.after == "" {
				close(stderr.seen)
			}
			var stdout strings.Builder
			done := make(chan int, 1)
			go func() {
				done <- run([]string{"run", "--timeout", "10s", "--param", "greeting=Welcome",
					"--option", "vq=VQ_Sales", strategy}, pr, &stdout, stderr)
			}()
			_, err := io.WriteString(pw, tc.first+"\n")
			require.NoError(t, err)
			select {
			case <-stderr.seen:
			case <-time.After(10 * time.Second):
				t.Fatalf("never printed %q; stderr:\n%s", tc.after, stderr)
			}
			if tc.second != "" {
				_, err = io.WriteString(pw, tc.second+"\n")
				require.NoError(t, err)
			}
			require.NoError(t, pw.Close())
			code := <-done
			assert.Equal(t, tc.code, code, "stderr:\n%s", stderr)
			assert.Equal(t, tc.stdout, stdout.String())
			for _, s := range tc.stderr {
				assert.Contains(t, stderr.String(), s)
			}
		})
	}
}

func TestRunTraceORSStrategy(t *testing.T) {
	// What the session produced during each macrostep is in its line:
	// __Log output, the user data it attached, the request waiting for
	// its answer.
	stdin := `{"call":{"thisdn":"RP_1","ani":"5551234"}}` + "\n" + `{"hangup":""}` + "\n"
	code, stdout, stderr := orca(t, strings.NewReader(stdin), "run", "--trace", "--virtual-time",
		"--param", "greeting=Welcome", "--option", "vq=VQ_Sales", filepath.Join(repoTestdata, "ors-greeting.scxml"))
	require.Equal(t, exitOK, code, stderr)
	f, err := trace.Read(strings.NewReader(stdout))
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(f.Steps), 3)
	added := f.Steps[1]
	require.Equal(t, "interaction.added", added.Event.Name)
	assert.Equal(t, []trace.Log{{Message: "Welcome, caller 5551234"}}, added.Logs)
	require.Len(t, added.Attached, 1)
	assert.Equal(t, map[string]any{"Queue": "VQ_Sales"}, added.Attached[0].Data)
	require.Len(t, added.Requests, 1)
	assert.Equal(t, "ixn.setudata", added.Requests[0].Kind)
	assert.Equal(t, added.Attached[0].Interaction, added.Requests[0].Detail)
	assert.Contains(t, string(added.Datamodel), `"greeting":"Welcome"`)
	last := f.Steps[len(f.Steps)-1]
	assert.True(t, last.Final)
	assert.Empty(t, last.Requests, "answered")
}
