package ors_test

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestRoutingStrategy(t *testing.T) {
	h := newHarness(t, nil)
	s := h.start("routing.scxml", nil)
	conn := h.port.NewCall(telephony.Call{ThisDN: "RP_1000", ANI: "5551000", DNIS: "1000"})
	h.settle()
	require.Equal(t, []string{"music"}, s.Atomic(), "logs: %v", h.logs)
	h.advance(5 * time.Second)
	require.Equal(t, "pass", final(s), "events %v, logs %v, errors %v", h.names(s.ID()), h.logs, h.errs)

	assert.Equal(t, []string{
		"interaction.added", "interaction.onrouterequest", "interaction.setudata.done", "interaction.udata.changed",
		"dialog.playsound.done", "queue.submit.requestid", "queue.submit.done", "interaction.redirect.done",
		"interaction.terminate.done", "interaction.deleted",
	}, h.names(s.ID()))
	kinds := []telephony.RequestKind{}
	for _, r := range h.port.Requests() {
		kinds = append(kinds, r.Kind)
	}
	assert.Equal(t, []telephony.RequestKind{telephony.KindUserData, telephony.KindTreatment, telephony.KindQueueSubmit, telephony.KindRoute, telephony.KindRelease}, kinds)
	ud := h.port.RequestsOf(telephony.KindUserData)[0].Body.(telephony.UserDataChange)
	assert.Equal(t, telephony.UserDataChange{Op: telephony.Update, ConnID: conn, ThisDN: "RP_1000",
		UserData: telephony.UserData{{Key: "Attempts", Value: 1}, {Key: "CB_STATE", Value: "QUEUED"}}}, ud)
	sub := h.port.RequestsOf(telephony.KindQueueSubmit)[0].Body.(telephony.QueueSubmit)
	assert.Equal(t, telephony.QueueSubmit{ConnID: conn, Queue: "VQ_Sales", Route: "RP_1000", Targets: []string{"Agent1@SIP_Switch.A"}, Priority: 2, Timeout: 30 * time.Second}, sub)
	rt := h.port.RequestsOf(telephony.KindRoute)[0].Body.(telephony.Route)
	assert.Equal(t, telephony.Route{Type: telephony.RouteRedirect, ConnID: conn, From: "RP_1000", To: "7001", Switch: "SIP_Switch"}, rt)
	tr := h.port.RequestsOf(telephony.KindTreatment)[0].Body.(telephony.Treatment)
	assert.Equal(t, "music/in_queue", tr.Resource)
	assert.Equal(t, 5*time.Second, tr.Duration)
	done := h.event(s.ID(), "queue.submit.done")
	assert.Equal(t, string(conn), done["interactionid"])
	assert.Equal(t, "7001@SIP_Switch", done["targetselected"])
	assert.Equal(t, "Agent1", done["targetcomponentselected"])
	assert.Equal(t, "Agent1@SIP_Switch.A", done["targetobjectselected"])
	assert.Equal(t, "VQ_Sales", done["vqselected"])
	assert.Equal(t, map[string]any{"type": "agent", "agent": "Agent1", "dn": "7001", "switch": "SIP_Switch"}, done["resource"])
	assert.Equal(t, h.event(s.ID(), "queue.submit.requestid")["requestid"], done["requestid"])
}

func TestErrorEvents(t *testing.T) {
	h := newHarness(t, nil)
	h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: time.Minute})
	h.port.Script(telephony.KindRoute, telephony.Answer{ErrorCode: telephony.ErrCodeInvalidDN, ErrorMessage: "unknown DN nowhere"})
	s := h.start("errors.scxml", nil)
	h.port.NewCall(telephony.Call{ThisDN: "RP_1000"})
	h.advance(10 * time.Second)
	require.Equal(t, "pass", final(s), "events %v, logs %v, errors %v", h.names(s.ID()), h.logs, h.errs)

	tests := []struct {
		event, error, desc string
	}{
		{"error.queue.submit", "timeout", "no target found before the timeout"},
		{"error.interaction.redirect", "invaliddestination", "unknown DN nowhere"},
		{"error.interaction.terminate", "invalidattribute", `unknown interaction "no-such-call"`},
	}
	for _, tt := range tests {
		t.Run(tt.event, func(t *testing.T) {
			data := h.event(s.ID(), tt.event)
			assert.Equal(t, tt.error, data["error"])
			assert.Contains(t, data["description"], tt.desc)
			assert.NotEmpty(t, data["requestid"])
		})
	}
	assert.Regexp(t, `errors\.scxml:\d+:\d+: `, h.event(s.ID(), "error.interaction.terminate")["description"])
	require.NotEmpty(t, h.errs)
	assert.Contains(t, h.errs[len(h.errs)-1].Error(), "undefinedVariable")
}

func TestScriptEnvironment(t *testing.T) {
	h := newHarness(t, nil)
	s := h.start("env.scxml", map[string]any{"customer": "Ann", "n": float64(3)})
	h.port.NewCall(telephony.Call{ThisDN: "RP_1000", ANI: "5551000", DNIS: "1000", UserData: telephony.UserData{{Key: "k", Value: "v"}}})
	h.settle()
	require.Equal(t, "pass", final(s), "logs %v, errors %v", h.logs, h.errs)
	assert.Equal(t, []string{
		`({a:1, b:"x", c:[1, "y"], "d-e":{f:null}})`,
		"Ann:3",
		"Environment/101/ORS_1",
		"VQ_Sales,",
		"08:00",
		"true,false",
		"2026-11-21 05:00:00",
		"32",
		"testdata/env.scxml",
		"s1",
		"5551000 1000 inbound true true",
		"v voice",
		"true",
		"false",
	}, h.logs)
}

func TestCallsStrategy(t *testing.T) {
	h := newHarness(t, nil)
	h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: time.Hour})
	s := h.start("calls.scxml", map[string]any{"customer": "5559999"})
	require.Equal(t, []string{"serve"}, s.Atomic(), "events %v, logs %v, errors %v", h.names(s.ID()), h.logs, h.errs)
	ixn := h.event(s.ID(), "interaction.createcall.done")["interactionid"].(string)
	assert.Equal(t, s.ID(), h.rt.Owner(ixn))
	require.NoError(t, h.eng.Send(s.ID(), &interp.Event{Name: "query", SendID: "http-1"}))
	require.NoError(t, h.eng.Send(s.ID(), &interp.Event{Name: "stop"}))
	h.settle()
	require.Equal(t, "pass", final(s), "events %v, logs %v", h.names(s.ID()), h.logs)

	mc := h.port.RequestsOf(telephony.KindMakeCall)[0].Body.(telephony.MakeCall)
	assert.Equal(t, telephony.MakeCall{ThisDN: "7001", Destination: "5559999", Switch: "SIP_Switch", Timeout: 20 * time.Second,
		UserData: telephony.UserData{{Key: "CB_ID", Value: "cb-1"}}}, mc)
	tr := h.port.RequestsOf(telephony.KindTreatment)[0].Body.(telephony.Treatment)
	assert.Equal(t, telephony.Treatment{ConnID: telephony.ConnID(ixn), ThisDN: "7001", Kind: "IVR", Resource: "http://ivr/confirm.vxml"}, tr)
	assert.Equal(t, telephony.RouteDeliver, h.port.RequestsOf(telephony.KindRoute)[0].Body.(telephony.Route).Type)
	assert.Len(t, h.port.RequestsOf(telephony.KindQueueCancel), 1)
	require.Len(t, h.resp, 1)
	assert.Equal(t, "http-1", h.resp[0].RequestID)
	assert.Equal(t, "200", h.resp[0].Code)
	assert.Equal(t, map[string]any{"state": "serving " + ixn}, h.resp[0].Params)
	assert.Empty(t, h.rt.Owner(ixn), "a session's interactions are unowned once it ends")
}

// routedCallAbandoned runs routing.scxml for a call that arrives on
// RP_1000, gets a party at 7002 and user data, and is abandoned.
func routedCallAbandoned(t *testing.T) (*harness, *interp.Session, telephony.ConnID) {
	h := newHarness(t, nil)
	s := h.start("routing.scxml", nil)
	h.port.Script(telephony.KindUserData, telephony.Answer{Silent: true})
	conn := h.port.NewCall(telephony.Call{ThisDN: "RP_1000"})
	h.settle()
	require.NoError(t, h.port.ChangeParty(conn, "7002"))
	require.NoError(t, h.port.ChangeUserData(conn, telephony.UserData{{Key: "Lang", Value: "fr"}}))
	require.NoError(t, h.port.Abandon(conn))
	h.settle()
	return h, s, conn
}

func TestInteractionEvents(t *testing.T) {
	h, s, conn := routedCallAbandoned(t)
	assert.Equal(t, []string{"interaction.added", "interaction.onrouterequest", "interaction.partystatechanged", "interaction.udata.changed", "interaction.abandoned", "interaction.deleted"}, h.names(s.ID()))
	changed := h.event(s.ID(), "interaction.partystatechanged")
	assert.Equal(t, map[string]any{"device": "7002", "dn": "7002", "devicetype": "unknown", "state": "changed", "switch": "SIP_Switch"}, changed["party"])
	assert.Equal(t, "7002", changed["focusdeviceid"])
	assert.Equal(t, "RP_1000", h.event(s.ID(), "interaction.added")["focusdeviceid"])
	assert.Equal(t, "deletion", h.event(s.ID(), "interaction.deleted")["resultof"])
	assert.Equal(t, map[string]any{"Lang": "fr"}, h.event(s.ID(), "interaction.udata.changed")["udata"])
	_, ok := h.rt.Interaction(string(conn))
	assert.False(t, ok)
}

// TestInteractionEventsShowTheirMoment checks that each interaction event
// shows the interaction as it was when the event was made, though the
// parts that did not change are shared between events.
func TestInteractionEventsShowTheirMoment(t *testing.T) {
	h, s, conn := routedCallAbandoned(t)
	parties := func(name string) []any {
		ixn := h.event(s.ID(), name)["interaction"].(map[string]any)
		assert.Equal(t, string(conn), ixn["id"])
		assert.Equal(t, string(conn), ixn["g_uid"])
		assert.Equal(t, "RP_1000", ixn["voice"].(map[string]any)["dn"])
		return ixn["parties"].([]any)
	}
	ringing := map[string]any{"device": "RP_1000", "dn": "RP_1000", "devicetype": "routepoint", "state": "ringing", "switch": "SIP_Switch"}
	changed := map[string]any{"device": "7002", "dn": "7002", "devicetype": "unknown", "state": "changed", "switch": "SIP_Switch"}
	assert.Equal(t, []any{ringing}, parties("interaction.added"))
	assert.Equal(t, []any{ringing, changed}, parties("interaction.partystatechanged"))
	assert.Equal(t, []any{ringing, changed}, parties("interaction.deleted"))
	assert.Equal(t, map[string]any{}, h.event(s.ID(), "interaction.added")["interaction"].(map[string]any)["udata"])
	deleted := h.event(s.ID(), "interaction.deleted")["interaction"].(map[string]any)["udata"]
	assert.Equal(t, map[string]any{"Lang": "fr"}, deleted)
	// The user data object is made once while the user data is the same.
	same := func(a, b any) bool { return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer() }
	assert.True(t, same(deleted, h.event(s.ID(), "interaction.udata.changed")["udata"]))
	assert.False(t, same(deleted, h.event(s.ID(), "interaction.added")["interaction"].(map[string]any)["udata"]))
}

func TestW3CDocumentsHaveNoORSEnvironment(t *testing.T) {
	h := newHarness(t, nil)
	s := h.start("w3c.scxml", nil)
	assert.Equal(t, "pass", final(s), strings.Join(h.logs, "\n"))
}

func TestComposerStrategy(t *testing.T) {
	h := newHarness(t, nil)
	s := h.start("IPD_Callback_MainWorkflow.scxml", nil)
	conn := h.port.NewCall(telephony.Call{ThisDN: "RP_2000"})
	h.settle()
	assert.Equal(t, []string{"ipd_Routed", "App_End"}, s.Atomic(), "logs %v errors %v", h.logs, h.errs)
	assert.Equal(t, []string{"queueing in App_Main"}, h.logs)
	assert.Equal(t, "7007", h.port.RequestsOf(telephony.KindRoute)[0].Body.(telephony.Route).To)
	assert.Empty(t, h.rt.Owner(string(conn)), "redirect with detach leaves the interaction unowned")
	require.NoError(t, h.port.Hangup(conn))
	h.settle()
	assert.Equal(t, []string{"interaction.added", "interaction.onrouterequest", "queue.submit.requestid", "queue.submit.done", "interaction.redirect.done"}, h.names(s.ID()), "a detached interaction's events go nowhere")
}
