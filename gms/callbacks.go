package gms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"slices"
	"sync/atomic"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/templates"
)

// Path is where the callback API is served: POST Path/{service} starts a
// callback, Path/{service}/{id} is one.
const Path = "/genesys/1/service/callback"

// Sessions is what the callback API needs of the host that runs sessions.
type Sessions interface {
	// Start starts a session of chart with so now; the session has run
	// its first macrostep when Start returns. An error with a method
	// HTTPStatus() int keeps that status in the answer (503 while the
	// host shuts down, 429 at its maximum of sessions: GMS's
	// CallbackExceptionServiceUnavailable); other errors answer 500.
	Start(chart *interp.Chart, so interp.StartOptions) error
	// Send hands ev to session id. It never blocks; an event for a
	// session that no longer exists is dropped by the host (and counted).
	Send(id string, ev *interp.Event)
	// Live reports whether session id runs, or is kept out of memory.
	Live(id string) bool
	// Durable waits until session id's last snapshot is stored, so that
	// a start the API answers survives a crash that follows. Without
	// persistence it returns at once.
	Durable(ctx context.Context, id string)
}

// Virtuals makes and releases the virtual interactions with which
// agent-first callbacks reserve their agent (ors.Runtime implements it).
type Virtuals interface {
	// CreateVirtual gives session owner the virtual interaction x.
	CreateVirtual(owner string, x ors.Interaction) (string, error)
	// ReleaseVirtual ends virtual interaction id, reporting whether there
	// was one.
	ReleaseVirtual(id string) bool
}

// Limits bound what a callback request, and a service's options, may ask
// for.
type Limits struct {
	// MaxDesiredDelay is how far in the future a _desired_time may be
	// (callbacks.max_desired_delay).
	MaxDesiredDelay time.Duration
	// MaxDuration bounds every duration option and parameter
	// (callbacks.max_duration).
	MaxDuration time.Duration
}

// Options configure New.
type Options struct {
	// Services are the callback services, by name (Service.Name).
	Services []*Service
	// Sessions runs the callbacks' sessions; it is required.
	Sessions Sessions
	// Virtuals makes the virtual interactions of callbacks that reserve
	// an agent first; a service that needs one cannot start callbacks
	// without it.
	Virtuals Virtuals
	// Clock is the sessions' time; nil means the wall clock.
	Clock interp.Clock
	// Limits bound the requests; both must be positive.
	Limits Limits
	// Retention is how long an ended callback stays listed.
	Retention time.Duration
	// URL returns the absolute URL of a path of this server, for a
	// callback's _url; nil leaves the path as it is.
	URL func(path string) string
	// Keep, when set, is given the record of each callback as it ends
	// (JSON, what Restore takes back), before its session's snapshot is
	// deleted, so that a store beyond the process keeps it for the
	// retention. It runs on the session's goroutine and must not block.
	Keep func(id string, record []byte)
}

// Stats are the counters of a Callbacks.
type Stats struct {
	// Requested counts the callbacks started through the API.
	Requested uint64
}

// Callbacks is the GMS callback API: the services, the callbacks
// requested through them, and the handlers that serve them (Register).
// Its methods are safe for concurrent use.
type Callbacks struct {
	services map[string]*Service
	// byDoc are the services' charts by their document's file.
	byDoc     map[string]*interp.Chart
	sessions  Sessions
	virtuals  Virtuals
	clock     interp.Clock
	limits    Limits
	url       func(string) string
	keep      func(id string, record []byte)
	requests  *templates.RequestParser
	durations []templates.Option // durationOptions
	table     table
	requested atomic.Uint64
}

// New returns the callback API of o.Services.
func New(o Options) (*Callbacks, error) {
	if o.Sessions == nil {
		return nil, errors.New("gms: Options.Sessions is required")
	}
	if o.Limits.MaxDesiredDelay <= 0 || o.Limits.MaxDuration <= 0 {
		return nil, fmt.Errorf("gms: Options.Limits: MaxDesiredDelay (%v) and MaxDuration (%v) must be positive", o.Limits.MaxDesiredDelay, o.Limits.MaxDuration)
	}
	c := &Callbacks{
		services: make(map[string]*Service, len(o.Services)),
		sessions: o.Sessions, virtuals: o.Virtuals, clock: o.Clock,
		limits: o.Limits, url: o.URL, keep: o.Keep, requests: templates.NewRequestParser(),
		durations: durationOptions(),
		table:     table{m: make(map[string]*Callback), retention: o.Retention},
	}
	if c.clock == nil {
		c.clock = interp.RealClock{}
	}
	if c.url == nil {
		c.url = func(path string) string { return path }
	}
	for _, sv := range o.Services {
		if sv == nil || sv.Service == nil || sv.Chart == nil {
			return nil, errors.New("gms: a service without its options or chart")
		}
		if _, dup := c.services[sv.Name]; dup {
			return nil, fmt.Errorf("gms: service %q given twice", sv.Name)
		}
		if err := o.Limits.CheckService(sv.Name, sv.Options); err != nil {
			return nil, fmt.Errorf("gms: %w", err)
		}
		if o.Virtuals == nil && templates.ReservesAgent(sv.Template, func(k string) any { return sv.Options[k] }) {
			return nil, fmt.Errorf("gms: service %q reserves an agent first: Options.Virtuals is required", sv.Name)
		}
		c.services[sv.Name] = sv
	}
	c.byDoc = make(map[string]*interp.Chart, len(c.services))
	for _, sv := range c.Services() {
		if f := sv.Chart.Document().File; c.byDoc[f] == nil {
			c.byDoc[f] = sv.Chart // the first service's by name
		}
	}
	return c, nil
}

// Service returns the service called name, nil if there is none.
func (c *Callbacks) Service(name string) *Service { return c.services[name] }

// Services returns the services, by name.
func (c *Callbacks) Services() []*Service {
	out := make([]*Service, 0, len(c.services))
	for _, name := range slices.Sorted(maps.Keys(c.services)) {
		out = append(out, c.services[name])
	}
	return out
}

// Chart returns the chart of the service whose document is the file doc
// (a snapshot names its document), nil if no service's is.
func (c *Callbacks) Chart(doc string) *interp.Chart { return c.byDoc[doc] }

// Get returns a copy of callback id: live, or ended within the
// retention.
func (c *Callbacks) Get(id string) (Callback, bool) { return c.table.get(id, c.clock.Now()) }

// Find returns copies of the callbacks of a customer number, in state
// (any when ""), earliest desired time first.
func (c *Callbacks) Find(number, state string) []Callback {
	return c.table.find(c.clock.Now(), number, state)
}

// URL returns the _url of callback cb: its resource in this API.
func (c *Callbacks) URL(cb *Callback) string {
	return c.url(Path + "/" + cb.Service + "/" + cb.ID)
}

// Fields returns callback cb as the API answers it (Callback.Fields with
// its URL).
func (c *Callbacks) Fields(cb *Callback) map[string]string { return cb.Fields(c.URL(cb)) }

// answer returns the callbacks as the API answers them.
func (c *Callbacks) answer(list []Callback) []map[string]string {
	out := make([]map[string]string, len(list))
	for i := range list {
		out[i] = c.Fields(&list[i])
	}
	return out
}

// Stats returns the counters.
func (c *Callbacks) Stats() Stats { return Stats{Requested: c.requested.Load()} }

// SessionEnded marks the callback of session id, if it serves one, as
// ended (COMPLETED, CANCELLED unless its strategy gave a reason), hands
// its record to Options.Keep and releases its virtual interaction. The
// host calls it when a session ends, before it deletes the session's
// snapshot.
func (c *Callbacks) SessionEnded(id string) {
	cb, ok := c.table.ended(id, c.clock.Now())
	if !ok {
		return
	}
	if c.keep != nil {
		if data, err := json.Marshal(&cb); err == nil {
			c.keep(id, data)
		}
	}
	if cb.Virtual != "" && c.virtuals != nil {
		// The runtime releases a session's interactions when it ends,
		// unless this one was made after.
		c.virtuals.ReleaseVirtual(cb.Virtual)
	}
}

// StrategyLog reads a line session id logged through ORS's __Log: the
// templates log each change of their lifecycle (templates.ParseStateLog),
// which becomes the callback's state and reason. It returns the new
// state, "" for another line.
func (c *Callbacks) StrategyLog(id, msg string) (state string) {
	state, reason, ok := templates.ParseStateLog(msg)
	if !ok {
		return ""
	}
	c.table.update(id, func(cb *Callback) {
		cb.State = state
		if reason != "" {
			cb.Reason = reason
		}
	})
	return state
}

// Assign is ors.Options.Assign: it gives a call nobody asked for to the
// callback it belongs to, found by the service id in its user data
// (_CB_SERVICE_ID or _id), else, for a user-originated callback waiting
// for the customer's call, by the caller's number.
func (c *Callbacks) Assign(ixn ors.Interaction) string {
	for _, key := range []string{"_CB_SERVICE_ID", "_id"} {
		if id := ixn.UserData.String(key); id != "" && c.sessions.Live(id) {
			return id
		}
	}
	if ixn.ANI == "" {
		return ""
	}
	for _, cb := range c.table.find(c.clock.Now(), ixn.ANI, templates.StateQueued) {
		if cb.UserOriginated && cb.Ended.IsZero() && c.sessions.Live(cb.ID) {
			return cb.ID
		}
	}
	return ""
}
