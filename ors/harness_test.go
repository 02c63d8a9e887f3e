package ors_test

import (
	"net/http"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/telephony"
	"github.com/stretchr/testify/require"
)

var epoch = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// harnessOrigin is the origin of the events a test sends a session
// itself, which the harness does not record.
const harnessOrigin = "#_harness"

// harness runs ORS strategies on a host on a virtual clock against an
// in-memory port, delivering every event through the host as a real
// server does.
type harness struct {
	t      *testing.T
	clock  *interp.VirtualClock
	port   *telephony.Memory
	host   *host.Host
	rt     *ors.Runtime
	eng    *interp.Engine
	owner  string
	logs   []string
	mu     sync.Mutex
	events map[string][]interp.Event // processed by each session
	errs   []error
	resp   []ors.Response
}

func newHarness(t *testing.T, mod func(o *ors.Options)) *harness {
	h := &harness{
		t: t, clock: interp.NewVirtualClock(epoch),
		port:   telephony.NewMemory(telephony.MemoryOptions{Start: epoch}),
		events: make(map[string][]interp.Event),
	}
	opts := ors.Options{
		Port:       h.port,
		Deliver:    func(id string, ev *interp.Event) { _ = h.host.Send(id, ev) },
		Assign:     func(ors.Interaction) string { return h.owner },
		Log:        func(_ *interp.Session, msg string) { h.logs = append(h.logs, msg) },
		Respond:    func(_ *interp.Session, r ors.Response) error { h.resp = append(h.resp, r); return nil },
		HTTPClient: &http.Client{Timeout: 5 * time.Second},
		Config: ors.Config{
			Tenant: "Environment", TenantID: 101, ServerName: "ORS_1", Switch: "SIP_Switch",
			Options:     map[string]string{"vq": "VQ_Sales"},
			Lists:       map[string]map[string]map[string]string{"Hours": {"Sales": {"open": "08:00"}}},
			SpecialDays: map[string][]string{"Holidays": {"2026-11-21"}},
			Environment: &ors.Environment{Agents: []ors.Agent{{ID: "Agent1", DN: "7001"}, {ID: "Agent7", DN: "7007", Place: "Place_7007"}}},
		},
	}
	if mod != nil {
		mod(&opts)
	}
	h.rt = ors.New(opts)
	t.Cleanup(h.rt.Close)
	var err error
	h.host, err = host.New(host.Config{
		Engine: interp.Options{
			Datamodels: h.rt.Datamodels(), LoadOptions: h.rt.LoadOptions(),
			Log: func(_ *interp.Session, _, msg string) { h.logs = append(h.logs, msg) },
		},
		Clock:        h.clock,
		Participants: []host.Participant{h.port},
		Busy:         h.rt.InFlight,
	})
	require.NoError(t, err)
	t.Cleanup(h.host.Close)
	h.host.OnDone(h.rt.SessionDone)
	h.host.OnMacrostep(func(s *interp.Session, ev *interp.Event) {
		if ev != nil && ev.Origin != harnessOrigin {
			h.mu.Lock()
			h.events[s.ID()] = append(h.events[s.ID()], *ev)
			h.mu.Unlock()
		}
	})
	h.host.OnError(func(_ *interp.Session, err error) { h.errs = append(h.errs, err) })
	h.eng = h.host.Engine()
	return h
}

// load loads a strategy of testdata.
func (h *harness) load(name string) *interp.Chart {
	doc, err := scxml.Load(filepath.Join("testdata", name), h.rt.LoadOptions())
	require.NoError(h.t, err)
	c, err := h.eng.Compile(doc)
	require.NoError(h.t, err)
	return c
}

// start starts a session of the strategy, owner of new interactions.
func (h *harness) start(name string, params map[string]any) *interp.Session {
	s, err := h.eng.Start(h.load(name), interp.StartOptions{Params: params})
	require.NoError(h.t, err)
	h.owner = s.ID()
	h.settle()
	return s
}

// settle runs until nothing is left to do at the current time: engine
// work, port events, event deliveries and HTTP fetches in flight.
func (h *harness) settle() {
	require.NoError(h.t, h.host.Settle())
}

// advance moves the clock forward by d, stopping at every engine timer and
// port event on the way.
func (h *harness) advance(d time.Duration) {
	require.NoError(h.t, h.host.Advance(d))
}

// names returns the names of the events delivered to session id.
func (h *harness) names(id string) []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []string
	for _, ev := range h.events[id] {
		out = append(out, ev.Name)
	}
	return out
}

// event returns the data of the last event named name delivered to
// session id.
func (h *harness) event(id, name string) map[string]any {
	h.mu.Lock()
	evs := h.events[id]
	h.mu.Unlock()
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].Name == name {
			data, _ := evs[i].Data.(map[string]any)
			return data
		}
	}
	h.t.Fatalf("session %s processed no %s; it processed %v", id, name, h.names(id))
	return nil
}

// final returns the id of the final state s reached, or "".
func final(s *interp.Session) string {
	if f := s.Final(); f != nil {
		return f.ID
	}
	return ""
}

// startSrc starts a session of a strategy given as source, owner of new
// interactions.
func (h *harness) startSrc(src string, params map[string]any) *interp.Session {
	doc, err := scxml.Parse("inline.scxml", []byte(src), h.rt.LoadOptions())
	require.NoError(h.t, err)
	c, err := h.eng.Compile(doc)
	require.NoError(h.t, err)
	s, err := h.eng.Start(c, interp.StartOptions{Params: params})
	require.NoError(h.t, err)
	h.owner = s.ID()
	h.settle()
	return s
}

// orsDoc wraps states in an ORS document declaring every module
// namespace, its initial state s.
func orsDoc(body string) string {
	return `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" profile="ecmascript" initial="s"
  xmlns:ixn="http://www.genesyslab.com/modules/interaction" xmlns:queue="http://www.genesyslab.com/modules/queue"
  xmlns:session="www.genesyslab.com/modules/session" xmlns:dialog="http://www.genesyslab.com/modules/dialog"
  xmlns:statistic="www.genesyslab.com/modules/statistic">
` + body + `
  <final id="pass"/>
  <final id="fail"/>
</scxml>`
}
