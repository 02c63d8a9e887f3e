package reporting

import (
	"fmt"
	"strings"

	"github.com/orca-scxml/orca/internal/box"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/telephony"
)

// sendState is where a start or final UserEvent stands.
type sendState uint8

const (
	notSent sendState = iota
	sent
	// skipped: reporting is disabled, nothing was sent.
	skipped
	held
)

// collector holds what one session has reported.
type collector struct {
	id  string
	cat *Catalogue
	svc Service
	// vals holds the values set, in catalogue order, each with when it
	// was set.
	vals []kv
	// dials counts dial results; dialAt is the start of the attempt in
	// progress when dialing is set, pending the result to record for it
	// if the callback ends first ("" is NO_ANSWER).
	dials   int
	dialAt  int64
	dialing bool
	pending string
	// attemptAt is when the latest attempt started; attemptOf, when the
	// attempt in progress (or last) started as each entry was set.
	attemptAt int64
	attemptOf []mark
	// params are the entries (catalogue indexes) a callback request
	// parameter (_cb_...) gave: their values pass through unchanged.
	params []uint16
	// state is the callback state the strategy reported last (not
	// COMPLETED), for the disposition of a callback ended from outside.
	state string
	// late is set while a start UserEvent goes out just before the final
	// one.
	late bool
	// origin is the originating interaction id; originKeys the keys to
	// attach to it at the end of the operation.
	origin     string
	originKeys []string
	// attached remembers, per call, the values already attached to it,
	// so that a KVP reaches a call once per value.
	attached []attachment
	// sends counts the UserEvents handed to the port.
	sends int
	start sendState
	final sendState
}

var zeroPos scxml.Pos

// userData returns the values in catalogue order.
func (c *collector) userData() telephony.UserData {
	ud := make(telephony.UserData, len(c.vals))
	// The values are boxed from slices, not one allocation each.
	var b box.Slab
	for i := range c.vals {
		if c.vals[i].text {
			b.WantStrings++
		} else {
			b.WantInts++
		}
	}
	for i := range c.vals {
		x := &c.vals[i]
		ud[i] = telephony.KV{Key: c.cat.entries[x.e].Key, Value: x.val().box(&b)}
	}
	return ud
}

// derive computes the derived durations; clamped ones are reported to
// o when it is not nil.
func (c *collector) derive(o *op) {
	for i := range c.cat.entries {
		e := &c.cat.entries[i]
		if e.Derived == nil || c.fromParam(i) {
			continue
		}
		secs, ok, clamped := e.Derived.derive(c)
		if !ok {
			continue
		}
		c.setVal(i, intVal(secs), 0, false)
		if clamped != nil && o != nil {
			o.problem(Clamped, []string{e.Key}, "%s: %v", e.Key, clamped)
		}
	}
}

// op is one reporting operation on a session. The reporter's lock is held
// from begin to end.
type op struct {
	r        *Reporter
	s        *interp.Session
	c        *collector
	name     string
	pos      scxml.Pos
	problems []*Error
	// request is set while the callback request's parameters are read.
	request bool
	// keepRequest: the strategy expects the callback request to give
	// some of the KVPs it sets; those keep the request's value without a
	// FromRequest log, and queuestat reads no statistic for them.
	keepRequest bool
}

// begin locks the reporter and makes o the operation, creating the
// session's collector on first use; it returns o. The caller's o (new(op))
// lives on its stack: no allocation per operation.
func (r *Reporter) begin(o *op, s *interp.Session, name string, pos scxml.Pos) *op {
	r.mu.Lock()
	*o = op{r: r, s: s, name: name, pos: pos}
	o.c = r.cols[s.ID()]
	if o.c == nil {
		// Room for the values of a callback's start UserEvent, not
		// grown one step at a time.
		o.c = &collector{id: s.ID(), cat: r.cat, vals: make([]kv, 0, 32)}
		r.cols[s.ID()] = o.c
		o.init()
	}
	return o
}

// end sends what must go to the originating call, unlocks the reporter,
// logs the problems and raises error.reporting in the session for each
// (but not for those only logged: see Reason). It reports whether there
// was none of the raised kind.
func (o *op) end() bool {
	o.flushOrigin()
	o.r.mu.Unlock()
	raise := !o.s.Done()
	for _, e := range o.problems {
		o.r.log(o.c.id, e)
		if raise && e.Reason.raised() {
			o.s.Raise(e.event())
		}
	}
	for _, e := range o.problems {
		if e.Reason.raised() {
			return false
		}
	}
	return true
}

// problem records a problem of the operation.
func (o *op) problem(reason Reason, keys []string, format string, args ...any) *Error {
	e := &Error{Session: o.c.id, Pos: o.pos, Op: o.name, Reason: reason, Keys: keys, Msg: fmt.Sprintf(format, args...)}
	o.problems = append(o.problems, e)
	return e
}

// nowSecs returns the current UTC second.
func (o *op) nowSecs() int64 { return o.r.now(o.s).Unix() }

// init reads the session's params: the service options, the _cb_*
// request parameters, the service id and the originating interaction.
func (o *op) init() {
	c, param := o.c, o.s.Param
	name := o.name
	o.name = "param"
	defer func() { o.name = name }()
	c.svc = o.service(param)
	o.store("_CB_ORS_SESSION_ID", o.s.ID())
	if id, ok := param(OptServiceID); ok {
		o.put("_CB_SERVICE_ID", id)
	} else {
		o.store("_CB_SERVICE_ID", o.s.ID())
	}
	if o.r.opts.TenantDBID != 0 {
		o.store("_CB_TENANT_DBID", o.r.opts.TenantDBID)
	}
	if v, ok := param(OptOrigin); ok {
		if s, err := scalarString(v); err == nil && s != "" {
			c.origin = s
		} else {
			o.problem(BadValue, nil, "%s: %s is not an interaction id", OptOrigin, show(v))
		}
	}
	o.request = true
	for i := range c.cat.entries {
		p := c.cat.entries[i].Param
		if p == "" {
			continue
		}
		v, ok := param(p)
		if !ok {
			continue
		}
		if o.put(c.cat.entries[i].Key, v) {
			c.params = append(c.params, uint16(i))
		}
	}
	o.request = false
}

// service resolves the reporting options from the start parameters
// param reads and the fallback.
func (o *op) service(param func(string) (any, bool)) Service {
	svc := o.r.opts.Service
	if v, ok := param(OptEnable); ok {
		switch x := v.(type) {
		case bool:
			svc.Enable = x
		case string:
			switch strings.ToLower(strings.TrimSpace(x)) {
			case "true", "1", "yes":
				svc.Enable = true
			case "false", "0", "no", "":
				svc.Enable = false
			default:
				svc.Enable = false
				o.problem(BadValue, nil, "%s: %q is not true or false; reporting is disabled", OptEnable, x)
			}
		default:
			svc.Enable = false
			o.problem(BadValue, nil, "%s: %s is not true or false; reporting is disabled", OptEnable, show(v))
		}
	}
	if v, _ := param(OptDN); v != nil {
		if v, ok := v.(string); ok {
			svc.DN = v
		}
	}
	if v, _ := param(OptSwitch); v != nil {
		if v, ok := v.(string); ok {
			svc.Switch = v
		}
	}
	return svc
}

// entry returns the entry of key, or records UnknownKey.
func (o *op) entry(key string) *Entry {
	e := o.c.cat.entry(key)
	if e == nil {
		o.problem(UnknownKey, []string{key}, "%s is not a KVP of the catalogue", key)
	}
	return e
}

// put checks v for key and stores it; it reports whether it did.
func (o *op) put(key string, v any) bool {
	e := o.entry(key)
	if e == nil {
		return false
	}
	if o.keepRequest {
		if i, _ := o.c.index(e.Key); o.c.fromParam(i) {
			return false
		}
	}
	n, err := e.value(v)
	if err != nil {
		o.problem(BadValue, []string{e.Key}, "%s (%s): %v", e.Key, e.Kind, err)
		return false
	}
	o.storeVal(e.Key, n)
	return true
}

// store sets a checked value (an int or a string) under its canonical
// key. A KVP a callback request parameter gave keeps that value: a
// strategy's value is left out (and logged).
func (o *op) store(key string, v any) {
	x, ok := toVal(v)
	if !ok {
		o.problem(BadValue, []string{key}, "%s: %s is neither an integer nor a string", key, show(v))
		return
	}
	o.storeVal(key, x)
}

// storeVal sets value v of canonical key (see store).
func (o *op) storeVal(key string, v val) {
	c := o.c
	i, ok := c.index(key)
	if !ok {
		return
	}
	if c.fromParam(i) && !o.request {
		if cur, _ := c.get(i); cur != v && !o.keepRequest {
			o.problem(FromRequest, []string{key}, "%s keeps %s from the callback request (the strategy's %s is left out)", key, show(cur.any()), show(v.any()))
		}
		return
	}
	c.setVal(i, v, o.nowSecs(), true)
	if c.dials > 0 || c.dialing {
		c.markAttempt(i, c.attemptAt)
	}
	if c.origin != "" && (key == "_CB_T_CALLBACK_OFFERED" || key == "_CB_T_CALLBACK_ACCEPTED") {
		c.originKeys = append(c.originKeys, key)
	}
	if key == vqKey {
		o.queueConfig(v.s)
	}
}

// The KVPs of the virtual queue used to find the agent.
const (
	vqKey       = "_CB_DIM_VQ"
	vqDBIDKey   = "_CB_DIM_VQ_DBID"
	vqTypeIDKey = "VQ_CFG_TYPE_ID"
	vqTypeKey   = "VQ_CFG_TYPE"
)

// The configuration type of a virtual queue: a DN object (Configuration
// Server's CfgObjectType CFGDN, 2).
const (
	vqTypeID = 2
	vqType   = "CFGDN"
)

// queueConfig sets the configuration KVPs of virtual queue vq from
// Options.Queues, or removes those of a previous queue.
func (o *op) queueConfig(name string) {
	if lookup := o.r.opts.Queues; lookup != nil {
		if dbid, ok := lookup(name); ok && dbid > 0 {
			o.storeVal(vqDBIDKey, intVal(dbid))
			o.storeVal(vqTypeIDKey, intVal(vqTypeID))
			o.storeVal(vqTypeKey, strVal(vqType))
			return
		}
	}
	for _, k := range []string{vqDBIDKey, vqTypeIDKey, vqTypeKey} {
		o.c.unset(k)
	}
}

// settable returns the entry of key if strategies may set it.
func (o *op) settable(key string) *Entry {
	e := o.entry(key)
	switch {
	case e == nil:
		return nil
	case e.Derived != nil:
		o.problem(NotSettable, []string{e.Key}, "%s is derived (%s), not set; set or stamp its moments", e.Key, e.Derived)
		return nil
	case e.Reserved:
		o.problem(NotSettable, []string{e.Key}, "%s is set by the start and final UserEvents", e.Key)
		return nil
	case e.Key == readyKey:
		if o.c.has(readyKey) {
			o.problem(NotSettable, []string{e.Key}, "%s is set only once, before the first dial attempt", e.Key)
			return nil
		}
	}
	return e
}

const readyKey = "_CB_T_READY_TO_START_MEDIA_IXN"

// flushOrigin attaches the offered/accepted timestamps stored during the
// operation to the originating call.
func (o *op) flushOrigin() {
	c := o.c
	if len(c.originKeys) == 0 {
		return
	}
	keys := c.originKeys
	c.originKeys = nil
	if !c.svc.Enable {
		return
	}
	var ud telephony.UserData
	for _, k := range keys {
		v, _ := c.lookup(k)
		ud.Set(k, v.any())
	}
	o.attachData(c.origin, ud)
}

// attachData sends an update of the call's user data, leaving out the
// pairs the call already holds with the same value.
func (o *op) attachData(ixn string, ud telephony.UserData) {
	c := o.c
	fresh := ud[:0:0]
	for _, x := range ud {
		i, _ := c.index(x.Key)
		v, _ := toVal(x.Value)
		if old, ok := c.attachedVal(ixn, i); !ok || old != v {
			fresh = append(fresh, x)
		}
	}
	if len(fresh) == 0 {
		return
	}
	ud = fresh
	p := o.r.opts.Port
	if p == nil {
		o.problem(PortFailure, ud.Keys(), "no telephony port to attach %s to call %s", strings.Join(ud.Keys(), ", "), ixn)
		return
	}
	ref, err := p.UpdateUserData(telephony.UserDataChange{Op: telephony.Update, ConnID: telephony.ConnID(ixn), UserData: ud})
	if err != nil {
		o.problem(PortFailure, ud.Keys(), "attaching to call %s: %v", ixn, err)
		return
	}
	o.r.refs[ref] = pendingReq{session: c.id, what: "attach"}
	for _, x := range ud {
		i, _ := c.index(x.Key)
		v, _ := toVal(x.Value)
		c.noteAttachedVal(ixn, i, v)
	}
}
