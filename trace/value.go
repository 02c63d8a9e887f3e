package trace

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/orca-scxml/orca/scxml"
)

// Value returns v as JSON. A value that does not encode (a cycle, a
// function, a channel) becomes its Go text form as a JSON string, so a
// record is never lost to one odd value.
func Value(v any) json.RawMessage {
	if v == nil {
		return nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		b, _ = json.Marshal(fmt.Sprint(v))
	}
	return b
}

// Evaluator evaluates an expression in a session's data model and returns
// its value in neutral form; interp.Datamodel is one.
type Evaluator interface {
	Eval(e *scxml.Expr) (any, error)
}

// Globaler is a data model that lists the global variables its scripts
// made (ecmascript.Model.Globals), without side effects.
type Globaler interface {
	Globals() []string
}

// Snapshot returns the data model of a session of doc as a JSON object:
// every variable a <data> declares, the global variables the scripts made
// when dm is a Globaler (functions left out), and _data, the start
// parameters, in ORS documents. A variable that cannot be read is left
// out; a value that does not encode is shown as text (see Value).
func Snapshot(doc *scxml.Document, dm Evaluator) json.RawMessage {
	if dm == nil {
		return nil
	}
	var names []string
	for _, st := range doc.States {
		for _, d := range st.Data {
			names = append(names, d.ID)
		}
	}
	if doc.Datamodel != "null" {
		if g, ok := dm.(Globaler); ok {
			names = append(names, g.Globals()...)
		}
		if doc.Dialect == scxml.ORS {
			names = append(names, "_data")
		}
	}
	slices.Sort(names)
	names = slices.Compact(names)
	out := make(map[string]json.RawMessage, len(names))
	for _, n := range names {
		v, err := dm.Eval(&scxml.Expr{Kind: scxml.ValueExpr, Src: n, Index: -1})
		if err != nil {
			continue
		}
		if b := Value(v); b != nil {
			out[n] = b
		} else {
			out[n] = json.RawMessage("null")
		}
	}
	b, _ := json.Marshal(out)
	return b
}
