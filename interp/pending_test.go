package interp_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
)

func TestPendingSendsAndOnSend(t *testing.T) {
	type sent struct {
		name, sendid, target, typ string
		delay                     time.Duration
	}
	var sends []sent
	h := start(t, nullHead+` initial="wait">
		<state id="wait">
			<onentry>
				<send event="late" id="t2" delay="20s"/>
				<send event="early" delay="5s"/>
				<send event="now" target="#_internal"/>
				<send event="gone" id="t3" delay="30s"/>
				<cancel sendid="t3"/>
				<send event="bad" type="nosuch"/>
			</onentry>
			<transition event="early" target="next"/>
		</state>
		<state id="next"/>
	</scxml>`, func(o *interp.Options) {
		o.OnSend = func(_ *interp.Session, ev *interp.Event, target, typ string, delay time.Duration) {
			sends = append(sends, sent{ev.Name, ev.SendID, target, typ, delay})
		}
	})
	t0 := time.Unix(0, 0)
	// Sends that went out, in order; the one whose type does not exist
	// did not (it raised error.execution).
	assert.Equal(t, []sent{
		{"late", "t2", "", "", 20 * time.Second},
		{"early", "", "", "", 5 * time.Second},
		{"now", "", "#_internal", "", 0},
		{"gone", "t3", "", "", 30 * time.Second},
	}, sends)
	assert.Equal(t, []interp.PendingSend{
		{Event: "early", Due: t0.Add(5 * time.Second)},
		{SendID: "t2", Event: "late", Due: t0.Add(20 * time.Second)},
	}, h.s.PendingSends(), "earliest first; the cancelled one left out")

	h.clock.Set(t0.Add(5 * time.Second))
	h.engine.Run()
	require.Equal(t, []string{"next"}, h.s.Atomic())
	assert.Equal(t, []interp.PendingSend{{SendID: "t2", Event: "late", Due: t0.Add(20 * time.Second)}}, h.s.PendingSends(),
		"a delivered send is no longer pending")
	h.settle()
	assert.Empty(t, h.s.PendingSends())
}
