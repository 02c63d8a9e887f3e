package reporting

import (
	"encoding/json"
	"fmt"
	"maps"
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

// collected is a collector as a snapshot keeps it. Values are in
// interp.MarshalValue's form, so that integers stay integers.
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
	out := collected{Service: c.svc, At: maps.Clone(c.at), Dials: c.dials, DialAt: c.dialAt, Dialing: c.dialing,
		Pending: c.pending, AttemptAt: c.attemptAt, AttemptOf: maps.Clone(c.attemptOf), State: c.state, Late: c.late,
		Origin: c.origin, OriginKeys: slices.Clone(c.originKeys), Sends: c.sends, Start: c.start, Final: c.final,
		Values: make(map[string]json.RawMessage, len(c.vals))}
	for k, on := range c.params {
		if on {
			out.Params = append(out.Params, k)
		}
	}
	slices.Sort(out.Params)
	fail := func(err error) ([]byte, error) {
		return nil, fmt.Errorf("reporting: session %s: %w", l.id, err)
	}
	for k, v := range c.vals {
		b, err := interp.MarshalValue(v)
		if err != nil {
			return fail(fmt.Errorf("%s: %w", k, err))
		}
		out.Values[k] = b
	}
	for ixn, kv := range c.attached {
		if out.Attached == nil {
			out.Attached = make(map[string]map[string]json.RawMessage, len(c.attached))
		}
		m := make(map[string]json.RawMessage, len(kv))
		for k, v := range kv {
			b, err := interp.MarshalValue(v)
			if err != nil {
				return fail(fmt.Errorf("attached %s: %w", k, err))
			}
			m[k] = b
		}
		out.Attached[ixn] = m
	}
	for i := range r.held {
		if h := &r.held[i]; h.SessionID == l.id {
			rec, err := newHeldRecord(h)
			if err != nil {
				return fail(err)
			}
			out.Held = append(out.Held, rec)
		}
	}
	for ref, p := range r.refs {
		if p.session != l.id {
			continue
		}
		rec := refRecord{Ref: ref, What: p.what}
		if p.held != nil {
			h, err := newHeldRecord(p.held)
			if err != nil {
				return fail(err)
			}
			rec.Held = &h
		}
		out.Refs = append(out.Refs, rec)
	}
	slices.SortFunc(out.Refs, func(a, b refRecord) int { return int(a.Ref) - int(b.Ref) })
	// The values, already JSON, are put in by hand: encoding/json would
	// scan them again at every macrostep.
	values, attached := out.Values, out.Attached
	out.Values, out.Attached = nil, nil
	b, err := json.Marshal(out)
	if err != nil {
		return fail(err)
	}
	b = b[:len(b)-1]
	if len(values) > 0 {
		b = append(b, `,"values":`...)
		b = appendRawObject(b, values)
	}
	if len(attached) > 0 {
		b = append(b, `,"attached":{`...)
		for i, ixn := range slices.Sorted(maps.Keys(attached)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = appendKey(b, ixn)
			b = appendRawObject(b, attached[ixn])
		}
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

// appendRawObject appends an object of JSON values, keys sorted.
func appendRawObject(b []byte, m map[string]json.RawMessage) []byte {
	b = append(b, '{')
	for i, k := range slices.Sorted(maps.Keys(m)) {
		if i > 0 {
			b = append(b, ',')
		}
		b = appendKey(b, k)
		b = append(b, m[k]...)
	}
	return append(b, '}')
}

// appendKey appends a JSON object key.
func appendKey(b []byte, k string) []byte {
	q, _ := json.Marshal(k)
	b = append(b, q...)
	return append(b, ':')
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
	c := &collector{id: l.id, cat: r.cat, svc: in.Service, vals: make(map[string]any, len(in.Values)), at: in.At,
		dials: in.Dials, dialAt: in.DialAt, dialing: in.Dialing, pending: in.Pending, attemptAt: in.AttemptAt,
		attemptOf: in.AttemptOf, state: in.State, late: in.Late, origin: in.Origin, originKeys: in.OriginKeys,
		sends: in.Sends, start: in.Start, final: in.Final}
	for _, k := range in.Params {
		if c.params == nil {
			c.params = make(map[string]bool, len(in.Params))
		}
		c.params[k] = true
	}
	if c.at == nil {
		c.at = make(map[string]int64)
	}
	for k, raw := range in.Values {
		v, err := interp.UnmarshalValue(raw)
		if err != nil {
			return fmt.Errorf("reporting: session %s: %s: %w", l.id, k, err)
		}
		c.vals[k] = v
	}
	for ixn, kv := range in.Attached {
		if c.attached == nil {
			c.attached = make(map[string]map[string]any, len(in.Attached))
		}
		m := make(map[string]any, len(kv))
		for k, raw := range kv {
			v, err := interp.UnmarshalValue(raw)
			if err != nil {
				return fmt.Errorf("reporting: session %s: attached %s: %w", l.id, k, err)
			}
			m[k] = v
		}
		c.attached[ixn] = m
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
