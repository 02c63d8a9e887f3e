package templates_test

import (
	"context"
	"encoding/json"
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
// as a server does. With restarts set, it keeps every session in a store
// and, whenever the sessions have settled, drops the host, the runtime and
// the reporter without shutting them down and starts new ones on the
// same store, port and clock, as a server killed and started again would.
type harness struct {
	t        *testing.T
	clock    *interp.VirtualClock
	port     *telephony.Memory
	host     *host.Host
	rt       *ors.Runtime
	rep      *reporting.Reporter
	eng      *interp.Engine
	owner    string
	logs     []string
	probs    []string
	errs     []error
	restarts bool
	store    *memStore
	// restarted counts the restarts.
	restarted int
}

func newHarness(t *testing.T) *harness {
	h := &harness{
		t: t, clock: interp.NewVirtualClock(epoch),
		port: telephony.NewMemory(telephony.MemoryOptions{Start: epoch}),
	}
	h.build()
	return h
}

// newRestartingHarness is newHarness with restarts.
func newRestartingHarness(t *testing.T) *harness {
	h := &harness{
		t: t, clock: interp.NewVirtualClock(epoch),
		port:     telephony.NewMemory(telephony.MemoryOptions{Start: epoch}),
		restarts: true, store: &memStore{t: t, saved: map[string][]byte{}},
	}
	h.build()
	return h
}

// build makes the reporter, the runtime and the host.
func (h *harness) build() {
	t := h.t
	rep, err := reporting.New(reporting.Options{Port: h.port, TenantDBID: 101,
		Log: func(_ string, err error) { h.probs = append(h.probs, err.Error()) }})
	require.NoError(t, err)
	h.rep = rep
	t.Cleanup(rep.Close)
	rt := ors.New(ors.Options{
		Port:    h.port,
		Deliver: func(id string, ev *interp.Event) { _ = h.host.Send(id, ev) },
		Assign:  func(ors.Interaction) string { return h.owner },
		Log:     func(_ *interp.Session, msg string) { h.logs = append(h.logs, msg) },
		Config: ors.Config{Tenant: "Environment", TenantID: 101, ServerName: "ORS_1", Switch: "SIP_Switch",
			Environment: &ors.Environment{Agents: []ors.Agent{{ID: "Agent1", DN: "7001"}}}},
	})
	h.rt = rt
	t.Cleanup(rt.Close)
	rep.Register(rt.Registry())
	cfg := host.Config{
		Engine: interp.Options{
			Datamodels: rt.Datamodels(), LoadOptions: rt.LoadOptions(),
			Log: func(_ *interp.Session, _, msg string) { h.logs = append(h.logs, msg) },
		},
		Clock:        h.clock,
		Participants: []host.Participant{h.port},
	}
	if h.restarts {
		cfg.Store = h.store
		cfg.Chart = func(doc string) (*interp.Chart, error) { return h.compile(doc), nil }
	}
	h.host, err = host.New(cfg)
	require.NoError(t, err)
	t.Cleanup(h.host.Close)
	h.host.OnDone(rt.SessionDone)
	h.host.OnDone(rep.SessionEnded)
	h.host.OnStart(rep.Track)
	h.host.OnRestore(rep.Track)
	h.host.OnAdopt(func(id string, index map[string]json.RawMessage) {
		require.NoError(t, rt.Adopt(id, index[ors.LocalKey]))
	})
	h.host.OnError(func(_ *interp.Session, err error) { h.errs = append(h.errs, err) })
	h.eng = h.host.Engine()
}

// compile loads and compiles a document a snapshot names: a template's
// or a strategy file, with the current runtime.
func (h *harness) compile(doc string) *interp.Chart {
	if name, ok := strings.CutPrefix(doc, "strategies/"); ok {
		return h.chart(strings.TrimSuffix(name, ".scxml"))
	}
	return h.chartFile(doc)
}

// restart drops the host, the runtime and the reporter as a crash would,
// and starts new ones on the same store.
func (h *harness) restart() {
	h.host.Close()
	h.rt.Close()
	h.rep.Close()
	h.build()
	h.restarted++
}

// memStore keeps every session's last snapshot in its wire form, as a
// store on NATS does.
type memStore struct {
	t       *testing.T
	h       *host.Host
	saved   map[string][]byte
	commits int
}

func (st *memStore) Open(_ context.Context, h *host.Host) error {
	st.h = h
	for id, data := range st.saved {
		var rec host.Record
		require.NoError(st.t, json.Unmarshal(data, &rec))
		if err := h.Adopt(id, rec.Due, rec.Index); err != nil {
			return err
		}
	}
	return nil
}

func (st *memStore) keep(s *interp.Session) error {
	for s.Parent() != nil {
		s = s.Parent()
	}
	rec, err := st.h.Snapshot(s)
	if err != nil {
		return err
	}
	data, err := json.Marshal(rec)
	if err != nil {
		return err
	}
	st.saved[s.ID()] = data
	st.commits++
	return nil
}

func (st *memStore) Commit(s *interp.Session) error {
	require.NoError(st.t, st.keep(s), "every macrostep's state can be kept")
	return nil
}

func (st *memStore) Release(s *interp.Session, kept bool) error {
	if kept {
		return st.keep(s)
	}
	delete(st.saved, s.ID())
	return nil
}

func (st *memStore) Keeps() bool { return true }

func (st *memStore) Load(eng *interp.Engine, id string) (*interp.Session, error) {
	data, ok := st.saved[id]
	if !ok {
		return nil, interp.ErrNoSession
	}
	var rec host.Record
	if err := json.Unmarshal(data, &rec); err != nil {
		return nil, err
	}
	return st.h.Restore(eng, rec.State)
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

// settle runs until nothing is left to do at the current time; with
// restarts, the process is then dropped and started again, unless no
// session lives yet or an HTTP request is in flight (its answer would be
// lost with the process).
func (h *harness) settle() {
	require.NoError(h.t, h.host.Settle())
	if h.restarts && len(h.store.saved) > 0 && h.rt.InFlight() == 0 {
		h.restart()
		require.NoError(h.t, h.host.Settle())
	}
}

// advance moves the clock forward by d, stopping at every engine timer and
// port event on the way.
func (h *harness) advance(d time.Duration) {
	if !h.restarts {
		require.NoError(h.t, h.host.Advance(d))
		return
	}
	end := h.clock.Now().Add(d)
	for {
		h.settle()
		next := end
		if t, ok := h.host.NextDue(); ok && t.Before(next) {
			next = t
		}
		h.clock.Set(next)
		if !next.Before(end) {
			h.settle()
			return
		}
	}
}

// send queues an external event on session s and settles.
func (h *harness) send(s *interp.Session, name string, data map[string]any) {
	require.NoError(h.t, h.host.Send(s.ID(), &interp.Event{Name: name, Type: interp.External, Data: data}))
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
