package interp

import (
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/orca-scxml/orca/internal/jsontext"
)

// MarshalJSON writes the snapshot. It is written by hand: the data model
// and the locals are JSON already, which encoding/json would scan and
// compact again at every macrostep.
func (st *SessionState) MarshalJSON() ([]byte, error) {
	b, _ := st.AppendJSON(nil)
	return b, nil
}

// AppendJSON appends the snapshot as MarshalJSON writes it to b. The
// snapshot's fields that change at every macrostep without changing what
// the session does next — its count of macrosteps and the event _event is
// bound to, which the next macrostep binds again before anything reads
// it — are written last, from offset tail of the result on: a store
// compares b[:tail] to tell a macrostep that changed nothing that
// matters.
func (st *SessionState) AppendJSON(b []byte) (out []byte, tail int) {
	return st.appendJSON(slices.Grow(b, st.sizeHint()))
}

// sizeHint is about the size of the snapshot's JSON.
func (st *SessionState) sizeHint() int {
	n := 512 + len(st.Params) + len(st.Datamodel)
	for _, l := range st.Locals {
		n += len(l) + 16
	}
	if st.Last != nil {
		n += len(st.Last.Data) + 128
	}
	return n + 256*len(st.Sends)
}

func (st *SessionState) appendJSON(b []byte) ([]byte, int) {
	b = append(b, `{"v":`...)
	b = strconv.AppendInt(b, int64(st.V), 10)
	b = appendField(b, "id", st.ID)
	b = appendField(b, "doc", st.Document)
	if st.InvokeID != "" {
		b = appendField(b, "invokeid", st.InvokeID)
	}
	b = appendRaw(b, "params", st.Params)
	b = append(b, `,"config":`...)
	b = appendStrings(b, st.Config)
	if len(st.DataDone) > 0 {
		b = append(b, `,"datadone":`...)
		b = appendStrings(b, st.DataDone)
	}
	if len(st.History) > 0 {
		b = append(b, `,"history":{`...)
		for i, k := range slices.Sorted(maps.Keys(st.History)) {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsontext.AppendString(b, k)
			b = append(b, ':')
			b = appendStrings(b, st.History[k])
		}
		b = append(b, '}')
	}
	b = appendEvents(b, "internal", st.Internal)
	b = appendEvents(b, "external", st.External)
	if len(st.Sends) > 0 {
		b = append(b, `,"sends":[`...)
		for i := range st.Sends {
			if i > 0 {
				b = append(b, ',')
			}
			ss := &st.Sends[i]
			b = append(b, `{"due":`...)
			b = jsontext.AppendString(b, ss.Due.Format(time.RFC3339Nano))
			b = append(b, `,"seq":`...)
			b = strconv.AppendUint(b, ss.Seq, 10)
			if ss.Key != "" {
				b = appendField(b, "key", ss.Key)
			}
			if ss.Target != "" {
				b = appendField(b, "target", ss.Target)
			}
			if ss.Type != "" {
				b = appendField(b, "type", ss.Type)
			}
			b = append(b, `,"event":`...)
			b = ss.Event.appendJSON(b)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if len(st.Invokes) > 0 {
		b = append(b, `,"invokes":[`...)
		for i := range st.Invokes {
			if i > 0 {
				b = append(b, ',')
			}
			iv := &st.Invokes[i]
			b = append(b, `{"id":`...)
			b = jsontext.AppendString(b, iv.ID)
			b = appendField(b, "state", iv.State)
			b = append(b, `,"index":`...)
			b = strconv.AppendInt(b, int64(iv.Index), 10)
			if iv.Src != "" {
				b = appendField(b, "src", iv.Src)
			}
			if iv.Text != "" {
				b = appendField(b, "text", iv.Text)
			}
			if iv.Child != nil {
				b = append(b, `,"child":`...)
				b, _ = iv.Child.appendJSON(b)
			}
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	if st.NextID != 0 {
		b = append(b, `,"nextid":`...)
		b = strconv.AppendInt(b, int64(st.NextID), 10)
	}
	if st.BreachedLast {
		b = append(b, `,"breached":true`...)
	}
	b = appendRaw(b, "datamodel", st.Datamodel)
	if len(st.Locals) > 0 {
		b = append(b, `,"locals":{`...)
		first := true
		for _, k := range slices.Sorted(maps.Keys(st.Locals)) {
			if len(st.Locals[k]) == 0 {
				continue
			}
			if !first {
				b = append(b, ',')
			}
			first = false
			b = jsontext.AppendString(b, k)
			b = append(b, ':')
			b = append(b, st.Locals[k]...)
		}
		b = append(b, '}')
	}
	tail := len(b)
	b = append(b, `,"macrosteps":`...)
	b = strconv.AppendUint(b, st.Macrosteps, 10)
	if st.Last != nil {
		b = append(b, `,"last":`...)
		b = st.Last.appendJSON(b)
	}
	return append(b, '}'), tail
}

func (ev *EventState) appendJSON(b []byte) []byte {
	b = append(b, `{"name":`...)
	b = jsontext.AppendString(b, ev.Name)
	if ev.Type != 0 {
		b = append(b, `,"type":`...)
		b = strconv.AppendUint(b, uint64(ev.Type), 10)
	}
	for _, f := range [...]struct{ k, v string }{{"sendid", ev.SendID}, {"origin", ev.Origin},
		{"origintype", ev.OriginType}, {"invokeid", ev.InvokeID}} {
		if f.v != "" {
			b = appendField(b, f.k, f.v)
		}
	}
	b = appendRaw(b, "data", ev.Data)
	if ev.Raw != "" {
		b = appendField(b, "raw", ev.Raw)
	}
	return append(b, '}')
}

// MarshalJSON writes the event.
func (ev *EventState) MarshalJSON() ([]byte, error) { return ev.appendJSON(nil), nil }

func appendEvents(b []byte, name string, evs []EventState) []byte {
	if len(evs) == 0 {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, name...)
	b = append(b, `":[`...)
	for i := range evs {
		if i > 0 {
			b = append(b, ',')
		}
		b = evs[i].appendJSON(b)
	}
	return append(b, ']')
}

func appendField(b []byte, k, v string) []byte {
	b = append(b, ',', '"')
	b = append(b, k...)
	b = append(b, '"', ':')
	return jsontext.AppendString(b, v)
}

// appendRaw appends a field whose value is JSON already, unless empty.
func appendRaw(b []byte, k string, raw []byte) []byte {
	if len(raw) == 0 {
		return b
	}
	b = append(b, ',', '"')
	b = append(b, k...)
	b = append(b, '"', ':')
	return append(b, raw...)
}

func appendStrings(b []byte, ss []string) []byte {
	b = append(b, '[')
	for i, s := range ss {
		if i > 0 {
			b = append(b, ',')
		}
		b = jsontext.AppendString(b, s)
	}
	return append(b, ']')
}
