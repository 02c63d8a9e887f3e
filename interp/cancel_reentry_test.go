package interp_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// A host that cancels a session from within the session's own step (a
// hook the step calls) ends it when the microstep is over: each active
// state is exited once, nothing is entered after, and the host hears of
// the end once.
func TestCancelFromWithinTheStep(t *testing.T) {
	const chart = nullHead + ` initial="a">
		<state id="a" initial="a1">
			<onexit><log label="x" expr="a"/></onexit>
			<state id="a1">
				<onexit><log label="x" expr="a1"/></onexit>
				<transition event="go" target="b"/>
			</state>
		</state>
		<state id="b" initial="b1">
			<onentry><log label="n" expr="b"/></onentry>
			<onexit><log label="x" expr="b"/></onexit>
			<state id="b1">
				<onentry><log label="n" expr="b1"/></onentry>
				<onexit><log label="x" expr="b1"/></onexit>
			</state>
		</state>
	</scxml>`
	doc, err := scxml.Parse("cancel.scxml", []byte(chart), nil)
	require.NoError(t, err)
	tests := []struct {
		name string
		// at is the log line ("x a1", "n b", ...) or "macrostep" at
		// which the host cancels, the first time it comes.
		at   string
		want []string
	}{
		{"in an onexit of the transition", "x a1",
			[]string{"x a1", "x a", "n b", "n b1", "x b1", "x b"}},
		{"in an onentry of the transition", "n b",
			[]string{"x a1", "x a", "n b", "n b1", "x b1", "x b"}},
		{"in the macrostep hook", "macrostep",
			[]string{"x a1", "x a", "n b", "n b1", "x b1", "x b"}},
		{"in an onexit of the cancel's own exit", "x b1",
			[]string{"x a1", "x a", "n b", "n b1", "x b1", "x b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var (
				e      *interp.Engine
				got    []string
				done   int
				armed  bool
				cancel = func(s *interp.Session, at string) {
					if armed && at == tt.at {
						armed = false
						require.NoError(t, e.Cancel(s.ID()))
					}
				}
			)
			e = interp.NewEngine(interp.Options{
				Clock: interp.NewVirtualClock(time.Unix(0, 0)),
				Log: func(s *interp.Session, label, msg string) {
					got = append(got, label+" "+msg)
					cancel(s, label+" "+msg)
				},
				OnMacrostep: func(s *interp.Session, _ *interp.Event) { cancel(s, "macrostep") },
				OnDone:      func(*interp.Session) { done++ },
			})
			c, err := e.Compile(doc)
			require.NoError(t, err)
			s, err := e.Start(c, interp.StartOptions{})
			require.NoError(t, err)
			e.Run()
			armed = true
			require.NoError(t, e.Send(s.ID(), &interp.Event{Name: "go"}))
			e.Run()
			if tt.at == "x b1" {
				// Armed for the exit the host's own cancel runs.
				assert.False(t, s.Done())
				require.NoError(t, e.Cancel(s.ID()))
			}
			assert.Equal(t, tt.want, got)
			assert.True(t, s.Done())
			assert.Equal(t, 1, done)
			assert.Nil(t, e.Session(s.ID()))
		})
	}
}
