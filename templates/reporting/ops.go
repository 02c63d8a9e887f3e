package reporting

import (
	"slices"
	"strconv"
	"strings"

	"github.com/orca-scxml/orca/internal/box"
	"github.com/orca-scxml/orca/telephony"
)

// set sets key to v.
func (o *op) set(key string, v any) {
	if e := o.settable(key); e != nil {
		o.put(e.Key, v)
	}
}

// stamp sets a timestamp KVP to now.
func (o *op) stamp(key string) {
	e := o.settable(key)
	if e == nil {
		return
	}
	if e.Kind != Timestamp {
		o.problem(NotSettable, []string{e.Key}, "%s is a %s, not a timestamp", e.Key, e.Kind)
		return
	}
	o.storeVal(e.Key, intVal(int(o.nowSecs())))
}

// increment adds by to a count KVP (absent counts start at 0).
func (o *op) increment(key string, by any) {
	e := o.settable(key)
	if e == nil {
		return
	}
	if e.Kind != Count {
		o.problem(NotSettable, []string{e.Key}, "%s is a %s, not a count", e.Key, e.Kind)
		return
	}
	n := 1
	if by != nil {
		var err error
		if n, err = wholeNumber(by, false, "a non-negative integer"); err != nil {
			o.problem(BadValue, []string{e.Key}, "%s: increment %v", e.Key, err)
			return
		}
	}
	v, _ := o.c.lookup(e.Key)
	cur, _ := v.integer()
	o.storeVal(e.Key, intVal(cur+n))
}

// dialing marks the start of a dialing attempt (or push notification):
// _CB_T_READY_TO_START_MEDIA_IXN is stamped if it is not set yet, and the
// next dial result is dated from now. pending, when not nil, is the
// result to record if the callback ends before the attempt has one
// (NO_ANSWER when nil).
func (o *op) dialing(pending any) {
	c := o.c
	if c.dialing {
		// The attempt before this one ended without a result.
		o.closeAttempt()
	}
	now := o.nowSecs()
	c.dialing, c.dialAt, c.attemptAt, c.pending = true, now, now, ""
	if !c.has(readyKey) {
		o.storeVal(readyKey, intVal(int(now)))
	}
	if pending != nil {
		o.setPending(pending)
	}
}

// setPending sets the result to record for the attempt in progress if the
// callback ends before it has one.
func (o *op) setPending(result any) {
	e := o.c.cat.entry("_CB_DIAL_1_RESULT")
	r, err := e.value(result)
	if err != nil {
		o.problem(BadValue, []string{"_CB_DIAL_1_RESULT"}, "pending dial result %v", err)
		return
	}
	if !o.c.dialing {
		o.problem(NotSettable, []string{"_CB_DIAL_1_RESULT"}, "no attempt in progress to set the pending result %s of", r)
		return
	}
	o.c.pending = r.s
}

// closeAttempt records the attempt in progress, which has no result, with
// its pending result.
func (o *op) closeAttempt() {
	r := o.c.pending
	if r == "" {
		r = "NO_ANSWER"
	}
	o.dialResult(r, "")
}

// maxDials is how many attempts have their own _CB_DIAL_n_RESULT and
// _CB_T_DIAL_n.
const maxDials = 5

// The keys of the attempts' results and moments.
var (
	dialResultKeys = [maxDials]string{"_CB_DIAL_1_RESULT", "_CB_DIAL_2_RESULT", "_CB_DIAL_3_RESULT", "_CB_DIAL_4_RESULT", "_CB_DIAL_5_RESULT"}
	dialTimeKeys   = [maxDials]string{"_CB_T_DIAL_1", "_CB_T_DIAL_2", "_CB_T_DIAL_3", "_CB_T_DIAL_4", "_CB_T_DIAL_5"}
)

// dialResult records the result of a dialing attempt.
func (o *op) dialResult(result any, ixn string) {
	c := o.c
	first := c.cat.entry("_CB_DIAL_1_RESULT")
	r, err := first.value(result)
	if err != nil {
		o.problem(BadValue, []string{"_CB_DIAL_1_RESULT"}, "dial result %v (results that end the callback without an attempt go to _CB_DIM_FINAL_DIAL_RESULT through set)", err)
		return
	}
	at := o.nowSecs()
	if c.dialing {
		at = c.dialAt
	} else {
		c.attemptAt = at
	}
	c.dialing, c.pending = false, ""
	if !c.has(readyKey) {
		o.storeVal(readyKey, intVal(int(at)))
	}
	c.dials++
	if c.dials <= maxDials {
		o.storeVal(dialResultKeys[c.dials-1], r)
		o.storeVal(dialTimeKeys[c.dials-1], intVal(int(at)))
	}
	v, _ := c.lookup("_CB_N_CALLBACK_MEDIA_ATTEMPTS")
	attempts, _ := v.integer()
	o.storeVal("_CB_N_CALLBACK_MEDIA_ATTEMPTS", intVal(attempts+1))
	o.storeVal("_CB_DIM_FINAL_DIAL_RESULT", r)
	o.storeVal("_CB_T_LAST_DIAL_ATTEMPT", intVal(int(at)))
	if ixn != "" {
		o.outCall(ixn)
	}
}

// outCall records call id as an outbound call of the callback:
// _CB_FIRST_OUT_IXN_ID (once) and _CB_LAST_OUT_IXN_ID.
func (o *op) outCall(id string) {
	if !o.c.has("_CB_FIRST_OUT_IXN_ID") {
		o.storeVal("_CB_FIRST_OUT_IXN_ID", strVal(id))
	}
	o.storeVal("_CB_LAST_OUT_IXN_ID", strVal(id))
}

// outbound records an outbound call the callback created: interaction
// ixn (the ConnID the call-attached KVPs are attached to), whose T-Server
// call ID is callID (ixn when empty), created with user data udata. It
// sets _CB_FIRST_OUT_IXN_ID and _CB_LAST_OUT_IXN_ID to the call ID, and
// gives the call the call-attached KVPs known now that udata does not
// carry already.
func (o *op) outbound(ixn, callID string, udata any) {
	if ixn == "" {
		o.problem(NoInteraction, nil, "no outbound call")
		return
	}
	if callID == "" {
		callID = ixn
	}
	o.outCall(callID)
	o.carry(ixn, udata)
}

// carry gives call ixn, whose user data is udata (a KVList as a
// neutral object, or nil), the call-attached KVPs known now, with their
// current values: those it carries already are noted as attached, the
// others attached.
func (o *op) carry(ixn string, udata any) {
	c := o.c
	if !c.svc.Enable {
		return
	}
	has, _ := udata.(map[string]any)
	var missing telephony.UserData
	var b box.Slab
	for i := range c.cat.entries {
		if !c.cat.entries[i].CallAttached {
			continue
		}
		k := c.cat.entries[i].Key
		v, ok := c.get(i)
		if !ok {
			continue
		}
		if cur, ok := has[k]; ok && v.String() == valueString(normalizeNumber(cur)) {
			c.noteAttachedVal(ixn, i, v)
			continue
		}
		if missing == nil {
			// Room for every call-attached KVP (the seeds name four).
			missing = make(telephony.UserData, 0, 4)
			b.WantInts = 4
		}
		missing.Set(k, v.box(&b))
	}
	if len(missing) > 0 {
		o.attachData(ixn, missing)
	}
}

// normalizeNumber turns a whole float64 (a number of the data model) into
// an int, as values are sent.
func normalizeNumber(v any) any {
	if f, ok := v.(float64); ok && f == float64(int(f)) {
		return int(f)
	}
	return v
}

// state records the callback state the strategy is in (one of the
// disposition states).
func (o *op) state(v any) {
	s, err := scalarString(v)
	if err != nil || !slices.Contains(DispositionStates(), s) {
		o.problem(BadValue, []string{"_CB_DISPOSITION"}, "callback state %s is not one of %s", show(v), strings.Join(DispositionStates(), ", "))
		return
	}
	if s != "COMPLETED" {
		o.c.state = s
	}
}

// disposition sets _CB_DISPOSITION to "STATE.SUBSTATE".
func (o *op) disposition(v any) {
	o.set("_CB_DISPOSITION", v)
}

// attach attaches the current values of call-attached KVPs to a call:
// ixn, or the session's call when ixn is empty.
func (o *op) attach(keys []string, ixn string) {
	if len(keys) == 0 {
		o.problem(NotAttachable, nil, "no KVP to attach")
		return
	}
	var ud telephony.UserData
	bad := false
	for _, k := range keys {
		e := o.entry(k)
		switch {
		case e == nil:
			bad = true
		case !e.CallAttached:
			o.problem(NotAttachable, []string{e.Key}, "%s is not a call-attached KVP (only %s are)", e.Key, strings.Join(o.c.cat.CallAttached(), ", "))
			bad = true
		default:
			v, ok := o.c.lookup(e.Key)
			if !ok {
				o.problem(NotAttachable, []string{e.Key}, "%s has no value to attach yet", e.Key)
				bad = true
				continue
			}
			ud.Set(e.Key, v.any())
		}
	}
	if bad || !o.c.svc.Enable {
		return
	}
	if ixn == "" && o.r.opts.Interaction != nil {
		ixn = o.r.opts.Interaction(o.s)
	}
	if ixn == "" {
		o.problem(NoInteraction, ud.Keys(), "no call to attach %s to", strings.Join(ud.Keys(), ", "))
		return
	}
	o.attachData(ixn, ud)
}

// send sends the start (final false) or final UserEvent, or holds it. A
// final UserEvent of a callback whose start was never sent or held sends
// the start first.
func (o *op) send(final bool) {
	if final && o.c.start == notSent && o.c.final == notSent {
		o.c.late = true
		o.send(false)
		o.c.late = false
	}
	c := o.c
	state := &c.start
	if final {
		state = &c.final
	}
	if *state == sent || *state == skipped || (final && *state == held) {
		which := "start"
		if final {
			which = "final"
		}
		o.problem(AlreadySent, nil, "the %s UserEvent was already handled", which)
		return
	}
	if final {
		if !c.has(endKey) {
			o.storeVal(endKey, intVal(int(o.nowSecs())))
		}
		// A redial that will never come is not reported.
		next, _ := c.lookup(nextRedialKey)
		end, _ := c.lookup(endKey)
		if n, ok := next.integer(); ok && n > end.n {
			c.unset(nextRedialKey)
		}
	}
	c.derive(o)
	if !final {
		c.compact()
	}
	flag := 0
	if final {
		flag = 1
	}
	if i, ok := c.index("_CB_FINAL_RECORD"); ok {
		c.setVal(i, intVal(flag), 0, false)
	}
	if !c.svc.Enable {
		*state = skipped
		return
	}
	// The key lets a durable port store each UserEvent once, however
	// often a retry sends it: one key per session, event and attempt.
	which := "start"
	if final {
		which = "final"
	}
	c.sends++
	key := c.id + "-" + which + "-" + strconv.Itoa(c.sends)
	ud := c.userData()
	if c.late {
		// A start sent only as the callback ends describes it as it
		// began: without the disposition it ends with.
		ud.Delete(dispKey)
	}
	ev := telephony.UserEvent{Key: key, ThisDN: c.svc.DN, Switch: c.svc.Switch, UserData: ud}
	var missing []string
	for i := range c.cat.entries {
		if e := &c.cat.entries[i]; e.Mandatory && !c.has(e.Key) {
			missing = append(missing, e.Key)
		}
	}
	hold := func(e *Error) {
		*state = held
		o.r.held = append(o.r.held, Held{SessionID: c.id, Final: final, Event: ev, Err: e, At: o.r.now(o.s)})
	}
	switch {
	case len(missing) > 0:
		hold(o.problem(MissingMandatory, missing, "UserEvent held: mandatory KVP missing: %s", strings.Join(missing, ", ")))
		return
	case c.svc.DN == "":
		hold(o.problem(NoDestination, nil, "UserEvent held: reporting is enabled but %s is not set", OptDN))
		return
	case o.r.opts.Port == nil:
		hold(o.problem(PortFailure, nil, "UserEvent held: no telephony port"))
		return
	}
	ref, err := o.r.opts.Port.DistributeUserEvent(ev)
	if err != nil {
		hold(o.problem(PortFailure, nil, "UserEvent held: %v", err))
		return
	}
	*state = sent
	if !final {
		o.r.dropHeldStart(c.id)
	}
	o.r.refs[ref] = pendingReq{session: c.id, what: o.name, held: &Held{SessionID: c.id, Final: final, Event: ev}}
}

// dropHeldStart forgets a held start UserEvent of session id once a
// later start went out; r.mu is held.
func (r *Reporter) dropHeldStart(id string) {
	r.held = slices.DeleteFunc(r.held, func(h Held) bool { return h.SessionID == id && !h.Final })
}

// attachKeys splits a space- or comma-separated list of keys.
func attachKeys(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' || r == '\n' })
}
