package reporting

import (
	"cmp"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// LocalKey is the session local (interp.Session.Local) through which a
// snapshot keeps what the reporter collected for a session: the KVPs and
// when each was set, the dial attempts, what was already attached to
// which call, whether the start and final UserEvents were sent, and the
// UserEvents held or waiting for the port's answer. It is an
// interp.Persistent; a session taken out of memory (hibernated) leaves
// nothing in the reporter.
const LocalKey = "reporting"

// sessionLocal is the reporter's local of one session.
type sessionLocal struct {
	r  *Reporter
	id string
}

// Track gives session s the reporter's local (LocalKey), through which a
// snapshot keeps what the reporter collects for it. Hosts that persist
// sessions call it from their start and restore hooks
// (host.Host.OnStart and OnRestore).
func (r *Reporter) Track(s *interp.Session) {
	if s.Local(LocalKey) == nil {
		s.SetLocal(LocalKey, &sessionLocal{r: r, id: s.ID()})
	}
}

// collected is a collector as a snapshot keeps it, as Restore reads it
// (Persist writes the same form by hand: see appendCollector). Values are
// in interp.MarshalValue's form, so that integers stay integers.
type collected struct {
	Service    Service                               `json:"service"`
	Values     map[string]json.RawMessage            `json:"values,omitempty"`
	At         map[string]int64                      `json:"at,omitempty"`
	Dials      int                                   `json:"dials,omitempty"`
	DialAt     int64                                 `json:"dialAt,omitempty"`
	Dialing    bool                                  `json:"dialing,omitempty"`
	Pending    string                                `json:"pending,omitempty"`
	AttemptAt  int64                                 `json:"attemptAt,omitempty"`
	AttemptOf  map[string]int64                      `json:"attemptOf,omitempty"`
	Params     []string                              `json:"params,omitempty"`
	State      string                                `json:"state,omitempty"`
	Late       bool                                  `json:"late,omitempty"`
	Origin     string                                `json:"origin,omitempty"`
	OriginKeys []string                              `json:"originKeys,omitempty"`
	Attached   map[string]map[string]json.RawMessage `json:"attached,omitempty"`
	Sends      int                                   `json:"sends,omitempty"`
	Start      sendState                             `json:"start,omitempty"`
	Final      sendState                             `json:"final,omitempty"`
	Held       []heldRecord                          `json:"held,omitempty"`
	Refs       []refRecord                           `json:"refs,omitempty"`
}

// heldRecord is a held UserEvent; its user data is in the bus's typed
// form.
type heldRecord struct {
	Final    bool            `json:"final,omitempty"`
	Key      string          `json:"key,omitempty"`
	ThisDN   string          `json:"thisdn,omitempty"`
	Switch   string          `json:"switch,omitempty"`
	UserData json.RawMessage `json:"udata,omitempty"`
	Err      *Error          `json:"err,omitempty"`
	At       time.Time       `json:"at,omitzero"`
}

// refRecord is a request waiting for the port's answer.
type refRecord struct {
	Ref  telephony.ReferenceID `json:"ref"`
	What string                `json:"what,omitempty"`
	Held *heldRecord           `json:"held,omitempty"`
}

// Persist returns what the reporter collected for the session (nothing
// before its first reporting operation).
func (l *sessionLocal) Persist() ([]byte, error) {
	r := l.r
	r.mu.Lock()
	defer r.mu.Unlock()
	c := r.cols[l.id]
	if c == nil {
		return nil, nil
	}
	var held []heldRecord
	for i := range r.held {
		if h := &r.held[i]; h.SessionID == l.id {
			rec, err := newHeldRecord(h)
			if err != nil {
				return nil, fmt.Errorf("reporting: session %s: %w", l.id, err)
			}
			held = append(held, rec)
		}
	}
	var refs []refRecord
	for ref, p := range r.refs {
		if p.session != l.id {
			continue
		}
		rec := refRecord{Ref: ref, What: p.what}
		if p.held != nil {
			h, err := newHeldRecord(p.held)
			if err != nil {
				return nil, fmt.Errorf("reporting: session %s: %w", l.id, err)
			}
			rec.Held = &h
		}
		refs = append(refs, rec)
	}
	slices.SortFunc(refs, func(a, b refRecord) int { return cmp.Compare(a.Ref, b.Ref) })
	// Each value takes some 100 bytes: its key in "at" and "values", and
	// in "attemptOf" once attempts start.
	b, err := c.appendJSON(make([]byte, 0, 512+128*len(c.vals)), held, refs)
	if err != nil {
		return nil, fmt.Errorf("reporting: session %s: %w", l.id, err)
	}
	return b, nil
}

func newHeldRecord(h *Held) (heldRecord, error) {
	rec := heldRecord{Final: h.Final, Key: h.Event.Key, ThisDN: h.Event.ThisDN, Switch: h.Event.Switch, Err: h.Err, At: h.At}
	if h.Event.UserData != nil {
		ud, err := wire.MarshalUserData(h.Event.UserData)
		if err != nil {
			return rec, err
		}
		rec.UserData = ud
	}
	return rec, nil
}

func (rec *heldRecord) held(id string) (Held, error) {
	h := Held{SessionID: id, Final: rec.Final, Err: rec.Err, At: rec.At,
		Event: telephony.UserEvent{Key: rec.Key, ThisDN: rec.ThisDN, Switch: rec.Switch}}
	if len(rec.UserData) > 0 {
		ud, err := wire.UnmarshalUserData(rec.UserData)
		if err != nil {
			return h, err
		}
		h.Event.UserData = ud
	}
	return h, nil
}

// Restore gives the reporter back what it had collected for the session.
// A collector the reporter still holds (the session never left this
// process) is newer and stays.
func (l *sessionLocal) Restore(data []byte) error {
	if len(data) == 0 {
		return nil
	}
	var in collected
	if err := json.Unmarshal(data, &in); err != nil {
		return fmt.Errorf("reporting: session %s: %w", l.id, err)
	}
	r := l.r
	c, err := in.collector(l.id, r.cat)
	if err != nil {
		return fmt.Errorf("reporting: session %s: %w", l.id, err)
	}
	var held []Held
	for i := range in.Held {
		h, err := in.Held[i].held(l.id)
		if err != nil {
			return fmt.Errorf("reporting: session %s: %w", l.id, err)
		}
		held = append(held, h)
	}
	refs := make(map[telephony.ReferenceID]pendingReq, len(in.Refs))
	for _, rr := range in.Refs {
		p := pendingReq{session: l.id, what: rr.What}
		if rr.Held != nil {
			h, err := rr.Held.held(l.id)
			if err != nil {
				return fmt.Errorf("reporting: session %s: %w", l.id, err)
			}
			p.held = &h
		}
		refs[rr.Ref] = p
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.cols[l.id] != nil {
		return nil
	}
	r.cols[l.id] = c
	if !slices.ContainsFunc(r.held, func(h Held) bool { return h.SessionID == l.id }) {
		r.held = append(r.held, held...)
	}
	for ref, p := range refs {
		if _, ok := r.refs[ref]; !ok {
			r.refs[ref] = p
		}
	}
	return nil
}

// Evict forgets the session's collector when the session leaves memory
// (its snapshot keeps it). Held UserEvents stay listed, and the answers
// the session waits for stay followed.
func (l *sessionLocal) Evict() {
	l.r.mu.Lock()
	delete(l.r.cols, l.id)
	l.r.mu.Unlock()
}
