package console_test

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/dop251/goja"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/console"
	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/templates"
	"github.com/orca-scxml/orca/templates/reporting"
	"github.com/orca-scxml/orca/trace"
)

// driver runs callback sessions of the real templates on a virtual clock
// against the in-memory telephony port, as the templates' tests do, and
// records every macrostep into a Memory through its Recorder, as a server
// does from its host's hooks. One goroutine owns the engine: HTTP handlers
// hand it work through do.
type driver struct {
	t     *testing.T
	mem   *console.Memory
	clock *interp.VirtualClock
	port  *telephony.Memory
	rt    *ors.Runtime
	host  *host.Host
	eng   *interp.Engine
	docs  map[*interp.Chart]*scxml.Document
	owner string
	seen  int // port requests already filed
	work  chan func()
	done  chan struct{}
}

func newDriver(t *testing.T, mem *console.Memory) *driver {
	d := &driver{t: t, mem: mem, clock: interp.NewVirtualClock(epoch),
		port: telephony.NewMemory(telephony.MemoryOptions{Start: epoch}), docs: map[*interp.Chart]*scxml.Document{},
		work: make(chan func()), done: make(chan struct{})}
	rep, err := reporting.New(reporting.Options{Port: d.port, TenantDBID: 101})
	require.NoError(t, err)
	t.Cleanup(rep.Close)
	rec := mem.Recorder()
	d.rt = ors.New(ors.Options{
		Port: d.port, Deliver: func(id string, ev *interp.Event) { _ = d.host.Send(id, ev) },
		Assign: func(ors.Interaction) string { return d.owner },
		Log:    func(s *interp.Session, msg string) { d.log(s.ID(), "", msg) },
		Config: ors.Config{Tenant: "Environment", TenantID: 101, ServerName: "ORS_1", Switch: "SIP_Switch"},
		Setup:  []func(*goja.Runtime, interp.System, *scxml.Document) error{rep.Setup},
	})
	t.Cleanup(d.rt.Close)
	rep.Register(d.rt.Registry())
	d.host, err = host.New(host.Config{Clock: d.clock, Participants: []host.Participant{d.port}, Engine: interp.Options{
		Datamodels: d.rt.Datamodels(), LoadOptions: d.rt.LoadOptions(),
		Log:         func(s *interp.Session, label, msg string) { d.log(s.ID(), label, msg) },
		OnError:     func(s *interp.Session, err error) { rec.Error(s.ID(), err) },
		OnMacrostep: d.macrostep,
		OnDone: func(s *interp.Session) {
			d.rt.SessionDone(s)
			rep.SessionEnded(s)
			mem.End(s.ID(), d.clock.Now())
		},
	}})
	require.NoError(t, err)
	t.Cleanup(d.host.Close)
	d.eng = d.host.Engine()
	go d.run()
	t.Cleanup(func() { close(d.done) })
	return d
}

// run is the engine's goroutine.
func (d *driver) run() {
	for {
		select {
		case f := <-d.work:
			f()
		case <-d.done:
			return
		}
	}
}

// do runs f on the engine's goroutine and waits for it.
func (d *driver) do(f func()) {
	ok := make(chan struct{})
	d.work <- func() { f(); close(ok) }
	<-ok
}

// log records a log line, and the callback's state when the template logs
// its change (_callback_state=STATE ...).
func (d *driver) log(id, label, msg string) {
	d.mem.Recorder().Log(id, label, msg)
	if rest, ok := strings.CutPrefix(msg, "_callback_state="); ok {
		state, _, _ := strings.Cut(rest, " ")
		d.mem.Update(id, func(s *console.Summary) { s.CallbackState = state })
	}
}

// macrostep records a completed macrostep: what the port was asked to
// report during it, then the step itself.
func (d *driver) macrostep(s *interp.Session, ev *interp.Event) {
	rec := d.mem.Recorder()
	reqs := d.port.Requests()
	for _, r := range reqs[d.seen:] {
		switch b := r.Body.(type) {
		case telephony.UserEvent:
			rec.UserEvent(s.ID(), trace.UserData{DN: b.ThisDN, Interaction: string(b.ConnID), Data: kvs(b.UserData)})
		case telephony.UserDataChange:
			rec.Attached(s.ID(), trace.UserData{Interaction: string(b.ConnID), Data: kvs(b.UserData)})
		}
	}
	d.seen = len(reqs)
	st := &trace.Step{Time: d.clock.Now(), Atomic: s.Atomic(), Active: s.Active(), Final: s.Final() != nil,
		Datamodel: trace.Snapshot(s.Chart().Document(), s.Datamodel())}
	if ev != nil {
		st.Event = &trace.Event{Name: ev.Name, Type: ev.Type.String(), Origin: ev.Origin, OriginType: ev.OriginType,
			SendID: ev.SendID, InvokeID: ev.InvokeID, Data: trace.Value(ev.Data)}
	}
	rec.Record(s.ID(), st)
}

func kvs(ud telephony.UserData) map[string]any {
	m := make(map[string]any, len(ud))
	for _, kv := range ud {
		m[kv.Key] = kv.Value
	}
	return m
}

// start starts a callback of template for customer, with service options
// opts and request params, and settles.
func (d *driver) start(service, template string, opts, params map[string]string) string {
	var id string
	d.do(func() {
		doc, err := templates.Load(template, d.rt.LoadOptions())
		require.NoError(d.t, err)
		c, err := d.eng.Compile(doc)
		require.NoError(d.t, err)
		svc, err := templates.LoadService(service, template, opts)
		require.NoError(d.t, err)
		req, err := templates.ParseRequest(params)
		require.NoError(d.t, err)
		cbID := templates.NewID()
		// The console hears of the session before it runs, as from a
		// host's OnStart hook.
		d.mem.Start(console.Summary{ID: cbID, Service: service, Document: doc.Name, CallbackID: cbID,
			CustomerNumber: req.CustomerNumber, Started: d.clock.Now()}, doc)
		s, err := svc.Start(d.eng, c, cbID, req)
		require.NoError(d.t, err)
		require.Equal(d.t, cbID, s.ID())
		d.owner = s.ID()
		require.NoError(d.t, d.host.Settle())
		id = s.ID()
	})
	return id
}

// send queues an external event on session id and settles.
func (d *driver) send(id string, ev *interp.Event) error {
	var err error
	d.do(func() {
		if err = d.eng.Send(id, ev); err == nil {
			err = d.host.Settle()
		}
	})
	return err
}

// api serves what the console's actions call in this test: the ORS event
// and terminate endpoints and the GMS callback cancel, forwarding to the
// running session. (orca serve implements them in full.)
func (d *driver) api(mux *http.ServeMux) {
	answer := func(w http.ResponseWriter, err error) {
		if err != nil {
			http.Error(w, err.Error(), http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"status":"queued"}`))
	}
	mux.HandleFunc("POST /scxml/session/{id}/event/{name}", func(w http.ResponseWriter, r *http.Request) {
		var data map[string]any
		if r.ContentLength != 0 {
			if err := json.NewDecoder(r.Body).Decode(&data); err != nil {
				http.Error(w, "malformed JSON body: "+err.Error(), http.StatusBadRequest)
				return
			}
		}
		ev := &interp.Event{Name: r.PathValue("name"), Type: interp.External}
		if data != nil {
			ev.Data = data
		}
		answer(w, d.send(r.PathValue("id"), ev))
	})
	mux.HandleFunc("POST /scxml/session/{id}/terminate", func(w http.ResponseWriter, r *http.Request) {
		var err error
		d.do(func() { err = d.eng.Cancel(r.PathValue("id")) })
		answer(w, err)
	})
	mux.HandleFunc("DELETE /genesys/1/service/callback/{service}/{id}", func(w http.ResponseWriter, r *http.Request) {
		answer(w, d.send(r.PathValue("id"), &interp.Event{Name: "callback.cancel", Type: interp.External}))
	})
}

// advance moves the virtual clock by dur, settling on the way.
func (d *driver) advance(dur time.Duration) {
	d.do(func() { require.NoError(d.t, d.host.Advance(dur)) })
}
