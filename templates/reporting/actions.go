package reporting

import (
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/beevik/etree"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// NS is the namespace of the reporting actions.
const NS = "http://orca-scxml.dev/reporting"

// attr is an action attribute that is either a literal (lit) or an
// expression (expr); expression-only attributes have no lit.
type attr struct {
	lit, expr string
	required  bool
}

// spec describes one action element.
type spec struct {
	name  string
	attrs []attr
	// check validates the literal attributes at load time.
	check func(c *Catalogue, lits map[string]string) error
	run   func(o *op, v values)
}

// specs returns the actions.
func specs() []spec {
	key := attr{lit: "key", expr: "keyexpr", required: true}
	// fromrequest="keep": a KVP the callback request gave keeps its value
	// without a from_request log (see op.keepRequest).
	fromRequest := attr{lit: "fromrequest"}
	return []spec{
		{name: "set", attrs: []attr{key, {lit: "value", expr: "expr", required: true}, fromRequest},
			check: func(c *Catalogue, l map[string]string) error {
				e, err := checkKey(c, l, "set")
				if err != nil || e == nil {
					return err
				}
				if v, ok := l["value"]; ok {
					if _, err := e.normalize(v); err != nil {
						return fmt.Errorf("%s (%s): %v", e.Key, e.Kind, err)
					}
				}
				return nil
			},
			run: func(o *op, v values) { o.set(v.str("key"), v.get("value")) }},
		{name: "stamp", attrs: []attr{key, fromRequest},
			check: func(c *Catalogue, l map[string]string) error {
				e, err := checkKey(c, l, "stamp")
				if err == nil && e != nil && e.Kind != Timestamp {
					err = fmt.Errorf("%s is a %s, not a timestamp", e.Key, e.Kind)
				}
				return err
			},
			run: func(o *op, v values) { o.stamp(v.str("key")) }},
		{name: "increment", attrs: []attr{key, {expr: "by"}},
			check: func(c *Catalogue, l map[string]string) error {
				e, err := checkKey(c, l, "increment")
				if err == nil && e != nil && e.Kind != Count {
					err = fmt.Errorf("%s is a %s, not a count", e.Key, e.Kind)
				}
				return err
			},
			run: func(o *op, v values) { o.increment(v.str("key"), v.get("by")) }},
		{name: "dialing", attrs: []attr{{lit: "pending", expr: "pendingexpr"}},
			check: func(c *Catalogue, l map[string]string) error {
				return checkValue(c, l, "pending", "_CB_DIAL_1_RESULT")
			},
			run: func(o *op, v values) { o.dialing(v.get("pending")) }},
		{name: "pending", attrs: []attr{{lit: "result", expr: "resultexpr", required: true}},
			check: func(c *Catalogue, l map[string]string) error {
				return checkValue(c, l, "result", "_CB_DIAL_1_RESULT")
			},
			run: func(o *op, v values) { o.setPending(v.get("result")) }},
		{name: "outbound", attrs: []attr{{expr: "interactionid", required: true}, {expr: "callid"}, {expr: "udata"}},
			run: func(o *op, v values) { o.outbound(v.str("interactionid"), v.str("callid"), v.get("udata")) }},
		{name: "state", attrs: []attr{{lit: "value", expr: "expr", required: true}},
			check: func(c *Catalogue, l map[string]string) error {
				if s, ok := l["value"]; ok && !slices.Contains(DispositionStates(), s) {
					return fmt.Errorf("callback state %q is not one of %s", s, strings.Join(DispositionStates(), ", "))
				}
				return nil
			},
			run: func(o *op, v values) { o.state(v.get("value")) }},
		{name: "queuestat", attrs: []attr{{expr: "queue", required: true}, {expr: "interactionid"},
			{lit: "ewt"}, {lit: "position"}, {lit: "priority"}, {lit: "waited"}, {expr: "defaultpriority"}, fromRequest},
			check: checkQueueStat,
			run: func(o *op, v values) {
				o.queueStat(v.str("queue"), v.str("interactionid"), statKeys{ewt: v.str("ewt"), position: v.str("position"),
					priority: v.str("priority"), waited: v.str("waited")}, v.get("defaultpriority"))
			}},
		{name: "dialresult", attrs: []attr{{lit: "result", expr: "resultexpr", required: true}, {expr: "interactionid"}},
			check: func(c *Catalogue, l map[string]string) error {
				return checkValue(c, l, "result", "_CB_DIAL_1_RESULT")
			},
			run: func(o *op, v values) { o.dialResult(v.get("result"), v.str("interactionid")) }},
		{name: "disposition", attrs: []attr{{lit: "value", expr: "expr", required: true}},
			check: func(c *Catalogue, l map[string]string) error {
				return checkValue(c, l, "value", "_CB_DISPOSITION")
			},
			run: func(o *op, v values) { o.disposition(v.get("value")) }},
		{name: "attach", attrs: []attr{{lit: "keys", expr: "keysexpr", required: true}, {expr: "interactionid"}},
			check: func(c *Catalogue, l map[string]string) error {
				s, ok := l["keys"]
				if !ok {
					return nil
				}
				keys := attachKeys(s)
				if len(keys) == 0 {
					return errors.New("keys names no KVP")
				}
				for _, k := range keys {
					e := c.entry(k)
					if e == nil {
						return fmt.Errorf("%s is not a KVP of the catalogue", k)
					}
					if !e.CallAttached {
						return fmt.Errorf("%s is not a call-attached KVP (only %s are)", e.Key, strings.Join(c.CallAttached(), ", "))
					}
				}
				return nil
			},
			run: func(o *op, v values) { o.attach(v.keys("keys"), v.str("interactionid")) }},
		{name: "start", run: func(o *op, v values) { o.send(false) }},
		{name: "final", run: func(o *op, v values) { o.final(endStrategy) }},
	}
}

// statKinds are the kinds of the KVPs queuestat sets, by attribute.
var statKinds = map[string]Kind{"ewt": Duration, "position": Count, "priority": Count, "waited": Duration}

// checkQueueStat checks the keys of a queuestat: KVPs of the right kind
// a strategy may set, at least one.
func checkQueueStat(c *Catalogue, l map[string]string) error {
	n := 0
	for _, name := range []string{"ewt", "position", "priority", "waited"} {
		k, ok := l[name]
		if !ok {
			continue
		}
		n++
		e, err := checkKey(c, map[string]string{"key": k}, "set")
		if err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
		if e.Kind != statKinds[name] {
			return fmt.Errorf("%s: %s is a %s, not a %s", name, e.Key, e.Kind, statKinds[name])
		}
	}
	if n == 0 {
		return errors.New("names no KVP to set (ewt, position, priority or waited)")
	}
	return nil
}

// checkKey checks a literal key for an operation that sets it.
func checkKey(c *Catalogue, l map[string]string, opName string) (*Entry, error) {
	k, ok := l["key"]
	if !ok {
		return nil, nil
	}
	e := c.entry(k)
	switch {
	case e == nil:
		return nil, fmt.Errorf("%s is not a KVP of the catalogue", k)
	case e.Derived != nil:
		return nil, fmt.Errorf("%s is derived (%s); it cannot be %s", e.Key, e.Derived, map[string]string{"set": "set", "stamp": "stamped", "increment": "incremented"}[opName])
	case e.Reserved:
		return nil, fmt.Errorf("%s is set by the start and final UserEvents", e.Key)
	}
	return e, nil
}

// checkValue checks literal attribute name against the entry of key.
func checkValue(c *Catalogue, l map[string]string, name, key string) error {
	v, ok := l[name]
	if !ok {
		return nil
	}
	e := c.entry(key)
	if _, err := e.normalize(v); err != nil {
		return fmt.Errorf("%s (%s): %v", e.Key, e.Kind, err)
	}
	return nil
}

// Register adds the reporting actions to reg, in namespace NS.
func (r *Reporter) Register(reg *scxml.Registry) {
	for _, sp := range specs() {
		reg.Register(NS, sp.name, r.parser(sp))
	}
}

// action is a parsed reporting action.
type action struct {
	r    *Reporter
	sp   spec
	pos  scxml.Pos
	lits map[string]string
	// names are the attributes' names (the literal name when the
	// attribute has both forms), in sp.attrs order; litv and exprs hold
	// each one's literal (made once) or expression, nil when absent.
	names []string
	litv  []any
	exprs []*scxml.Expr
	// keep is fromrequest="keep".
	keep bool
}

// parser returns the scxml.ActionParser of sp.
func (r *Reporter) parser(sp spec) scxml.ActionParser {
	return func(c *scxml.ActionContext, el *etree.Element) (any, error) {
		a := &action{r: r, sp: sp, pos: c.Pos(el), lits: make(map[string]string),
			names: make([]string, len(sp.attrs)), litv: make([]any, len(sp.attrs)), exprs: make([]*scxml.Expr, len(sp.attrs))}
		var allowed []string
		for _, at := range sp.attrs {
			if at.lit != "" {
				allowed = append(allowed, at.lit)
			}
			if at.expr != "" {
				allowed = append(allowed, at.expr)
			}
		}
		var errs []error
		if err := c.CheckAttrs(el, allowed...); err != nil {
			errs = append(errs, err)
		}
		for i, at := range sp.attrs {
			lit, hasLit := "", false
			if at.lit != "" {
				lit, hasLit = c.Attr(el, at.lit)
			}
			var e *scxml.Expr
			if at.expr != "" {
				e = c.AttrExpr(el, at.expr, scxml.ValueExpr)
			}
			name := at.lit
			if name == "" {
				name = at.expr
			}
			a.names[i] = name
			switch {
			case hasLit && e != nil:
				errs = append(errs, c.Errorf(c.Pos(el), "<%s> takes %s or %s, not both", el.FullTag(), at.lit, at.expr))
			case hasLit:
				a.lits[name] = lit
				a.litv[i] = lit
			case e != nil:
				a.exprs[i] = e
			case at.required && at.lit != "" && at.expr != "":
				errs = append(errs, c.Errorf(c.Pos(el), "<%s> needs %s or %s", el.FullTag(), at.lit, at.expr))
			case at.required:
				errs = append(errs, c.Errorf(c.Pos(el), "<%s> needs %s", el.FullTag(), name))
			}
		}
		for _, ch := range el.ChildElements() {
			errs = append(errs, c.Errorf(c.Pos(ch), "<%s> is not allowed in <%s>", ch.FullTag(), el.FullTag()))
		}
		if v, ok := a.lits["fromrequest"]; ok && v != "keep" && v != "log" {
			errs = append(errs, c.Errorf(c.Pos(el), "<%s>: fromrequest is keep or log, not %q", el.FullTag(), v))
		}
		a.keep = a.lits["fromrequest"] == "keep"
		if sp.check != nil && len(errs) == 0 {
			if err := sp.check(r.cat, a.lits); err != nil {
				errs = append(errs, c.Errorf(c.Pos(el), "<%s>: %v", el.FullTag(), err))
			}
		}
		return a, errors.Join(errs...)
	}
}

// values are an action's attribute values, by the names of its spec's
// attributes (the literal name when the attribute has both forms): a
// handful, found by a scan rather than a map.
type values struct {
	names []string
	v     []any
}

// get returns the value of attribute name (nil when absent or null).
func (v values) get(name string) any {
	for i, n := range v.names {
		if n == name {
			return v.v[i]
		}
	}
	return nil
}

// str returns a value as a string ("" when absent or null).
func (v values) str(name string) string {
	x := v.get(name)
	if x == nil {
		return ""
	}
	s, err := scalarString(x)
	if err != nil {
		return fmt.Sprint(x)
	}
	return s
}

// keys returns a list of keys: an array, or a string of keys separated
// by spaces or commas.
func (v values) keys(name string) []string {
	items, ok := v.get(name).([]any)
	if !ok {
		return attachKeys(v.str(name))
	}
	var out []string
	for _, it := range items {
		s, err := scalarString(it)
		if err != nil {
			s = show(it)
		}
		out = append(out, s)
	}
	return out
}

// Execute evaluates the action's expressions and runs it. An expression
// that fails is error.execution; a refused KVP raises error.reporting
// without stopping the enclosing block.
func (a *action) Execute(s *interp.Session) error {
	sc := a.r.getScratch()
	v := append(sc.v[:0], a.litv...)
	err := a.eval(s, v)
	if err == nil {
		o := a.r.begin(&sc.o, s, a.sp.name, a.pos)
		o.keepRequest = a.keep
		a.sp.run(o, values{names: a.names, v: v})
		o.end()
	}
	clear(v)
	sc.v = v
	a.r.putScratch(sc)
	return err
}

// sharedEvaluator is a data model that hands over event data no script
// changed as the event brought it rather than a copy
// (ecmascript.Model.EvalShared). An action only reads its values while
// it runs: a KVP's value is checked into the collector's own form, user
// data is compared with, keys are copied.
type sharedEvaluator interface {
	EvalShared(e *scxml.Expr) (any, error)
}

// eval sets the values of the attributes given by an expression.
func (a *action) eval(s *interp.Session, v []any) error {
	dm := s.Datamodel()
	se, shared := dm.(sharedEvaluator)
	for i, e := range a.exprs {
		if e == nil {
			continue
		}
		var x any
		var err error
		if shared {
			x, err = se.EvalShared(e)
		} else {
			x, err = dm.Eval(e)
		}
		if err != nil {
			return err
		}
		v[i] = x
	}
	return nil
}
