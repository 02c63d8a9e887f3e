package gms

import (
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/orca-scxml/orca/internal/httpapi"
	"github.com/orca-scxml/orca/templates"
)

// Callback is what the GMS API reports of one callback.
//
// A snapshot keeps it as JSON, in the index of the session's message
// (Local): empty fields are left out.
type Callback struct {
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
	// Virtual is the id of the virtual interaction made for an
	// agent-first callback ("" for the others).
	Virtual string `json:",omitempty"`
	// Ended is when the callback's session ended (zero while it runs).
	Ended time.Time `json:",omitzero"`
}

// Over reports whether the callback has ended, or is COMPLETED (the GMS
// state no callback leaves) while its session ends.
func (c *Callback) Over() bool { return !c.Ended.IsZero() || c.State == templates.StateCompleted }

// clone returns a copy of c that shares nothing with it.
func (c *Callback) clone() Callback {
	d := *c
	d.Props = maps.Clone(c.Props)
	return d
}

// Fields returns the callback as the GMS API answers it: its properties,
// then the always-returned keys (GMS Callback Services API, the
// returned-keys option: _id, _desired_time, _service_name,
// _callback_state, _expiration_time, _customer_number, _url,
// _callback_reason). url is the callback's _url.
func (c *Callback) Fields(url string) map[string]string {
	var buf [fixedFields]httpapi.Field
	fields := c.appendFields(buf[:0], url)
	out := make(map[string]string, len(fields))
	for _, f := range fields {
		out[f.Key] = f.Value
	}
	return out
}

// fixedFields is the number of always-returned keys.
const fixedFields = 8

// appendFields appends what Fields returns to dst, the properties first,
// so that an always-returned key given again wins (as in a map made in
// their order; httpapi.WriteFields keeps the last).
func (c *Callback) appendFields(dst []httpapi.Field, url string) []httpapi.Field {
	for k, v := range c.Props {
		dst = append(dst, httpapi.Field{Key: k, Value: v})
	}
	return append(dst,
		httpapi.Field{Key: "_id", Value: c.ID},
		httpapi.Field{Key: "_desired_time", Value: templates.FormatTime(c.DesiredTime)},
		httpapi.Field{Key: "_service_name", Value: c.Service},
		httpapi.Field{Key: "_callback_state", Value: c.State},
		httpapi.Field{Key: "_expiration_time", Value: templates.FormatTime(c.Expiration)},
		httpapi.Field{Key: "_customer_number", Value: c.CustomerNumber},
		httpapi.Field{Key: "_url", Value: url},
		httpapi.Field{Key: "_callback_reason", Value: c.Reason},
	)
}

// table holds the callbacks requested through the API, live and
// recently ended. Its methods are safe for concurrent use.
type table struct {
	mu        sync.Mutex
	m         map[string]*Callback
	retention time.Duration
	pruned    time.Time
}

func (t *table) add(c *Callback) {
	t.mu.Lock()
	t.m[c.ID] = c
	t.mu.Unlock()
}

func (t *table) remove(id string) {
	t.mu.Lock()
	delete(t.m, id)
	t.mu.Unlock()
}

// get returns a copy of callback id, unless it ended more than the
// retention before now.
func (t *table) get(id string, now time.Time) (Callback, bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.m[id]
	if !ok || t.expired(c, now) {
		return Callback{}, false
	}
	return c.clone(), true
}

// update applies f to callback id, if there is one.
func (t *table) update(id string, f func(c *Callback)) {
	t.mu.Lock()
	if c, ok := t.m[id]; ok {
		f(c)
	}
	t.mu.Unlock()
}

// apply runs f on callback id under the table's lock, so that what f
// checks of it still holds when f acts on it (delivering an event to its
// session among others, which never blocks), and returns f's error; a
// callback the table no longer has is notFound's.
func (t *table) apply(id string, notFound error, f func(c *Callback) error) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	c, ok := t.m[id]
	if !ok {
		return notFound
	}
	return f(c)
}

// ended marks the callback of session id as ended, forgets the callbacks
// that ended more than the retention ago, and returns a copy of the
// callback it has just ended (ok false when there was none).
func (t *table) ended(id string, now time.Time) (ended Callback, ok bool) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if c, found := t.m[id]; found && c.Ended.IsZero() {
		c.Ended = now
		if c.State != templates.StateCompleted {
			c.State = templates.StateCompleted
			if c.Reason == "" {
				c.Reason = "CANCELLED"
			}
		}
		ended, ok = c.clone(), true
	}
	if now.Sub(t.pruned) > t.retention/10 {
		t.pruned = now
		for k, c := range t.m {
			if t.expired(c, now) {
				delete(t.m, k)
			}
		}
	}
	return ended, ok
}

// expired reports whether callback c ended more than the retention before
// now.
func (t *table) expired(c *Callback, now time.Time) bool {
	return !c.Ended.IsZero() && now.Sub(c.Ended) > t.retention
}

// query returns copies of the callbacks match accepts, but those that
// ended more than the retention before now, earliest desired time first.
func (t *table) query(now time.Time, match func(c *Callback) bool) []Callback {
	t.mu.Lock()
	var out []Callback
	for _, c := range t.m {
		if match(c) && !t.expired(c, now) {
			out = append(out, c.clone())
		}
	}
	t.mu.Unlock()
	slices.SortFunc(out, func(a, b Callback) int {
		if c := a.DesiredTime.Compare(b.DesiredTime); c != 0 {
			return c
		}
		return strings.Compare(a.ID, b.ID)
	})
	return out
}

// find returns copies of the callbacks of a customer number, optionally
// in one state, earliest desired time first.
func (t *table) find(now time.Time, number, state string) []Callback {
	return t.query(now, func(c *Callback) bool {
		return c.CustomerNumber == number && (state == "" || c.State == state)
	})
}
