package ors

import (
	"fmt"
	"strconv"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/telephony"
)

// Register registers the function modules' actions in reg; the actions it
// parses run on r. Attributes are value expressions unless noted;
// requestid is a location that receives a new request id, except where
// it names an earlier request. Every action also accepts the other
// attributes the ORS Developer's Guide lists for it (hints, location,
// ...), which Orca evaluates and ignores; attributes the guide does not
// list are load warnings. The actions ("Action Elements" of each
// interface of the guide):
//
//	ixn:accept      interactionid resource hints
//	ixn:attach      interactionid
//	ixn:detach      interactionid
//	ixn:redirect    interactionid from to type location hints detach timeout
//	ixn:deliver     interactionid from to type resource location hints
//	ixn:terminate   interactionid reason resource location hints
//	                (on a virtual interaction, see CreateVirtual: deliver,
//	                redirect and terminate are answered without the port)
//	ixn:createcall  from to timeout location hints, <param>   user data of the new call
//	queue:submit    interactionid queue route priority timeout clearontimeout ordertype orderstat
//	                type strategy hints location virtualqueue,
//	                <queue:targets type statserver> of <queue:targetid expr> and
//	                <queue:target name type(literal) weight threshold statserver>,
//	                <dialog:runtreatments> of dialog actions played while waiting
//	queue:cancel    interactionid queue requestid (the submit's, a value) hints
//	queue:query     requestid (the submit's, a value) interactionid hints
//	session:start   src (literal) srcexpr idlocation (location), <param>   params become the new session's _data
//	session:terminate sessionid
//	session:fetch   src (literal) srcexpr method timeout enctype type maxage maxstale headers
//	                gdelivery gd_retries gd_retry_interval, <param>, <content expr|_expr>
//	dialog:start    interactionid type src device timeout language hints, <param>
//	dialog:playsound interactionid type resource duration language hints, <param>
//	dialog:stop     interactionid hints
//	ws:response     requestid (the request's _event.sendid, a value) type resultcode, <param>
//	statistic:subscribe   object statistic interval timeout requestid
//	statistic:unsubscribe requestid (the subscription's, a value)
//
// <param> children may be in the module's namespace or SCXML's. Other
// names in these namespaces, and every element of the Genesys modules
// Orca does not implement (classification, resource), are load errors.
func (r *Runtime) Register(reg *scxml.Registry) {
	for _, sp := range r.specs() {
		reg.Register(moduleNS(sp.module), sp.name, r.parser(sp))
	}
}

// moduleNS returns the namespace of a module prefix.
func moduleNS(module string) string {
	switch module {
	case "ixn":
		return NSInteraction
	case "queue":
		return NSQueue
	case "session":
		return NSSession
	case "dialog":
		return NSDialog
	case "ws":
		return NSWS
	case "statistic":
		return NSStatistic
	}
	return ""
}

// spec returns the spec of the action local in namespace ns.
func (r *Runtime) spec(ns, local string) (spec, bool) {
	for _, sp := range r.specs() {
		if moduleNS(sp.module) == ns && sp.name == local {
			return sp, true
		}
	}
	return spec{}, false
}

func (r *Runtime) specs() []spec {
	return []spec{
		{module: "ixn", name: "accept", attrs: []string{"interactionid", "resource", "hints"}, run: runAccept},
		{module: "ixn", name: "attach", attrs: []string{"interactionid", "hints"}, run: runAttach},
		{module: "ixn", name: "detach", attrs: []string{"interactionid", "hints"}, run: runDetach},
		{module: "ixn", name: "redirect", attrs: []string{"interactionid", "from", "to", "type", "location", "hints", "detach", "timeout"}, run: runRoute(telephony.RouteRedirect)},
		{module: "ixn", name: "deliver", attrs: []string{"interactionid", "from", "to", "type", "resource", "location", "hints"}, run: runRoute(telephony.RouteDeliver)},
		{module: "ixn", name: "terminate", attrs: []string{"interactionid", "reason", "resource", "location", "hints"}, run: runTerminate},
		{module: "ixn", name: "createcall", attrs: []string{"from", "to", "timeout", "location", "hints"}, params: true, run: runCreateCall},
		{module: "queue", name: "submit", attrs: []string{"interactionid", "queue", "route", "priority", "timeout", "clearontimeout",
			"ordertype", "orderstat", "type", "strategy", "hints", "location", "virtualqueue"}, targets: true, treatments: true, run: runSubmit},
		{module: "queue", name: "cancel", attrs: []string{"interactionid", "queue", "hints"}, reqIn: true, run: runCancel},
		{module: "queue", name: "query", attrs: []string{"interactionid", "hints"}, reqIn: true, run: runQuery},
		{module: "session", name: "start", attrs: []string{"srcexpr"}, locs: []string{"idlocation"}, lits: []string{"src"}, params: true, run: runStart},
		{module: "session", name: "terminate", attrs: []string{"sessionid"}, run: runSessionTerminate},
		{module: "session", name: "fetch", attrs: []string{"srcexpr", "method", "timeout", "enctype", "type", "maxage", "maxstale",
			"headers", "gdelivery", "gd_retries", "gd_retry_interval"}, lits: []string{"src"}, params: true, content: true, run: runFetch},
		{module: "dialog", name: "start", attrs: []string{"interactionid", "type", "src", "device", "timeout", "language", "hints"}, params: true, run: runTreatment("IVR")},
		{module: "dialog", name: "playsound", attrs: []string{"interactionid", "type", "resource", "duration", "language", "hints"}, params: true, run: runTreatment("Music")},
		{module: "dialog", name: "stop", attrs: []string{"interactionid", "hints"}, run: runDialogStop},
		{module: "ws", name: "response", attrs: []string{"type", "resultcode"}, reqIn: true, params: true, run: runResponse},
		{module: "statistic", name: "subscribe", attrs: []string{"object", "statistic", "interval", "timeout"}, run: runSubscribe},
		{module: "statistic", name: "unsubscribe", attrs: []string{}, reqIn: true, run: runUnsubscribe},
	}
}

func runAccept(c *call) error {
	id, ok := c.needIxn()
	if !ok {
		return nil
	}
	// The port has no answer request: the interaction is accepted as
	// soon as it is known.
	return c.done(map[string]any{"interactionid": id})
}

func runAttach(c *call) error {
	id := c.str("interactionid")
	if id == "" {
		return c.fail(errInvalidAttribute, "no interactionid")
	}
	c.rt.mu.Lock()
	st := c.rt.ixns[id]
	if st != nil {
		c.rt.own(c.s.ID(), id)
	}
	c.rt.mu.Unlock()
	if st == nil {
		return c.fail(errInvalidAttribute, "unknown interaction "+strconv.Quote(id))
	}
	return c.done(map[string]any{"interactionid": id})
}

func runDetach(c *call) error {
	id, ok := c.needIxn()
	if !ok {
		return nil
	}
	c.rt.mu.Lock()
	c.rt.disown(c.s.ID(), id)
	c.rt.mu.Unlock()
	return c.done(map[string]any{"interactionid": id})
}

func runRoute(t telephony.RouteType) func(c *call) error {
	return func(c *call) error {
		id, ok := c.needIxn()
		if !ok {
			return nil
		}
		to, sw := destination(c.val("to"))
		if to == "" {
			return c.fail("invaliddestination", "no destination (to)")
		}
		if c.rt.virtual(id) != nil {
			// No call to move: the target is offered the interaction.
			if c.boolean("detach") {
				c.rt.mu.Lock()
				c.rt.disown(c.s.ID(), id)
				c.rt.mu.Unlock()
			}
			return c.done(map[string]any{"interactionid": id, "destination": to})
		}
		x, _ := c.rt.callOf(id)
		from, _ := destination(c.val("from"))
		if from == "" {
			from = x.ThisDN
		}
		if sw == "" {
			sw = x.Switch
		}
		if err := c.send(id, func(p telephony.Port) (telephony.ReferenceID, error) {
			return p.Route(telephony.Route{Type: t, ConnID: x.ConnID, From: from, To: to, Switch: sw})
		}); err != nil {
			return err
		}
		if c.boolean("detach") {
			c.rt.mu.Lock()
			c.rt.disown(c.s.ID(), id)
			c.rt.mu.Unlock()
		}
		return nil
	}
}

func runTerminate(c *call) error {
	id, ok := c.needIxn()
	if !ok {
		return nil
	}
	if c.rt.virtual(id) != nil {
		err := c.done(map[string]any{"interactionid": id})
		c.rt.releaseFrom(c, id)
		return err
	}
	x, _ := c.rt.callOf(id)
	return c.send(id, func(p telephony.Port) (telephony.ReferenceID, error) {
		return p.Release(telephony.Release{ConnID: x.ConnID, ThisDN: x.ThisDN})
	})
}

func runCreateCall(c *call) error {
	to := c.str("to")
	if to == "" {
		return c.fail(errInvalidAttribute, "no number to call (to)")
	}
	timeout, err := c.duration("timeout")
	if err != nil {
		return err
	}
	params, err := c.paramValues()
	if err != nil {
		return err
	}
	ud, err := telephony.FromNeutral(params)
	if err != nil {
		return c.fail(errInvalidAttribute, err.Error())
	}
	return c.send("", func(p telephony.Port) (telephony.ReferenceID, error) {
		return p.MakeCall(telephony.MakeCall{ThisDN: c.str("from"), Destination: to, Switch: c.rt.opts.Config.Switch, Timeout: timeout, UserData: ud})
	})
}

func runResponse(c *call) error {
	if c.reqID == "" {
		return c.fail(errInvalidAttribute, "no requestid")
	}
	params, err := c.paramValues()
	if err != nil {
		return err
	}
	typ := c.str("type")
	if typ == "" {
		typ = "result"
	}
	if c.rt.opts.Respond == nil {
		return c.fail(errUnknown, "this host answers no requests")
	}
	if err := c.rt.opts.Respond(c.s, Response{RequestID: c.reqID, Type: typ, Code: c.str("resultcode"), Params: params}); err != nil {
		return c.fail(errRemote, err.Error())
	}
	return nil
}

func runStart(c *call) error {
	src := c.src()
	if src == "" {
		return c.fail(errInvalidAttribute, "no document (src or srcexpr)")
	}
	params, err := c.paramValues()
	if err != nil {
		return err
	}
	uri := scxml.Resolve(c.s.Chart().Document().File, src)
	chart, err := c.rt.chart(c.s.Engine(), uri)
	if err != nil {
		return c.fail(errInvalidAttribute, err.Error())
	}
	child, err := c.s.Engine().Start(chart, interp.StartOptions{Params: params})
	if err != nil {
		return c.fail(errUnknown, err.Error())
	}
	c.rt.mu.Lock()
	c.rt.children[child.ID()] = c.s.ID()
	c.rt.mu.Unlock()
	if loc := c.a.locs["idlocation"]; loc != nil {
		if err := c.s.Datamodel().SetLocation(loc, child.ID()); err != nil {
			return err
		}
	}
	return c.done(map[string]any{"sessionid": child.ID()})
}

// src returns the srcexpr value or the src literal, resolved against the
// session's document.
func (c *call) src() string {
	src := c.str("srcexpr")
	if src == "" {
		src = c.a.lits["src"]
	}
	return src
}

// chart loads and compiles the document at uri for engine e, once per
// runtime.
func (r *Runtime) chart(e *interp.Engine, uri string) (*interp.Chart, error) {
	r.mu.Lock()
	ch := r.charts[uri]
	r.mu.Unlock()
	if ch != nil {
		return ch, nil
	}
	load := r.opts.Load
	if load == nil {
		load = func(uri string) (*scxml.Document, error) { return scxml.Load(uri, r.LoadOptions()) }
	}
	doc, err := load(uri)
	if err != nil {
		return nil, err
	}
	ch, err = e.Compile(doc)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", uri, err)
	}
	r.mu.Lock()
	r.charts[uri] = ch
	r.mu.Unlock()
	return ch, nil
}

func runSessionTerminate(c *call) error {
	id := c.str("sessionid")
	if id == "" || id == c.s.ID() {
		// The session ends itself once the current microstep is over.
		c.s.Exit()
		return nil
	}
	if err := c.s.Engine().Cancel(id); err != nil {
		return c.fail(errInvalidAttribute, err.Error())
	}
	return c.done(map[string]any{"sessionid": id})
}
