package ors

import (
	"maps"
	"slices"
	"strings"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
)

// Party is one party of an interaction: a DN and its state.
type Party struct {
	DN    string
	State string
}

// Interaction is what the runtime knows of an interaction, as
// _genesys.ixn.interactions[id] shows it.
type Interaction struct {
	// ID is the interaction id (the call's ConnID).
	ID       string
	ConnID   telephony.ConnID
	CallID   string
	Type     string
	ANI      string
	DNIS     string
	ThisDN   string
	Switch   string
	ParentID string
	Parties  []Party
	UserData telephony.UserData
	// CallResult is the latest call result the port reported for the
	// call (EventDialing, EventCallProgress, EventReleased): Answer,
	// Busy, NoAnswer, AnsweringMachine, Fax, SIT, ...; "" when none is
	// known.
	CallResult string
	// Virtual reports an interaction made by CreateVirtual: it has no
	// call on the switch.
	Virtual bool
}

// ixnState is an interaction and its owner.
type ixnState struct {
	Interaction
	owner string
	// creator is the session a virtual interaction was made for.
	creator string
	// mergedInto is the interaction a transfer or conference merged this
	// one into: its deletion is then reported with resultof "merge".
	mergedInto string
	// seq is the sequence number of the last event about the call.
	seq uint64
	// dialled reports an interaction first seen in an EventDialing: its
	// ThisDN is the DN that made the call, whatever its call type.
	dialled bool
	// shown holds parts of the interaction's neutral form made for its
	// earlier events, shared by its later ones while unchanged.
	shown shownParts
}

// shownParts are parts of an interaction's neutral form kept across its
// events: most events change one party and nothing else, and each part
// would otherwise be a map, and a boxed string per value, made again for
// every event. A part is reused only while the values it was made from
// are equal to the interaction's; event data crosses sessions unchanged
// (interp.Event), so a part shared by several events is never written.
type shownParts struct {
	// voice is the voice object, made from voiceOf.
	voice   map[string]any
	voiceOf voiceFields
	// id is the interaction id, boxed once.
	id any
	// parties are the party objects last shown, and list the array
	// that held them.
	parties []shownParty
	list    []any
	// listv is list boxed once, as the interaction object holds it.
	listv any
	// udata is the user data object, made from udataOf (the
	// interaction's user data then: the runtime replaces an
	// interaction's user data, never writes it).
	udata   map[string]any
	udataOf telephony.UserData
	// obj is the interaction object, made from the parts above, parent
	// and tenant; nil once one of its parts is made again.
	obj    map[string]any
	parent string
	tenant int
	// parentv and tenantv are parent and tenant boxed once, kept while
	// they are the same.
	parentv, tenantv any
	// sw is the switch parties were shown on, and swv it boxed once.
	sw  string
	swv any
}

// voiceFields are the fields the voice object shows.
type voiceFields struct {
	callID, connID, typ, ani, dnis, dn, sw string
}

// shownParty is the neutral form of a party and what it was made from.
type shownParty struct {
	Party
	deviceType string
	sw         string
	obj        map[string]any
	// dnv is the party's DN boxed, as obj holds it: a party's later
	// objects (its state changed), the voice object's dn and an event's
	// focusdeviceid share it.
	dnv any
}

// voiceType is the voice.type of a call as ORS spells it (Interaction
// Interface Object Model): inbound, outbound, internal, consult or
// unknown.
func voiceType(callType string) string {
	// EqualFold rather than a lower-cased copy: the port's call types
	// are capitalised (Outbound), and this runs for every event.
	for _, t := range [...]string{"inbound", "outbound", "internal", "consult", "virtual"} {
		if strings.EqualFold(callType, t) {
			return t
		}
	}
	return "unknown"
}

// deviceType is the devicetype of the party at dn: agent (an agent's DN
// of the environment), queue (an ACD queue), routepoint (the DN the call
// arrived on as a route request) or unknown.
func (r *Runtime) deviceType(st *ixnState, dn string) string {
	if _, ok := r.env.AgentAt(dn); ok {
		return "agent"
	}
	if q, ok := r.env.Queue(dn); ok && q.Kind == "acd" {
		return "queue"
	}
	if st.ThisDN == dn && (voiceType(st.Type) == "inbound" || voiceType(st.Type) == "unknown") {
		return "routepoint"
	}
	return "unknown"
}

// party is the neutral form of a party of st: the one shown before when
// nothing it shows has changed.
func (r *Runtime) party(st *ixnState, p Party) map[string]any {
	dt := r.deviceType(st, p.DN)
	for _, sp := range st.shown.parties {
		if sp.shows(p, dt, st.Switch) {
			return sp.obj
		}
	}
	return partyObject(p, st.shown.dnValue(p.DN), dt, st.shown.switchValue(st.Switch))
}

// partyObject is the neutral form of party p: dn its DN boxed,
// deviceType one of deviceType's answers, sw the switch boxed
// (shownParts.switchValue).
func partyObject(p Party, dn any, deviceType string, sw any) map[string]any {
	return map[string]any{"device": dn, "dn": dn, "devicetype": constValue(deviceType), "state": constValue(p.State), "switch": sw}
}

// dnValue returns dn boxed: as a party shown holds it, when one is at dn.
func (sh *shownParts) dnValue(dn string) any {
	for i := range sh.parties {
		if sp := &sh.parties[i]; sp.dnv != nil && sp.DN == dn {
			return sp.dnv
		}
	}
	return dn
}

// constValue returns s as a value: the words the runtime shows most (a
// party's state and device type, a call's type) without boxing them each
// time.
func constValue(s string) any {
	switch s {
	case "ringing":
		return "ringing"
	case "established":
		return "established"
	case "changed":
		return "changed"
	case "agent":
		return "agent"
	case "queue":
		return "queue"
	case "routepoint":
		return "routepoint"
	case "unknown":
		return "unknown"
	case "inbound":
		return "inbound"
	case "outbound":
		return "outbound"
	case "internal":
		return "internal"
	case "consult":
		return "consult"
	case "virtual":
		return "virtual"
	// The call results T-Server reports (callresult; Orchestration
	// Server Developer's Guide, Interaction Interface: interaction
	// events' data).
	case "Answer":
		return "Answer"
	case "Busy":
		return "Busy"
	case "NoAnswer":
		return "NoAnswer"
	case "AnsweringMachine":
		return "AnsweringMachine"
	case "Fax":
		return "Fax"
	case "SIT":
		return "SIT"
	}
	return s
}

// switchValue returns sw boxed, once while it stays the same.
func (sh *shownParts) switchValue(sw string) any {
	if sh.swv == nil || sh.sw != sw {
		sh.sw, sh.swv = sw, sw
	}
	return sh.swv
}

// shows reports whether sp was made from these values.
func (sp *shownParty) shows(p Party, deviceType, sw string) bool {
	return sp.obj != nil && sp.Party == p && sp.deviceType == deviceType && sp.sw == sw
}

// parties returns the array of the neutral forms of st's parties, making
// only those that changed since the last call, and a new array only when
// one did.
func (r *Runtime) parties(st *ixnState) []any {
	sh := &st.shown
	changed := sh.list == nil || len(sh.parties) != len(st.Parties)
	if sh.parties == nil {
		// A call has a few parties: room for them at once.
		sh.parties = make([]shownParty, 0, max(len(st.Parties), 3))
	}
	for len(sh.parties) < len(st.Parties) {
		sh.parties = append(sh.parties, shownParty{})
	}
	clear(sh.parties[len(st.Parties):])
	sh.parties = sh.parties[:len(st.Parties)]
	for i, p := range st.Parties {
		sp := &sh.parties[i]
		if dt := r.deviceType(st, p.DN); !sp.shows(p, dt, st.Switch) {
			dnv := sp.dnv
			if dnv == nil || sp.DN != p.DN {
				dnv = sh.dnValue(p.DN)
			}
			*sp = shownParty{Party: p, deviceType: dt, sw: st.Switch, dnv: dnv, obj: partyObject(p, dnv, dt, sh.switchValue(st.Switch))}
			changed = true
		}
	}
	if changed {
		sh.obj = nil
		// The array of earlier events is theirs: never written again.
		sh.list = make([]any, len(sh.parties))
		for i := range sh.parties {
			sh.list[i] = sh.parties[i].obj
		}
		sh.listv = sh.list
	}
	return sh.list
}

// udata returns the neutral form of st's user data: the one shown before
// while the user data is equal to what it was made from.
func (r *Runtime) udata(st *ixnState) map[string]any {
	sh := &st.shown
	if sh.udata == nil || !sameUserData(sh.udataOf, st.UserData) {
		sh.udataOf = st.UserData
		sh.udata = st.UserData.Neutral()
		sh.obj = nil
	}
	return sh.udata
}

// sameUserData reports whether a and b hold the same pairs in the same
// order.
func sameUserData(a, b telephony.UserData) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Key != b[i].Key {
			return false
		}
		switch x := a[i].Value.(type) {
		case telephony.UserData:
			y, ok := b[i].Value.(telephony.UserData)
			if !ok || !sameUserData(x, y) {
				return false
			}
		case string:
			if y, ok := b[i].Value.(string); !ok || x != y {
				return false
			}
		case int:
			if y, ok := b[i].Value.(int); !ok || x != y {
				return false
			}
		default:
			return false
		}
	}
	return true
}

// neutral returns the interaction as _genesys.ixn.interactions[id]: the
// object shown before while none of its parts changed.
func (r *Runtime) neutral(st *ixnState) map[string]any {
	x, sh := &st.Interaction, &st.shown
	if s, ok := sh.id.(string); !ok || s != x.ID {
		sh.id = x.ID
		sh.obj = nil
	}
	// The parties first: the voice object's dn shares the party's.
	r.parties(st)
	// A virtual interaction shows as a voice interaction of type virtual,
	// the call it stands for.
	vf := voiceFields{x.CallID, string(x.ConnID), voiceType(x.Type), x.ANI, x.DNIS, x.ThisDN, x.Switch}
	if sh.voice == nil || sh.voiceOf != vf {
		sh.voiceOf = vf
		connID := any(vf.connID)
		if vf.connID == x.ID {
			// A call's interaction id is its ConnID, boxed once.
			connID = sh.id
		}
		sh.voice = map[string]any{
			"callid": vf.callID, "connid": connID, "type": constValue(vf.typ),
			"ani": vf.ani, "dnis": vf.dnis, "dn": sh.dnValue(vf.dn), "switch": sh.switchValue(vf.sw), "media": "TMediaVoice",
		}
		sh.obj = nil
	}
	udata := r.udata(st)
	if sh.obj != nil && sh.parent == x.ParentID && sh.tenant == r.env.TenantID {
		return sh.obj
	}
	if sh.parentv == nil || sh.parent != x.ParentID {
		sh.parent, sh.parentv = x.ParentID, x.ParentID
	}
	if sh.tenantv == nil || sh.tenant != r.env.TenantID {
		sh.tenant, sh.tenantv = r.env.TenantID, float64(r.env.TenantID)
	}
	sh.obj = map[string]any{
		"id":        sh.id,
		"g_uid":     sh.id,
		"mediatype": "voice",
		"tenantid":  sh.tenantv,
		"parentid":  sh.parentv,
		"parties":   sh.listv,
		"udata":     udata,
		"voice":     sh.voice,
	}
	return sh.obj
}

// Interaction returns a copy of the interaction with the given id.
func (r *Runtime) Interaction(id string) (Interaction, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.ixns[id]
	if st == nil {
		return Interaction{}, false
	}
	x := st.Interaction
	x.Parties = append([]Party(nil), x.Parties...)
	x.UserData = x.UserData.Clone()
	return x, true
}

// callOf returns what the actions address a request about interaction
// id with, without the copy of its parties and user data Interaction
// makes.
func (r *Runtime) callOf(id string) (ixnCall, bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	st := r.ixns[id]
	if st == nil {
		return ixnCall{}, false
	}
	return ixnCall{ConnID: st.ConnID, ThisDN: st.ThisDN, Switch: st.Switch}, true
}

// ixnCall is the call of an interaction, as callOf returns it.
type ixnCall struct {
	ConnID telephony.ConnID
	ThisDN string
	Switch string
}

// Owner returns the id of the session that owns interaction id ("" when
// none does).
func (r *Runtime) Owner(id string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if st := r.ixns[id]; st != nil {
		return st.owner
	}
	return ""
}

// interactions returns the neutral form of the interactions session sid
// owns, keyed by id, and the first one's id.
func (r *Runtime) interactions(sid string) (map[string]any, string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := make(map[string]any)
	first := ""
	for _, id := range r.owned[sid] {
		if st := r.ixns[id]; st != nil {
			out[id] = r.neutral(st)
			if first == "" {
				first = id
			}
		}
	}
	return out, first
}

// FirstInteraction returns the id of the first interaction session sid
// owns (_genesys.ixn.firstixnid), or "".
func (r *Runtime) FirstInteraction(sid string) string {
	r.mu.Lock()
	defer r.mu.Unlock()
	if ids := r.owned[sid]; len(ids) > 0 {
		return ids[0]
	}
	return ""
}

// outgoing is an event to deliver once r.mu is released.
type outgoing struct {
	session string
	ev      *interp.Event
}

// handle receives the port's events: answers to requests become done or
// error events of the requesting session, call events interaction events
// of the owning session.
func (r *Runtime) handle(ev telephony.Event) {
	// An event causes at most a few events: their list stays on the
	// stack.
	var buf [4]outgoing
	r.mu.Lock()
	defer r.mu.Unlock()
	// Handed over under r.mu, as a fetch's answer is: a session's
	// snapshot persists its share under r.mu and then takes the events
	// waiting in the host's inbox (host.Host.Snapshot), so it shows the
	// state before the event (the call still held: a restored session
	// has the switch asked about it) or the event in its queue, never
	// the call forgotten and its event not yet handed over.
	for _, o := range r.route(ev, buf[:0]) {
		r.deliver(o.session, o.ev)
	}
}

// route works out the events ev causes, appending them to out; r.mu is
// held.
func (r *Runtime) route(ev telephony.Event, out []outgoing) []outgoing {
	id := string(ev.ConnID)
	if req := r.pending[ev.ReferenceID]; req != nil && ev.ReferenceID != 0 {
		delete(r.pending, ev.ReferenceID)
		if ev.Type == telephony.EventError {
			out = append(out, outgoing{req.session, namedErrorEvent(req.errorName(), req.id,
				errorName(ev.ErrorCode), ev.ErrorMessage, map[string]any{"interactionid": req.ixn, "code": float64(ev.ErrorCode)})})
			return out
		}
		if ev.Type == telephony.EventDialing {
			// A call this session made: it owns it.
			st := r.track(ev)
			r.own(req.session, st.ID)
			req.ixn = st.ID
			out = append(out, outgoing{req.session, r.ixnEvent("interaction.added", st, nil)})
		}
		if req.module != "" {
			out = append(out, outgoing{req.session, moduleEvent(req.doneName(), r.doneData(req, ev))})
		}
	}
	if id == "" {
		return out
	}
	st := r.ixns[id]
	if st != nil && st.Virtual {
		// The port's answers about a virtual interaction (a queue
		// submit's) are all handled above.
		return out
	}
	if st != nil && ev.CallResult != "" {
		st.CallResult = ev.CallResult
	}
	if st != nil && ev.Seq > st.seq {
		st.seq = ev.Seq
	}
	switch ev.Type {
	case telephony.EventCallProgress:
		if st == nil {
			break
		}
		out = append(out, outgoing{st.owner, r.ixnEvent("interaction.callprogress", st, map[string]any{"callresult": constValue(ev.CallResult)})})
	case telephony.EventRouteRequest, telephony.EventRinging:
		if st != nil {
			st.Parties = setParty(st.Parties, ev.ThisDN, "ringing")
			out = append(out, outgoing{st.owner, r.partyEvent(st, ev.ThisDN, "ringing")})
			break
		}
		st = r.track(ev)
		if r.opts.Assign != nil {
			x := st.Interaction
			x.UserData = x.UserData.Clone()
			if sid := r.opts.Assign(x); sid != "" {
				r.own(sid, st.ID)
			}
		}
		out = append(out, outgoing{st.owner, r.ixnEvent("interaction.added", st, map[string]any{"focusdeviceid": ev.ThisDN})})
		if ev.Type == telephony.EventRouteRequest {
			// The call waits on a routing point for the strategy to
			// route it (Interaction Interface Events).
			out = append(out, outgoing{st.owner, r.ixnEvent("interaction.onrouterequest", st, map[string]any{"focusdeviceid": ev.ThisDN})})
		}
	case telephony.EventEstablished, telephony.EventPartyChanged:
		if st == nil {
			break
		}
		dn, state := establishedParty(st, ev), "established"
		if ev.Type == telephony.EventPartyChanged {
			dn, state = ev.OtherDN, "changed"
			if dn == "" {
				dn = ev.ThisDN
			}
		}
		// The other end's report of an answer already reported (both
		// ends of the call monitored) changes no party.
		changed := ev.Type == telephony.EventPartyChanged || partyState(st.Parties, dn) != state
		st.Parties = setParty(st.Parties, dn, state)
		if from := r.ixns[string(ev.PreviousConnID)]; ev.PreviousConnID != "" && from != nil && from != st {
			out = append(out, r.merge(from, st)...)
		}
		if changed {
			out = append(out, outgoing{st.owner, r.partyEvent(st, dn, state)})
		}
	case telephony.EventAttachedDataChanged:
		if st == nil {
			break
		}
		if !sameUserData(st.UserData, ev.UserData) {
			st.UserData = ev.UserData.Clone()
		}
		out = append(out, outgoing{st.owner, r.ixnEvent("interaction.udata.changed", st, map[string]any{"udata": r.udata(st)})})
	case telephony.EventAbandoned, telephony.EventReleased:
		if st == nil {
			break
		}
		if ev.Type == telephony.EventAbandoned {
			out = append(out, outgoing{st.owner, r.ixnEvent("interaction.abandoned", st, nil)})
		}
		out = append(out, outgoing{st.owner, r.deletedEvent(st)})
		if st.owner != "" {
			r.disown(st.owner, id)
		}
		delete(r.ixns, id)
	}
	return out
}

// merge reports that a transfer or conference merged interaction from
// into to: interaction.onmerge (frominteractionid, tointeractionid) to
// the sessions owning either, and from's deletion will say resultof
// "merge". A session owning from and not to takes to over when no
// session owns it. r.mu is held.
func (r *Runtime) merge(from, to *ixnState) []outgoing {
	from.mergedInto = to.ID
	data := map[string]any{"interactionid": from.ID, "frominteractionid": from.ID, "tointeractionid": to.ID}
	var out []outgoing
	for _, sid := range []string{from.owner, to.owner} {
		if sid == "" || slices.ContainsFunc(out, func(o outgoing) bool { return o.session == sid }) {
			continue
		}
		out = append(out, outgoing{sid, r.ixnEvent("interaction.onmerge", to, maps.Clone(data))})
	}
	if to.owner == "" && from.owner != "" {
		r.own(from.owner, to.ID)
	}
	return out
}

// partyEvent is interaction.partystatechanged about the party at dn:
// focusdeviceid names the DN, party the party, parties all of them.
func (r *Runtime) partyEvent(st *ixnState, dn, state string) *interp.Event {
	// The party as the interaction shows it, made once for both; its
	// DN boxed once for the party and focusdeviceid.
	r.parties(st)
	return r.ixnEvent("interaction.partystatechanged", st, map[string]any{
		"focusdeviceid": st.shown.dnValue(dn), "party": r.party(st, Party{DN: dn, State: state}),
	})
}

// track adds the interaction an event announces; r.mu is held.
func (r *Runtime) track(ev telephony.Event) *ixnState {
	id := string(ev.ConnID)
	if st := r.ixns[id]; st != nil {
		return st
	}
	st := &ixnState{Interaction: Interaction{
		ID: id, ConnID: ev.ConnID, CallID: ev.CallID, Type: ev.CallType, ANI: ev.ANI, DNIS: ev.DNIS,
		ThisDN: ev.ThisDN, Switch: ev.Switch, UserData: ev.UserData.Clone(),
	}}
	if ev.ThisDN != "" {
		// Room for the parties a call has: the DN, the other party, an
		// agent.
		st.Parties = append(make([]Party, 0, 3), Party{DN: ev.ThisDN, State: "ringing"})
	}
	st.seq = ev.Seq
	st.dialled = ev.Type == telephony.EventDialing
	r.ixns[id] = st
	return st
}

// ixnEvent is an interaction event about st whose data is data (the
// event's own, nil for none) with interactionid and interaction added
// where data does not give them.
func (r *Runtime) ixnEvent(name string, st *ixnState, data map[string]any) *interp.Event {
	obj := r.neutral(st)
	if data == nil {
		data = make(map[string]any, 2)
	}
	if _, ok := data["interactionid"]; !ok {
		data["interactionid"] = obj["id"]
	}
	if _, ok := data["interaction"]; !ok {
		data["interaction"] = obj
	}
	return &interp.Event{Name: name, Type: interp.External, Data: data}
}

// deletedEvent is interaction.deleted about st: resultof says why
// ("deletion", or "merge" when a transfer or conference merged it into
// another interaction), callresult the call result when one is known.
func (r *Runtime) deletedEvent(st *ixnState) *interp.Event {
	extra := map[string]any{"resultof": "deletion"}
	if st.mergedInto != "" {
		extra["resultof"] = "merge"
	}
	if st.CallResult != "" {
		extra["callresult"] = constValue(st.CallResult)
	}
	return r.ixnEvent("interaction.deleted", st, extra)
}

// establishedParty is the DN of the party an EventEstablished about st
// reports answered. T-Server distributes EventEstablished to both ends of
// the call: on the calling end (the DN the call was dialled from, or the
// call's ANI) ThisDN is the caller and OtherDN the party that answered; on
// the answering end (an agent the call rang at, wherever the interaction
// was first seen) ThisDN is the DN that answered and OtherDN the caller.
// Where neither end is known, the party that was ringing answered.
func establishedParty(st *ixnState, ev telephony.Event) string {
	switch {
	case ev.ThisDN == "":
		return ev.OtherDN
	case ev.OtherDN == "":
		return ev.ThisDN
	case ev.ThisDN == st.ThisDN && (st.dialled || voiceType(st.Type) == "outbound"),
		st.ANI != "" && ev.ThisDN == st.ANI:
		return ev.OtherDN
	case partyState(st.Parties, ev.ThisDN) == "ringing":
		return ev.ThisDN
	case partyState(st.Parties, ev.OtherDN) == "ringing":
		return ev.OtherDN
	}
	return ev.ThisDN
}

// partyState is the state of the party at dn, "" when there is none.
func partyState(ps []Party, dn string) string {
	for _, p := range ps {
		if p.DN == dn {
			return p.State
		}
	}
	return ""
}

// doneData is the data of the done event answering req with ev.
func (r *Runtime) doneData(req *request, ev telephony.Event) map[string]any {
	// Room for a queue.submit.done's.
	data := make(map[string]any, 8)
	data["requestid"] = req.idv
	if req.idv == nil {
		data["requestid"] = req.id
	}
	if req.ixn != "" {
		// The interaction's id as its events show it, boxed once.
		if st := r.ixns[req.ixn]; st != nil && st.shown.id != nil && st.ID == req.ixn {
			data["interactionid"] = st.shown.id
		} else {
			data["interactionid"] = req.ixn
		}
	}
	switch ev.Type {
	case telephony.EventTargetSelected:
		r.submitDone(data, req, ev.Target)
	case telephony.EventAttachedDataChanged:
		if st := r.ixns[string(ev.ConnID)]; st != nil && !st.Virtual {
			// The interaction's user data becomes ev's (route): one
			// neutral form serves this event and interaction.udata.changed.
			st.UserData = ev.UserData.Clone()
			data["udata"] = r.udata(st)
		} else {
			data["udata"] = ev.UserData.Neutral()
		}
	case telephony.EventRouteUsed:
		data["destination"] = ev.OtherDN
	}
	if ev.CallResult != "" {
		data["callresult"] = constValue(ev.CallResult)
	}
	return data
}

func setParty(ps []Party, dn, state string) []Party {
	for i := range ps {
		if ps[i].DN == dn {
			ps[i].State = state
			return ps
		}
	}
	return append(ps, Party{DN: dn, State: state})
}

// errorName is the error field of error.<module>.<action> for a T-Server
// error code: timeout, cancelled, invalidstate (no such call),
// invaliddestination (an unknown DN), or remote for the others (the code
// is in the event's code field).
func errorName(code int) string {
	switch code {
	case telephony.ErrCodeTimeout:
		return "timeout"
	case telephony.ErrCodeCancelled:
		return "cancelled"
	case telephony.ErrCodeNoSuchCall:
		return "invalidstate"
	case telephony.ErrCodeInvalidDN:
		return "invaliddestination"
	}
	return errRemote
}
