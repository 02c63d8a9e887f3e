package ors

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/telephony"
)

// action is a parsed function-module action. Every attribute except the
// requestid location is a value expression.
type action struct {
	rt     *Runtime
	module string
	name   string
	pos    scxml.Pos
	// attrs holds the attribute expressions by name.
	attrs map[string]*scxml.Expr
	// locs holds the location attributes (idlocation) by name.
	locs map[string]*scxml.Expr
	// lits holds the literal attributes (src) by name.
	lits map[string]string
	// reqLoc is the requestid location, or nil.
	reqLoc *scxml.Expr
	// params are <module:param name expr> children.
	params []param
	// targets are the <queue:targetid expr> of a queue:submit.
	targets []*scxml.Expr
	run     func(c *call) error
}

type param struct {
	name string
	expr *scxml.Expr
}

// spec describes how to parse one action.
type spec struct {
	module string
	name   string
	// attrs are the expression attributes besides requestid, locs the
	// location attributes, lits the literal ones.
	attrs []string
	locs  []string
	lits  []string
	// reqIn says requestid is a value (the id of an earlier request),
	// not the location of a new one.
	reqIn bool
	// params allows <param> children of the module's namespace.
	params bool
	// targets allows <queue:targets> children.
	targets bool
	run     func(c *call) error
}

// parser returns the scxml.ActionParser of sp.
func (r *Runtime) parser(sp spec) scxml.ActionParser {
	return func(c *scxml.ActionContext, el *etree.Element) (any, error) {
		a := &action{rt: r, module: sp.module, name: sp.name, pos: c.Pos(el), run: sp.run,
			attrs: make(map[string]*scxml.Expr), locs: make(map[string]*scxml.Expr), lits: make(map[string]string)}
		allowed := append(append(append([]string{"requestid"}, sp.attrs...), sp.locs...), sp.lits...)
		var errs []error
		if err := c.CheckAttrs(el, allowed...); err != nil {
			errs = append(errs, err)
		}
		for _, name := range sp.attrs {
			if e := c.AttrExpr(el, name, scxml.ValueExpr); e != nil {
				a.attrs[name] = e
			}
		}
		for _, name := range sp.locs {
			if e := c.AttrExpr(el, name, scxml.LocationExpr); e != nil {
				a.locs[name] = e
			}
		}
		for _, name := range sp.lits {
			if v, ok := c.Attr(el, name); ok {
				a.lits[name] = v
			}
		}
		if sp.reqIn {
			if e := c.AttrExpr(el, "requestid", scxml.ValueExpr); e != nil {
				a.attrs["requestid"] = e
			}
		} else {
			a.reqLoc = c.AttrExpr(el, "requestid", scxml.LocationExpr)
		}
		for _, ch := range el.ChildElements() {
			switch {
			case ch.NamespaceURI() == el.NamespaceURI() && ch.Tag == "param" && sp.params:
				if err := c.CheckAttrs(ch, "name", "expr"); err != nil {
					errs = append(errs, err)
				}
				name, ok := c.Attr(ch, "name")
				e := c.AttrExpr(ch, "expr", scxml.ValueExpr)
				if !ok || e == nil {
					errs = append(errs, c.Errorf(c.Pos(ch), "<%s> needs name and expr", ch.FullTag()))
					continue
				}
				a.params = append(a.params, param{name: name, expr: e})
			case ch.NamespaceURI() == NSQueue && ch.Tag == "targets" && sp.targets:
				if err := c.CheckAttrs(ch, "type"); err != nil {
					errs = append(errs, err)
				}
				for _, t := range ch.ChildElements() {
					if t.NamespaceURI() != NSQueue || t.Tag != "targetid" {
						errs = append(errs, c.Errorf(c.Pos(t), "<%s> is not allowed in <%s>", t.FullTag(), ch.FullTag()))
						continue
					}
					if err := c.CheckAttrs(t, "expr"); err != nil {
						errs = append(errs, err)
					}
					e := c.AttrExpr(t, "expr", scxml.ValueExpr)
					if e == nil {
						errs = append(errs, c.Errorf(c.Pos(t), "<%s> needs expr", t.FullTag()))
						continue
					}
					a.targets = append(a.targets, e)
				}
			default:
				errs = append(errs, c.Errorf(c.Pos(ch), "<%s> is not allowed in <%s>", ch.FullTag(), el.FullTag()))
			}
		}
		return a, errors.Join(errs...)
	}
}

// call is one execution of an action.
type call struct {
	a     *action
	s     *interp.Session
	rt    *Runtime
	reqID string
	vals  map[string]any
}

// Execute evaluates the action's attributes, writes a new request id into
// its requestid location, and runs it. Expression errors are
// error.execution; failures of the request itself arrive later as
// error.<module>.<action>.
func (a *action) Execute(s *interp.Session) error {
	dm := s.Datamodel()
	c := &call{a: a, s: s, rt: a.rt, vals: make(map[string]any, len(a.attrs))}
	for name, e := range a.attrs {
		v, err := dm.Eval(e)
		if err != nil {
			return err
		}
		c.vals[name] = v
	}
	if a.reqLoc != nil || a.attrs["requestid"] == nil {
		c.reqID = a.rt.newRequestID()
	} else {
		c.reqID = c.str("requestid")
	}
	if a.reqLoc != nil {
		if err := dm.SetLocation(a.reqLoc, c.reqID); err != nil {
			return err
		}
	}
	return a.run(c)
}

// str returns attribute name as a string ("" when absent or null).
func (c *call) str(name string) string {
	switch v := c.vals[name].(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(v)
	default:
		return fmt.Sprint(v)
	}
}

// has reports whether attribute name was given.
func (c *call) has(name string) bool {
	_, ok := c.a.attrs[name]
	return ok
}

// number returns attribute name as a number (def when absent).
func (c *call) number(name string, def float64) (float64, error) {
	switch v := c.vals[name].(type) {
	case nil:
		return def, nil
	case float64:
		return v, nil
	case string:
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %q is not a number", name, v)
		}
		return f, nil
	}
	return 0, fmt.Errorf("%s: %v is not a number", name, c.vals[name])
}

// duration returns attribute name as a duration: a number of seconds, or a
// string such as "30s" or "1m" (0 when absent).
func (c *call) duration(name string) (time.Duration, error) {
	if s, ok := c.vals[name].(string); ok {
		if d, err := time.ParseDuration(strings.TrimSpace(s)); err == nil {
			return d, nil
		}
	}
	f, err := c.number(name, 0)
	if err != nil {
		return 0, err
	}
	if f < 0 || math.IsNaN(f) || f > math.MaxInt64/float64(time.Second) {
		return 0, fmt.Errorf("%s: %v is not a valid duration", name, f)
	}
	return time.Duration(f * float64(time.Second)), nil
}

// boolean returns attribute name as a boolean (false when absent).
func (c *call) boolean(name string) bool {
	switch v := c.vals[name].(type) {
	case bool:
		return v
	case string:
		return v == "true"
	case float64:
		return v != 0
	}
	return false
}

// paramValues evaluates the <param> children.
func (c *call) paramValues() (map[string]any, error) {
	out := make(map[string]any, len(c.a.params))
	for _, p := range c.a.params {
		v, err := c.s.Datamodel().Eval(p.expr)
		if err != nil {
			return nil, err
		}
		out[p.name] = v
	}
	return out, nil
}

// ixn returns the interaction the action is about: its interactionid, or
// the session's first interaction.
func (c *call) ixn() string {
	if id := c.str("interactionid"); id != "" {
		return id
	}
	return c.rt.FirstInteraction(c.s.ID())
}

// done queues the action's done event on the session.
func (c *call) done(data map[string]any) error {
	if data == nil {
		data = map[string]any{}
	}
	data["requestid"] = c.reqID
	c.post(doneEvent(c.a.module, c.a.name, data))
	return nil
}

// fail queues the action's error event on the session.
func (c *call) fail(code, desc string) error {
	extra := map[string]any{}
	if id := c.str("interactionid"); id != "" {
		extra["interactionid"] = id
	}
	c.post(errorEvent(c.a.module, c.a.name, c.reqID, code, fmt.Sprintf("%s: %s", c.a.pos, desc), extra))
	return nil
}

// post hands ev to the session through Options.Deliver, as the port's
// answers are, or straight to its external queue when there is no
// Deliver.
func (c *call) post(ev *interp.Event) {
	if c.rt.opts.Deliver == nil {
		c.s.Enqueue(ev)
		return
	}
	c.rt.opts.Deliver(c.s.ID(), ev)
}

// send sends a port request made by req and records it so that its answer
// reaches the session; ixn is the interaction it is about.
func (c *call) send(ixn string, req func(p telephony.Port) (telephony.ReferenceID, error)) error {
	p := c.rt.opts.Port
	if p == nil {
		return c.fail("no_port", "no telephony port")
	}
	c.rt.mu.Lock()
	ref, err := req(p)
	if err == nil {
		c.rt.pending[ref] = &request{session: c.s.ID(), module: c.a.module, action: c.a.name, id: c.reqID, ixn: ixn}
	}
	c.rt.mu.Unlock()
	if err != nil {
		return c.fail("port_error", err.Error())
	}
	return nil
}

// needIxn returns the interaction the action is about, or queues the error
// event when there is none or it is not known.
func (c *call) needIxn() (string, bool) {
	id := c.ixn()
	if id == "" {
		_ = c.fail("invalid_interaction", "no interaction")
		return "", false
	}
	if _, ok := c.rt.Interaction(id); !ok {
		_ = c.fail("invalid_interaction", "unknown interaction "+strconv.Quote(id))
		return "", false
	}
	return id, true
}
