package ors

import (
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// LocalKey is the session local (interp.Session.Local) through which a
// snapshot keeps a session's share of the runtime: the interactions it
// owns or made (a virtual one), the module requests waiting for their
// answers, its statistic subscriptions, the session that started it with
// <session:start>, and how far the runtime's request ids had gone. The
// local is an interp.Persistent and a host.Indexer: the interactions
// must be known while the session is out of memory, so that their events
// find it (Runtime.Adopt).
const LocalKey = "ors"

// sessionLocal is the runtime's local of one session.
type sessionLocal struct {
	r  *Runtime
	id string
	// fetching says whether the share last persisted lists fetches in
	// flight (Awaiting).
	fetching bool
}

// sessionShare is a session's share of the runtime, as a snapshot keeps
// it.
type sessionShare struct {
	Interactions  []ixnRecord     `json:"ixns,omitempty"`
	Owned         []string        `json:"owned,omitempty"`
	Virtuals      []string        `json:"virtuals,omitempty"`
	Pending       []pendingRecord `json:"pending,omitempty"`
	Subscriptions []string        `json:"subs,omitempty"`
	Parent        string          `json:"parent,omitempty"`
	// Fetches are the request ids of the <session:fetch>es in flight,
	// made by the runtime Instance names.
	Fetches  []string `json:"fetches,omitempty"`
	Instance string   `json:"instance,omitempty"`
	// ReqSeq is the runtime's last request id number: a runtime that
	// restores the session issues higher ones.
	ReqSeq uint64 `json:"reqseq,omitempty"`
}

// ixnRecord is an interaction as a snapshot keeps it; its user data is
// in the typed form of the bus (wire.MarshalUserData), so integers and
// nested lists come back as they were.
type ixnRecord struct {
	ID         string           `json:"id"`
	ConnID     telephony.ConnID `json:"connid,omitempty"`
	CallID     string           `json:"callid,omitempty"`
	Type       string           `json:"type,omitempty"`
	ANI        string           `json:"ani,omitempty"`
	DNIS       string           `json:"dnis,omitempty"`
	ThisDN     string           `json:"thisdn,omitempty"`
	Switch     string           `json:"switch,omitempty"`
	ParentID   string           `json:"parent,omitempty"`
	Parties    []Party          `json:"parties,omitempty"`
	UserData   json.RawMessage  `json:"udata,omitempty"`
	CallResult string           `json:"callresult,omitempty"`
	Virtual    bool             `json:"virtual,omitempty"`
	Owner      string           `json:"owner,omitempty"`
	Creator    string           `json:"creator,omitempty"`
	MergedInto string           `json:"merged,omitempty"`
	Seq        uint64           `json:"seq,omitempty"`
	Dialled    bool             `json:"dialled,omitempty"`
}

func newIxnRecord(st *ixnState) (ixnRecord, error) {
	x := &st.Interaction
	rec := ixnRecord{ID: x.ID, ConnID: x.ConnID, CallID: x.CallID, Type: x.Type, ANI: x.ANI, DNIS: x.DNIS,
		ThisDN: x.ThisDN, Switch: x.Switch, ParentID: x.ParentID, Parties: slices.Clone(x.Parties),
		CallResult: x.CallResult, Virtual: x.Virtual, Owner: st.owner, Creator: st.creator, MergedInto: st.mergedInto, Seq: st.seq,
		Dialled: st.dialled}
	if x.UserData != nil {
		ud, err := wire.MarshalUserData(x.UserData)
		if err != nil {
			return rec, fmt.Errorf("interaction %s: %w", x.ID, err)
		}
		rec.UserData = ud
	}
	return rec, nil
}

func (rec *ixnRecord) state() (*ixnState, error) {
	st := &ixnState{Interaction: Interaction{ID: rec.ID, ConnID: rec.ConnID, CallID: rec.CallID, Type: rec.Type,
		ANI: rec.ANI, DNIS: rec.DNIS, ThisDN: rec.ThisDN, Switch: rec.Switch, ParentID: rec.ParentID,
		Parties: rec.Parties, CallResult: rec.CallResult, Virtual: rec.Virtual},
		owner: rec.Owner, creator: rec.Creator, mergedInto: rec.MergedInto, seq: rec.Seq, dialled: rec.Dialled}
	if len(rec.UserData) > 0 {
		ud, err := wire.UnmarshalUserData(rec.UserData)
		if err != nil {
			return nil, fmt.Errorf("interaction %s: %w", rec.ID, err)
		}
		st.UserData = ud
	}
	return st, nil
}

type pendingRecord struct {
	Ref      telephony.ReferenceID `json:"ref"`
	Module   string                `json:"module,omitempty"`
	Action   string                `json:"action,omitempty"`
	ID       string                `json:"id,omitempty"`
	Ixn      string                `json:"ixn,omitempty"`
	Queue    string                `json:"queue,omitempty"`
	Priority float64               `json:"priority,omitempty"`
	At       time.Time             `json:"at,omitzero"`
	Targets  []string              `json:"targets,omitempty"`
}

// setLocal gives session s the runtime's local, unless it has one.
func (r *Runtime) setLocal(sys interp.System) {
	if s, ok := sys.(*interp.Session); ok && s != nil && s.Local(LocalKey) == nil {
		s.SetLocal(LocalKey, &sessionLocal{r: r, id: s.ID()})
	}
}

// Persist returns the session's share of the runtime.
func (l *sessionLocal) Persist() ([]byte, error) {
	r := l.r
	r.mu.Lock()
	sh, err := r.share(l.id)
	r.mu.Unlock()
	if err != nil {
		return nil, fmt.Errorf("ors: session %s: %w", l.id, err)
	}
	l.fetching = len(sh.Fetches) > 0
	b, err := json.Marshal(sh)
	if err != nil {
		return nil, fmt.Errorf("ors: session %s: %w", l.id, err)
	}
	return b, nil
}

// Awaiting reports whether the share last persisted lists fetches in
// flight: a runtime that restores the session in another process
// answers them (host.Awaiter).
func (l *sessionLocal) Awaiting() bool { return l.fetching }

// Index is Persist (nil says so): all of it is small, and the
// interactions must be known to route events to the session.
func (l *sessionLocal) Index() ([]byte, error) { return nil, nil }

// Restore gives the runtime back the session's share, and answers the
// fetches it lists as in flight in another runtime (fetchesLost).
func (l *sessionLocal) Restore(data []byte) error {
	if err := l.r.Adopt(l.id, data); err != nil {
		return err
	}
	var sh sessionShare
	if err := json.Unmarshal(data, &sh); err != nil {
		return fmt.Errorf("ors: session %s: %w", l.id, err)
	}
	l.r.fetchesLost(l.id, &sh)
	return nil
}

// share collects session id's share; r.mu is held.
func (r *Runtime) share(id string) (sessionShare, error) {
	sh := sessionShare{Owned: slices.Clone(r.owned[id]), Virtuals: slices.Clone(r.virtuals[id]),
		Parent: r.children[id], ReqSeq: r.reqSeq, Fetches: slices.Clone(r.fetches[id])}
	if len(sh.Fetches) > 0 {
		sh.Instance = r.instance
	}
	for _, ids := range [...][]string{sh.Owned, sh.Virtuals} {
		for _, x := range ids {
			st := r.ixns[x]
			if st == nil || slices.ContainsFunc(sh.Interactions, func(i ixnRecord) bool { return i.ID == x }) {
				continue
			}
			rec, err := newIxnRecord(st)
			if err != nil {
				return sh, err
			}
			sh.Interactions = append(sh.Interactions, rec)
		}
	}
	for ref, req := range r.pending {
		if req.session != id {
			continue
		}
		sh.Pending = append(sh.Pending, pendingRecord{Ref: ref, Module: req.module, Action: req.action, ID: req.id,
			Ixn: req.ixn, Queue: req.queue, Priority: req.priority, At: req.at, Targets: slices.Clone(req.targets)})
	}
	slices.SortFunc(sh.Pending, func(a, b pendingRecord) int { return int(a.Ref) - int(b.Ref) })
	for req, sid := range r.subscriptions {
		if sid == id {
			sh.Subscriptions = append(sh.Subscriptions, req)
		}
	}
	slices.Sort(sh.Subscriptions)
	return sh, nil
}

// Adopt gives the runtime back what a snapshot kept of session id's share
// (what its local's Persist or Index returned): a host calls it for a
// session it adopts without loading it (host.Host.OnAdopt), so that the
// events of its interactions reach it; restoring the session calls it
// too. What the runtime knows already (from its own memory, which is
// newer) is left as it is.
func (r *Runtime) Adopt(id string, data []byte) error {
	if len(data) == 0 {
		return nil
	}
	var sh sessionShare
	if err := json.Unmarshal(data, &sh); err != nil {
		return fmt.Errorf("ors: session %s: %w", id, err)
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.reqSeq = max(r.reqSeq, sh.ReqSeq)
	resync, _ := r.opts.Port.(telephony.Resyncer)
	for i := range sh.Interactions {
		rec := &sh.Interactions[i]
		if r.ixns[rec.ID] != nil {
			continue
		}
		st, err := rec.state()
		if err != nil {
			return fmt.Errorf("ors: session %s: %w", id, err)
		}
		r.ixns[rec.ID] = st
		if resync != nil && !st.Virtual && st.ConnID != "" {
			// The runtime has not followed the call since the
			// snapshot: the switch tells what it missed.
			resync.Resync(st.Switch, st.ConnID, st.ThisDN, st.seq)
		}
	}
	for _, x := range sh.Owned {
		if st := r.ixns[x]; st != nil && (st.owner == "" || st.owner == id) {
			r.own(id, x)
		}
	}
	for _, x := range sh.Virtuals {
		if !slices.Contains(r.virtuals[id], x) && r.ixns[x] != nil {
			r.virtuals[id] = append(r.virtuals[id], x)
		}
	}
	for _, p := range sh.Pending {
		if r.pending[p.Ref] != nil {
			continue
		}
		r.pending[p.Ref] = &request{session: id, module: p.Module, action: p.Action, id: p.ID, ixn: p.Ixn,
			queue: p.Queue, priority: p.Priority, at: p.At, targets: p.Targets}
	}
	for _, req := range sh.Subscriptions {
		r.subscriptions[req] = id
	}
	if sh.Parent != "" {
		r.children[id] = sh.Parent
	}
	return nil
}
