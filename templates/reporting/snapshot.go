package reporting

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"

	"github.com/orca-scxml/orca/internal/jsontext"
	"github.com/orca-scxml/orca/interp"
)

// A collector's snapshot is the JSON object collected describes, written
// by hand at every macrostep of a persisted session: encoding/json would
// reflect over the record and scan each value again. Values are in
// interp.MarshalValue's form (an int is {"$i":"N"}, a string a JSON
// string); keys come in catalogue order, which Restore does not depend on.

// appendJSON appends the collector's snapshot with its held UserEvents and
// pending requests.
func (c *collector) appendJSON(b []byte, held []heldRecord, refs []refRecord) ([]byte, error) {
	b = append(b, `{"service":{"Enable":`...)
	b = strconv.AppendBool(b, c.svc.Enable)
	b = append(b, `,"DN":`...)
	b = jsontext.AppendString(b, c.svc.DN)
	b = append(b, `,"Switch":`...)
	b = jsontext.AppendString(b, c.svc.Switch)
	b = append(b, '}')
	first := true
	for i := range c.vals {
		if x := &c.vals[i]; x.stamped {
			b = c.member(b, "at", &first, x.e)
			b = strconv.AppendInt(b, x.at, 10)
		}
	}
	b = closeIf(b, first)
	b = appendInt(b, "dials", int64(c.dials))
	b = appendInt(b, "dialAt", c.dialAt)
	if c.dialing {
		b = append(b, `,"dialing":true`...)
	}
	b = appendStr(b, "pending", c.pending)
	b = appendInt(b, "attemptAt", c.attemptAt)
	first = true
	for _, m := range c.attemptOf {
		b = c.member(b, "attemptOf", &first, m.e)
		b = strconv.AppendInt(b, m.at, 10)
	}
	b = closeIf(b, first)
	if len(c.params) > 0 {
		// By name, as the previous version wrote them.
		keys := make([]string, len(c.params))
		for i, e := range c.params {
			keys[i] = c.cat.entries[e].Key
		}
		slices.Sort(keys)
		b = appendStrings(append(b, `,"params":`...), keys)
	}
	b = appendStr(b, "state", c.state)
	if c.late {
		b = append(b, `,"late":true`...)
	}
	b = appendStr(b, "origin", c.origin)
	if len(c.originKeys) > 0 {
		b = appendStrings(append(b, `,"originKeys":`...), c.originKeys)
	}
	b = appendInt(b, "sends", int64(c.sends))
	b = appendInt(b, "start", int64(c.start))
	b = appendInt(b, "final", int64(c.final))
	var err error
	if len(held) > 0 {
		b = append(b, `,"held":[`...)
		for i := range held {
			if i > 0 {
				b = append(b, ',')
			}
			if b, err = held[i].appendJSON(b); err != nil {
				return nil, err
			}
		}
		b = append(b, ']')
	}
	if len(refs) > 0 {
		b = append(b, `,"refs":[`...)
		for i, rr := range refs {
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, `{"ref":`...)
			b = strconv.AppendInt(b, int64(rr.Ref), 10)
			b = appendStr(b, "what", rr.What)
			if rr.Held != nil {
				b = append(b, `,"held":`...)
				if b, err = rr.Held.appendJSON(b); err != nil {
					return nil, err
				}
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	first = true
	for i := range c.vals {
		x := &c.vals[i]
		b = c.member(b, "values", &first, x.e)
		b = appendVal(b, x.val())
	}
	b = closeIf(b, first)
	// The calls in the order they were first attached to, each with its
	// values.
	if len(c.attached) > 0 {
		b = append(b, `,"attached":{`...)
		for i, a := range c.attached {
			if c.attachedBefore(i) {
				continue
			}
			if i > 0 {
				b = append(b, ',')
			}
			b = jsontext.AppendString(b, a.ixn)
			b = append(b, ":{"...)
			for j, x := range c.attached[i:] {
				if x.ixn != a.ixn {
					continue
				}
				if j > 0 {
					b = append(b, ',')
				}
				b = jsontext.AppendString(b, c.cat.entries[x.e].Key)
				b = append(b, ':')
				b = appendVal(b, x.v)
			}
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

// attachedBefore reports whether the call of c.attached[i] comes earlier
// in the list.
func (c *collector) attachedBefore(i int) bool {
	for _, a := range c.attached[:i] {
		if a.ixn == c.attached[i].ixn {
			return true
		}
	}
	return false
}

// member appends the key of entry e as a member of object name, opening
// the object first.
func (c *collector) member(b []byte, name string, first *bool, e uint16) []byte {
	if *first {
		b = append(b, ',', '"')
		b = append(b, name...)
		b = append(b, `":{`...)
		*first = false
	} else {
		b = append(b, ',')
	}
	b = jsontext.AppendString(b, c.cat.entries[e].Key)
	return append(b, ':')
}

// closeIf closes the object member opened unless none was (first).
func closeIf(b []byte, first bool) []byte {
	if first {
		return b
	}
	return append(b, '}')
}

// appendInt appends member name with n, unless n is 0 (omitempty).
func appendInt(b []byte, name string, n int64) []byte {
	if n == 0 {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return strconv.AppendInt(b, n, 10)
}

// appendStr appends member name with s, unless s is empty (omitempty).
func appendStr(b []byte, name, s string) []byte {
	if s == "" {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, '"', ':')
	return jsontext.AppendString(b, s)
}

// appendStrings appends a JSON array of strings.
func appendStrings(b []byte, ss []string) []byte {
	sep := byte('[')
	for _, s := range ss {
		b = jsontext.AppendString(append(b, sep), s)
		sep = ','
	}
	if sep == '[' {
		b = append(b, sep)
	}
	return append(b, ']')
}

// appendVal appends v in interp.MarshalValue's form.
func appendVal(b []byte, v val) []byte {
	if v.text {
		return jsontext.AppendString(b, v.s)
	}
	b = append(b, `{"$i":"`...)
	b = strconv.AppendInt(b, int64(v.n), 10)
	return append(b, `"}`...)
}

// appendJSON appends the record as encoding/json writes heldRecord.
func (rec *heldRecord) appendJSON(b []byte) ([]byte, error) {
	b = append(b, '{')
	n := len(b)
	if rec.Final {
		b = append(b, `,"final":true`...)
	}
	b = appendStr(b, "key", rec.Key)
	b = appendStr(b, "thisdn", rec.ThisDN)
	b = appendStr(b, "switch", rec.Switch)
	if len(rec.UserData) > 0 {
		b = append(b, `,"udata":`...)
		b = append(b, rec.UserData...)
	}
	if rec.Err != nil {
		e, err := json.Marshal(rec.Err)
		if err != nil {
			return nil, err
		}
		b = append(b, `,"err":`...)
		b = append(b, e...)
	}
	if !rec.At.IsZero() {
		t, err := rec.At.MarshalJSON()
		if err != nil {
			return nil, err
		}
		b = append(b, `,"at":`...)
		b = append(b, t...)
	}
	if len(b) > n {
		// Drop the first member's comma.
		b = append(b[:n], b[n+1:]...)
	}
	return append(b, '}'), nil
}

// collector returns the collector the record describes, for session id
// of a reporter with catalogue cat. A key the catalogue does not know is
// an error: its value could be neither checked nor sent.
func (in *collected) collector(id string, cat *Catalogue) (*collector, error) {
	c := &collector{id: id, cat: cat, svc: in.Service, dials: in.Dials, dialAt: in.DialAt, dialing: in.Dialing,
		pending: in.Pending, attemptAt: in.AttemptAt, state: in.State, late: in.Late, origin: in.Origin,
		originKeys: in.OriginKeys, sends: in.Sends, start: in.Start, final: in.Final}
	index := func(key string) (int, error) {
		i, ok := c.index(key)
		if !ok {
			return 0, fmt.Errorf("%s is not a KVP of the catalogue", key)
		}
		return i, nil
	}
	// entry reads the value of key.
	entry := func(key string, raw json.RawMessage) (int, val, error) {
		i, err := index(key)
		if err != nil {
			return 0, val{}, err
		}
		v, err := readVal(raw)
		if err != nil {
			return 0, val{}, fmt.Errorf("%s: %w", key, err)
		}
		return i, v, nil
	}
	for k, raw := range in.Values {
		i, v, err := entry(k, raw)
		if err != nil {
			return nil, err
		}
		at, stamped := in.At[k]
		c.setVal(i, v, at, stamped)
	}
	for k, at := range in.AttemptOf {
		i, err := index(k)
		if err != nil {
			return nil, err
		}
		c.markAttempt(i, at)
	}
	for _, k := range in.Params {
		i, err := index(k)
		if err != nil {
			return nil, err
		}
		c.params = append(c.params, uint16(i))
	}
	for ixn, kv := range in.Attached {
		for k, raw := range kv {
			i, v, err := entry(k, raw)
			if err != nil {
				return nil, fmt.Errorf("attached: %w", err)
			}
			c.noteAttachedVal(ixn, i, v)
		}
	}
	return c, nil
}

// readVal reads a value in interp.MarshalValue's form.
func readVal(raw json.RawMessage) (val, error) {
	x, err := interp.UnmarshalValue(raw)
	if err != nil {
		return val{}, err
	}
	v, ok := toVal(x)
	if !ok {
		return val{}, fmt.Errorf("%s is neither an integer nor a string", show(x))
	}
	return v, nil
}
