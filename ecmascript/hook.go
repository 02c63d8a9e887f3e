package ecmascript

import (
	"fmt"

	"github.com/dop251/goja"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// Options extend the ECMAScript data model for a host.
type Options struct {
	// Setup, when not nil, is called by every session's data model once
	// the system variables are bound and before any data is initialised:
	// it may define more globals in rt. sys is the session (an
	// *interp.Session when run by the interpreter), doc the document the
	// model was compiled for. An error fails the session's start.
	Setup func(rt *goja.Runtime, sys interp.System, doc *scxml.Document) error
	// Globals, when not nil, lists for a document the globals of the
	// host's environment (see Global): every session has them, and makes
	// each the first time a script reads it.
	Globals func(doc *scxml.Document) []Global
	// OwnEvents, when it reports true for a document, gives every event
	// of its sessions its own _event object, as ORS's SpiderMonkey
	// engine does: a script that keeps _event (storing it in a list,
	// comparing it later) keeps that event. Otherwise one object serves
	// every event of a session, its fields read from the current event.
	OwnEvents func(doc *scxml.Document) bool
	// DataObject, when it returns a name for a document, makes every
	// <data> of its sessions also a property of the global object of that
	// name (which Setup must define), with the same initial value: the
	// _data of the 2009 draft ORS implements. The variable and the
	// property are separate afterwards: assigning one does not change the
	// other.
	DataObject func(doc *scxml.Document) string
}

// CompileWith returns a compiler like Compile whose data models are
// extended by opts.
func CompileWith(opts Options) interp.DatamodelCompiler {
	return func(doc *scxml.Document) (interp.DatamodelProgram, error) {
		return compile(doc, opts)
	}
}

// runSetup runs the program's setup hook, if any.
func (m *Model) runSetup(sys interp.System) error {
	if m.p.setup == nil {
		return nil
	}
	if err := m.p.setup(m.rt, sys, m.p.doc); err != nil {
		return fmt.Errorf("ecmascript: setup hook: %w", err)
	}
	return nil
}
