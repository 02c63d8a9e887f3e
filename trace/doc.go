// Package trace is the record of what a session did, one macrostep at a
// time: the event that started the macrostep, the configuration it left,
// the data model afterwards, and what the session produced on the way (log
// lines, errors, sends, UserEvents, attached data). `orca run --trace`
// writes it, the console keeps the last steps of every session in memory,
// and `orca view` reads a trace file back to show it.
//
// # Format
//
// A trace file is JSON lines. The first line may be a Header, recognised
// by its "trace" key; every other line is a Step. The four keys the first
// trace format had come first and keep their meaning, so programs that
// read them go on working:
//
//	{"trace":"orca","version":1,"session":"9f2c...","name":"callback-scheduled","document":"/srv/strategies/cb.scxml"}
//	{"event":null,"atomic":["scheduled"],"active":["active","scheduled"],"final":false,"index":0,"time":"2026-11-21T10:00:00Z","datamodel":{...}}
//	{"event":"callback.cancel","atomic":["end"],"active":["end"],"final":true,"index":1,"eventtype":"external","logs":[...],"userevents":[...]}
//
// event is null for the initial macrostep (and for a line without one);
// the other keys are omitted when empty. A last line marked "ended" holds
// what the session's end produced after its last macrostep.
//
// Of builds a Step from an interp.Session in a host's macrostep hook. Read accepts the first format (the
// four keys alone), numbering its steps from 0.
//
// The record is data-model neutral: values are JSON (json.RawMessage), and
// a host fills them from its own types (see Value and Snapshot).
package trace
