package ecmascript

import (
	"github.com/dop251/goja"
	"github.com/orca-scxml/orca/interp"
)

// Why a step runs inside one call: goja frees its value stack whenever
// control returns to Go from the outermost evaluation (Runtime.leave), so
// each top-level RunProgram grows a new stack, a few allocations and a
// copy each time. An evaluation that starts while a script is running — a
// Go function called from one — is nested, and reuses the stack. Enter
// makes every evaluation of a step nested: it runs one program, In(),
// whose call of In runs the step. In is the session's own function (not
// writable, not configurable, so a document cannot replace it); a call of
// it while enterStep is set runs the step instead of answering.

// Entering a step costs about as much as three evaluations save, so a
// session enters its steps while they evaluate several expressions each:
// from a step that ran enterAbove or more, until one that ran at most
// leaveBelow.
const (
	enterAbove = 4
	leaveBelow = 1
)

// enterProgram calls In with no argument.
var enterProgram = goja.MustCompile("enter", "In()", false)

// Enter runs step, the interpreter's next step of the session (its
// start, or an external event and the macrostep that follows). It
// implements interp.Entered. While the session's steps evaluate several
// expressions each, the step runs within one evaluation of the runtime;
// then the Promise jobs its scripts queue run when the step ends, within
// its macrostep, rather than after each script.
func (m *Model) Enter(step interp.Step) {
	if !m.entered || m.sys == nil || m.closed || m.enterStep != nil {
		m.runs = 0
		step.Run()
		m.entered = m.runs >= enterAbove
		return
	}
	m.BeginMacrostep()
	defer m.EndMacrostep()
	m.runs = 0
	m.enterStep = step
	_, err := m.rt.RunProgram(enterProgram)
	if m.enterStep != nil {
		// In did not run it (the runtime was interrupted first).
		m.enterStep = nil
		step.Run()
	}
	if err != nil {
		m.rt.ClearInterrupt()
	}
	m.entered = m.runs > leaveBelow
}
