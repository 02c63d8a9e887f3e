package ecmascript

import (
	"strconv"

	"github.com/dop251/goja"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// Why a step runs inside one evaluation: goja frees its value stack
// whenever control returns to Go from the outermost evaluation
// (Runtime.leave), so each top-level RunProgram grows a new stack, a few
// allocations and a copy each time. An evaluation that starts while a
// script is running — in a Go function called from one, or in a Go-backed
// property read — is nested, and reuses the stack. Enter makes every
// evaluation of a step nested: it runs one program, which reads a global
// of the session's environment (stepName) whose value is made by running
// the step.

// Entering a step costs about as much as three evaluations save, so a
// session enters its steps while they evaluate several expressions each:
// from a step that ran enterAbove or more, until one that ran at most
// leaveBelow and at least one. A step that evaluates nothing (an event no
// transition of the configuration takes, of which a callback session gets
// several between those that run its scripts) tells nothing of the next
// and leaves the decision as it was; one the interpreter can tell will
// evaluate nothing (interp.Step.Quiet) is not entered.
const (
	enterAbove = 4
	leaveBelow = 1
)

// A session's first step (its start) follows no step, so whether it is
// entered is decided from the document when it is compiled: it is when
// the start evaluates enterAbove or more programs (startRuns) — a
// callback template's start runs dozens, a ping-pong chart's none.

// stepName is the global of the environment whose read runs the step
// Enter runs (stepGlobal); enterProgram reads it. It is not a name a
// document would use.
const stepName = reservedPrefix + "step__"

// enterProgram reads stepName, after a block of stackRoom variables that
// it leaves at once: goja grows the value stack of an outermost
// evaluation from nothing, doubling it (2, 6, 14, 30 values, an
// allocation and a copy each), and a block's variables live on the
// stack, made room for in one step. Entering the block makes the stack
// 2×stackRoom values in one allocation; leaving it leaves that room for
// the step, whose evaluations start where they would have. A step that
// needs more grows it as before.
var enterProgram = goja.MustCompile("enter", stackBlock(stackRoom)+stepName, false)

// stackRoom is the size of enterProgram's block: the entered steps of a
// callback session reach 4 to 18 values deep (its start and the event
// that confirms the callback the deepest), which a stack of 20 holds.
// A larger block costs bytes in every entered step; a smaller one, a
// second allocation in the deep steps.
const stackRoom = 10

// stackBlock returns a block declaring n variables.
func stackBlock(n int) string {
	b := []byte("{let ")
	for i := range n {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, 'v')
		b = strconv.AppendInt(b, int64(i), 10)
	}
	return string(append(b, "} "...))
}

// stepGlobal runs the step Enter runs, once, when enterProgram reads it:
// a property read, which makes no function in the session (as calling a
// Go function would). Read otherwise it is undefined.
func stepGlobal(m *Model) goja.Value {
	if step := m.enterStep; step != nil {
		m.enterStep = nil
		step.Run()
	}
	return goja.Undefined()
}

// Enter runs step, the interpreter's next step of the session (its
// start, or an external event and the macrostep that follows). It
// implements interp.Entered. While the session's steps evaluate several
// expressions each, the step runs within one evaluation of the runtime;
// then the Promise jobs its scripts queue run when the step ends, within
// its macrostep, rather than after each script.
func (m *Model) Enter(step interp.Step) {
	if !m.entered || m.closed || m.enterStep != nil {
		m.runs = 0
		step.Run()
		m.entered = m.runs >= enterAbove
		return
	}
	if step.Quiet() {
		// An event nothing of the configuration takes: entering it
		// would cost a run and a value stack for nothing.
		m.runs = 0
		step.Run()
		m.decide()
		return
	}
	m.BeginMacrostep()
	defer m.EndMacrostep()
	m.runs = 0
	m.enterStep = step
	_, err := m.rt.RunProgram(enterProgram)
	if m.enterStep != nil {
		// The read did not run it (the runtime was interrupted first).
		m.enterStep = nil
		step.Run()
	}
	if err != nil {
		m.rt.ClearInterrupt()
	}
	m.decide()
}

// decide decides from an entered session's step whether its next step is
// entered: a step that evaluated nothing leaves the decision as it was.
func (m *Model) decide() {
	if m.runs > 0 {
		m.entered = m.runs > leaveBelow
	}
}

// startRuns counts the programs a session's start of doc evaluates at
// least, as far as the document tells: its <data> (all of them with early
// binding, the root's with late), its top-level scripts, the root's
// initial content, and the <onentry> of the states its initial transition
// enters by default — every expression of their content that is not a
// literal, each branch of an <if> included, each custom action counted as
// one. Eventless transitions taken after are not followed. It stops
// counting at enterAbove.
func (p *program) startRuns() int {
	c := startCounter{p: p, seen: map[*scxml.State]bool{}}
	doc := p.doc
	for _, st := range doc.States {
		if st.Kind == scxml.Root || doc.Binding == scxml.EarlyBinding {
			for _, d := range st.Data {
				c.expr(d.Expr)
			}
		}
	}
	for _, sc := range doc.Scripts {
		c.expr(sc.Body)
	}
	if doc.Root != nil {
		c.seen[doc.Root] = true
		c.initial(doc.Root.Initial)
	}
	return c.n
}

// startCounter counts the programs of a start (startRuns).
type startCounter struct {
	p    *program
	n    int
	seen map[*scxml.State]bool
}

func (c *startCounter) expr(e *scxml.Expr) {
	if e != nil && c.p.lookup(e).lit == nil {
		c.n++
	}
}

// initial counts an initial transition's content and the states it
// enters.
func (c *startCounter) initial(t *scxml.Transition) {
	if t == nil {
		return
	}
	c.block(t.Body)
	for _, st := range t.Targets {
		c.enter(st)
	}
}

// enter counts the entry of st, its ancestors not yet entered first, and
// its default descendants.
func (c *startCounter) enter(st *scxml.State) {
	if st == nil || c.seen[st] || c.n >= enterAbove {
		return
	}
	c.seen[st] = true
	c.enter(st.Parent)
	for _, b := range st.OnEntry {
		c.block(b)
	}
	switch st.Kind {
	case scxml.Compound:
		c.initial(st.Initial)
	case scxml.Parallel:
		for _, ch := range st.Children {
			c.enter(ch)
		}
	}
}

func (c *startCounter) block(b scxml.Block) {
	for _, a := range b {
		c.action(a)
	}
}

func (c *startCounter) params(ps []*scxml.Param) {
	for _, pa := range ps {
		c.expr(pa.Expr)
		c.expr(pa.Location)
	}
}

func (c *startCounter) content(ct *scxml.Content) {
	if ct != nil {
		c.expr(ct.Expr)
	}
}

// action counts one action of executable content, a custom action as one.
func (c *startCounter) action(a scxml.Action) {
	switch a := a.(type) {
	case *scxml.Raise:
		c.params(a.Params)
	case *scxml.If:
		for _, br := range a.Branches {
			c.expr(br.Cond)
			c.block(br.Body)
		}
	case *scxml.Foreach:
		c.expr(a.Array)
		c.block(a.Body)
	case *scxml.Log:
		c.expr(a.Expr)
	case *scxml.Assign:
		c.expr(a.Expr)
		c.content(a.Content)
	case *scxml.Script:
		c.expr(a.Body)
	case *scxml.Send:
		c.expr(a.EventExpr)
		c.expr(a.TargetExpr)
		c.expr(a.TypeExpr)
		c.expr(a.DelayExpr)
		for _, e := range a.Namelist {
			c.expr(e)
		}
		c.params(a.Params)
		c.content(a.Content)
	case *scxml.Cancel:
		c.expr(a.SendIDExpr)
	default:
		c.n++
	}
}
