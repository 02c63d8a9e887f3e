package ors

import (
	"fmt"
	"strconv"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/telephony"
)

// Register registers the function modules' actions in reg; the actions it
// parses run on r. The actions and their attributes (each an expression,
// requestid a location unless noted):
//
//	ixn:attach      interactionid                 attach an interaction to this session
//	ixn:detach      interactionid                 detach it
//	ixn:redirect    interactionid from to type detach
//	ixn:deliver     interactionid to from          deliver to an agent
//	ixn:terminate   interactionid
//	                (on a virtual interaction, see CreateVirtual: deliver,
//	                redirect and terminate are answered without the port)
//	ixn:createcall  from to timeout, <ixn:param>   user data of the new call
//	queue:submit    interactionid queue route priority timeout, <queue:targets><queue:targetid expr/>
//	queue:cancel    interactionid requestid (the submit's, a value) queue
//	session:start   src srcexpr idlocation, <session:param>   params become the new session's _data
//	session:terminate sessionid
//	session:fetch   src srcexpr method timeout enctype, <session:param>
//	dialog:start    interactionid src timeout, <dialog:param>
//	dialog:playsound interactionid type resource duration, <dialog:param>
//	ws:response     requestid (the request's _event.sendid, a value) type resultcode, <ws:param>
//
// Other names in these namespaces are load errors.
func (r *Runtime) Register(reg *scxml.Registry) {
	for _, sp := range r.specs() {
		ns := map[string]string{"ixn": NSInteraction, "queue": NSQueue, "session": NSSession, "dialog": NSDialog, "ws": NSWS}[sp.module]
		reg.Register(ns, sp.name, r.parser(sp))
	}
}

func (r *Runtime) specs() []spec {
	return []spec{
		{module: "ixn", name: "attach", attrs: []string{"interactionid"}, run: runAttach},
		{module: "ixn", name: "detach", attrs: []string{"interactionid"}, run: runDetach},
		{module: "ixn", name: "redirect", attrs: []string{"interactionid", "from", "to", "type", "detach"}, run: runRoute(telephony.RouteRedirect)},
		{module: "ixn", name: "deliver", attrs: []string{"interactionid", "from", "to", "type"}, run: runRoute(telephony.RouteDeliver)},
		{module: "ixn", name: "terminate", attrs: []string{"interactionid"}, run: runTerminate},
		{module: "ixn", name: "createcall", attrs: []string{"from", "to", "timeout"}, params: true, run: runCreateCall},
		{module: "queue", name: "submit", attrs: []string{"interactionid", "queue", "route", "priority", "timeout"}, targets: true, run: runSubmit},
		{module: "queue", name: "cancel", attrs: []string{"interactionid", "queue"}, reqIn: true, run: runCancel},
		{module: "session", name: "start", attrs: []string{"srcexpr"}, locs: []string{"idlocation"}, lits: []string{"src"}, params: true, run: runStart},
		{module: "session", name: "terminate", attrs: []string{"sessionid"}, run: runSessionTerminate},
		{module: "session", name: "fetch", attrs: []string{"srcexpr", "method", "timeout", "enctype"}, lits: []string{"src"}, params: true, run: runFetch},
		{module: "dialog", name: "start", attrs: []string{"interactionid", "src", "timeout"}, params: true, run: runTreatment("IVR")},
		{module: "dialog", name: "playsound", attrs: []string{"interactionid", "type", "resource", "duration"}, params: true, run: runTreatment("Music")},
		{module: "ws", name: "response", attrs: []string{"type", "resultcode"}, reqIn: true, params: true, run: runResponse},
	}
}

func runAttach(c *call) error {
	id := c.str("interactionid")
	if id == "" {
		return c.fail("invalid_interaction", "no interactionid")
	}
	c.rt.mu.Lock()
	st := c.rt.ixns[id]
	if st != nil {
		c.rt.own(c.s.ID(), id)
	}
	c.rt.mu.Unlock()
	if st == nil {
		return c.fail("invalid_interaction", "unknown interaction "+strconv.Quote(id))
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
		to := c.str("to")
		if to == "" {
			return c.fail("invalid_target", "no destination (to)")
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
		x, _ := c.rt.Interaction(id)
		from := c.str("from")
		if from == "" {
			from = x.ThisDN
		}
		if err := c.send(id, func(p telephony.Port) (telephony.ReferenceID, error) {
			return p.Route(telephony.Route{Type: t, ConnID: x.ConnID, From: from, To: to, Switch: x.Switch})
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
		c.rt.ReleaseVirtual(id)
		return err
	}
	x, _ := c.rt.Interaction(id)
	return c.send(id, func(p telephony.Port) (telephony.ReferenceID, error) {
		return p.Release(telephony.Release{ConnID: x.ConnID, ThisDN: x.ThisDN})
	})
}

func runCreateCall(c *call) error {
	to := c.str("to")
	if to == "" {
		return c.fail("invalid_target", "no number to call (to)")
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
		return c.fail("invalid_udata", err.Error())
	}
	return c.send("", func(p telephony.Port) (telephony.ReferenceID, error) {
		return p.MakeCall(telephony.MakeCall{ThisDN: c.str("from"), Destination: to, Switch: c.rt.opts.Config.Switch, Timeout: timeout, UserData: ud})
	})
}

func runSubmit(c *call) error {
	id, ok := c.needIxn()
	if !ok {
		return nil
	}
	timeout, err := c.duration("timeout")
	if err != nil {
		return err
	}
	prio, err := c.number("priority", 0)
	if err != nil {
		return err
	}
	var targets []string
	for _, e := range c.a.targets {
		v, err := c.s.Datamodel().EvalString(e)
		if err != nil {
			return err
		}
		targets = append(targets, v)
	}
	x, _ := c.rt.Interaction(id)
	route := c.str("route")
	if route == "" {
		route = x.ThisDN
	}
	return c.send(id, func(p telephony.Port) (telephony.ReferenceID, error) {
		return p.SubmitToQueue(telephony.QueueSubmit{ConnID: x.ConnID, Queue: c.str("queue"), Route: route, Targets: targets, Priority: int(prio), Timeout: timeout})
	})
}

func runCancel(c *call) error {
	c.rt.mu.Lock()
	var submit telephony.ReferenceID
	var ixn string
	for ref, req := range c.rt.pending {
		if req.id == c.reqID && req.session == c.s.ID() && req.module == "queue" && req.action == "submit" {
			submit, ixn = ref, req.ixn
		}
	}
	c.rt.mu.Unlock()
	if submit == 0 {
		return c.fail("invalid_request", "no pending queue:submit with requestid "+strconv.Quote(c.reqID))
	}
	conn := telephony.ConnID(ixn)
	return c.send(ixn, func(p telephony.Port) (telephony.ReferenceID, error) {
		return p.CancelQueue(telephony.QueueCancel{Submit: submit, ConnID: conn, Queue: c.str("queue")})
	})
}

func runTreatment(kind string) func(c *call) error {
	return func(c *call) error {
		id, ok := c.needIxn()
		if !ok {
			return nil
		}
		if c.rt.virtual(id) != nil {
			return c.fail("invalid_interaction", "virtual interaction "+strconv.Quote(id)+" has no call to play to")
		}
		d, err := c.duration("duration")
		if err != nil {
			return err
		}
		if c.has("timeout") {
			if d, err = c.duration("timeout"); err != nil {
				return err
			}
		}
		params, err := c.paramValues()
		if err != nil {
			return err
		}
		ud, err := telephony.FromNeutral(params)
		if err != nil {
			return c.fail("invalid_params", err.Error())
		}
		k, res := kind, c.str("resource")
		if t := c.str("type"); t != "" {
			k = t
		}
		if c.a.name == "start" {
			res = c.str("src")
		}
		x, _ := c.rt.Interaction(id)
		return c.send(id, func(p telephony.Port) (telephony.ReferenceID, error) {
			return p.PlayTreatment(telephony.Treatment{ConnID: x.ConnID, ThisDN: x.ThisDN, Kind: k, Resource: res, Duration: d, Params: ud})
		})
	}
}

func runResponse(c *call) error {
	if c.reqID == "" {
		return c.fail("invalid_request", "no requestid")
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
		return c.fail("not_supported", "this host answers no requests")
	}
	if err := c.rt.opts.Respond(c.s, Response{RequestID: c.reqID, Type: typ, Code: c.str("resultcode"), Params: params}); err != nil {
		return c.fail("response_failed", err.Error())
	}
	return nil
}

func runStart(c *call) error {
	src := c.src()
	if src == "" {
		return c.fail("invalid_src", "no document (src or srcexpr)")
	}
	params, err := c.paramValues()
	if err != nil {
		return err
	}
	uri := scxml.Resolve(c.s.Chart().Document().File, src)
	chart, err := c.rt.chart(c.s.Engine(), uri)
	if err != nil {
		return c.fail("load_error", err.Error())
	}
	child, err := c.s.Engine().Start(chart, interp.StartOptions{Params: params})
	if err != nil {
		return c.fail("start_error", err.Error())
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
		return c.fail("invalid_session", err.Error())
	}
	return c.done(map[string]any{"sessionid": id})
}
