package reporting_test

import (
	"path/filepath"
	"sort"
	"testing"
	"time"

	"github.com/orca-scxml/orca/ecmascript"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/templates/reporting"
	"github.com/stretchr/testify/require"
)

var epoch = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// E is the epoch in UTC seconds, as timestamps are sent.
var E = int(epoch.Unix())

// harness runs strategies on a virtual clock against an in-memory port.
type harness struct {
	t     testing.TB
	clock *interp.VirtualClock
	port  *telephony.Memory
	rep   *reporting.Reporter
	eng   *interp.Engine
	reg   *scxml.Registry
	logs  []string // <log> output as "label: msg"
	probs []error  // the reporter's Log hook
	ended []string
}

func newHarness(t testing.TB, mod func(o *reporting.Options)) *harness {
	h := &harness{t: t, clock: interp.NewVirtualClock(epoch), port: telephony.NewMemory(telephony.MemoryOptions{Start: epoch})}
	opts := reporting.Options{
		Port:       h.port,
		Log:        func(_ string, err error) { h.probs = append(h.probs, err) },
		TenantDBID: 101,
	}
	if mod != nil {
		mod(&opts)
	}
	rep, err := reporting.New(opts)
	require.NoError(t, err)
	t.Cleanup(rep.Close)
	h.rep = rep
	h.reg = scxml.NewRegistry()
	rep.Register(h.reg)
	ecma := ecmascript.CompileWith(ecmascript.Options{Globals: func(*scxml.Document) []ecmascript.Global { return []ecmascript.Global{rep.Global()} }})
	h.eng = interp.NewEngine(interp.Options{
		Clock:         h.clock,
		Datamodels:    map[string]interp.DatamodelCompiler{"": ecma, "ecmascript": ecma, "null": interp.CompileNull},
		LoadOptions:   &scxml.Options{Registry: h.reg},
		MaxMicrosteps: 1000,
		OnDone: func(s *interp.Session) {
			h.ended = append(h.ended, s.ID())
			rep.SessionEnded(s)
		},
		Log: func(_ *interp.Session, label, msg string) { h.logs = append(h.logs, label+": "+msg) },
	})
	return h
}

// enabled are the service options of a service with reporting on.
func enabled() map[string]any {
	return map[string]any{
		"_rep_userevent_enable": "true", "_rep_userevent_dn": "REPORTING", "_rep_userevent_switch": "SIP_Switch",
	}
}

// with returns params plus more.
func with(params map[string]any, more map[string]any) map[string]any {
	out := map[string]any{}
	for k, v := range params {
		out[k] = v
	}
	for k, v := range more {
		out[k] = v
	}
	return out
}

// start loads a strategy of testdata and starts session id with params.
func (h *harness) start(name, id string, params map[string]any) *interp.Session {
	return h.startFile(filepath.Join("testdata", name), id, params)
}

// startFile loads the strategy at path and starts session id with params.
func (h *harness) startFile(path, id string, params map[string]any) *interp.Session {
	doc, err := scxml.Load(path, &scxml.Options{Registry: h.reg})
	require.NoError(h.t, err)
	c, err := h.eng.Compile(doc)
	require.NoError(h.t, err)
	s, err := h.eng.Start(c, interp.StartOptions{ID: id, Params: params})
	require.NoError(h.t, err)
	h.eng.Run()
	return s
}

// send delivers an event to session id and runs the engine.
func (h *harness) send(id, name string, data map[string]any) {
	require.NoError(h.t, h.eng.Send(id, &interp.Event{Name: name, Type: interp.External, Data: data}))
	h.eng.Run()
	h.port.Flush()
}

// advance moves the clocks forward, firing due timers.
func (h *harness) advance(d time.Duration) {
	h.clock.Advance(d)
	h.port.Advance(d)
	h.eng.Run()
	h.port.Flush()
}

// userEvents returns the UserEvent requests the port received.
func (h *harness) userEvents() []telephony.UserEvent {
	var out []telephony.UserEvent
	for _, r := range h.port.RequestsOf(telephony.KindUserEvent) {
		out = append(out, r.Body.(telephony.UserEvent))
	}
	return out
}

// attaches returns the user data requests the port received.
func (h *harness) attaches() []telephony.UserDataChange {
	var out []telephony.UserDataChange
	for _, r := range h.port.RequestsOf(telephony.KindUserData) {
		out = append(out, r.Body.(telephony.UserDataChange))
	}
	return out
}

// errorLogs returns the error.reporting lines the strategy logged.
func (h *harness) errorLogs() []string {
	var out []string
	for _, l := range h.logs {
		if len(l) > len("error.reporting: ") && l[:len("error.reporting: ")] == "error.reporting: " {
			out = append(out, l[len("error.reporting: "):])
		}
	}
	return out
}

// kvs returns m as user data in catalogue order, as UserEvents carry it.
func kvs(m map[string]any) telephony.UserData {
	keys := reporting.Default().Keys()
	pos := make(map[string]int, len(keys))
	for i, k := range keys {
		pos[k] = i
	}
	ud := make(telephony.UserData, 0, len(m))
	for k, v := range m {
		ud = append(ud, telephony.KV{Key: k, Value: v})
	}
	sort.Slice(ud, func(i, j int) bool {
		pi, ok := pos[ud[i].Key]
		if !ok {
			pi = len(keys)
		}
		pj, ok := pos[ud[j].Key]
		if !ok {
			pj = len(keys)
		}
		return pi < pj
	})
	return ud
}

// setMandatory sends events that set every mandatory KVP but the ones
// named in skip (the service id comes from the session; the offer
// duration is derived from the offered and accepted moments).
func (h *harness) setMandatory(id string, skip ...string) {
	values := []struct {
		key string
		v   any
	}{
		{"_CB_T_SERVICE_START", E},
		{"_CB_N_CALLBACK_OFFERED", 1},
		{"_CB_T_CALLBACK_OFFERED", E},
		{"_CB_T_CALLBACK_ACCEPTED", E + 5},
	}
outer:
	for _, kv := range values {
		for _, s := range skip {
			if s == kv.key {
				continue outer
			}
		}
		h.send(id, "set", map[string]any{"key": kv.key, "value": kv.v})
	}
}
