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
}

// CompileWith returns a compiler like Compile whose data models also run
// opts.Setup.
func CompileWith(opts Options) interp.DatamodelCompiler {
	return func(doc *scxml.Document) (interp.DatamodelProgram, error) {
		p, err := Compile(doc)
		if err != nil {
			return nil, err
		}
		p.(*program).setup = opts.Setup
		return p, nil
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
