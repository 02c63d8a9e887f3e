package ors

import (
	"fmt"
	"slices"
	"testing"

	"github.com/dop251/goja"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
)

// routeBenchRuntime returns the runtime the route benchmarks run, and the
// count of the events it delivered.
func routeBenchRuntime(b *testing.B) (*Runtime, *int) {
	delivered := new(int)
	r := New(Options{
		Deliver: func(string, *interp.Event) { *delivered++ },
		Config:  Config{Tenant: "Environment", TenantID: 101, Switch: "SIP_Switch", Environment: &Environment{Agents: []Agent{{ID: "Agent1", DN: "7001"}}}},
	})
	b.Cleanup(r.Close)
	return r, delivered
}

// BenchmarkRouteOutboundCall reports what the runtime allocates to turn
// the port's events of one outbound callback call into the session's
// events: the createcall's EventDialing (interaction.added and
// interaction.createcall.done), the customer's EventEstablished
// (interaction.partystatechanged), the reporting attachment's
// EventAttachedDataChanged (interaction.udata.changed and
// interaction.setuData.done), a transfer's EventPartyChanged
// (interaction.partystatechanged) and EventReleased
// (interaction.deleted).
func BenchmarkRouteOutboundCall(b *testing.B) {
	r, delivered := routeBenchRuntime(b)
	ud := telephony.UserData{{Key: "_CB_SERVICE_ID", Value: "0123456789abcdef"}, {Key: "_CB_T_SERVICE_START", Value: 1795000000}}
	ud2 := append(ud.Clone(), telephony.KV{Key: "_CB_DIM_VQ", Value: "VQ_Callback"})
	createcall, setudata := newEventNames("ixn", "createcall"), newEventNames("ixn", "setuData")
	b.ReportAllocs()
	for i := 0; b.Loop(); i++ {
		conn := telephony.ConnID("007d02a2c8f1" + string(rune('a'+i%26)))
		r.mu.Lock()
		r.pending[1] = &request{session: "S1", module: "ixn", action: "createcall", id: "R1", names: &createcall}
		r.pending[2] = &request{session: "S1", module: "ixn", action: "setuData", id: "R2", ixn: string(conn), names: &setudata}
		r.mu.Unlock()
		for _, ev := range []telephony.Event{
			{Type: telephony.EventDialing, ReferenceID: 1, ConnID: conn, CallID: "CALL1", ThisDN: "RP_Callback", OtherDN: "5551234", Switch: "SIP_Switch", CallType: "Outbound", UserData: ud},
			{Type: telephony.EventEstablished, ConnID: conn, ThisDN: "RP_Callback", OtherDN: "5551234", Switch: "SIP_Switch", CallResult: "Answer"},
			{Type: telephony.EventAttachedDataChanged, ReferenceID: 2, ConnID: conn, ThisDN: "RP_Callback", UserData: ud2},
			{Type: telephony.EventPartyChanged, ConnID: conn, ThisDN: "RP_Callback", OtherDN: "7001", Switch: "SIP_Switch"},
			{Type: telephony.EventReleased, ConnID: conn, ThisDN: "RP_Callback", Switch: "SIP_Switch", CallResult: "Answer"},
		} {
			r.handle(ev)
		}
	}
	if *delivered == 0 {
		b.Fatal("no event delivered")
	}
}

// BenchmarkRouteSubmitDone reports what the runtime allocates to answer a
// queue submit of a call: the port's EventTargetSelected naming a DN
// target becomes queue.submit.done.
func BenchmarkRouteSubmitDone(b *testing.B) {
	r, delivered := routeBenchRuntime(b)
	conn := telephony.ConnID("007d02a2c8f1a")
	r.handle(telephony.Event{Type: telephony.EventRinging, ConnID: conn, CallID: "CALL1", ThisDN: "RP_Callback", Switch: "SIP_Switch", CallType: "Inbound"})
	submit := newEventNames("queue", "submit")
	b.ReportAllocs()
	for b.Loop() {
		r.mu.Lock()
		r.pending[1] = &request{session: "S1", module: "queue", action: "submit", id: "R1", ixn: string(conn), names: &submit,
			queue: "VQ_Callback", targets: []string{"Callback_Agents.GA"}}
		r.mu.Unlock()
		r.handle(telephony.Event{Type: telephony.EventTargetSelected, ReferenceID: 1, ConnID: conn, Target: "7002@SIP_Switch"})
	}
	if *delivered == 0 {
		b.Fatal("no event delivered")
	}
}

// BenchmarkPersistShare reports what a snapshot of a callback session's
// share of the runtime costs: the outbound call it owns, with the
// reporting's user data, and a queue submit waiting for its answer.
func BenchmarkPersistShare(b *testing.B) {
	r := New(Options{Deliver: func(string, *interp.Event) {}, Config: Config{Switch: "SIP_Switch"}})
	defer r.Close()
	createcall := newEventNames("ixn", "createcall")
	r.pending[1] = &request{session: "S1", module: "ixn", action: "createcall", id: "R1", names: &createcall}
	ud := telephony.UserData{{Key: "_CB_SERVICE_ID", Value: "0123456789abcdef"}, {Key: "_CB_T_SERVICE_START", Value: 1795000000},
		{Key: "_CB_DIM_VQ", Value: "VQ_Callback"}, {Key: "_CB_DISPOSITION", Value: ""}}
	r.handle(telephony.Event{Type: telephony.EventDialing, ReferenceID: 1, ConnID: "007d02a2c8f1a", CallID: "CALL1", ThisDN: "RP_Callback", OtherDN: "5551234", Switch: "SIP_Switch", CallType: "Outbound", UserData: ud})
	r.handle(telephony.Event{Type: telephony.EventEstablished, ConnID: "007d02a2c8f1a", ThisDN: "RP_Callback", OtherDN: "5551234", Switch: "SIP_Switch"})
	submit := newEventNames("queue", "submit")
	r.pending[2] = &request{session: "S1", module: "queue", action: "submit", id: "R2", ixn: "007d02a2c8f1a", names: &submit,
		queue: "VQ_Callback", targets: []string{"Callback_Agents.GA"}}
	l := &sessionLocal{r: r, id: "S1"}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Persist(); err != nil {
			b.Fatal(err)
		}
	}
}

// sortedParams are start parameters of a benchmark: names sorted, as
// interp.Session.ParamNames lists them.
type sortedParams []string

func (p sortedParams) Param(name string) (any, bool) {
	_, ok := slices.BinarySearch(p, name)
	return "v", ok
}

func (p sortedParams) ParamNames() []string { return slices.Clone(p) }

// BenchmarkDataObjectKeys reports what listing _data costs a snapshot of
// a callback session: seventy parameters (the service's options), none
// deleted.
func BenchmarkDataObjectKeys(b *testing.B) {
	names := make(sortedParams, 70)
	for i := range names {
		names[i] = fmt.Sprintf("_option_%02d", i)
	}
	d := &dataObject{rt: goja.New(), params: names}
	b.ReportAllocs()
	for b.Loop() {
		if len(d.Keys()) != 70 {
			b.Fatal("not seventy keys")
		}
	}
}

// BenchmarkTargetList reports what a queue submit's <queue:targetid>
// value costs to become the URS target strings the request carries (as
// call.targetList makes them): one agent group.
func BenchmarkTargetList(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		var out []string
		for x := range targetsOf("Callback_Agents@.GA") {
			out = append(out, x.String())
		}
		if len(out) != 1 {
			b.Fatal("not one target")
		}
	}
}
