package gms

import (
	"encoding/json"
	"errors"
	"fmt"
)

// LocalKey is the session local through which a snapshot keeps the
// callback record of a callback's session (Local).
const LocalKey = "gms.callback"

// Local keeps the callback record of its session, if the session serves
// one: it is an interp.Persistent and a host.Indexer, so that the API
// lists a callback whose session is out of memory, and a restart or a
// cluster's take-over brings the record back with the session.
type Local struct {
	c  *Callbacks
	id string
}

// Local returns the session local of session id (set under LocalKey).
func (c *Callbacks) Local(id string) *Local { return &Local{c: c, id: id} }

// Persist returns the callback record (nothing for a session that serves
// none).
func (l *Local) Persist() ([]byte, error) {
	cb, ok := l.c.table.get(l.id, l.c.clock.Now())
	if !ok {
		return nil, nil
	}
	return json.Marshal(cb)
}

// Index is Persist (nil says so).
func (l *Local) Index() ([]byte, error) { return nil, nil }

// Restore puts the record back, unless the table has it (newer).
func (l *Local) Restore(data []byte) error { return l.c.Restore(data) }

// Restore adds a callback record a snapshot kept (what Local.Persist
// returned), or one that Options.Keep was given as it ended, unless the
// table has a record of that id already that is as new: an ended record
// replaces a live one, and one that ended more than the retention ago is
// left out. Empty data is no record.
func (c *Callbacks) Restore(data []byte) error {
	if len(data) == 0 {
		return nil
	}
	var cb Callback
	if err := json.Unmarshal(data, &cb); err != nil {
		return fmt.Errorf("callback record: %w", err)
	}
	if cb.ID == "" {
		return errors.New("callback record: no ID")
	}
	t := &c.table
	if t.expired(&cb, c.clock.Now()) {
		return nil
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if have, ok := t.m[cb.ID]; !ok || (have.Ended.IsZero() && !cb.Ended.IsZero()) {
		t.m[cb.ID] = &cb
	}
	return nil
}
