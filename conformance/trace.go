package conformance

import (
	"errors"
	"regexp"
	"strconv"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// maxRecords bounds the log lines, events and errors a SessionTrace keeps of
// each kind; a runaway that produces more is cut off and counted in Dropped.
const maxRecords = 500

// Trace is what the runner observed of one document: whether it loaded, and
// what each of its sessions did. Checks judge a test from its traces.
type Trace struct {
	// File is the document's file name, such as "test178.scxml".
	File string
	// Source is the document's text, so that checks can locate elements.
	Source string
	// LoadErr is the error that rejected the document at load; nil when
	// it loaded. LoadErrLines are the source lines the error points at.
	LoadErr      error
	LoadErrLines []int
	// Sessions holds every session of the run in start order: the
	// top-level session first, then the sessions it invoked.
	Sessions []*SessionTrace
	// Stop says why the run stopped before the top-level session ended
	// ("" when it ended): no event could arrive any more, the virtual time
	// bound, or the wall-time guard (then TimedOut is set too).
	Stop     string
	TimedOut bool
	// Virtual is the virtual time the run used.
	Virtual time.Duration
}

// Top returns the top-level session, or nil when none started.
func (t *Trace) Top() *SessionTrace {
	if len(t.Sessions) == 0 {
		return nil
	}
	return t.Sessions[0]
}

// Children returns the sessions whose parent is id, in start order.
func (t *Trace) Children(id string) []*SessionTrace {
	var out []*SessionTrace
	for _, s := range t.Sessions {
		if s.Parent == id {
			out = append(out, s)
		}
	}
	return out
}

// SessionTrace is what one session did.
type SessionTrace struct {
	// ID is the session id; Parent is the invoking session's id ("" for
	// the top-level session).
	ID, Parent string
	// Ended reports whether the session ended; Final is the id of the
	// top-level final state it reached ("" if none); Err is the error
	// that terminated it.
	Ended bool
	Final string
	Err   string
	// Logs are the session's <log> outputs in order.
	Logs []LogLine
	// Events are the events bound to _event in order, internal ones
	// included: the events the session processed.
	Events []interp.Event
	// Errors are the errors the interpreter reported for the session.
	Errors []string
	// Dropped counts records left out beyond maxRecords.
	Dropped int
}

// LogLine is one <log> output.
type LogLine struct {
	Label, Message string
}

// EventNames returns the names of the events the session processed.
func (s *SessionTrace) EventNames() []string {
	out := make([]string, len(s.Events))
	for i, ev := range s.Events {
		out[i] = ev.Name
	}
	return out
}

// recorder builds the Trace of one run from the engine's hooks.
type recorder struct {
	trace *Trace
	byID  map[string]*SessionTrace
}

func newRecorder(tr *Trace) *recorder {
	return &recorder{trace: tr, byID: make(map[string]*SessionTrace)}
}

func (r *recorder) session(id string) *SessionTrace {
	if st := r.byID[id]; st != nil {
		return st
	}
	st := &SessionTrace{ID: id}
	r.byID[id] = st
	r.trace.Sessions = append(r.trace.Sessions, st)
	return st
}

// hook installs the recorder's hooks in opts: sessions, logs, errors, and
// the events bound to _event (through a wrapper around every data model).
func (r *recorder) hook(opts *interp.Options, datamodels map[string]interp.DatamodelCompiler) {
	opts.OnStart = func(s *interp.Session) {
		st := r.session(s.ID())
		if p := s.Parent(); p != nil {
			st.Parent = p.ID()
		}
	}
	opts.OnDone = func(s *interp.Session) { r.done(s) }
	opts.Log = func(s *interp.Session, label, msg string) {
		st := r.session(s.ID())
		if len(st.Logs) < maxRecords {
			st.Logs = append(st.Logs, LogLine{Label: label, Message: msg})
		} else {
			st.Dropped++
		}
	}
	opts.OnError = func(s *interp.Session, err error) {
		st := r.session(s.ID())
		if len(st.Errors) < maxRecords {
			st.Errors = append(st.Errors, err.Error())
		} else {
			st.Dropped++
		}
	}
	opts.Datamodels = make(map[string]interp.DatamodelCompiler, len(datamodels))
	for name, comp := range datamodels {
		opts.Datamodels[name] = r.wrapCompiler(comp)
	}
}

// done records how session s ended.
func (r *recorder) done(s *interp.Session) {
	st := r.session(s.ID())
	st.Ended = s.Done()
	if f := s.Final(); f != nil {
		st.Final = f.ID
	}
	if err := s.Err(); err != nil {
		st.Err = err.Error()
	}
}

func (r *recorder) event(id string, ev *interp.Event) {
	st := r.session(id)
	if len(st.Events) < maxRecords {
		st.Events = append(st.Events, *ev)
	} else {
		st.Dropped++
	}
}

func (r *recorder) wrapCompiler(comp interp.DatamodelCompiler) interp.DatamodelCompiler {
	return func(doc *scxml.Document) (interp.DatamodelProgram, error) {
		p, err := comp(doc)
		if err != nil {
			return nil, err
		}
		return recordingProgram{DatamodelProgram: p, rec: r}, nil
	}
}

type recordingProgram struct {
	interp.DatamodelProgram
	rec *recorder
}

func (p recordingProgram) NewDatamodel() (interp.Datamodel, error) {
	dm, err := p.DatamodelProgram.NewDatamodel()
	if err != nil {
		return nil, err
	}
	rdm := &recordingDatamodel{Datamodel: dm, rec: p.rec}
	if b, ok := dm.(interp.Budgeted); ok {
		return budgetedDatamodel{recordingDatamodel: rdm, Budgeted: b}, nil
	}
	return rdm, nil
}

// recordingDatamodel passes every call to the session's data model and
// records the events bound to _event.
type recordingDatamodel struct {
	interp.Datamodel
	rec *recorder
	id  string
}

func (d *recordingDatamodel) Setup(sys interp.System) error {
	d.id = sys.SessionID()
	return d.Datamodel.Setup(sys)
}

// Unwrap returns the session's data model, for a host's watchdog lane.
func (d *recordingDatamodel) Unwrap() interp.Datamodel { return d.Datamodel }

func (d *recordingDatamodel) SetEvent(e *interp.Event) {
	d.rec.event(d.id, e)
	d.Datamodel.SetEvent(e)
}

// budgetedDatamodel keeps the script time budget of a data model that has
// one.
type budgetedDatamodel struct {
	*recordingDatamodel
	interp.Budgeted
}

// posLine matches the "file:line:col: " prefix of an error message.
var posLine = regexp.MustCompile(`(?m)^.*?:(\d+):\d+: `)

// errorLines returns the source lines a load error points at: the
// positions of an scxml.ErrorList, or the "file:line:col:" prefixes of
// the message's lines.
func errorLines(err error) []int {
	var list scxml.ErrorList
	if errors.As(err, &list) {
		lines := make([]int, 0, len(list))
		for _, e := range list {
			lines = append(lines, e.Pos.Line)
		}
		return lines
	}
	var lines []int
	for _, m := range posLine.FindAllStringSubmatch(err.Error(), -1) {
		if n, convErr := strconv.Atoi(m[1]); convErr == nil {
			lines = append(lines, n)
		}
	}
	return lines
}
