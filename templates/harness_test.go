package templates_test

import (
	"strings"
	"testing"
	"time"

	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/templates"
	"github.com/orca-scxml/orca/templates/reporting"
	"github.com/stretchr/testify/require"
)

// epoch is when every test starts; t0 is it in UTC seconds.
var epoch = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

const t0 = 1795255200

// harness runs callback services on a host on a virtual clock against an
// in-memory port, with the ORS function modules and the reporting action,
// as a server does.
type harness struct {
	t     *testing.T
	clock *interp.VirtualClock
	port  *telephony.Memory
	host  *host.Host
	rt    *ors.Runtime
	rep   *reporting.Reporter
	eng   *interp.Engine
	owner string
	logs  []string
	probs []string
	errs  []error
}

func newHarness(t *testing.T) *harness {
	h := &harness{
		t: t, clock: interp.NewVirtualClock(epoch),
		port: telephony.NewMemory(telephony.MemoryOptions{Start: epoch}),
	}
	rep, err := reporting.New(reporting.Options{Port: h.port, TenantDBID: 101,
		Log: func(_ string, err error) { h.probs = append(h.probs, err.Error()) }})
	require.NoError(t, err)
	h.rep = rep
	t.Cleanup(rep.Close)
	h.rt = ors.New(ors.Options{
		Port:    h.port,
		Deliver: func(id string, ev *interp.Event) { _ = h.host.Send(id, ev) },
		Assign:  func(ors.Interaction) string { return h.owner },
		Log:     func(_ *interp.Session, msg string) { h.logs = append(h.logs, msg) },
		Config: ors.Config{Tenant: "Environment", TenantID: 101, ServerName: "ORS_1", Switch: "SIP_Switch",
			Environment: &ors.Environment{Agents: []ors.Agent{{ID: "Agent1", DN: "7001"}}}},
	})
	t.Cleanup(h.rt.Close)
	rep.Register(h.rt.Registry())
	h.host, err = host.New(host.Config{
		Engine: interp.Options{
			Datamodels: h.rt.Datamodels(), LoadOptions: h.rt.LoadOptions(),
			Log: func(_ *interp.Session, _, msg string) { h.logs = append(h.logs, msg) },
		},
		Clock:        h.clock,
		Participants: []host.Participant{h.port},
	})
	require.NoError(t, err)
	t.Cleanup(h.host.Close)
	h.host.OnDone(h.rt.SessionDone)
	h.host.OnDone(rep.SessionEnded)
	h.host.OnError(func(_ *interp.Session, err error) { h.errs = append(h.errs, err) })
	h.eng = h.host.Engine()
	return h
}

// chart compiles template name.
func (h *harness) chart(name string) *interp.Chart {
	doc, err := templates.Load(name, h.rt.LoadOptions())
	require.NoError(h.t, err)
	c, err := h.eng.Compile(doc)
	require.NoError(h.t, err)
	return c
}

// chartFile compiles a strategy file (a user's own).
func (h *harness) chartFile(path string) *interp.Chart {
	doc, err := scxml.Load(path, h.rt.LoadOptions())
	require.NoError(h.t, err)
	c, err := h.eng.Compile(doc)
	require.NoError(h.t, err)
	return c
}

// start loads a service of template (options merged over base options)
// and starts the callback of request params with service id "SVC-1".
func (h *harness) start(chart *interp.Chart, template string, opts, params map[string]string) *interp.Session {
	svc, err := templates.LoadService("callback-test", template, opts)
	require.NoError(h.t, err)
	req, err := templates.ParseRequest(params)
	require.NoError(h.t, err)
	s, err := svc.Start(h.eng, chart, "SVC-1", req)
	require.NoError(h.t, err)
	h.owner = s.ID()
	h.settle()
	return s
}

// settle runs until nothing is left to do at the current time.
func (h *harness) settle() {
	require.NoError(h.t, h.host.Settle())
}

// advance moves the clock forward by d, stopping at every engine timer and
// port event on the way.
func (h *harness) advance(d time.Duration) {
	require.NoError(h.t, h.host.Advance(d))
}

// send queues an external event on session s and settles.
func (h *harness) send(s *interp.Session, name string, data map[string]any) {
	require.NoError(h.t, h.eng.Send(s.ID(), &interp.Event{Name: name, Type: interp.External, Data: data}))
	h.settle()
}

// lifecycle returns the _callback_state changes the strategy logged.
func (h *harness) lifecycle() []string {
	var out []string
	for _, l := range h.logs {
		if strings.HasPrefix(l, "_callback_state=") {
			out = append(out, strings.TrimPrefix(l, "_callback_state="))
		}
	}
	return out
}

// userEvents returns the UserEvents distributed, as maps.
func (h *harness) userEvents() []map[string]any {
	var out []map[string]any
	for _, r := range h.port.RequestsOf(telephony.KindUserEvent) {
		ev := r.Body.(telephony.UserEvent)
		require.Equal(h.t, "REPORTING", ev.ThisDN)
		require.Equal(h.t, "SIP_Switch", ev.Switch)
		out = append(out, kvs(ev.UserData))
	}
	return out
}

// allAttached returns every user data update, keyed by ConnID.
func (h *harness) allAttached() map[string][]map[string]any {
	out := map[string][]map[string]any{}
	for _, r := range h.port.RequestsOf(telephony.KindUserData) {
		ch := r.Body.(telephony.UserDataChange)
		out[string(ch.ConnID)] = append(out[string(ch.ConnID)], kvs(ch.UserData))
	}
	return out
}

func kvs(ud telephony.UserData) map[string]any {
	m := make(map[string]any, len(ud))
	for _, kv := range ud {
		m[kv.Key] = kv.Value
	}
	return m
}

// settleHTTP settles until no HTTP fetch is in flight.
func (h *harness) settleHTTP() {
	deadline := time.Now().Add(10 * time.Second)
	for {
		h.settle()
		if h.rt.InFlight() == 0 {
			h.settle()
			return
		}
		if time.Now().After(deadline) {
			h.t.Fatal("HTTP fetch did not finish")
		}
		time.Sleep(time.Millisecond)
	}
}

// virtual gives the session the virtual interaction id on queue vq that it
// reserves an agent with, as a host does for agent first and
// _wait_for_agent.
func (h *harness) virtual(id, vq string) {
	_, err := h.rt.CreateVirtual(h.owner, ors.Interaction{ID: id, ThisDN: vq})
	require.NoError(h.t, err)
	h.settle()
}
