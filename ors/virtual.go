package ors

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
)

// ErrInteractionExists is returned by CreateVirtual for an id already in
// use.
var ErrInteractionExists = errors.New("interaction exists")

// CreateVirtual makes a virtual interaction owned by session owner and
// returns its id. A virtual interaction stands for work that has no call
// on the switch yet, such as the request of an agent-first callback: it
// appears in _genesys.ixn.interactions, it can wait in a virtual queue
// (<queue:submit> with its id), be delivered to the target found
// (<ixn:deliver> and <ixn:redirect> are answered by the runtime, with no
// request to the port) and be terminated (<ixn:terminate>). Treatments
// and dialogs on it fail with invalidstate.
//
// x describes it: ID ("" makes "VIRT-" and 16 hexadecimal digits), ThisDN (the
// virtual queue or DN it is reported on), ANI, DNIS, CallID, Switch
// (Config.Switch when ""), ParentID and UserData. Its ConnID, sent with
// its queue submits, is its id unless x names one; its Type is "Virtual"
// unless x names one. It has no parties; Parties, CallResult and Virtual
// are ignored.
//
// The owner receives interaction.added through Options.Deliver. The
// interaction is released when the session that owns it ends, or, when
// no session owns it (<ixn:detach>), when owner ends; its queue submits
// still waiting are cancelled then. It is an error when owner is "" or
// the id is in use.
func (r *Runtime) CreateVirtual(owner string, x Interaction) (string, error) {
	if owner == "" {
		return "", errors.New("ors: create virtual interaction: no owner session")
	}
	if x.ID == "" {
		x.ID = virtualID()
	}
	if x.ConnID == "" {
		x.ConnID = telephony.ConnID(x.ID)
	}
	if x.Type == "" {
		x.Type = "Virtual"
	}
	if x.Switch == "" {
		x.Switch = r.opts.Config.Switch
	}
	x.UserData = x.UserData.Clone()
	x.Parties, x.CallResult, x.Virtual = nil, "", true
	r.mu.Lock()
	if r.ixns[x.ID] != nil {
		r.mu.Unlock()
		return "", fmt.Errorf("ors: create virtual interaction %s for session %s: %w", strconv.Quote(x.ID), owner, ErrInteractionExists)
	}
	st := &ixnState{Interaction: x, creator: owner}
	r.ixns[x.ID] = st
	r.virtuals[owner] = append(r.virtuals[owner], x.ID)
	r.own(owner, x.ID)
	// Handed over under r.mu, for a snapshot of owner to show the
	// interaction only with its event (see handle).
	r.deliver(owner, r.ixnEvent("interaction.added", st, nil))
	r.mu.Unlock()
	return x.ID, nil
}

// ReleaseVirtual releases the virtual interaction id: its queue submits
// still waiting are cancelled (each ends in error.queue.submit) and the
// session that owns it receives interaction.deleted. It reports whether
// id named a virtual interaction.
func (r *Runtime) ReleaseVirtual(id string) bool {
	return r.releaseFrom(nil, id)
}

// releaseFrom is ReleaseVirtual, called by action c (nil: from outside
// any session): interaction.deleted for the session running c goes to
// its own queue (see call.post).
func (r *Runtime) releaseFrom(c *call, id string) bool {
	r.mu.Lock()
	st := r.ixns[id]
	if st == nil || !st.Virtual {
		r.mu.Unlock()
		return false
	}
	defer r.mu.Unlock()
	owner := st.owner
	ev := r.releaseVirtual(st, true)
	if c != nil && owner == c.s.ID() {
		c.post(ev)
		return true
	}
	// Handed over under r.mu, for a snapshot of owner to show the
	// interaction or its deletion (see handle).
	r.deliver(owner, ev)
	return true
}

// releaseVirtual forgets virtual interaction st and cancels its queue
// submits still waiting, and returns its interaction.deleted. With
// answer, the cancelled submits are answered to their sessions; without,
// they are forgotten. r.mu is held.
func (r *Runtime) releaseVirtual(st *ixnState, answer bool) *interp.Event {
	id := st.ID
	for ref, req := range r.pending {
		if req.ixn != id || req.module != "queue" || req.action != "submit" {
			continue
		}
		if !answer {
			delete(r.pending, ref)
		}
		if r.opts.Port != nil {
			// The port answers later; a refusal leaves nothing to cancel.
			_, _ = r.opts.Port.CancelQueue(telephony.QueueCancel{Submit: ref, ConnID: st.ConnID})
		}
	}
	if st.owner != "" {
		r.disown(st.owner, id)
	}
	if c := st.creator; c != "" {
		r.virtuals[c] = slices.DeleteFunc(r.virtuals[c], func(x string) bool { return x == id })
		if len(r.virtuals[c]) == 0 {
			delete(r.virtuals, c)
		}
	}
	delete(r.ixns, id)
	return r.deletedEvent(st)
}

// releaseVirtuals releases the virtual interactions session sid owns and
// those made for it that no session owns, when sid ends; r.mu is held.
func (r *Runtime) releaseVirtuals(sid string) {
	var gone []*ixnState
	for _, id := range r.owned[sid] {
		if st := r.ixns[id]; st != nil && st.Virtual {
			gone = append(gone, st)
		}
	}
	for _, id := range r.virtuals[sid] {
		if st := r.ixns[id]; st != nil && st.owner == "" {
			gone = append(gone, st)
		}
	}
	for _, st := range gone {
		r.releaseVirtual(st, false)
	}
}

// virtual returns the virtual interaction id, or nil.
func (r *Runtime) virtual(id string) *ixnState {
	r.mu.Lock()
	defer r.mu.Unlock()
	if st := r.ixns[id]; st != nil && st.Virtual {
		return st
	}
	return nil
}

// virtualID returns a new virtual interaction id.
func virtualID() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "VIRT-" + strings.ToUpper(hex.EncodeToString(b[:]))
}
