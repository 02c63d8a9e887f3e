package ors

import (
	"strconv"
	"strings"
	"time"

	"github.com/orca-scxml/orca/telephony"
)

// runSubmit sends a <queue:submit>. The session receives at once
// queue.submit.requestid (requestid, interactionid), then
// queue.submit.done when a target is found or error.queue.submit (error
// "timeout" when none is found in time, "cancelled" when the submit was
// withdrawn). The treatments of its <dialog:runtreatments> are sent to
// the port in order when the submit is, and answer nothing.
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
	targets, err := c.targetList()
	if err != nil {
		return err
	}
	var treatments []telephony.Treatment
	for _, t := range c.a.treatments {
		tc, err := t.prepare(c.s, c.reqID)
		if err != nil {
			return err
		}
		tr, err := tc.treatment()
		if err != nil {
			return err
		}
		treatments = append(treatments, tr)
	}
	x, _ := c.rt.callOf(id)
	route := c.str("route")
	if route == "" || route == "true" || route == "false" {
		// route says whether URS routes the call itself; the submit is
		// reported on the interaction's DN.
		route = x.ThisDN
	}
	queue := c.str("queue")
	if queue == "" {
		queue = c.str("virtualqueue")
	}
	at := c.s.Engine().Clock().Now()
	ref, err := c.sendRef(id, func(p telephony.Port) (telephony.ReferenceID, error) {
		return p.SubmitToQueue(telephony.QueueSubmit{ConnID: x.ConnID, Queue: queue, Route: route, Targets: targets, Priority: int(prio), Timeout: timeout})
	}, func(req *request) {
		req.queue, req.priority, req.at, req.targets = queue, prio, at, targets
	})
	if err != nil || ref == 0 {
		return err
	}
	c.post(moduleEvent("queue.submit.requestid", map[string]any{"requestid": c.reqIDv, "interactionid": c.ixnValue(id)}))
	for _, tr := range treatments {
		tr.ConnID, tr.ThisDN = x.ConnID, x.ThisDN
		p := c.rt.opts.Port
		c.rt.mu.Lock()
		// Treatments of a submit answer nothing (ORS: "no events will be
		// generated for all treatment actions").
		tref, err := p.PlayTreatment(tr)
		if err == nil {
			c.rt.pending[tref] = &request{session: c.s.ID(), id: c.reqID, ixn: id}
		}
		c.rt.mu.Unlock()
	}
	return nil
}

// targetList evaluates the <queue:targets> of a submit into URS target
// strings: the lists of <queue:targetid>, and one target per
// <queue:target>.
func (c *call) targetList() ([]string, error) {
	dm := c.s.Datamodel()
	var out []string
	for _, t := range c.a.targets {
		if t.id != nil {
			v, err := dm.EvalString(t.id)
			if err != nil {
				return nil, err
			}
			for x := range targetsOf(v) {
				out = append(out, x.String())
			}
			continue
		}
		name, err := dm.EvalString(t.name)
		if err != nil {
			return nil, err
		}
		tg := Target{Name: name, Type: typeCode(t.kind)}
		if t.kind == "skill" {
			tg = Target{Name: "", Skill: name, Type: "GA"}
		}
		if t.server != nil {
			if tg.Server, err = dm.EvalString(t.server); err != nil {
				return nil, err
			}
		}
		if t.weight != nil {
			if tg.Weight, err = dm.EvalString(t.weight); err != nil {
				return nil, err
			}
		}
		if t.threshold != nil {
			if tg.Threshold, err = dm.EvalString(t.threshold); err != nil {
				return nil, err
			}
		}
		out = append(out, tg.String())
	}
	return out, nil
}

func runCancel(c *call) error {
	named := c.a.attr("requestid") != nil
	c.rt.mu.Lock()
	var submit telephony.ReferenceID
	var ixn string
	for ref, req := range c.rt.pending {
		if named && req.id == c.reqID && req.session == c.s.ID() && req.module == "queue" && req.action == "submit" {
			submit, ixn = ref, req.ixn
		}
	}
	if submit == 0 && !named {
		// Without a requestid, every submit of the interaction (in the
		// queue named, when one is) is withdrawn; the first is enough
		// for the port, which drops the others with it.
		want, queue := c.ixn(), c.str("queue")
		for ref, req := range c.rt.pending {
			if req.session == c.s.ID() && req.module == "queue" && req.action == "submit" && req.ixn == want &&
				(queue == "" || req.queue == queue) && (submit == 0 || ref < submit) {
				submit, ixn = ref, req.ixn
			}
		}
	}
	c.rt.mu.Unlock()
	if submit == 0 {
		if !named {
			// Nothing waits: there is nothing to clear.
			return c.done(map[string]any{"interactionid": c.ixn()})
		}
		return c.fail(errInvalidAttribute, "no pending queue:submit with requestid "+strconv.Quote(c.reqID))
	}
	conn := telephony.ConnID(ixn)
	if x, ok := c.rt.callOf(ixn); ok {
		conn = x.ConnID
	}
	return c.send(ixn, func(p telephony.Port) (telephony.ReferenceID, error) {
		return p.CancelQueue(telephony.QueueCancel{Submit: submit, ConnID: conn, Queue: c.str("queue")})
	})
}

// runQuery answers a <queue:query> about a submit still waiting:
// queue.query.done with its priority, its position among the submits
// waiting in the same queue (1 is first) and the seconds it has waited
// (invqwaittime); error.queue.query when no such submit waits.
func runQuery(c *call) error {
	now := c.s.Engine().Clock().Now()
	c.rt.mu.Lock()
	var found *request
	for _, req := range c.rt.pending {
		if req.id == c.reqID && req.module == "queue" && req.action == "submit" {
			found = req
		}
	}
	var data map[string]any
	if found != nil {
		var ahead []time.Time
		for _, req := range c.rt.pending {
			if req.module == "queue" && req.action == "submit" && req.queue == found.queue && req != found &&
				(req.priority > found.priority || req.priority == found.priority && req.at.Before(found.at)) {
				ahead = append(ahead, req.at)
			}
		}
		data = map[string]any{
			"interactionid":   found.ixn,
			"priority":        found.priority,
			"positioninqueue": float64(len(ahead) + 1),
			"invqwaittime":    float64(now.Sub(found.at) / time.Second),
			"virtualqueue":    found.queue,
		}
	}
	c.rt.mu.Unlock()
	if data == nil {
		return c.fail(errInvalidAttribute, "no pending queue:submit with requestid "+strconv.Quote(c.reqID))
	}
	return c.done(data)
}

// destination returns the DN and switch of the to or from attribute of a
// route: a DN, "dn@switch", or a resource object of queue.submit.done
// (with dn and switch).
func destination(v any) (dn, sw string) {
	switch v := v.(type) {
	case map[string]any:
		return valueString(v["dn"]), valueString(v["switch"])
	case nil:
		return "", ""
	}
	s := strings.TrimSpace(valueString(v))
	if d, rest, ok := strings.Cut(s, "@"); ok && d != "" && !strings.Contains(rest, ".") {
		return d, rest
	}
	return s, ""
}

// submitDone is the data of queue.submit.done for the target the port
// selected: targetselected ("dn@switch"), targetcomponentselected (the
// agent, place or DN found), targetobjectselected (the target of the
// submit that found it), vqselected (the virtual queue), and resource,
// the object an <ixn:redirect to> takes. They are added to data.
func (r *Runtime) submitDone(data map[string]any, req *request, selected string) {
	t := ParseTarget(selected)
	sw := r.env.Switch
	if st := r.ixns[req.ixn]; st != nil && st.Switch != "" {
		sw = st.Switch
	}
	var res map[string]any
	component := t.Name
	if a, ok := r.env.Agent(t.Name); ok && (t.Type == "A" || t.Type == "") {
		res = agentResource(a, sw)
		component = a.ID
	} else if a, ok := r.env.AgentAt(t.Name); ok {
		res = agentResource(a, sw)
		component = a.ID
	} else if t.Type == "P" {
		for _, a := range r.env.Agents {
			if a.Place == t.Name {
				res = agentResource(a, sw)
				component = a.Place
				break
			}
		}
	} else if as, _ := r.env.Candidates(t); len(as) > 0 {
		// A port that answers with a group, a queue or a skill target
		// leaves the choice of the agent to URS: the first ready one.
		a := as[0]
		for _, c := range as {
			if c.IsReady() {
				a = c
				break
			}
		}
		res = agentResource(a, sw)
		component = a.ID
	}
	// The names are boxed once for the fields that show the same one
	// (a DN target is its own component, and often the submit's
	// target).
	componentv := any(component)
	if res == nil {
		if t.Type == "" && t.Server != "" {
			sw = t.Server
		}
		var swv any = sw
		if st := r.ixns[req.ixn]; st != nil && st.Switch == sw {
			swv = st.shown.switchValue(sw)
		}
		res = map[string]any{"type": "dn", "dn": componentv, "switch": swv}
	}
	objectv := componentv
	if len(req.targets) > 0 && req.targets[0] != component {
		objectv = req.targets[0]
	}
	dn, _ := res["dn"].(string)
	sw, _ = res["switch"].(string)
	queue := any(req.queue)
	data["targetselected"] = dn + "@" + sw
	data["targetcomponentselected"] = componentv
	data["targetobjectselected"] = objectv
	data["vqselected"] = queue
	data["virtualqueue"] = queue
	data["resource"] = res
}

// agentResource is the resource object of an agent.
func agentResource(a Agent, sw string) map[string]any {
	if a.Switch != "" {
		sw = a.Switch
	}
	res := map[string]any{"type": "agent", "agent": a.ID, "dn": a.DN, "switch": sw}
	if a.Place != "" {
		res["place"] = a.Place
	}
	return res
}
