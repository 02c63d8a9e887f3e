package ors

import (
	"testing"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEstablishedParty pins the party an EventEstablished reports
// established (interaction.partystatechanged's focusdeviceid and party):
// the answering DN, whichever end of the call the event was distributed
// for and wherever the interaction was first seen.
func TestEstablishedParty(t *testing.T) {
	for _, tc := range []struct {
		name   string
		events []telephony.Event
		want   string
	}{
		{"inbound routed from a routing point, the agent answers", []telephony.Event{
			{Type: telephony.EventRouteRequest, ConnID: "C1", ThisDN: "RP_1", OtherDN: "5551234", CallType: "Inbound", ANI: "5551234", DNIS: "8000"},
			{Type: telephony.EventRinging, ConnID: "C1", ThisDN: "7001", OtherDN: "5551234"},
			{Type: telephony.EventEstablished, ConnID: "C1", ThisDN: "7001", OtherDN: "5551234"},
		}, "7001"},
		{"inbound first seen ringing at the agent", []telephony.Event{
			{Type: telephony.EventRinging, ConnID: "C1", ThisDN: "7001", OtherDN: "5551234", CallType: "Inbound", ANI: "5551234", DNIS: "7001"},
			{Type: telephony.EventEstablished, ConnID: "C1", ThisDN: "7001", OtherDN: "5551234"},
		}, "7001"},
		{"outbound from a routing point, the customer answers", []telephony.Event{
			{Type: telephony.EventDialing, ConnID: "C1", ThisDN: "RP_1", OtherDN: "5551234", CallType: "Outbound", ANI: "RP_1", DNIS: "5551234"},
			{Type: telephony.EventEstablished, ConnID: "C1", ThisDN: "RP_1", OtherDN: "5551234"},
		}, "5551234"},
		{"outbound with a CLI of its own, the customer answers", []telephony.Event{
			{Type: telephony.EventDialing, ConnID: "C1", ThisDN: "RP_1", OtherDN: "5551234", CallType: "Outbound", ANI: "8005550000", DNIS: "5551234"},
			{Type: telephony.EventEstablished, ConnID: "C1", ThisDN: "RP_1", OtherDN: "5551234"},
		}, "5551234"},
		{"outbound, then routed to an agent who answers", []telephony.Event{
			{Type: telephony.EventDialing, ConnID: "C1", ThisDN: "RP_1", OtherDN: "5551234", CallType: "Outbound", ANI: "RP_1", DNIS: "5551234"},
			{Type: telephony.EventEstablished, ConnID: "C1", ThisDN: "RP_1", OtherDN: "5551234"},
			{Type: telephony.EventRinging, ConnID: "C1", ThisDN: "7001", OtherDN: "5551234"},
			{Type: telephony.EventEstablished, ConnID: "C1", ThisDN: "7001", OtherDN: "5551234"},
		}, "7001"},
		{"agent-first: dialled from the agent's DN, the customer answers", []telephony.Event{
			{Type: telephony.EventDialing, ConnID: "C1", ThisDN: "7001", OtherDN: "5551234", CallType: "Outbound", ANI: "7001", DNIS: "5551234"},
			{Type: telephony.EventEstablished, ConnID: "C1", ThisDN: "7001", OtherDN: "5551234"},
		}, "5551234"},
		{"internal call seen at the called DN, reported at the caller", []telephony.Event{
			{Type: telephony.EventRinging, ConnID: "C1", ThisDN: "7002", OtherDN: "7001", CallType: "Internal", ANI: "7001", DNIS: "7002"},
			{Type: telephony.EventEstablished, ConnID: "C1", ThisDN: "7001", OtherDN: "7002"},
		}, "7002"},
		{"internal call seen at the called DN, reported there", []telephony.Event{
			{Type: telephony.EventRinging, ConnID: "C1", ThisDN: "7002", OtherDN: "7001", CallType: "Internal", ANI: "7001", DNIS: "7002"},
			{Type: telephony.EventEstablished, ConnID: "C1", ThisDN: "7002", OtherDN: "7001"},
		}, "7002"},
		{"createcall agent to agent (Internal, no ANI), reported at the caller", []telephony.Event{
			{Type: telephony.EventDialing, ConnID: "C1", ThisDN: "7001", OtherDN: "7002", CallType: "Internal", DNIS: "7002"},
			{Type: telephony.EventRinging, ConnID: "C1", ThisDN: "7002", OtherDN: "7001"},
			{Type: telephony.EventEstablished, ConnID: "C1", ThisDN: "7001", OtherDN: "7002"},
		}, "7002"},
		{"createcall of call type Unknown, no ANI, reported at the caller", []telephony.Event{
			{Type: telephony.EventDialing, ConnID: "C1", ThisDN: "7001", OtherDN: "5551234", CallType: "Unknown"},
			{Type: telephony.EventEstablished, ConnID: "C1", ThisDN: "7001", OtherDN: "5551234"},
		}, "5551234"},
		{"internal call first seen ringing, no ANI, reported at the caller", []telephony.Event{
			{Type: telephony.EventRinging, ConnID: "C1", ThisDN: "7002", OtherDN: "7001", CallType: "Internal", DNIS: "7002"},
			{Type: telephony.EventEstablished, ConnID: "C1", ThisDN: "7001", OtherDN: "7002"},
		}, "7002"},
		{"no ThisDN: the other party", []telephony.Event{
			{Type: telephony.EventDialing, ConnID: "C1", ThisDN: "RP_1", OtherDN: "5551234", CallType: "Outbound", ANI: "RP_1", DNIS: "5551234"},
			{Type: telephony.EventEstablished, ConnID: "C1", OtherDN: "5551234"},
		}, "5551234"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []*interp.Event
			r := partyRuntime(t, func(ev *interp.Event) { got = append(got, ev) })
			if tc.events[0].Type == telephony.EventDialing {
				names := newEventNames("ixn", "createcall")
				r.pending[1] = &request{session: "S1", module: "ixn", action: "createcall", id: "R1", names: &names}
				tc.events[0].ReferenceID = 1
			}
			handleAll(r, tc.events)
			var last *interp.Event
			for _, ev := range got {
				if ev.Name == "interaction.partystatechanged" {
					last = ev
				}
			}
			require.NotNil(t, last, "no interaction.partystatechanged")
			data, ok := last.Data.(map[string]any)
			require.True(t, ok, "data %T", last.Data)
			assert.Equal(t, tc.want, data["focusdeviceid"])
			party, _ := data["party"].(map[string]any)
			require.NotNil(t, party)
			assert.Equal(t, tc.want, party["dn"])
			assert.Equal(t, "established", party["state"])
		})
	}
}

// TestEstablishedReportedByBothEnds: with both ends of a call monitored,
// T-Server's two EventEstablished report one answer, and the strategy
// hears of it once.
func TestEstablishedReportedByBothEnds(t *testing.T) {
	var focus []any
	r := partyRuntime(t, func(ev *interp.Event) {
		if ev.Name == "interaction.partystatechanged" {
			focus = append(focus, ev.Data.(map[string]any)["focusdeviceid"])
		}
	})
	handleAll(r, []telephony.Event{
		{Type: telephony.EventRinging, ConnID: "C1", ThisDN: "7002", OtherDN: "7001", CallType: "Internal", ANI: "7001", DNIS: "7002"},
		{Type: telephony.EventEstablished, ConnID: "C1", ThisDN: "7001", OtherDN: "7002"},
		{Type: telephony.EventEstablished, ConnID: "C1", ThisDN: "7002", OtherDN: "7001"},
	})
	assert.Equal(t, []any{"7002"}, focus, "established once")
	x, ok := r.Interaction("C1")
	require.True(t, ok)
	assert.Equal(t, []Party{{DN: "7002", State: "established"}}, x.Parties)
}

// TestDialledSurvivesASnapshot: whether an interaction was dialled is
// kept with it, so that after a restore the calling end is still known.
func TestDialledSurvivesASnapshot(t *testing.T) {
	st := &ixnState{Interaction: Interaction{ID: "C1", ThisDN: "7001", Type: "Unknown"}, dialled: true}
	rec, err := newIxnRecord(st)
	require.NoError(t, err)
	back, err := rec.state()
	require.NoError(t, err)
	assert.True(t, back.dialled)
	assert.Equal(t, "5551234", establishedParty(back, telephony.Event{ThisDN: "7001", OtherDN: "5551234"}))
}

// partyRuntime is a runtime of two agents (7001, 7002) whose every
// interaction session S1 owns, delivering its events to deliver.
func partyRuntime(t *testing.T, deliver func(*interp.Event)) *Runtime {
	r := New(Options{
		Deliver: func(_ string, ev *interp.Event) { deliver(ev) },
		Assign:  func(Interaction) string { return "S1" },
		Config:  Config{Switch: "SIP_Switch", Environment: &Environment{Agents: []Agent{{ID: "Agent1", DN: "7001"}, {ID: "Agent2", DN: "7002"}}}},
	})
	t.Cleanup(r.Close)
	return r
}

// handleAll hands r the events, each on switch SIP_Switch.
func handleAll(r *Runtime, events []telephony.Event) {
	for _, ev := range events {
		ev.Switch = "SIP_Switch"
		r.handle(ev)
	}
}
