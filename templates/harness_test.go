package templates_test

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orca-scxml/orca/ecmascript"
	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/templates"
	"github.com/orca-scxml/orca/templates/reporting"
	"github.com/stretchr/testify/require"
)

// epoch is when every test starts (a Saturday); t0 is it in UTC seconds.
var epoch = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

const t0 = 1795255200

// environment is what Configuration Server holds for the tests: the agent
// and the three virtual queues the seeds recommend, with their DBIDs.
func environment() *ors.Environment {
	return &ors.Environment{
		Agents: []ors.Agent{{ID: "Agent1", DN: "7001"}},
		Queues: []ors.Queue{{Name: "VQ_Callback", DBID: 301}, {Name: "VQ_Callback_Outbound", DBID: 302}, {Name: "VQ_Callback_Inbound", DBID: 303}},
	}
}

// harness runs callback services on a host on a virtual clock against an
// in-memory port, with the ORS function modules and the reporting action,
// as a server does. With restarts set, it keeps every session in a store
// and, whenever the sessions have settled, drops the host, the runtime and
// the reporter without shutting them down and starts new ones on the
// same store, port and clock, as a server killed and started again would.
type harness struct {
	t     testing.TB
	clock *interp.VirtualClock
	port  *telephony.Memory
	host  *host.Host
	rt    *ors.Runtime
	rep   *reporting.Reporter
	eng   *interp.Engine
	owner string
	svc   *templates.Service
	req   map[string]string
	logs  []string
	probs []string
	// raised are the messages of the error.reporting events the sessions
	// took.
	raised []string
	errs   []error
	mu     sync.Mutex
	// events are every event the port delivered, in order.
	events   []telephony.Event
	fallback reporting.Service
	restarts bool
	store    *memStore
	// restarted counts the restarts.
	restarted int
}

func newHarness(t testing.TB) *harness { return newHarnessWith(t, reporting.Service{}) }

// newHarnessWith makes a harness whose reporting fallback (the host's
// reporting: section) is fallback.
func newHarnessWith(t testing.TB, fallback reporting.Service) *harness {
	h := unbuilt(t, fallback)
	h.build()
	return h
}

// newRestartingHarness is newHarness with restarts.
func newRestartingHarness(t *testing.T) *harness {
	h := unbuilt(t, reporting.Service{})
	h.restarts, h.store = true, &memStore{t: t, saved: map[string][]byte{}}
	h.build()
	return h
}

// unbuilt returns a harness with its clock and port, and no host yet.
func unbuilt(t testing.TB, fallback reporting.Service) *harness {
	h := &harness{
		t: t, clock: interp.NewVirtualClock(epoch),
		port:     telephony.NewMemory(telephony.MemoryOptions{Start: epoch}),
		fallback: fallback,
	}
	h.port.Subscribe(func(ev telephony.Event) {
		h.mu.Lock()
		h.events = append(h.events, ev)
		h.mu.Unlock()
	})
	return h
}

// build makes the reporter, the runtime and the host.
func (h *harness) build() {
	t := h.t
	env := environment()
	rep, err := reporting.New(reporting.Options{Port: h.port, TenantDBID: 101, Statistics: h.port, Service: h.fallback,
		Queues: func(name string) (int, bool) {
			q, ok := env.Queue(name)
			return q.DBID, ok
		},
		Log: func(_ string, err error) { h.probs = append(h.probs, err.Error()) }})
	require.NoError(t, err)
	h.rep = rep
	t.Cleanup(rep.Close)
	h.rt = ors.New(ors.Options{
		Port:       h.port,
		Statistics: h.port,
		Deliver:    func(id string, ev *interp.Event) { _ = h.host.Send(id, ev) },
		Assign:     func(ors.Interaction) string { return h.owner },
		Log:        func(_ *interp.Session, msg string) { h.logs = append(h.logs, msg) },
		Config:     ors.Config{Tenant: "Environment", TenantID: 101, ServerName: "ORS_1", Switch: "SIP_Switch", Environment: env},
		Globals:    []ecmascript.Global{rep.Global()},
	})
	rt := h.rt
	t.Cleanup(rt.Close)
	rep.Register(rt.Registry())
	cfg := host.Config{
		Engine: interp.Options{
			Datamodels: rt.Datamodels(), LoadOptions: rt.LoadOptions(),
			Log: func(_ *interp.Session, _, msg string) { h.logs = append(h.logs, msg) },
			OnEvent: func(_ *interp.Session, ev *interp.Event) {
				if data, ok := ev.Data.(map[string]any); ok && ev.Name == reporting.ErrorEvent {
					h.raised = append(h.raised, fmt.Sprint(data["message"]))
				}
			},
		},
		Clock:        h.clock,
		Participants: []host.Participant{h.port},
		Busy:         rt.InFlight,
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
// starts new ones on the same store, and loads the sessions it keeps
// (so that a test may reach them through h.eng).
func (h *harness) restart() {
	h.host.Close()
	h.rt.Close()
	h.rep.Close()
	h.build()
	h.restarted++
	require.NoError(h.t, h.host.Settle())
	for id := range h.store.saved {
		require.NoError(h.t, h.host.Do(context.Background(), id, func(*interp.Session) {}))
	}
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

// start loads a service of template with opts and starts the callback of
// request params with service id "SVC-1".
func (h *harness) start(chart *interp.Chart, template string, opts, params map[string]string) *interp.Session {
	svc, err := templates.LoadService("callback-test", template, opts)
	require.NoError(h.t, err)
	req, err := templates.ParseRequest(params)
	require.NoError(h.t, err)
	h.svc, h.req = svc, params
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

// hangup releases call conn from the switch side and settles.
func (h *harness) hangup(conn string) {
	require.NoError(h.t, h.port.Hangup(telephony.ConnID(conn)))
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

// virtual gives the session the virtual interaction id on queue vq that it
// reserves an agent with, as a host does for agent first and
// _wait_for_agent.
func (h *harness) virtual(id, vq string) {
	_, err := h.rt.CreateVirtual(h.owner, ors.Interaction{ID: id, ThisDN: vq})
	require.NoError(h.t, err)
	h.settle()
}

// traffic sends n calls of other customers to queue, distributed gap
// apart, and waiting more that stay there with priority 5, and lets the
// n be distributed (the clock moves n × gap): the queue's statistics come
// from them.
func (h *harness) traffic(queue string, n int, gap time.Duration, waiting int) {
	h.t.Helper()
	for i := range n {
		h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: time.Duration(i+1) * gap})
	}
	for range waiting {
		h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Silent: true})
	}
	for i := range n + waiting {
		conn := h.port.NewCall(telephony.Call{ThisDN: "RP_OTHER", ANI: fmt.Sprintf("555900%d", i)})
		prio := 0
		if i >= n {
			prio = 5
		}
		_, err := h.port.SubmitToQueue(telephony.QueueSubmit{ConnID: conn, Queue: queue, Targets: []string{"Agent1@SIP_Switch.A"}, Priority: prio})
		require.NoError(h.t, err)
	}
	h.advance(time.Duration(n) * gap)
}

// failedDial scripts a dial attempt that ends with a call result: call
// OUTn (call ID 2000n) is dialed, with the data of the request, then
// released, as a switch reports a failed attempt.
func failedDial(result string, n int) telephony.Answer {
	return telephony.Answer{Events: func(r telephony.Request) []telephony.Event {
		mc := r.Body.(telephony.MakeCall)
		conn := telephony.ConnID(fmt.Sprintf("OUT%d", n))
		call := fmt.Sprintf("2000%d", n)
		return []telephony.Event{
			{Type: telephony.EventDialing, ConnID: conn, CallID: call, ThisDN: mc.ThisDN, OtherDN: mc.Destination, CallType: "Outbound", CallResult: result, UserData: mc.UserData},
			{Type: telephony.EventReleased, ConnID: conn, CallID: call, CallResult: result, UserData: mc.UserData},
		}
	}}
}

// ringing scripts a dial attempt whose call OUT1 rings and is never
// answered.
func ringing() telephony.Answer {
	return telephony.Answer{Events: func(r telephony.Request) []telephony.Event {
		mc := r.Body.(telephony.MakeCall)
		return []telephony.Event{{Type: telephony.EventDialing, ConnID: "OUT1", CallID: "20001", ThisDN: mc.ThisDN, OtherDN: mc.Destination, CallType: "Outbound", UserData: mc.UserData}}
	}}
}

// baseOptions are the service options of the tests: reporting enabled on
// REPORTING@SIP_Switch, agents found in Agent1, calls placed from RP_CB.
func baseOptions(extra ...string) map[string]string {
	m := map[string]string{
		"_target": "Agent1@SIP_Switch.A", "_route_point": "RP_CB",
		"_rep_userevent_enable": "true", "_rep_userevent_dn": "REPORTING", "_rep_userevent_switch": "SIP_Switch",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

// request is the callback request of the tests.
func request(extra ...string) map[string]string {
	m := map[string]string{"_customer_number": "5551234"}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

// optionStrings returns the service's options as strings, as a
// configuration writes them.
func optionStrings(v templates.Values) map[string]string {
	out := make(map[string]string, len(v))
	for k, x := range v {
		switch x := x.(type) {
		case float64:
			out[k] = fmt.Sprint(int64(x))
		default:
			out[k] = fmt.Sprint(x)
		}
	}
	return out
}

// mergeOpts returns base with the pairs of extra set.
func mergeOpts(base map[string]string, extra map[string]string) map[string]string {
	out := maps.Clone(base)
	maps.Copy(out, extra)
	return out
}

// madeCall returns the ConnID of the call the n-th make-call request
// (from 1) created.
func (h *harness) madeCall(n int) string {
	h.t.Helper()
	reqs := h.port.RequestsOf(telephony.KindMakeCall)
	require.GreaterOrEqual(h.t, len(reqs), n, "make-call requests")
	ref := reqs[n-1].Ref
	h.mu.Lock()
	defer h.mu.Unlock()
	for _, ev := range h.events {
		if ev.ReferenceID == ref && ev.Type == telephony.EventDialing {
			return string(ev.ConnID)
		}
	}
	h.t.Fatalf("make-call request %d created no call", n)
	return ""
}
