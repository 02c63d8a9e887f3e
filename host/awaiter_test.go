package host_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
)

// waitsForAnswer is a session local that waits for an answer (a fetch in
// flight).
type waitsForAnswer struct{}

func (waitsForAnswer) Persist() ([]byte, error) { return []byte(`1`), nil }
func (waitsForAnswer) Restore([]byte) error     { return nil }
func (waitsForAnswer) Awaiting() bool           { return true }

// TestSnapshotDueWhileAwaiting: a session whose local, or an invoked
// session's, waits for an answer is due at once, so that a host that
// adopts it loads it and the answer (or its loss) reaches it.
func TestSnapshotDueWhileAwaiting(t *testing.T) {
	tests := []struct {
		name  string
		where func(s *interp.Session) *interp.Session
	}{
		{"none", nil},
		{"the session", func(s *interp.Session) *interp.Session { return s }},
		{"an invoked session", func(s *interp.Session) *interp.Session { return s.Invoked()[0] }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clock := interp.NewVirtualClock(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
			h := newHost(t, host.Config{Clock: clock})
			c := chart(t, `<state id="p"><invoke id="kid" type="scxml"><content><scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript"><state id="k"/></scxml></content></invoke></state>`)
			_, err := h.Start(c, interp.StartOptions{ID: "P"})
			require.NoError(t, err)
			require.NoError(t, h.Settle())
			var r *host.Record
			require.NoError(t, h.Do(context.Background(), "P", func(s *interp.Session) {
				require.Len(t, s.Invoked(), 1)
				if tt.where != nil {
					tt.where(s).SetLocal("await", waitsForAnswer{})
				}
				r, err = h.Snapshot(s)
			}))
			require.NoError(t, err)
			if tt.where == nil {
				assert.True(t, r.Due.IsZero(), "nothing to do")
				return
			}
			assert.Equal(t, clock.Now(), r.Due, "due at once")
		})
	}
}
