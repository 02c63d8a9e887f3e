package ors

import (
	"encoding/json"

	"testing"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestRouteEventShapes pins the whole data of the events an outbound
// call's port events become, each value with its type: the interaction
// object, its voice object, parties and user data, and the done events'
// data (ORS Interaction Interface, "Events").
func TestRouteEventShapes(t *testing.T) {
	type delivered struct {
		session string
		ev      *interp.Event
	}
	var got []delivered
	r := New(Options{
		Deliver: func(id string, ev *interp.Event) { got = append(got, delivered{id, ev}) },
		Config:  Config{Tenant: "Environment", TenantID: 101, Switch: "SIP_Switch", Environment: &Environment{Agents: []Agent{{ID: "Agent1", DN: "7001"}}}},
	})
	defer r.Close()
	createcall, redirect := newEventNames("ixn", "createcall"), newEventNames("ixn", "redirect")
	r.pending[1] = &request{session: "S1", module: "ixn", action: "createcall", id: "R1", names: &createcall}
	r.pending[2] = &request{session: "S1", module: "ixn", action: "setuData", id: "R2", ixn: "C1"}
	r.pending[3] = &request{session: "S1", module: "ixn", action: "redirect", id: "R3", ixn: "C1", names: &redirect}
	ud := telephony.UserData{{Key: "_CB_SERVICE_ID", Value: "svc1"}, {Key: "_CB_N", Value: 2}}
	for _, ev := range []telephony.Event{
		{Type: telephony.EventDialing, ReferenceID: 1, ConnID: "C1", CallID: "CALL1", ThisDN: "RP_1", OtherDN: "5551234", Switch: "SIP_Switch", CallType: "Outbound", ANI: "RP_1", DNIS: "5551234", UserData: ud},
		{Type: telephony.EventEstablished, ConnID: "C1", ThisDN: "RP_1", OtherDN: "5551234", CallResult: "Answer"},
		{Type: telephony.EventAttachedDataChanged, ReferenceID: 2, ConnID: "C1", UserData: ud[:1]},
		{Type: telephony.EventPartyChanged, ConnID: "C1", ThisDN: "RP_1", OtherDN: "7001"},
		{Type: telephony.EventError, ReferenceID: 3, ConnID: "C1", ErrorCode: telephony.ErrCodeInvalidDN, ErrorMessage: "no such DN"},
		{Type: telephony.EventReleased, ConnID: "C1", ThisDN: "RP_1", CallResult: "Answer"},
	} {
		r.handle(ev)
	}
	voice := map[string]any{"callid": "CALL1", "connid": "C1", "type": "outbound", "ani": "RP_1", "dnis": "5551234", "dn": "RP_1", "switch": "SIP_Switch", "media": "TMediaVoice"}
	party := func(dn, dt, state string) any {
		return map[string]any{"device": dn, "dn": dn, "devicetype": dt, "state": state, "switch": "SIP_Switch"}
	}
	ixn := func(parties []any, udata map[string]any) map[string]any {
		return map[string]any{"id": "C1", "g_uid": "C1", "mediatype": "voice", "tenantid": float64(101), "parentid": "",
			"parties": parties, "udata": udata, "voice": voice}
	}
	ud1 := map[string]any{"_CB_SERVICE_ID": "svc1", "_CB_N": float64(2)}
	ud2 := map[string]any{"_CB_SERVICE_ID": "svc1"}
	p1 := []any{party("RP_1", "unknown", "ringing")}
	p2 := []any{party("RP_1", "unknown", "ringing"), party("5551234", "unknown", "established")}
	p3 := []any{party("RP_1", "unknown", "ringing"), party("5551234", "unknown", "established"), party("7001", "agent", "changed")}
	want := []struct {
		name string
		data map[string]any
	}{
		{"interaction.added", map[string]any{"interactionid": "C1", "interaction": ixn(p1, ud1)}},
		{"interaction.createcall.done", map[string]any{"requestid": "R1", "interactionid": "C1"}},
		{"interaction.partystatechanged", map[string]any{"interactionid": "C1", "interaction": ixn(p2, ud1),
			"focusdeviceid": "5551234", "party": party("5551234", "unknown", "established")}},
		{"interaction.setuData.done", map[string]any{"requestid": "R2", "interactionid": "C1", "udata": ud2}},
		{"interaction.udata.changed", map[string]any{"interactionid": "C1", "interaction": ixn(p2, ud2), "udata": ud2}},
		{"interaction.partystatechanged", map[string]any{"interactionid": "C1", "interaction": ixn(p3, ud2),
			"focusdeviceid": "7001", "party": party("7001", "agent", "changed")}},
		{"error.interaction.redirect", map[string]any{"requestid": "R3", "interactionid": "C1", "error": "invaliddestination",
			"description": "no such DN", "code": float64(telephony.ErrCodeInvalidDN)}},
		{"interaction.deleted", map[string]any{"interactionid": "C1", "interaction": ixn(p3, ud2), "resultof": "deletion", "callresult": "Answer"}},
	}
	require.Len(t, got, len(want))
	for i, w := range want {
		assert.Equal(t, "S1", got[i].session, w.name)
		assert.Equal(t, w.name, got[i].ev.Name)
		assert.Equal(t, interp.External, got[i].ev.Type, w.name)
		assert.Equal(t, w.data, got[i].ev.Data, w.name)
	}
}

// TestSubmitDoneShapes pins the data of queue.submit.done for the kinds
// of target a port selects: an agent by id, an agent's DN, a place, a DN
// on a switch of its own, and a DN.
func TestSubmitDoneShapes(t *testing.T) {
	agent := map[string]any{"type": "agent", "agent": "Agent1", "dn": "7001", "switch": "SIP_Switch"}
	placed := map[string]any{"type": "agent", "agent": "Agent7", "dn": "7007", "switch": "SIP_Switch", "place": "Place_7007"}
	for _, tc := range []struct {
		selected, component, object string
		targets                     []string
		resource                    map[string]any
	}{
		{"Agent1.A", "Agent1", "AG_Sales.GA", []string{"AG_Sales.GA"}, agent},
		{"7001", "Agent1", "Agent1", nil, agent},
		{"Place_7007.P", "Place_7007", "Place_7007", nil, placed},
		{"5550100@SW2", "5550100", "5550100", nil, map[string]any{"type": "dn", "dn": "5550100", "switch": "SW2"}},
		{"5550100", "5550100", "5550100", nil, map[string]any{"type": "dn", "dn": "5550100", "switch": "SIP_Switch"}},
	} {
		t.Run(tc.selected, func(t *testing.T) {
			var got *interp.Event
			r := New(Options{
				Deliver: func(_ string, ev *interp.Event) { got = ev },
				Config: Config{Switch: "SIP_Switch", Environment: &Environment{Agents: []Agent{
					{ID: "Agent1", DN: "7001"}, {ID: "Agent7", DN: "7007", Place: "Place_7007"}}}},
			})
			defer r.Close()
			names := newEventNames("queue", "submit")
			r.pending[7] = &request{session: "S1", module: "queue", action: "submit", id: "R7", ixn: "C1", names: &names,
				queue: "VQ_Callback", targets: tc.targets}
			r.handle(telephony.Event{Type: telephony.EventTargetSelected, ReferenceID: 7, Target: tc.selected})
			require.NotNil(t, got)
			assert.Equal(t, "queue.submit.done", got.Name)
			sw, _ := tc.resource["switch"].(string)
			assert.Equal(t, map[string]any{
				"requestid": "R7", "interactionid": "C1", "targetselected": tc.resource["dn"].(string) + "@" + sw,
				"targetcomponentselected": tc.component, "targetobjectselected": tc.object,
				"vqselected": "VQ_Callback", "virtualqueue": "VQ_Callback", "resource": tc.resource,
			}, got.Data)
		})
	}
}

// TestSnapshotsFollowTheUserData checks that each snapshot of a session's
// share holds its interaction's user data as it is then: the typed form
// an earlier snapshot made is kept only while the user data is the same.
func TestSnapshotsFollowTheUserData(t *testing.T) {
	r := New(Options{Deliver: func(string, *interp.Event) {}, Config: Config{Switch: "SIP_Switch"}})
	defer r.Close()
	createcall, setudata := newEventNames("ixn", "createcall"), newEventNames("ixn", "setuData")
	r.pending[1] = &request{session: "S1", module: "ixn", action: "createcall", id: "R1", names: &createcall}
	ud := telephony.UserData{{Key: "_CB_SERVICE_ID", Value: "0123456789abcdef"}, {Key: "_CB_T_SERVICE_START", Value: 1795000000}}
	r.handle(telephony.Event{Type: telephony.EventDialing, ReferenceID: 1, ConnID: "C1", ThisDN: "RP_Callback", OtherDN: "5551234", CallType: "Outbound", UserData: ud})
	l := &sessionLocal{r: r, id: "S1"}
	udataOf := func() telephony.UserData {
		t.Helper()
		b, err := l.Persist()
		require.NoError(t, err)
		var sh sessionShare
		require.NoError(t, json.Unmarshal(b, &sh))
		require.Len(t, sh.Interactions, 1)
		st, err := sh.Interactions[0].state()
		require.NoError(t, err)
		return st.UserData
	}
	assert.Equal(t, ud, udataOf())
	assert.Equal(t, ud, udataOf())

	ud2 := append(ud.Clone(), telephony.KV{Key: "_CB_DIM_VQ", Value: "VQ_Callback"})
	r.pending[2] = &request{session: "S1", module: "ixn", action: "setuData", id: "R2", ixn: "C1", names: &setudata}
	r.handle(telephony.Event{Type: telephony.EventAttachedDataChanged, ReferenceID: 2, ConnID: "C1", ThisDN: "RP_Callback", UserData: ud2})
	assert.Equal(t, ud2, udataOf())

	ud3 := ud2.Clone()
	ud3[0].Value = "fedcba9876543210"
	r.handle(telephony.Event{Type: telephony.EventAttachedDataChanged, ConnID: "C1", ThisDN: "RP_Callback", UserData: ud3})
	assert.Equal(t, ud3, udataOf())
}
