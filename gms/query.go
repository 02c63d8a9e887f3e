package gms

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/orca-scxml/orca/internal/httpapi"
	"github.com/orca-scxml/orca/templates"
)

// query is GET Path?_id=ID or ?_customer_number=N[&_callback_state=[!]STATE]
// (GMS Query Callback by ID, and across services by customer number): a
// list of callbacks.
func (c *Callbacks) query(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var list []Callback
	switch {
	case q.Get("_id") != "":
		if err := checkID("_id", q.Get("_id")); err != nil {
			return err
		}
		if cb, ok := c.table.get(q.Get("_id"), c.clock.Now()); ok {
			list = append(list, cb)
		}
	case q.Get("_customer_number") != "":
		number := q.Get("_customer_number")
		if err := checkNumber("_customer_number", number); err != nil {
			return err
		}
		m, err := newMatcher(url.Values{"_callback_state": q["_callback_state"]}, "AND")
		if err != nil {
			return err
		}
		list = c.table.query(c.clock.Now(), func(cb *Callback) bool { return cb.CustomerNumber == number && m.match(cb) })
	default:
		return httpapi.Errorf(http.StatusBadRequest, "give _id, or _customer_number (and optionally _callback_state)")
	}
	httpapi.WriteJSON(w, http.StatusOK, c.answer(list))
	return nil
}

// serviceQuery is GET Path/{service}?PROPS (GMS Query Callback by
// Properties): the callbacks of the service whose properties match every
// (operand=AND, the default) or any (operand=OR) of the given ones; a
// value "!V" matches properties other than V. No property lists every
// callback of the service.
func (c *Callbacks) serviceQuery(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("service")
	if c.services[name] == nil {
		return httpapi.Errorf(http.StatusNotFound, "no callback service %q", name)
	}
	q := r.URL.Query()
	operand := strings.ToUpper(q.Get("operand"))
	q.Del("operand")
	m, err := newMatcher(q, operand)
	if err != nil {
		return err
	}
	list := c.table.query(c.clock.Now(), func(cb *Callback) bool { return cb.Service == name && m.match(cb) })
	httpapi.WriteJSON(w, http.StatusOK, c.answer(list))
	return nil
}

// matcher matches callbacks against query properties.
type matcher struct {
	props []matchProp
	or    bool
}

type matchProp struct {
	key, value string
	not        bool
}

// newMatcher checks the properties of a query: one value each, the sizes
// of checkParams, a known state for _callback_state.
func newMatcher(q url.Values, operand string) (*matcher, error) {
	m := &matcher{}
	switch operand {
	case "", "AND":
	case "OR":
		m.or = true
	default:
		return nil, httpapi.Errorf(http.StatusBadRequest, "operand %q: want AND or OR", operand)
	}
	raw := map[string]string{}
	for k, vs := range q {
		switch len(vs) {
		case 0:
			continue
		case 1:
			raw[k] = vs[0]
		default:
			return nil, httpapi.Errorf(http.StatusBadRequest, "query property %s given %d times: give it once", k, len(vs))
		}
	}
	if len(raw) > maxParams {
		return nil, httpapi.Errorf(http.StatusBadRequest, "%d query properties: at most %d are allowed", len(raw), maxParams)
	}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		v := raw[k]
		if len(k) > maxParamName || len(v) > maxParamValue {
			return nil, httpapi.Errorf(http.StatusBadRequest, "query property %q: name or value too long", clip(k))
		}
		p := matchProp{key: k, value: v}
		if rest, ok := strings.CutPrefix(v, "!"); ok {
			p.value, p.not = rest, true
		}
		if states := templates.States(); k == "_callback_state" && !slices.Contains(states, p.value) {
			return nil, httpapi.Errorf(http.StatusBadRequest, "_callback_state %q: want one of %s, or ! and one of them", v, strings.Join(states, ", "))
		}
		m.props = append(m.props, p)
	}
	return m, nil
}

// match reports whether cb matches.
func (m *matcher) match(cb *Callback) bool {
	if len(m.props) == 0 {
		return true
	}
	f := cb.Fields("")
	for _, p := range m.props {
		v, ok := f[p.key]
		hit := ok && v == p.value
		if p.not {
			hit = !hit
		}
		if m.or && hit {
			return true
		}
		if !m.or && !hit {
			return false
		}
	}
	return !m.or
}
