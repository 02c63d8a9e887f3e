package templates_test

import (
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/templates"
	"github.com/stretchr/testify/require"
)

// BenchmarkCallbackStart starts immediate callbacks with reporting on, each
// run until it waits for its first dial's answer: the session's begin (the
// templates' scripts, the cb object, the reporting face, the start
// UserEvent) and the dial's request.
func BenchmarkCallbackStart(b *testing.B) {
	benchCallbacks(b, nil, nil)
}

// BenchmarkCallbackConnected runs whole immediate callbacks with reporting
// on, as TestPaths' "connected" path does: the first dial answered after
// 10s, an agent found after 30s, a conversation of 400s.
func BenchmarkCallbackConnected(b *testing.B) {
	benchCallbacks(b, answered, func(h *harness, s *interp.Session, i int) {
		talk(i+1, 400*time.Second)(h, s)
		if h.host.Live(s.ID()) || !slices.Equal(h.lifecycle(), connectedLife) {
			b.Fatalf("callback %d in %v; lifecycle %v", i, s.Atomic(), h.lifecycle())
		}
	})
}

// benchCallbacks starts b.N immediate callbacks on one harness, each
// after script (when not nil) prepared the port, and drives each once it
// settled with drive (when not nil).
func benchCallbacks(b *testing.B, script func(*harness), drive func(h *harness, s *interp.Session, i int)) {
	h := newHarness(b)
	chart := h.chart("callback-immediate")
	svc, err := templates.LoadService("callback-test", "callback-immediate", baseOptions())
	require.NoError(b, err)
	req, err := templates.ParseRequest(request())
	require.NoError(b, err)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		if script != nil {
			script(h)
		}
		s, err := svc.Start(h.eng, chart, "SVC-"+strconv.Itoa(i), req)
		if err != nil {
			b.Fatal(err)
		}
		h.owner = s.ID()
		if err := h.host.Settle(); err != nil {
			b.Fatal(err)
		}
		if drive != nil {
			drive(h, s, i)
		}
		h.logs = h.logs[:0]
	}
	b.StopTimer()
	require.Empty(b, h.errs)
	require.Empty(b, h.probs)
}
