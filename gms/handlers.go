package gms

import (
	"errors"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/orca-scxml/orca/internal/httpapi"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/templates"
)

// Register adds the API's routes under Path to mux. Errors are answered
// as GMS answers them ({"message", "exception"}, and Orca's "error").
func (c *Callbacks) Register(mux *http.ServeMux) {
	handle := func(pattern string, h func(http.ResponseWriter, *http.Request) error) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if err := h(w, r); err != nil {
				WriteError(w, err)
			}
		})
	}
	handle("POST "+Path+"/{service}", c.create)
	handle("GET "+Path+"/{service}", c.serviceQuery)
	handle("PUT "+Path+"/{service}/{id}", c.update)
	handle("DELETE "+Path+"/{service}/{id}", c.cancel)
	handle("GET "+Path+"/{service}/{id}", c.get)
	handle("GET "+Path, c.query)
}

// create is POST Path/{service} (GMS Callback Services API, Start
// Callback): the parameters are checked (sizes, the customer number,
// option overrides against the service's _overwritable_options, durations
// and _desired_time against their ranges), then the service's session
// starts. The answer is {"_id": ID}.
func (c *Callbacks) create(w http.ResponseWriter, r *http.Request) error {
	name := r.PathValue("service")
	sv := c.services[name]
	if sv == nil {
		return httpapi.Errorf(http.StatusNotFound, "no callback service %q", name)
	}
	raw, err := requestParams(w, r)
	if err != nil {
		return err
	}
	if err := checkOverrides(sv, raw); err != nil {
		return err
	}
	req, err := c.requests.Parse(raw)
	if err != nil {
		return httpapi.Errorf(http.StatusBadRequest, "%v", err)
	}
	if err := c.limits.checkDurations("request parameter", req.Params, c.durations); err != nil {
		return err
	}
	now := c.clock.Now()
	if err := c.limits.checkDesiredTime(sv, "_desired_time", req.DesiredTime, now); err != nil {
		return err
	}
	id := templates.NewID()
	so := sv.SessionStart(id, req, now)
	param := func(key string) any {
		v, _ := so.Param(key)
		return v
	}
	cb := &Callback{
		ID: id, Service: name, CustomerNumber: req.CustomerNumber, DesiredTime: req.DesiredTime, State: templates.StateScheduled,
		UserOriginated: param("_call_direction") == templates.DirectionUserOriginated,
		Props:          requestProps(raw),
	}
	if cb.DesiredTime.IsZero() {
		cb.DesiredTime = now
	}
	if templates.ReservesAgent(sv.Template, param) {
		cb.Virtual = "VIRT-" + id
	}
	ttl, _ := param("_ttl").(float64)
	cb.Expiration = now.Add(time.Duration(ttl) * time.Second)
	c.table.add(cb)
	if err := c.sessions.Start(sv.Chart, so); err != nil {
		c.table.remove(id)
		return err
	}
	c.requested.Add(1)
	if cb.Virtual != "" {
		vq, _ := param("_urs_virtual_queue").(string)
		if err := c.createVirtual(cb, vq); err != nil {
			return err
		}
	}
	c.sessions.Durable(r.Context(), id)
	httpapi.WriteFields(w, http.StatusOK, []httpapi.Field{{Key: "_id", Value: id}})
	return nil
}

// requestParams reads and checks the parameters of a callback request:
// single strings (numbers and booleans written as text), within the
// bounds of checkParams.
func requestParams(w http.ResponseWriter, r *http.Request) (map[string]string, error) {
	raw, err := httpapi.ReadStringParams(w, r)
	if err != nil {
		return nil, err
	}
	if err := checkParams(raw); err != nil {
		return nil, err
	}
	return raw, nil
}

// requestProps are the properties a callback keeps of its request: every
// parameter with a value but the ones its always-returned keys hold (nil
// when there is none).
func requestProps(raw map[string]string) map[string]string {
	var props map[string]string
	for k, v := range raw {
		if v != "" && k != "_customer_number" && k != "_desired_time" {
			if props == nil {
				props = make(map[string]string, len(raw))
			}
			props[k] = v
		}
	}
	return props
}

// createVirtual gives the session of an agent-first callback, started
// already, the interaction it reserves the agent with: a virtual one on
// the service's virtual queue vq. A callback that cannot have one is
// cancelled.
func (c *Callbacks) createVirtual(cb *Callback, vq string) error {
	err := errors.New("no virtual interactions are configured")
	if c.virtuals != nil {
		_, err = c.virtuals.CreateVirtual(cb.ID, ors.Interaction{
			ID: cb.Virtual, ThisDN: vq, ANI: cb.CustomerNumber,
			UserData: telephony.UserData{{Key: "_CB_SERVICE_ID", Value: cb.ID}},
		})
	}
	if err != nil {
		c.sessions.Send(cb.ID, &interp.Event{Name: "callback.cancel", Type: interp.External})
		return httpapi.Errorf(http.StatusInternalServerError, "callback %s: %v", cb.ID, err)
	}
	if now, ok := c.table.get(cb.ID, c.clock.Now()); !ok || !now.Ended.IsZero() {
		// The session ended before it got it.
		c.virtuals.ReleaseVirtual(cb.Virtual)
	}
	return nil
}

// callback returns the callback the path names, checking its service.
func (c *Callbacks) callback(r *http.Request) (Callback, *Service, error) {
	name, id := r.PathValue("service"), r.PathValue("id")
	sv := c.services[name]
	if sv == nil {
		return Callback{}, nil, httpapi.Errorf(http.StatusNotFound, "no callback service %q", name)
	}
	if err := checkID("callback id", id); err != nil {
		return Callback{}, nil, err
	}
	cb, ok := c.table.get(id, c.clock.Now())
	if !ok || cb.Service != name {
		return Callback{}, nil, notFoundErr(&Callback{ID: id, Service: name})
	}
	return cb, sv, nil
}

// get is GET Path/{service}/{id}: the callback.
func (c *Callbacks) get(w http.ResponseWriter, r *http.Request) error {
	cb, _, err := c.callback(r)
	if err != nil {
		return err
	}
	// Written from the callback, without the map Fields makes.
	var buf [16]httpapi.Field
	httpapi.WriteFields(w, http.StatusOK, cb.appendFields(buf[:0], c.URL(&cb)))
	return nil
}

// cancel is DELETE Path/{service}/{id} (GMS Cancel Callback): a callback
// that is SCHEDULED or QUEUED is cancelled.
func (c *Callbacks) cancel(w http.ResponseWriter, r *http.Request) error {
	cb, _, err := c.callback(r)
	if err != nil {
		return err
	}
	// Checked and cancelled at once: a session's end or change of state
	// in between would have the cancel answered and then ignored.
	err = c.table.apply(cb.ID, notFoundErr(&cb), func(cb *Callback) error {
		if cb.Over() {
			return httpapi.Errorf(http.StatusConflict, "callback %s has ended (%s %s)", cb.ID, cb.State, cb.Reason)
		}
		if cb.State != templates.StateScheduled && cb.State != templates.StateQueued {
			return httpapi.Errorf(http.StatusConflict, "callback %s is %s: only SCHEDULED or QUEUED callbacks can be cancelled", cb.ID, cb.State)
		}
		c.sessions.Send(cb.ID, &interp.Event{Name: "callback.cancel", Type: interp.External})
		return nil
	})
	if err != nil {
		return err
	}
	httpapi.WriteFields(w, http.StatusOK, []httpapi.Field{{Key: "_id", Value: cb.ID}})
	return nil
}

// update is PUT Path/{service}/{id} (GMS Reschedule Callback and
// property updates): _new_desired_time (or _desired_time) reschedules
// (callback.reschedule), _callback_state COMPLETED with an optional
// _disposition completes (callback.complete), _preview_result accepted or
// rejected answers the agent's preview (callback.preview.accept /
// reject), _dial_result reports what the customer's application saw of a
// push (templates.PushResultEvent); other parameters update the
// callback's properties (an empty value removes one). Options cannot be
// changed, nor the customer number.
func (c *Callbacks) update(w http.ResponseWriter, r *http.Request) error {
	cb, sv, err := c.callback(r)
	if err != nil {
		return err
	}
	raw, err := requestParams(w, r)
	if err != nil {
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
				return httpapi.Errorf(http.StatusBadRequest, "%s %q: %v", k, v, err)
			}
			now := c.clock.Now()
			if err := c.limits.checkDesiredTime(sv, k, t, now); err != nil {
				return err
			}
			delay := templates.DesiredDelay(t, now)
			evs = append(evs, &interp.Event{Name: "callback.reschedule", Data: map[string]any{
				"_desired_delay": delay, "_desired_time": templates.FormatTime(t)}})
		case "_callback_state":
			if v != templates.StateCompleted {
				return httpapi.Errorf(http.StatusBadRequest, "_callback_state %q: only COMPLETED can be set", v)
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
				return httpapi.Errorf(http.StatusBadRequest, "_preview_result %q: want accepted or rejected", v)
			}
		case "_dial_result":
			ev, err := pushResult(&cb, sv, v)
			if err != nil {
				return err
			}
			evs = append(evs, ev)
		case "_id", "_service_name":
			// The path names them.
		case "_customer_number":
			if strings.TrimSpace(v) != cb.CustomerNumber {
				return httpapi.Errorf(http.StatusBadRequest, "_customer_number %q: the number of a callback cannot be changed (it is %s)", clip(v), cb.CustomerNumber)
			}
		default:
			if _, isOption := sv.Options[k]; isOption {
				return httpapi.Errorf(http.StatusBadRequest, "%s: an option of service %s; options cannot be changed once the callback has started", k, sv.Name)
			}
			props[k] = v
		}
	}
	if len(evs) == 0 && len(props) == 0 {
		return httpapi.Errorf(http.StatusBadRequest, "nothing to update: give _new_desired_time, _callback_state=COMPLETED, _preview_result, _dial_result or properties")
	}
	// A request that is wrong in itself is refused as such (400) whatever
	// the callback's state; a valid one for an ended callback conflicts.
	// Checked, changed and told to the session at once, so that neither
	// its end nor another update comes in between.
	err = c.table.apply(cb.ID, notFoundErr(&cb), func(cb *Callback) error {
		if cb.Over() {
			return httpapi.Errorf(http.StatusConflict, "callback %s has ended (%s %s)", cb.ID, cb.State, cb.Reason)
		}
		for k, v := range props {
			if v == "" {
				delete(cb.Props, k)
			} else {
				if cb.Props == nil {
					cb.Props = map[string]string{}
				}
				cb.Props[k] = v
			}
		}
		for _, ev := range evs {
			if ev.Name == "callback.reschedule" {
				cb.DesiredTime, _ = templates.ParseTime(ev.Data.(map[string]any)["_desired_time"].(string))
			}
			ev.Type = interp.External
			c.sessions.Send(cb.ID, ev)
		}
		return nil
	})
	if err != nil {
		return err
	}
	httpapi.WriteFields(w, http.StatusOK, []httpapi.Field{{Key: "_id", Value: cb.ID}})
	return nil
}

// pushResult returns the event of _dial_result v for callback cb of
// service sv: a known result, while the callback waits for the
// customer's call after a push (QUEUED), of a user-originated service (or
// a service of a strategy of its own, which decides).
func pushResult(cb *Callback, sv *Service, v string) (*interp.Event, error) {
	name, ok := templates.PushResultEvent(v)
	switch {
	case !ok:
		return nil, httpapi.Errorf(http.StatusBadRequest, "_dial_result %q: an application reports %s or %s", clip(v), templates.PushDelivered, templates.PushMediaFailed)
	case !templates.SendsPush(sv.Template):
		return nil, httpapi.Errorf(http.StatusConflict, "callback %s: service %s (%s) sends no push notification; _dial_result is for user-originated callbacks",
			cb.ID, sv.Name, sv.Template)
	case cb.Over():
		return nil, httpapi.Errorf(http.StatusConflict, "callback %s has ended (%s %s)", cb.ID, cb.State, cb.Reason)
	case cb.State != templates.StateQueued:
		return nil, httpapi.Errorf(http.StatusConflict, "callback %s is %s: _dial_result %s is reported while it waits for the customer's call after a push (QUEUED)",
			cb.ID, cb.State, v)
	}
	return &interp.Event{Name: name, Data: map[string]any{"_dial_result": v}}, nil
}

// notFoundErr is the answer about callback cb when the table does not
// have it (any more).
func notFoundErr(cb *Callback) error {
	return httpapi.Errorf(http.StatusNotFound, "no callback %q in service %q", cb.ID, cb.Service)
}
