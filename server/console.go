package server

import (
	"context"
	"fmt"
	"net/http"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/orca-scxml/orca/console"
	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/templates"
	"github.com/orca-scxml/orca/trace"
)

// ConsoleConfig is the web console the server mounts at "/" (see
// docs/console.md).
type ConsoleConfig struct {
	// Enable turns the console on or off; left out, it is on when the
	// server listens on loopback only.
	Enable *bool `yaml:"enable"`
	// History bounds what is kept of each session's macrosteps.
	History ConsoleHistory `yaml:"history"`
	// KeepEnded is the number of ended sessions the console keeps, with
	// their history (DefaultConsoleKeepEnded when 0, none when -1).
	KeepEnded int `yaml:"keep_ended"`
	// ReportsURL is the Info Mart reports the console links to; left
	// out, /infomart/ when the server serves it there.
	ReportsURL string `yaml:"reports_url"`
}

// ConsoleHistory bounds the recorded macrosteps.
type ConsoleHistory struct {
	// Steps and Bytes bound the macrosteps kept per session, the oldest
	// going first (console.DefaultSteps and console.DefaultBytes when 0).
	Steps int           `yaml:"steps"`
	Bytes host.ByteSize `yaml:"bytes"`
	// Total bounds the history of all sessions together: beyond it, the
	// sessions recorded least recently lose their oldest steps first
	// (DefaultConsoleTotal when 0, no bound when -1).
	Total host.ByteSize `yaml:"total"`
	// Datamodel records the data model after each macrostep (true when
	// left out).
	Datamodel *bool `yaml:"datamodel"`
}

// Defaults of the console.
const (
	DefaultConsoleKeepEnded = 1000
	DefaultConsoleTotal     = 1 << 30
)

// enabled says whether the server mounts the console.
func (c ConsoleConfig) enabled(listen string) bool {
	if c.Enable != nil {
		return *c.Enable
	}
	loop, _ := loopbackOnly(listen)
	return loop
}

// validateConsole checks the console section.
func (c Config) validateConsole() []error {
	var errs []error
	k := c.Console
	if k.KeepEnded < -1 {
		errs = append(errs, fmt.Errorf("console.keep_ended %d: want a number of sessions, or -1 for none", k.KeepEnded))
	}
	if k.History.Steps < 0 {
		errs = append(errs, fmt.Errorf("console.history.steps %d: must not be negative", k.History.Steps))
	}
	if k.History.Bytes < 0 {
		errs = append(errs, fmt.Errorf("console.history.bytes %v: must not be negative", k.History.Bytes))
	}
	if k.History.Total < -1 {
		errs = append(errs, fmt.Errorf("console.history.total %v: want a size, or -1 for no bound", k.History.Total))
	}
	return errs
}

// consoleFeed keeps the console's index of sessions (console.Memory) up
// to date from the host's hooks, the callback table and the requests the
// sessions make of the telephony port, and serves the console.
type consoleFeed struct {
	s         *Server
	mem       *console.Memory
	rec       *console.Recorder
	datamodel bool
	handler   http.Handler
	// stop ends the console's event streams when the server shuts down,
	// so that the HTTP server's Shutdown does not wait for them.
	stop   context.Context
	cancel context.CancelFunc
	tap    portTap
}

// newConsoleFeed makes the console's index, or returns nil when the
// console is off.
func (s *Server) newConsoleFeed() *consoleFeed {
	k := s.cfg.Console
	if !k.enabled(s.cfg.Listen) {
		return nil
	}
	total := int64(k.History.Total)
	switch total {
	case 0:
		total = DefaultConsoleTotal
	case -1:
		total = 0
	}
	keep := k.KeepEnded
	if keep == 0 {
		keep = DefaultConsoleKeepEnded
	}
	mem := console.NewMemory(console.MemoryOptions{KeepEnded: keep, Recorder: console.RecorderOptions{
		Steps: k.History.Steps, Bytes: int(k.History.Bytes), Total: total,
	}})
	f := &consoleFeed{s: s, mem: mem, rec: mem.Recorder(), datamodel: k.History.Datamodel == nil || *k.History.Datamodel}
	f.stop, f.cancel = context.WithCancel(context.Background())
	return f
}

// attach adds the feed's hooks to the host, after the server's own: a
// session's end is filed once sessionDone has sent its final UserEvent.
func (f *consoleFeed) attach(h *host.Host) {
	h.OnStart(f.started)
	h.OnRestore(f.started)
	h.OnMacrostep(f.macrostep)
	h.OnError(func(sess *interp.Session, err error) { f.rec.Error(sess.ID(), err) })
	h.OnDone(f.done)
}

// started adds a session to the index: its service, document and, for a
// GMS callback, the callback's id, state and customer number. A session
// the index knows already (one a store brought back into memory) keeps
// its summary and history.
func (f *consoleFeed) started(sess *interp.Session) {
	id := sess.ID()
	if f.mem.Has(id) {
		return
	}
	doc := sess.Chart().Document()
	sum := console.Summary{ID: id, Document: docName(doc.Name, doc.File), Started: f.s.clock.Now()}
	if c, ok := f.s.callbacks.Get(id); ok {
		sum.Service, sum.CallbackID, sum.CallbackState, sum.CustomerNumber = c.Service, c.ID, c.State, c.CustomerNumber
	}
	f.mem.Start(sum, doc)
}

// docName names a document for the list: its name attribute, else its
// file's name.
func docName(name, file string) string {
	if name != "" || file == "" {
		return name
	}
	return path.Base(strings.ReplaceAll(file, "\\", "/"))
}

// macrostep records a completed macrostep: the UserEvents and attached
// data the port was asked for meanwhile, the configuration, the data
// model, the delayed sends and the function modules' requests pending.
func (f *consoleFeed) macrostep(sess *interp.Session, ev *interp.Event) {
	f.tap.file(f)
	st := trace.Of(sess, ev, f.s.clock.Now(), f.datamodel)
	for _, r := range f.s.rt.Requests(sess.ID()) {
		st.Requests = append(st.Requests, trace.Request{ID: r.ID, Kind: r.Kind(), Detail: r.Detail()})
	}
	f.rec.Record(sess.ID(), st)
}

// done files a session's end: what ending produced (its final UserEvent
// among it), its state and the callback's.
func (f *consoleFeed) done(sess *interp.Session) {
	f.tap.file(f)
	id, now := sess.ID(), f.s.clock.Now()
	f.rec.End(id, now, sess.Final() == nil)
	c, isCallback := f.s.callbacks.Get(id)
	f.mem.Update(id, func(sum *console.Summary) {
		sum.State, sum.Ended = console.StateEnded, now
		if isCallback {
			sum.CallbackState = c.State
		}
	})
}

// log records a <log> line.
func (f *consoleFeed) log(sess *interp.Session, label, msg string) { f.rec.Log(sess.ID(), label, msg) }

// strategyLog records an ORS __Log line, and the callback's state when
// the line changes it.
func (f *consoleFeed) strategyLog(sess *interp.Session, msg, callbackState string) {
	f.rec.Log(sess.ID(), "", msg)
	if callbackState != "" {
		f.mem.Update(sess.ID(), func(sum *console.Summary) { sum.CallbackState = callbackState })
	}
}

// onSend is the engines' OnSend: nil unless the console records sends.
func (s *Server) onSend() func(*interp.Session, *interp.Event, string, string, time.Duration) {
	if s.console == nil {
		return nil
	}
	return s.console.sent
}

// sent records an event a session sent (interp.Options.OnSend).
func (f *consoleFeed) sent(sess *interp.Session, ev *interp.Event, target, typ string, delay time.Duration) {
	f.rec.Sent(sess.ID(), trace.SendOf(ev, target, typ, delay, f.s.clock.Now()))
}

// metrics writes what the console's history holds.
func (f *consoleFeed) metrics(b *metricWriter) {
	st := f.rec.Stats()
	b.gauge("orca_console_history_sessions", "Sessions whose macrosteps the console keeps.", float64(st.Sessions))
	b.gauge("orca_console_history_steps", "Macrosteps the console keeps, of all sessions.", float64(st.Steps))
	b.gauge("orca_console_history_bytes", "Estimated size of the macrosteps the console keeps (bounded by console.history.total).", float64(st.Bytes))
}

// mount adds the console's routes to mux, whose own routes (the ORS and
// GMS API, ...) keep their paths, and links the Info Mart reports when
// the configuration names them or mux serves them at /infomart/.
func (f *consoleFeed) mount(mux *http.ServeMux) {
	reports := f.s.cfg.Console.ReportsURL
	if reports == "" {
		if req, err := http.NewRequest(http.MethodGet, "/infomart/", nil); err == nil {
			if _, pattern := mux.Handler(req); pattern != "" {
				reports = "/infomart/"
			}
		}
	}
	f.handler = console.NewHandler(console.Options{Source: f.mem, ReportsURL: reports, Title: "Orca console",
		CallbackStates: templates.States()})
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		ctx, cancel := context.WithCancel(r.Context())
		defer cancel()
		stop := context.AfterFunc(f.stop, cancel)
		defer stop()
		f.handler.ServeHTTP(w, r.WithContext(ctx))
	})
	for _, p := range console.Patterns() {
		mux.Handle(p, h)
	}
}

// Unwrap gives http.ResponseController the writer under a statusWriter,
// so that the console's event streams can flush and set their deadlines.
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

// portTap collects the UserEvents and attached data the sessions ask the
// telephony port for, until the hook of a macrostep (or of a session's
// end) files them with the session's history. The port is called with
// the function modules' lock held, so the tap only appends; the owner of
// an interaction is looked up when filing.
type portTap struct {
	mu   sync.Mutex // guards reqs
	reqs []tapped
	// filing serialises file: a hook that files finds every request made
	// before it filed, even those another hook took first.
	filing sync.Mutex
}

// tapped is one request: a UserEvent or an attach.
type tapped struct {
	session  string // "" when the interaction's owner says
	conn     string
	dn       string
	data     map[string]any
	attached bool
}

func (t *portTap) add(x tapped) {
	t.mu.Lock()
	t.reqs = append(t.reqs, x)
	t.mu.Unlock()
}

// userEvent taps a UserEvent. The reporter keys its UserEvents
// "<session>-<start|final>-<n>"; others are filed by their call's owner.
func (t *portTap) userEvent(r telephony.UserEvent) {
	x := tapped{conn: string(r.ConnID), dn: r.ThisDN, data: userData(r.UserData)}
	if i := strings.LastIndexByte(r.Key, '-'); i > 0 {
		if j := strings.LastIndexByte(r.Key[:i], '-'); j > 0 {
			x.session = r.Key[:j]
		}
	}
	t.add(x)
}

// attached taps an attach or update of a call's user data.
func (t *portTap) attached(r telephony.UserDataChange) {
	if r.Op == telephony.Delete {
		return
	}
	t.add(tapped{conn: string(r.ConnID), dn: r.ThisDN, data: userData(r.UserData), attached: true})
}

func userData(ud telephony.UserData) map[string]any {
	m := make(map[string]any, len(ud))
	for _, kv := range ud {
		m[kv.Key] = kv.Value
	}
	return m
}

// file hands the requests tapped so far to the recorder.
func (t *portTap) file(f *consoleFeed) {
	t.filing.Lock()
	defer t.filing.Unlock()
	t.mu.Lock()
	reqs := t.reqs
	t.reqs = nil
	t.mu.Unlock()
	for _, x := range reqs {
		id := x.session
		if id == "" && x.conn != "" {
			id = f.s.rt.Owner(x.conn)
		}
		if id == "" {
			continue
		}
		u := trace.UserData{Interaction: x.conn, DN: x.dn, Data: x.data}
		if x.attached {
			f.rec.Attached(id, u)
		} else {
			f.rec.UserEvent(id, u)
		}
	}
}

// UpdateUserData passes the request on and, for the console, taps it.
func (p *hostPort) UpdateUserData(r telephony.UserDataChange) (telephony.ReferenceID, error) {
	ref, err := p.Port.UpdateUserData(r)
	if err == nil && p.tap != nil {
		p.tap.attached(r)
	}
	return ref, err
}
