package reporting

import (
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/orca-scxml/orca/internal/box"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
)

// The service options that configure reporting, as GMS passes them to the
// session (Session.Params).
const (
	OptEnable = "_rep_userevent_enable"
	OptDN     = "_rep_userevent_dn"
	OptSwitch = "_rep_userevent_switch"
	// OptOrigin is the callback request option naming the inbound call
	// that received the offer: _CB_T_CALLBACK_OFFERED and
	// _CB_T_CALLBACK_ACCEPTED are attached to it.
	OptOrigin = "_originating_interaction_id"
	// OptServiceID is the parameter holding the GMS service id, the value
	// of _CB_SERVICE_ID (the session id when absent).
	OptServiceID = "_id"
)

// Service holds the reporting options of a callback service.
type Service struct {
	// Enable is _rep_userevent_enable: send UserEvents and attach data.
	Enable bool
	// DN is _rep_userevent_dn, the Trunk Group DN the UserEvents go to.
	DN string
	// Switch is _rep_userevent_switch ("" means the port's default).
	Switch string
}

// Options configure a Reporter.
type Options struct {
	// Port carries the UserEvents and the attached data.
	Port telephony.Port
	// Clock, when not nil, is where stamps read the time; nil means the
	// clock of the session's engine, so that virtual clocks work.
	Clock interp.Clock
	// Log receives every problem (an *Error): refused KVPs, held
	// UserEvents, clamped durations, failed port requests. It may be
	// called from the port's goroutine.
	Log func(sessionID string, err error)
	// Service is the fallback for the service options a session's params
	// do not hold (all three are read separately).
	Service Service
	// TenantDBID, when not 0, is sent as _CB_TENANT_DBID.
	TenantDBID int
	// Extra are the host's own KVPs (see NewCatalogue).
	Extra []Entry
	// Interaction returns the interaction id (the ConnID) of the call a
	// session handles, for attach operations that name none; nil means
	// they must name one.
	Interaction func(s *interp.Session) string
	// Statistics is the statistic source queuestat reads (EWT, position
	// and priority in a virtual queue); nil means there is none.
	Statistics telephony.Statistics
	// Queues returns the configuration DBID of virtual queue name, which
	// _CB_DIM_VQ_DBID, VQ_CFG_TYPE_ID and VQ_CFG_TYPE report along with
	// _CB_DIM_VQ; nil, or ok false, means the queue has none.
	Queues func(name string) (dbid int, ok bool)
}

// Held is a UserEvent that was not sent, with the reason.
type Held struct {
	SessionID string
	// Final is true for the final UserEvent, false for the start one.
	Final bool
	Event telephony.UserEvent
	Err   *Error
	// At is when it was held.
	At time.Time
}

// Reporter collects the reporting KVPs of every session of a host and
// sends them. Its methods are safe for concurrent use.
type Reporter struct {
	opts  Options
	cat   *Catalogue
	mu    sync.Mutex
	cols  map[string]*collector
	held  []Held
	refs  map[telephony.ReferenceID]pendingReq
	unsub func()
	// scratch keeps the *scratch of actions and face methods done, for
	// the next.
	scratch sync.Pool
}

// scratch is what an action's execution or a face method works in: its
// operation, its attribute values and the boxes of its string arguments,
// reused from one execution to the next rather than allocated for each,
// and held by no session between them.
type scratch struct {
	o    op
	v    []any
	strs box.Slab
}

// getScratch returns a scratch from the pool.
func (r *Reporter) getScratch() *scratch {
	if sc, _ := r.scratch.Get().(*scratch); sc != nil {
		return sc
	}
	return new(scratch)
}

// putScratch returns sc, its op cleared, to the pool.
func (r *Reporter) putScratch(sc *scratch) {
	sc.o = op{}
	r.scratch.Put(sc)
}

// pendingReq is a port request waiting for its answer.
type pendingReq struct {
	session string
	held    *Held // the UserEvent, to hold if it fails; nil for attach
	what    string
}

// New returns a reporter. It fails when an extra KVP is invalid.
func New(opts Options) (*Reporter, error) {
	cat, err := NewCatalogue(opts.Extra...)
	if err != nil {
		return nil, err
	}
	r := &Reporter{opts: opts, cat: cat, cols: make(map[string]*collector), refs: make(map[telephony.ReferenceID]pendingReq)}
	if opts.Port != nil {
		// It acts on the answers to its requests only.
		r.unsub = telephony.SubscribeEvents(opts.Port, r.handle)
	}
	return r, nil
}

// Close unsubscribes the reporter from its port.
func (r *Reporter) Close() {
	r.mu.Lock()
	unsub := r.unsub
	r.unsub = nil
	r.mu.Unlock()
	if unsub != nil {
		unsub()
	}
}

// Catalogue returns the reporter's catalogue (the built-in KVPs and the
// extra ones).
func (r *Reporter) Catalogue() *Catalogue { return r.cat }

// Held returns the UserEvents held so far, in order.
func (r *Reporter) Held() []Held {
	r.mu.Lock()
	defer r.mu.Unlock()
	return cloneHeld(r.held)
}

// TakeHeld returns the held UserEvents and forgets them.
func (r *Reporter) TakeHeld() []Held {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := cloneHeld(r.held)
	r.held = nil
	return out
}

func cloneHeld(hs []Held) []Held {
	out := slices.Clone(hs)
	for i := range out {
		out[i].Event.UserData = out[i].Event.UserData.Clone()
	}
	return out
}

// Values returns the KVPs collected for a live session, in catalogue
// order, derived durations included.
func (r *Reporter) Values(sessionID string) (telephony.UserData, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.cols[sessionID]
	if c == nil {
		return nil, false
	}
	c.derive(nil)
	return c.userData(), true
}

// SessionEnded sends the final UserEvent of session s if it used
// reporting and has not sent (or held) it yet, closing the callback out
// first (see the package documentation: the attempt in progress, the
// offer still open, a disposition, the start UserEvent), then forgets the
// session. It matches interp.Options.OnDone, so the final UserEvent goes
// out however the session ends: completion, error, cancellation (an ORS
// terminate, a shutdown) or termination through the API. Calling it
// again does nothing.
func (r *Reporter) SessionEnded(s *interp.Session) {
	r.mu.Lock()
	c := r.cols[s.ID()]
	r.mu.Unlock()
	if c == nil {
		return
	}
	o := r.begin(new(op), s, "final", zeroPos)
	if o.c.final == notSent {
		cause := endFailed
		if s.Err() == nil && s.Final() == nil {
			cause = endCancelled
		}
		o.closeOut(cause)
		o.send(true)
	}
	delete(r.cols, s.ID())
	o.end()
}

// handle follows the answers to the reporter's requests: a failed
// UserEvent is held, a failed attach logged.
func (r *Reporter) handle(ev telephony.Event) {
	if ev.ReferenceID == 0 {
		return
	}
	r.mu.Lock()
	p, ok := r.refs[ev.ReferenceID]
	if !ok {
		r.mu.Unlock()
		return
	}
	delete(r.refs, ev.ReferenceID)
	if ev.Type != telephony.EventError {
		r.mu.Unlock()
		return
	}
	e := &Error{Session: p.session, Op: p.what, Reason: PortFailure,
		Msg: fmt.Sprintf("the port answered error %d: %s", ev.ErrorCode, ev.ErrorMessage)}
	if p.held != nil {
		h := *p.held
		h.Err, h.At = e, ev.Time
		r.held = append(r.held, h)
	}
	r.mu.Unlock()
	r.log(p.session, e)
}

func (r *Reporter) log(sessionID string, err error) {
	if r.opts.Log != nil {
		r.opts.Log(sessionID, err)
	}
}

// now returns the time stamps read for session s.
func (r *Reporter) now(s *interp.Session) time.Time {
	if r.opts.Clock != nil {
		return r.opts.Clock.Now()
	}
	return s.Engine().Clock().Now()
}
