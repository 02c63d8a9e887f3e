package server

import (
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/templates"
)

// callbackRecord is what the GMS API reports of one callback.
//
// A snapshot keeps it as JSON, in the index of the session's message
// (callbackLocal): empty fields are left out.
type callbackRecord struct {
	ID             string
	Service        string
	CustomerNumber string    `json:",omitempty"`
	DesiredTime    time.Time `json:",omitzero"`
	Expiration     time.Time `json:",omitzero"`
	State          string
	Reason         string `json:",omitempty"`
	UserOriginated bool   `json:",omitempty"`
	// Props are the other parameters of the request, and the properties
	// updates set since: GMS keeps them with the callback, returns them
	// and queries by them.
	Props map[string]string `json:",omitempty"`
	// Virtual is the id of the virtual interaction the server made for
	// an agent-first callback ("" for the others).
	Virtual string    `json:",omitempty"`
	Ended   time.Time `json:",omitzero"`
}

// over reports whether the callback has ended, or is COMPLETED (the GMS
// state no callback leaves) while its session ends.
func (c *callbackRecord) over() bool { return !c.Ended.IsZero() || c.State == templates.StateCompleted }

// clone returns a copy of c that shares nothing with it.
func (c *callbackRecord) clone() callbackRecord {
	d := *c
	d.Props = maps.Clone(c.Props)
	return d
}

// fields returns the callback as the GMS API answers it: its properties,
// then the always-returned keys (GMS Callback Services API, the
// returned-keys option: _id, _desired_time, _service_name,
// _callback_state, _expiration_time, _customer_number, _url,
// _callback_reason). url is the callback's _url.
func (c *callbackRecord) fields(url string) map[string]string {
	out := make(map[string]string, len(c.Props)+8)
	maps.Copy(out, c.Props)
	maps.Copy(out, map[string]string{
		"_id":              c.ID,
		"_desired_time":    templates.FormatTime(c.DesiredTime),
		"_service_name":    c.Service,
		"_callback_state":  c.State,
		"_expiration_time": templates.FormatTime(c.Expiration),
		"_customer_number": c.CustomerNumber,
		"_url":             url,
		"_callback_reason": c.Reason,
	})
	return out
}

// callbackURL is the _url of callback c: its resource in this server's
// GMS API.
func (s *Server) callbackURL(c *callbackRecord) string {
	return s.pathURL("/genesys/1/service/callback/" + c.Service + "/" + c.ID)
}

// answer returns the callbacks as the API answers them.
func (s *Server) answer(list []callbackRecord) []map[string]string {
	out := make([]map[string]string, len(list))
	for i := range list {
		out[i] = list[i].fields(s.callbackURL(&list[i]))
	}
	return out
}

// callbackTable holds the callbacks requested through the API, live and
// recently ended. Its methods are safe for concurrent use.
type callbackTable struct {
	mu        sync.Mutex
	m         map[string]*callbackRecord
	retention time.Duration
	pruned    time.Time
}

func (t *callbackTable) add(c *callbackRecord) {
	t.mu.Lock()
	t.m[c.ID] = c
	t.mu.Unlock()
}

// get returns a copy of callback id.
func (t *callbackTable) get(id string) (callbackRecord, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.m[id]
	if !ok {
		return callbackRecord{}, false
	}
	return c.clone(), true
}

// update applies f to callback id, if there is one.
func (t *callbackTable) update(id string, f func(c *callbackRecord)) {
	t.mu.Lock()
	if c, ok := t.m[id]; ok {
		f(c)
	}
	t.mu.Unlock()
}

// ended marks the callback of session id as ended, forgets the callbacks
// that ended more than the retention ago, and returns the id of the
// callback's virtual interaction, if it had one.
func (t *callbackTable) ended(id string, now time.Time) (virtual string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, ok := t.m[id]; ok && c.Ended.IsZero() {
		c.Ended = now
		virtual = c.Virtual
		if c.State != templates.StateCompleted {
			c.State = templates.StateCompleted
			if c.Reason == "" {
				c.Reason = "CANCELLED"
			}
		}
	}
	if now.Sub(t.pruned) > t.retention/10 {
		t.pruned = now
		for k, c := range t.m {
			if !c.Ended.IsZero() && now.Sub(c.Ended) > t.retention {
				delete(t.m, k)
			}
		}
	}
	return virtual
}

// query returns copies of the callbacks match accepts, earliest desired
// time first.
func (t *callbackTable) query(match func(c *callbackRecord) bool) []callbackRecord {
	t.mu.Lock()
	var out []callbackRecord
	for _, c := range t.m {
		if match(c) {
			out = append(out, c.clone())
		}
	}
	t.mu.Unlock()
	slices.SortFunc(out, func(a, b callbackRecord) int {
		if c := a.DesiredTime.Compare(b.DesiredTime); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// find returns copies of the callbacks of a customer number, optionally
// in one state, earliest desired time first.
func (t *callbackTable) find(number, state string) []callbackRecord {
	return t.query(func(c *callbackRecord) bool {
		return c.CustomerNumber == number && (state == "" || c.State == state)
	})
}

// handleCallbackCreate is POST /genesys/1/service/callback/{service}
// (GMS Callback Services API, Start Callback): the parameters are checked
// (sizes, the customer number, option overrides against the service's
// _overwritable_options, durations and _desired_time against their
// ranges), then the service's session starts. The answer is {"_id": ID}.
func (s *Server) handleCallbackCreate(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("service")
	sv := s.services[name]
	if sv == nil {
		return errorf(http.StatusNotFound, "no callback service %q", name)
	}
	params, err := readParams(w, r)
	if err != nil {
		return err
	}
	raw, err := stringParams(params)
	if err != nil {
		return err
	}
	if err := checkParams(raw); err != nil {
		return err
	}
	if err := checkOverrides(sv, raw); err != nil {
		return err
	}
	req, err := sv.requests.Parse(raw)
	if err != nil {
		return errorf(http.StatusBadRequest, "%v", err)
	}
	if err := checkDurations("request parameter", req.Params, s.cfg.Callbacks.MaxDuration); err != nil {
		return err
	}
	now := s.clock.Now()
	if err := s.checkDesiredTime(sv, "_desired_time", req.DesiredTime, now); err != nil {
		return err
	}
	id := templates.NewID()
	so := sv.svc.SessionStart(id, req, now)
	param := func(key string) any {
		v, _ := so.Param(key)
		return v
	}
	rec := &callbackRecord{
		ID: id, Service: name, CustomerNumber: req.CustomerNumber, DesiredTime: req.DesiredTime, State: templates.StateScheduled,
		UserOriginated: param("_call_direction") == templates.DirectionUserOriginated,
		Props:          requestProps(raw),
	}
	if rec.DesiredTime.IsZero() {
		rec.DesiredTime = now
	}
	if templates.ReservesAgent(sv.svc.Template, param) {
		rec.Virtual = "VIRT-" + id
	}
	ttl, _ := param("_ttl").(float64)
	rec.Expiration = now.Add(time.Duration(ttl) * time.Second)
	s.callbacks.add(rec)
	err = s.startSession(sv.chart, so, time.Time{})
	if err != nil {
		s.callbacks.mu.Lock()
		delete(s.callbacks.m, id)
		s.callbacks.mu.Unlock()
		return err
	}
	s.metrics.callbacks.Add(1)
	if rec.Virtual != "" {
		vq, _ := param("_urs_virtual_queue").(string)
		if err := s.createVirtual(rec, vq); err != nil {
			return err
		}
	}
	s.durable(r.Context(), id)
	writeJSON(w, http.StatusOK, map[string]string{"_id": id})
	return nil
}

// requestProps are the properties a callback keeps of its request: every
// parameter with a value but the ones its always-returned keys hold.
func requestProps(raw map[string]string) map[string]string {
	props := make(map[string]string, len(raw))
	for k, v := range raw {
		if v != "" && k != "_customer_number" && k != "_desired_time" {
			props[k] = v
		}
	}
	return props
}

// createVirtual gives the session of an agent-first callback, started
// already, the interaction it reserves the agent with: a virtual one on
// the service's virtual queue vq. A callback that cannot have one is
// cancelled.
func (s *Server) createVirtual(rec *callbackRecord, vq string) error {
	_, err := s.rt.CreateVirtual(rec.ID, ors.Interaction{
		ID: rec.Virtual, ThisDN: vq, ANI: rec.CustomerNumber,
		UserData: telephony.UserData{{Key: "_CB_SERVICE_ID", Value: rec.ID}},
	})
	if err != nil {
		s.deliver(rec.ID, &interp.Event{Name: "callback.cancel", Type: interp.External})
		return errorf(http.StatusInternalServerError, "callback %s: %v", rec.ID, err)
	}
	if c, ok := s.callbacks.get(rec.ID); !ok || !c.Ended.IsZero() {
		// The session ended before it got it.
		s.rt.ReleaseVirtual(rec.Virtual)
	}
	return nil
}

// callback returns the callback the path names, checking its service.
func (s *Server) callback(r *http.Request) (callbackRecord, *service, error) {
	name, id := r.PathValue("service"), r.PathValue("id")
	sv := s.services[name]
	if sv == nil {
		return callbackRecord{}, nil, errorf(http.StatusNotFound, "no callback service %q", name)
	}
	if err := checkID("callback id", id); err != nil {
		return callbackRecord{}, nil, err
	}
	c, ok := s.callbacks.get(id)
	if !ok || c.Service != name {
		return callbackRecord{}, nil, errorf(http.StatusNotFound, "no callback %q in service %q", id, name)
	}
	return c, sv, nil
}

// handleCallbackGet is GET /genesys/1/service/callback/{service}/{id}:
// the callback.
func (s *Server) handleCallbackGet(w http.ResponseWriter, r *http.Request) error {
	c, _, err := s.callback(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c.fields(s.callbackURL(&c)))
	return nil
}

// handleCallbackUpdate is PUT /genesys/1/service/callback/{service}/{id}
// (GMS Reschedule Callback and property updates): _new_desired_time (or
// _desired_time) reschedules (callback.reschedule), _callback_state
// COMPLETED with an optional _disposition completes (callback.complete),
// _preview_result accepted or rejected answers the agent's preview
// (callback.preview.accept / reject), _dial_result reports what the
// customer's application saw of a push (templates.PushResultEvent); other
// parameters update the callback's properties (an empty value removes
// one). Options cannot be changed, nor the customer number.
func (s *Server) handleCallbackUpdate(w http.ResponseWriter, r *http.Request) error {
	c, sv, err := s.callback(r)
	if err != nil {
		return err
	}
	params, err := readParams(w, r)
	if err != nil {
		return err
	}
	raw, err := stringParams(params)
	if err != nil {
		return err
	}
	if err := checkParams(raw); err != nil {
		return err
	}
	var evs []*interp.Event
	props := map[string]string{}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		v := raw[k]
		switch k {
		case "_new_desired_time", "_desired_time":
			if _, dup := raw["_new_desired_time"]; dup && k == "_desired_time" {
				continue // _new_desired_time wins
			}
			t, err := templates.ParseTime(v)
			if err != nil {
				return errorf(http.StatusBadRequest, "%s %q: %v", k, v, err)
			}
			now := s.clock.Now()
			if err := s.checkDesiredTime(sv, k, t, now); err != nil {
				return err
			}
			delay := templates.DesiredDelay(t, now)
			evs = append(evs, &interp.Event{Name: "callback.reschedule", Data: map[string]any{
				"_desired_delay": delay, "_desired_time": templates.FormatTime(t)}})
		case "_callback_state":
			if v != templates.StateCompleted {
				return errorf(http.StatusBadRequest, "_callback_state %q: only COMPLETED can be set", v)
			}
			data := map[string]any{}
			if d := raw["_disposition"]; d != "" {
				data["_disposition"] = d
			}
			evs = append(evs, &interp.Event{Name: "callback.complete", Data: data})
		case "_disposition":
		case "_preview_result":
			switch strings.ToLower(v) {
			case "accepted", "accept":
				evs = append(evs, &interp.Event{Name: "callback.preview.accept"})
			case "rejected", "reject":
				evs = append(evs, &interp.Event{Name: "callback.preview.reject"})
			default:
				return errorf(http.StatusBadRequest, "_preview_result %q: want accepted or rejected", v)
			}
		case "_dial_result":
			ev, err := pushResult(&c, sv, v)
			if err != nil {
				return err
			}
			evs = append(evs, ev)
		case "_id", "_service_name":
			// The path names them.
		case "_customer_number":
			if strings.TrimSpace(v) != c.CustomerNumber {
				return errorf(http.StatusBadRequest, "_customer_number %q: the number of a callback cannot be changed (it is %s)", clip(v), c.CustomerNumber)
			}
		default:
			if _, isOption := sv.svc.Options[k]; isOption {
				return errorf(http.StatusBadRequest, "%s: an option of service %s; options cannot be changed once the callback has started", k, sv.svc.Name)
			}
			props[k] = v
		}
	}
	if len(evs) == 0 && len(props) == 0 {
		return errorf(http.StatusBadRequest, "nothing to update: give _new_desired_time, _callback_state=COMPLETED, _preview_result, _dial_result or properties")
	}
	// A request that is wrong in itself is refused as such (400) whatever
	// the callback's state; a valid one for an ended callback conflicts.
	if c.over() {
		return errorf(http.StatusConflict, "callback %s has ended (%s %s)", c.ID, c.State, c.Reason)
	}
	s.callbacks.update(c.ID, func(c *callbackRecord) {
		for k, v := range props {
			if v == "" {
				delete(c.Props, k)
			} else {
				if c.Props == nil {
					c.Props = map[string]string{}
				}
				c.Props[k] = v
			}
		}
		for _, ev := range evs {
			if ev.Name == "callback.reschedule" {
				c.DesiredTime, _ = templates.ParseTime(ev.Data.(map[string]any)["_desired_time"].(string))
			}
		}
	})
	for _, ev := range evs {
		ev.Type = interp.External
		s.deliver(c.ID, ev)
	}
	writeJSON(w, http.StatusOK, map[string]string{"_id": c.ID})
	return nil
}

// pushResult returns the event of _dial_result v for callback c of
// service sv: a known result, while the callback waits for the
// customer's call after a push (QUEUED), of a user-originated service (or
// a service of a strategy of its own, which decides).
func pushResult(c *callbackRecord, sv *service, v string) (*interp.Event, error) {
	name, ok := templates.PushResultEvent(v)
	switch {
	case !ok:
		return nil, errorf(http.StatusBadRequest, "_dial_result %q: an application reports %s or %s", clip(v), templates.PushDelivered, templates.PushMediaFailed)
	case !templates.SendsPush(sv.svc.Template):
		return nil, errorf(http.StatusConflict, "callback %s: service %s (%s) sends no push notification; _dial_result is for user-originated callbacks",
			c.ID, sv.svc.Name, sv.svc.Template)
	case c.over():
		return nil, errorf(http.StatusConflict, "callback %s has ended (%s %s)", c.ID, c.State, c.Reason)
	case c.State != templates.StateQueued:
		return nil, errorf(http.StatusConflict, "callback %s is %s: _dial_result %s is reported while it waits for the customer's call after a push (QUEUED)",
			c.ID, c.State, v)
	}
	return &interp.Event{Name: name, Data: map[string]any{"_dial_result": v}}, nil
}

// handleCallbackCancel is DELETE /genesys/1/service/callback/{service}/{id}
// (GMS Cancel Callback): a callback that is SCHEDULED or QUEUED is
// cancelled.
func (s *Server) handleCallbackCancel(w http.ResponseWriter, r *http.Request) error {
	c, _, err := s.callback(r)
	if err != nil {
		return err
	}
	if c.over() {
		return errorf(http.StatusConflict, "callback %s has ended (%s %s)", c.ID, c.State, c.Reason)
	}
	if c.State != templates.StateScheduled && c.State != templates.StateQueued {
		return errorf(http.StatusConflict, "callback %s is %s: only SCHEDULED or QUEUED callbacks can be cancelled", c.ID, c.State)
	}
	s.deliver(c.ID, &interp.Event{Name: "callback.cancel", Type: interp.External})
	writeJSON(w, http.StatusOK, map[string]string{"_id": c.ID})
	return nil
}

// handleCallbackQuery is GET /genesys/1/service/callback?_id=ID or
// ?_customer_number=N[&_callback_state=[!]STATE] (GMS Query Callback by
// ID, and across services by customer number): a list of callbacks.
func (s *Server) handleCallbackQuery(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var list []callbackRecord
	switch {
	case q.Get("_id") != "":
		if err := checkID("_id", q.Get("_id")); err != nil {
			return err
		}
		if c, ok := s.callbacks.get(q.Get("_id")); ok {
			list = append(list, c)
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
		list = s.callbacks.query(func(c *callbackRecord) bool { return c.CustomerNumber == number && m.match(c) })
	default:
		return errorf(http.StatusBadRequest, "give _id, or _customer_number (and optionally _callback_state)")
	}
	writeJSON(w, http.StatusOK, s.answer(list))
	return nil
}

// handleServiceQuery is GET /genesys/1/service/callback/{service}?PROPS
// (GMS Query Callback by Properties): the callbacks of the service whose
// properties match every (operand=AND, the default) or any (operand=OR)
// of the given ones; a value "!V" matches properties other than V. No
// property lists every callback of the service.
func (s *Server) handleServiceQuery(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("service")
	if s.services[name] == nil {
		return errorf(http.StatusNotFound, "no callback service %q", name)
	}
	q := r.URL.Query()
	operand := strings.ToUpper(q.Get("operand"))
	q.Del("operand")
	m, err := newMatcher(q, operand)
	if err != nil {
		return err
	}
	list := s.callbacks.query(func(c *callbackRecord) bool { return c.Service == name && m.match(c) })
	writeJSON(w, http.StatusOK, s.answer(list))
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
		return nil, errorf(http.StatusBadRequest, "operand %q: want AND or OR", operand)
	}
	raw := map[string]string{}
	for k, vs := range q {
		switch len(vs) {
		case 0:
			continue
		case 1:
			raw[k] = vs[0]
		default:
			return nil, errorf(http.StatusBadRequest, "query property %s given %d times: give it once", k, len(vs))
		}
	}
	if len(raw) > maxParams {
		return nil, errorf(http.StatusBadRequest, "%d query properties: at most %d are allowed", len(raw), maxParams)
	}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		v := raw[k]
		if len(k) > maxParamName || len(v) > maxParamValue {
			return nil, errorf(http.StatusBadRequest, "query property %q: name or value too long", clip(k))
		}
		p := matchProp{key: k, value: v}
		if rest, ok := strings.CutPrefix(v, "!"); ok {
			p.value, p.not = rest, true
		}
		if states := templates.States(); k == "_callback_state" && !slices.Contains(states, p.value) {
			return nil, errorf(http.StatusBadRequest, "_callback_state %q: want one of %s, or ! and one of them", v, strings.Join(states, ", "))
		}
		m.props = append(m.props, p)
	}
	return m, nil
}

// match reports whether c matches.
func (m *matcher) match(c *callbackRecord) bool {
	if len(m.props) == 0 {
		return true
	}
	f := c.fields("")
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

// strategyLog is ors.Options.Log: the templates log each change of their
// lifecycle (templates.ParseStateLog).
func (s *Server) strategyLog(sess *interp.Session, msg string) {
	s.log.Debug("__Log", "session", sess.ID(), "msg", msg)
	state, reason, ok := templates.ParseStateLog(msg)
	if s.console != nil {
		s.console.strategyLog(sess, msg, state)
	}
	if !ok {
		return
	}
	s.callbacks.update(sess.ID(), func(c *callbackRecord) {
		c.State = state
		if reason != "" {
			c.Reason = reason
		}
	})
}

// assign is ors.Options.Assign: it gives a call nobody asked for to the
// callback it belongs to, found by the service id in its user data
// (_CB_SERVICE_ID or _id), else, for a user-originated callback waiting
// for the customer's call, by the caller's number.
func (s *Server) assign(ixn ors.Interaction) string {
	for _, key := range []string{"_CB_SERVICE_ID", "_id"} {
		if id := ixn.UserData.String(key); id != "" && s.host.Live(id) {
			return id
		}
	}
	if ixn.ANI == "" {
		return ""
	}
	for _, c := range s.callbacks.find(ixn.ANI, templates.StateQueued) {
		if c.UserOriginated && c.Ended.IsZero() && s.host.Live(c.ID) {
			return c.ID
		}
	}
	return ""
}
