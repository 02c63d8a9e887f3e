package templates_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestProblemsCarryThePosition runs an immediate callback of a service
// without a virtual queue for its outbound calls: every reporting action
// that needs one is refused, and each problem, in the reporting log as in
// error.reporting's _event.data.message, begins with the file:line:col of
// the action's element in the templates, as the interpreter's own errors
// do.
func TestProblemsCarryThePosition(t *testing.T) {
	h := newHarness(t)
	answered(h)
	s := h.start(h.chart("callback-immediate"), "callback-immediate", baseOptions("_vq_for_outbound_calls", ""), request())
	talk(1, 100*time.Second)(h, s)
	require.False(t, h.host.Live(s.ID()))
	assert.Equal(t, connectedLife, h.lifecycle(), "the problems do not stop the callback")
	assert.Empty(t, h.errs)

	const noVQ = "reporting queuestat: no virtual queue to read %s of"
	const emptyVQ = "reporting set: _CB_DIM_VQ (dimension): the value must not be empty"
	want := []string{
		elementAt(t, "begin.scxml", `<rep:set key="_CB_DIM_VQ"`, 1) + emptyVQ,
		elementAt(t, "begin.scxml", "<rep:queuestat", 1) +
			fmt.Sprintf(noVQ, "_CB_EWT_WHEN_CALLBACK_WAS_OFFERED, _CB_POS_WHEN_CALLBACK_WAS_OFFERED, _CB_PRIORITY_WHEN_CALLBACK_ACCEPTED"),
		elementAt(t, "dial.scxml", "<rep:queuestat", 1) +
			fmt.Sprintf(noVQ, "_CB_EWT_WHEN_READY_TO_START_MEDIA_IXN, _CB_POS_WHEN_READY_TO_START_MEDIA_IXN"),
		elementAt(t, "dial.scxml", "<rep:queuestat", 2) +
			fmt.Sprintf(noVQ, "_CB_EWT_WHEN_READY_TO_START_LAST_MEDIA_IXN, _CB_POS_WHEN_READY_TO_START_LAST_MEDIA_IXN"),
		elementAt(t, "connect.scxml", `<rep:queuestat queue="cb.vq" interactionid="cb.virtual"`, 1) +
			fmt.Sprintf(noVQ, "_CB_PRIORITY_WHEN_CUSTOMER_CONNECTED"),
		elementAt(t, "connect.scxml", `<rep:set key="_CB_DIM_VQ"`, 1) + emptyVQ,
	}
	assert.Equal(t, want, h.probs, "the reporting log")
	assert.Equal(t, want, h.raised, "error.reporting's messages")
}

// elementAt returns "strategies/include/file:line:col: ", the position of
// the n-th (from 1) element of the template include file whose start tag
// begins with tag.
func elementAt(t *testing.T, file, tag string, n int) string {
	t.Helper()
	name := filepath.Join("strategies", "include", file)
	data, err := os.ReadFile(name)
	require.NoError(t, err)
	seen := 0
	for i, line := range strings.Split(string(data), "\n") {
		col := strings.Index(line, tag)
		if col < 0 {
			continue
		}
		if seen++; seen == n {
			return fmt.Sprintf("%s:%d:%d: ", filepath.ToSlash(name), i+1, col+1)
		}
	}
	t.Fatalf("%s has fewer than %d elements %s", name, n, tag)
	return ""
}
