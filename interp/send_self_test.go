package interp_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
)

// A delayed send of a session to itself (no target) arrives when due,
// from the session's own origin (C.1), each session's its own; a
// cancelled one does not, and the session's end cancels the rest.
func TestDelayedSendToItself(t *testing.T) {
	type got struct{ session, name, origin, origintype, sendid string }
	var evs []got
	h := start(t, nullHead+` initial="a">
		<state id="a">
			<onentry>
				<send event="tick" delay="1s" id="t1"/>
				<send event="tock" delay="2s" id="t2"/>
				<send event="now"/>
				<send event="late" delay="5s"/>
				<cancel sendid="t2"/>
			</onentry>
			<transition event="stop" target="z"/>
		</state>
		<final id="z"/>
	</scxml>`, func(o *interp.Options) {
		o.OnEvent = func(s *interp.Session, ev *interp.Event) {
			evs = append(evs, got{s.ID(), ev.Name, ev.Origin, ev.OriginType, ev.SendID})
		}
	})
	other, err := h.engine.Start(h.s.Chart(), interp.StartOptions{})
	require.NoError(t, err)
	h.engine.Run()
	h.clock.Advance(2 * time.Second)
	h.engine.Run()
	const scxmlType = "http://www.w3.org/TR/scxml/#SCXMLEventProcessor"
	want := func(s *interp.Session, name, sendid string) got {
		return got{s.ID(), name, "#_scxml_" + s.ID(), scxmlType, sendid}
	}
	assert.ElementsMatch(t, []got{
		want(h.s, "now", ""), want(other, "now", ""),
		want(h.s, "tick", "t1"), want(other, "tick", "t1"),
	}, evs)
	require.Len(t, h.s.PendingSends(), 1)

	require.NoError(t, h.engine.Send(h.s.ID(), &interp.Event{Name: "stop"}))
	h.engine.Run()
	assert.True(t, h.s.Done())
	assert.Empty(t, h.s.PendingSends(), "the session's end cancelled its send")
	evs = nil
	h.clock.Advance(5 * time.Second)
	h.engine.Run()
	assert.Equal(t, []got{want(other, "late", "")}, evs)
}
