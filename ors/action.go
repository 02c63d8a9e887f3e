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

// action is a parsed function-module action. Its attributes are value
// expressions unless its spec says otherwise.
type action struct {
	rt     *Runtime
	module string
	name   string
	pos    scxml.Pos
	// attrs holds the attribute expressions given, in the order of the
	// spec (requestid last): a handful, found by a scan.
	attrs []attrExpr
	// locs holds the location attributes (idlocation) by name.
	locs map[string]*scxml.Expr
	// lits holds the literal attributes (src) by name.
	lits map[string]string
	// reqLoc is the requestid location, or nil.
	reqLoc *scxml.Expr
	// params are the <param name expr> children, of the module's
	// namespace or of SCXML's.
	params []param
	// content is the <content> child (a session:fetch body), or nil.
	content *scxml.Content
	// targets are the <queue:targets> children of a queue:submit.
	targets []target
	// treatments are the actions of a <dialog:runtreatments> child.
	treatments []*action
	run        func(c *call) error
	// names are the names of its done and error events.
	names eventNames
}

// attrExpr is a value attribute of an action and its expression.
type attrExpr struct {
	name string
	expr *scxml.Expr
}

// attr returns the expression of attribute name, or nil.
func (a *action) attr(name string) *scxml.Expr {
	for i := range a.attrs {
		if a.attrs[i].name == name {
			return a.attrs[i].expr
		}
	}
	return nil
}

type param struct {
	name string
	expr *scxml.Expr
}

// target is a <queue:targetid expr> or a <queue:target name type ...>.
type target struct {
	// id is the expression of a <queue:targetid>: a URS target list.
	id *scxml.Expr
	// name, with its literal type and optional weight and threshold
	// expressions, is a <queue:target>.
	name      *scxml.Expr
	kind      string
	server    *scxml.Expr
	weight    *scxml.Expr
	threshold *scxml.Expr
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
	// params allows <param> children; content a <content>; targets
	// <queue:targets>; treatments <dialog:runtreatments>.
	params     bool
	content    bool
	targets    bool
	treatments bool
	run        func(c *call) error
}

// eventModule is the first part of the name of the events a module's
// actions answer with: interaction.redirect.done, error.queue.submit
// (ORS Interaction Interface, "Events": the namespace convention is
// interaction.xxxx).
func eventModule(module string) string {
	if module == "ixn" {
		return "interaction"
	}
	return module
}

// parser returns the scxml.ActionParser of sp.
func (r *Runtime) parser(sp spec) scxml.ActionParser {
	return func(c *scxml.ActionContext, el *etree.Element) (any, error) {
		return r.parse(c, el, sp)
	}
}

func (r *Runtime) parse(c *scxml.ActionContext, el *etree.Element, sp spec) (*action, error) {
	a := &action{rt: r, module: sp.module, name: sp.name, pos: c.Pos(el), run: sp.run, names: newEventNames(sp.module, sp.name),
		locs: make(map[string]*scxml.Expr), lits: make(map[string]string)}
	allowed := append(append(append([]string{"requestid"}, sp.attrs...), sp.locs...), sp.lits...)
	var errs []error
	if err := c.WarnAttrs(el, allowed...); err != nil {
		errs = append(errs, err)
	}
	for _, name := range sp.attrs {
		if e := c.AttrExpr(el, name, scxml.ValueExpr); e != nil {
			a.attrs = append(a.attrs, attrExpr{name, e})
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
			a.attrs = append(a.attrs, attrExpr{"requestid", e})
		}
	} else {
		a.reqLoc = c.AttrExpr(el, "requestid", scxml.LocationExpr)
	}
	for _, ch := range el.ChildElements() {
		ns := ch.NamespaceURI()
		switch {
		case ch.Tag == "param" && sp.params && (ns == el.NamespaceURI() || ns == scxml.NS):
			// ORS takes the module's <param> and, as Composer writes
			// them, SCXML's.
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
		case ch.Tag == "content" && sp.content && (ns == el.NamespaceURI() || ns == scxml.NS):
			if a.content != nil {
				errs = append(errs, c.Errorf(c.Pos(ch), "<%s> must not have more than one <content>", el.FullTag()))
				continue
			}
			a.content = parseContent(c, ch, &errs)
		case ch.Tag == "targets" && sp.targets && ns == NSQueue:
			a.targets = append(a.targets, parseTargets(c, ch, &errs)...)
		case ch.Tag == "runtreatments" && sp.treatments && ns == NSDialog:
			if err := c.CheckAttrs(ch); err != nil {
				errs = append(errs, err)
			}
			for _, t := range ch.ChildElements() {
				tsp, ok := r.spec(t.NamespaceURI(), t.Tag)
				if !ok || tsp.module != "dialog" {
					errs = append(errs, c.Errorf(c.Pos(t), "<%s> is not a treatment Orca runs in <%s>", t.FullTag(), ch.FullTag()))
					continue
				}
				ta, err := r.parse(c, t, tsp)
				if err != nil {
					errs = append(errs, err)
				}
				a.treatments = append(a.treatments, ta)
			}
		default:
			errs = append(errs, c.Errorf(c.Pos(ch), "<%s> is not allowed in <%s>", ch.FullTag(), el.FullTag()))
		}
	}
	return a, errors.Join(errs...)
}

// parseContent parses the <content> of a session:fetch: an expr (or
// Composer's _expr) attribute, or inline text.
func parseContent(c *scxml.ActionContext, ch *etree.Element, errs *[]error) *scxml.Content {
	if err := c.CheckAttrs(ch, "expr"); err != nil {
		*errs = append(*errs, err)
	}
	ct := &scxml.Content{Pos: c.Pos(ch)}
	key := "expr"
	if _, ok := c.Attr(ch, "_expr"); ok {
		key = "_expr"
	}
	ct.Expr = c.AttrExpr(ch, key, scxml.ValueExpr)
	if ct.Expr == nil {
		ct.Text = strings.TrimSpace(ch.Text())
	}
	return ct
}

// parseTargets parses a <queue:targets>: <queue:targetid expr> and
// <queue:target name type weight threshold statserver> children; the
// type and statserver of <queue:targets> apply to the targets that give
// none.
func parseTargets(c *scxml.ActionContext, ch *etree.Element, errs *[]error) []target {
	if err := c.WarnAttrs(ch, "type", "statserver"); err != nil {
		*errs = append(*errs, err)
	}
	kind, _ := c.Attr(ch, "type")
	server := c.AttrExpr(ch, "statserver", scxml.ValueExpr)
	var out []target
	for _, t := range ch.ChildElements() {
		if t.NamespaceURI() != NSQueue {
			*errs = append(*errs, c.Errorf(c.Pos(t), "<%s> is not allowed in <%s>", t.FullTag(), ch.FullTag()))
			continue
		}
		switch t.Tag {
		case "targetid":
			if err := c.WarnAttrs(t, "expr"); err != nil {
				*errs = append(*errs, err)
			}
			e := c.AttrExpr(t, "expr", scxml.ValueExpr)
			if e == nil {
				*errs = append(*errs, c.Errorf(c.Pos(t), "<%s> needs expr", t.FullTag()))
				continue
			}
			out = append(out, target{id: e})
		case "target":
			if err := c.WarnAttrs(t, "name", "type", "weight", "threshold", "statserver"); err != nil {
				*errs = append(*errs, err)
			}
			tg := target{kind: kind, server: server}
			if tg.name = c.AttrExpr(t, "name", scxml.ValueExpr); tg.name == nil {
				*errs = append(*errs, c.Errorf(c.Pos(t), "<%s> needs name", t.FullTag()))
				continue
			}
			if v, ok := c.Attr(t, "type"); ok {
				tg.kind = v
			}
			if tg.kind != "" && typeCode(tg.kind) == "" {
				*errs = append(*errs, c.Errorf(c.AttrPos(t, "type"), "<%s>: unknown target type %q", t.FullTag(), tg.kind))
			}
			if e := c.AttrExpr(t, "statserver", scxml.ValueExpr); e != nil {
				tg.server = e
			}
			tg.weight = c.AttrExpr(t, "weight", scxml.ValueExpr)
			tg.threshold = c.AttrExpr(t, "threshold", scxml.ValueExpr)
			out = append(out, tg)
		default:
			*errs = append(*errs, c.Errorf(c.Pos(t), "<%s> is not allowed in <%s>", t.FullTag(), ch.FullTag()))
		}
	}
	return out
}

// call is one execution of an action.
type call struct {
	a     *action
	s     *interp.Session
	rt    *Runtime
	reqID string
	// reqIDv is reqID boxed once, for the location it is written to,
	// the request and the events that carry it.
	reqIDv any
	// vals are the values of a.attrs, in their order; small holds them
	// for most actions, which have a few.
	vals  []any
	small [6]any
}

// val returns the value of attribute name (nil when absent or null).
func (c *call) val(name string) any {
	for i := range c.a.attrs {
		if c.a.attrs[i].name == name {
			return c.vals[i]
		}
	}
	return nil
}

// setVal replaces the value of attribute name, one the action has.
func (c *call) setVal(name string, v any) {
	for i := range c.a.attrs {
		if c.a.attrs[i].name == name {
			c.vals[i] = v
			return
		}
	}
}

// Execute evaluates the action's attributes, writes a new request id into
// its requestid location, and runs it. Expression errors are
// error.execution; failures of the request itself arrive later as
// error.<module>.<action>.
func (a *action) Execute(s *interp.Session) error {
	c, err := a.prepare(s, "")
	if err != nil {
		return err
	}
	return a.run(c)
}

// prepare evaluates the attributes and assigns the request id (reqID
// when not empty, for the treatments of a queue:submit).
func (a *action) prepare(s *interp.Session, reqID string) (*call, error) {
	dm := s.Datamodel()
	c := &call{a: a, s: s, rt: a.rt}
	c.vals = c.small[:0]
	for _, at := range a.attrs {
		v, err := dm.Eval(at.expr)
		if err != nil {
			return nil, err
		}
		c.vals = append(c.vals, v)
	}
	switch {
	case reqID != "":
		c.reqID = reqID
	case a.reqLoc != nil || a.attr("requestid") == nil:
		c.reqID = a.rt.newRequestID()
	default:
		c.reqID = c.str("requestid")
	}
	c.reqIDv = c.reqID
	if a.reqLoc != nil {
		if err := dm.SetLocation(a.reqLoc, c.reqIDv); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// str returns attribute name as a string ("" when absent or null).
func (c *call) str(name string) string {
	return valueString(c.val(name))
}

// valueString converts a neutral value to a string ("" for null).
func valueString(v any) string {
	switch v := v.(type) {
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
	return c.a.attr(name) != nil
}

// number returns attribute name as a number (def when absent).
func (c *call) number(name string, def float64) (float64, error) {
	switch v := c.val(name).(type) {
	case nil:
		return def, nil
	case float64:
		return v, nil
	case string:
		if strings.TrimSpace(v) == "" {
			return def, nil
		}
		f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
		if err != nil {
			return 0, fmt.Errorf("%s: %q is not a number", name, v)
		}
		return f, nil
	}
	return 0, fmt.Errorf("%s: %v is not a number", name, c.val(name))
}

// duration returns attribute name as a duration: a number of seconds, or a
// string such as "30", "30s", "500ms" or "1m" (0 when absent).
func (c *call) duration(name string) (time.Duration, error) {
	if s, ok := c.val(name).(string); ok {
		t := strings.TrimSpace(s)
		if d, err := time.ParseDuration(t); err == nil {
			return d, nil
		}
		c.setVal(name, t)
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
	switch v := c.val(name).(type) {
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

// ixnValue returns interaction id id as a value: the interactionid
// attribute's own when it gave id, rather than id boxed again.
func (c *call) ixnValue(id string) any {
	if v, ok := c.val("interactionid").(string); ok && v == id {
		return c.val("interactionid")
	}
	return id
}

// done queues the action's done event on the session.
func (c *call) done(data map[string]any) error {
	if data == nil {
		data = map[string]any{}
	}
	data["requestid"] = c.reqIDv
	c.post(moduleEvent(c.a.names.done, data))
	return nil
}

// fail queues the action's error event on the session.
func (c *call) fail(code, desc string) error {
	extra := map[string]any{}
	if id := c.str("interactionid"); id != "" {
		extra["interactionid"] = id
	}
	c.post(namedErrorEvent(c.a.names.fail, c.reqID, code, fmt.Sprintf("%s: %s", c.a.pos, desc), extra))
	return nil
}

// post places ev, an answer the action makes itself, on the session's
// external queue. The action runs on the session's goroutine, in its
// macrostep: the event is part of the session from then on, so that the
// snapshot a host keeps after the macrostep holds it. Handed through
// Options.Deliver instead, it would wait in the host's inbox, outside
// any snapshot, and a session restored from that snapshot after a crash
// would wait for an answer that nothing sends again.
func (c *call) post(ev *interp.Event) {
	c.s.Enqueue(ev)
}

// send sends a port request made by req and records it so that its answer
// reaches the session; ixn is the interaction it is about.
func (c *call) send(ixn string, req func(p telephony.Port) (telephony.ReferenceID, error)) error {
	_, err := c.sendRef(ixn, req)
	return err
}

// sendRef is send returning the request's reference (0 when it failed).
func (c *call) sendRef(ixn string, req func(p telephony.Port) (telephony.ReferenceID, error), fill ...func(*request)) (telephony.ReferenceID, error) {
	p := c.rt.opts.Port
	if p == nil {
		return 0, c.fail(errUnknown, "no telephony port")
	}
	c.rt.mu.Lock()
	ref, err := req(p)
	if err == nil {
		// The request is complete before the lock is released: its answer
		// may be handled as soon as it is.
		pr := &request{session: c.s.ID(), module: c.a.module, action: c.a.name, id: c.reqID, idv: c.reqIDv, ixn: ixn, names: &c.a.names}
		for _, f := range fill {
			f(pr)
		}
		c.rt.pending[ref] = pr
	}
	c.rt.mu.Unlock()
	if err != nil {
		return 0, c.fail(errRemote, err.Error())
	}
	return ref, nil
}

// needIxn returns the interaction the action is about, or queues the error
// event when there is none or it is not known.
func (c *call) needIxn() (string, bool) {
	id := c.ixn()
	if id == "" {
		_ = c.fail(errInvalidAttribute, "no interaction")
		return "", false
	}
	if _, ok := c.rt.callOf(id); !ok {
		_ = c.fail(errInvalidAttribute, "unknown interaction "+strconv.Quote(id))
		return "", false
	}
	return id, true
}
