package server

import (
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/templates"
)

// The callback states of the GMS API.
const (
	stateScheduled  = "SCHEDULED"
	stateQueued     = "QUEUED"
	stateRouting    = "ROUTING"
	stateProcessing = "PROCESSING"
	stateCompleted  = "COMPLETED"
)

var callbackStates = []string{stateScheduled, stateQueued, stateRouting, stateProcessing, stateCompleted}

// callbackRecord is what the GMS API reports of one callback.
type callbackRecord struct {
	ID             string
	Service        string
	CustomerNumber string
	DesiredTime    time.Time
	Expiration     time.Time
	State          string
	Reason         string
	UserOriginated bool
	// Virtual is the id of the virtual interaction the server made for
	// an agent-first callback ("" for the others).
	Virtual string
	Ended   time.Time
}

// fields are the always-returned fields of a callback.
func (c *callbackRecord) fields() map[string]string {
	return map[string]string{
		"_id":              c.ID,
		"_desired_time":    templates.FormatTime(c.DesiredTime),
		"_service_name":    c.Service,
		"_callback_state":  c.State,
		"_expiration_time": templates.FormatTime(c.Expiration),
		"_customer_number": c.CustomerNumber,
		"_callback_reason": c.Reason,
	}
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
	return *c, true
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
		if c.State != stateCompleted {
			c.State = stateCompleted
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

// find returns copies of the callbacks of a customer number, optionally
// in one state, newest desired time last.
func (t *callbackTable) find(number, state string) []callbackRecord {
	t.mu.Lock()
	var out []callbackRecord
	for _, c := range t.m {
		if c.CustomerNumber == number && (state == "" || c.State == state) {
			out = append(out, *c)
		}
	}
	t.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return out[i].DesiredTime.Before(out[j].DesiredTime) })
	return out
}

// handleCallbackCreate is POST /genesys/1/service/callback/{service}.
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
	req, err := templates.ParseRequest(raw)
	if err != nil {
		return errorf(http.StatusBadRequest, "%v", err)
	}
	now := s.clock.Now()
	id := templates.NewID()
	sp := sv.svc.SessionParams(id, req, now)
	rec := &callbackRecord{
		ID: id, Service: name, CustomerNumber: req.CustomerNumber, DesiredTime: req.DesiredTime, State: stateScheduled,
		UserOriginated: sp["_call_direction"] == templates.DirectionUserOriginated,
	}
	if rec.DesiredTime.IsZero() {
		rec.DesiredTime = now
	}
	if reservesAgent(sv.svc.Template, sp) {
		rec.Virtual = "VIRT-" + id
	}
	ttl, _ := sp["_ttl"].(float64)
	rec.Expiration = now.Add(time.Duration(ttl) * time.Second)
	s.callbacks.add(rec)
	err = s.startSession(sv.chart, interp.StartOptions{ID: id, Params: sp}, time.Time{})
	if err != nil {
		s.callbacks.mu.Lock()
		delete(s.callbacks.m, id)
		s.callbacks.mu.Unlock()
		return err
	}
	s.metrics.callbacks.Add(1)
	if rec.Virtual != "" {
		vq, _ := sp["_urs_virtual_queue"].(string)
		if err := s.createVirtual(rec, vq); err != nil {
			return err
		}
	}
	writeJSON(w, http.StatusOK, map[string]string{"_id": id})
	return nil
}

// reservesAgent says whether a callback of template with session
// parameters sp reserves an agent before the customer is dialed, with a
// virtual interaction: agent first, and user-terminated callbacks whose
// first party is the agent or that wait for an agent (_wait_for_agent).
func reservesAgent(template string, sp map[string]any) bool {
	if template == "callback-agent-first" {
		return true
	}
	if sp["_call_direction"] != templates.DirectionUserTerminated {
		return false
	}
	wait, _ := sp["_wait_for_agent"].(bool)
	return wait || sp["_userterminated_first_connect_party"] == templates.FirstPartyAgent
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
func (s *Server) callback(r *http.Request) (callbackRecord, error) {
	name, id := r.PathValue("service"), r.PathValue("id")
	if s.services[name] == nil {
		return callbackRecord{}, errorf(http.StatusNotFound, "no callback service %q", name)
	}
	c, ok := s.callbacks.get(id)
	if !ok || c.Service != name {
		return callbackRecord{}, errorf(http.StatusNotFound, "no callback %q in service %q", id, name)
	}
	return c, nil
}

// handleCallbackGet is GET /genesys/1/service/callback/{service}/{id}.
func (s *Server) handleCallbackGet(w http.ResponseWriter, r *http.Request) error {
	c, err := s.callback(r)
	if err != nil {
		return err
	}
	writeJSON(w, http.StatusOK, c.fields())
	return nil
}

// handleCallbackUpdate is PUT /genesys/1/service/callback/{service}/{id}:
// _desired_time reschedules (callback.reschedule), _callback_state
// COMPLETED with an optional _disposition completes
// (callback.complete), _preview_result accepted or rejected answers the
// agent's preview (callback.preview.accept / reject).
func (s *Server) handleCallbackUpdate(w http.ResponseWriter, r *http.Request) error {
	c, err := s.callback(r)
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
	if !c.Ended.IsZero() {
		return errorf(http.StatusConflict, "callback %s has ended (%s %s)", c.ID, c.State, c.Reason)
	}
	var evs []*interp.Event
	if v, ok := raw["_desired_time"]; ok {
		t, err := templates.ParseTime(v)
		if err != nil {
			return errorf(http.StatusBadRequest, "_desired_time %q: %v", v, err)
		}
		delay := max(t.Sub(s.clock.Now()).Seconds(), 0)
		evs = append(evs, &interp.Event{Name: "callback.reschedule", Data: map[string]any{
			"_desired_delay": float64(int64(delay)), "_desired_time": templates.FormatTime(t)}})
		s.callbacks.update(c.ID, func(c *callbackRecord) { c.DesiredTime = t })
	}
	if v, ok := raw["_callback_state"]; ok {
		if v != stateCompleted {
			return errorf(http.StatusBadRequest, "_callback_state %q: only COMPLETED can be set", v)
		}
		data := map[string]any{}
		if d := raw["_disposition"]; d != "" {
			data["_disposition"] = d
		}
		evs = append(evs, &interp.Event{Name: "callback.complete", Data: data})
	}
	if v, ok := raw["_preview_result"]; ok {
		switch strings.ToLower(v) {
		case "accepted", "accept":
			evs = append(evs, &interp.Event{Name: "callback.preview.accept"})
		case "rejected", "reject":
			evs = append(evs, &interp.Event{Name: "callback.preview.reject"})
		default:
			return errorf(http.StatusBadRequest, "_preview_result %q: want accepted or rejected", v)
		}
	}
	if len(evs) == 0 {
		return errorf(http.StatusBadRequest, "nothing to update: give _desired_time, _callback_state=COMPLETED or _preview_result")
	}
	for _, ev := range evs {
		ev.Type = interp.External
		s.deliver(c.ID, ev)
	}
	writeJSON(w, http.StatusOK, map[string]string{"_id": c.ID})
	return nil
}

// handleCallbackCancel is DELETE /genesys/1/service/callback/{service}/{id}:
// a callback that is SCHEDULED or QUEUED is cancelled.
func (s *Server) handleCallbackCancel(w http.ResponseWriter, r *http.Request) error {
	c, err := s.callback(r)
	if err != nil {
		return err
	}
	if !c.Ended.IsZero() {
		return errorf(http.StatusConflict, "callback %s has ended (%s %s)", c.ID, c.State, c.Reason)
	}
	if c.State != stateScheduled && c.State != stateQueued {
		return errorf(http.StatusConflict, "callback %s is %s: only SCHEDULED or QUEUED callbacks can be cancelled", c.ID, c.State)
	}
	s.deliver(c.ID, &interp.Event{Name: "callback.cancel", Type: interp.External})
	writeJSON(w, http.StatusOK, map[string]string{"_id": c.ID})
	return nil
}

// handleCallbackQuery is GET /genesys/1/service/callback?_id=ID or
// ?_customer_number=N[&_callback_state=STATE]: a list of callbacks.
func (s *Server) handleCallbackQuery(w http.ResponseWriter, r *http.Request) error {
	q := r.URL.Query()
	var list []callbackRecord
	switch {
	case q.Get("_id") != "":
		if c, ok := s.callbacks.get(q.Get("_id")); ok {
			list = append(list, c)
		}
	case q.Get("_customer_number") != "":
		state := q.Get("_callback_state")
		if state != "" && !contains(callbackStates, state) {
			return errorf(http.StatusBadRequest, "_callback_state %q: want one of %s", state, strings.Join(callbackStates, ", "))
		}
		list = s.callbacks.find(q.Get("_customer_number"), state)
	default:
		return errorf(http.StatusBadRequest, "give _id, or _customer_number (and optionally _callback_state)")
	}
	out := make([]map[string]string, len(list))
	for i := range list {
		out[i] = list[i].fields()
	}
	writeJSON(w, http.StatusOK, out)
	return nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// strategyLog is ors.Options.Log: the templates log each change of their
// lifecycle as "_callback_state=STATE[ _callback_reason=REASON]".
func (s *Server) strategyLog(sess *interp.Session, msg string) {
	s.log.Debug("__Log", "session", sess.ID(), "msg", msg)
	rest, ok := strings.CutPrefix(msg, "_callback_state=")
	if !ok {
		return
	}
	state, reason, _ := strings.Cut(rest, " ")
	reason = strings.TrimPrefix(reason, "_callback_reason=")
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
	for _, c := range s.callbacks.find(ixn.ANI, stateQueued) {
		if c.UserOriginated && c.Ended.IsZero() && s.host.Live(c.ID) {
			return c.ID
		}
	}
	return ""
}
