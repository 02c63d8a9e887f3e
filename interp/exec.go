package interp

import (
	"errors"
	"fmt"

	"github.com/orca-scxml/orca/scxml"
)

// CustomAction is implemented by the values a scxml.Registry parser returns
// for custom executable content. Execute runs the action in session s; an
// error it returns becomes error.execution (or the error event an
// EventError names).
type CustomAction interface {
	Execute(s *Session) error
}

// EventError is an error that raises a specific error event rather than
// error.execution: error.communication for a failed <send>, or the
// error.<module> events of custom actions.
type EventError struct {
	Event  string
	SendID string
	Err    error
}

// Error returns the underlying error's message.
func (e *EventError) Error() string { return e.Err.Error() }

// Unwrap returns the underlying error.
func (e *EventError) Unwrap() error { return e.Err }

// PosError is an error located in the document.
type PosError struct {
	Pos scxml.Pos
	Err error
}

// Error returns "file:line:col: message".
func (e *PosError) Error() string { return e.Pos.String() + ": " + e.Err.Error() }

// Unwrap returns the underlying error.
func (e *PosError) Unwrap() error { return e.Err }

// execBlock runs a block of executable content; the first error stops the
// block and is raised as an error event (§4.9).
func (s *Session) execBlock(b scxml.Block) {
	if len(b) == 0 {
		return
	}
	if err := s.runBlock(b); err != nil {
		s.raiseError(scxml.Pos{}, err)
	}
}

// runBlock runs a block and returns the first error, located.
func (s *Session) runBlock(b scxml.Block) error {
	for _, a := range b {
		if err := s.exec(a); err != nil {
			var pe *PosError
			if !errors.As(err, &pe) {
				err = &PosError{Pos: a.Position(), Err: err}
			}
			return err
		}
	}
	return nil
}

func (s *Session) exec(a scxml.Action) error {
	switch a := a.(type) {
	case *scxml.Raise:
		ev := &Event{Name: a.Event, Type: Internal}
		if len(a.Params) > 0 {
			// ORS documents: <raise> with <param> children.
			data, _, err := s.messageData(nil, a.Params, nil)
			if err != nil {
				return err
			}
			ev.Data = data
		}
		s.pushInternal(ev)
	case *scxml.If:
		for i := range a.Branches {
			br := &a.Branches[i]
			if br.Cond != nil {
				ok, err := s.dm.Cond(br.Cond)
				if err != nil {
					return err
				}
				if !ok {
					continue
				}
			}
			return s.runBlock(br.Body)
		}
	case *scxml.Foreach:
		return s.dm.Foreach(a, func() error { return s.runBlock(a.Body) })
	case *scxml.Log:
		msg := ""
		if a.Expr != nil {
			v, err := s.dm.EvalString(a.Expr)
			if err != nil {
				return err
			}
			msg = v
		}
		if s.e.opts.Log != nil {
			s.e.opts.Log(s, a.Label, msg)
		}
	case *scxml.Assign:
		return s.dm.Assign(a)
	case *scxml.Script:
		return s.dm.Exec(a)
	case *scxml.Send:
		return s.send(a)
	case *scxml.Cancel:
		id := a.SendID
		if a.SendIDExpr != nil {
			v, err := s.dm.EvalString(a.SendIDExpr)
			if err != nil {
				return err
			}
			id = v
		}
		var t *timer
		if s.rare != nil {
			t = s.timers[id]
		}
		if t != nil {
			s.e.cancelTimer(t)
			delete(s.timers, id)
		}
		if s.doc.Dialect == scxml.ORS {
			// ORS sends back cancel.successful when the event was
			// removed, error.notallowed otherwise, with its sendid (ORS
			// Developer's Guide, ECMAScript, <cancel>). The data,
			// {"sendid": id}, is a SendIDData: one allocation where
			// a map is three.
			name := "error.notallowed"
			if t != nil {
				name = "cancel.successful"
			}
			s.Enqueue(&Event{Name: name, Type: External, SendID: id, Data: SendIDData{id}})
		}
	case *scxml.Custom:
		if a.Action == nil {
			return nil
		}
		ca, ok := a.Action.(CustomAction)
		if !ok {
			return fmt.Errorf("<%s> is not executable", a.Element.FullTag())
		}
		return ca.Execute(s)
	default:
		return fmt.Errorf("unknown executable content %T", a)
	}
	return nil
}

// raisePlatform places a platform event on the internal queue.
func (s *Session) raisePlatform(name, sendid string, data any) {
	s.pushInternal(&Event{Name: name, Type: Platform, SendID: sendid, Data: data})
}

// raiseError raises err as error.execution, or as the event an EventError
// names, and reports it to the host.
func (s *Session) raiseError(pos scxml.Pos, err error) {
	var pe *PosError
	if pos.Line > 0 && !errors.As(err, &pe) {
		err = &PosError{Pos: pos, Err: err}
	}
	if errors.Is(err, ErrLimit) {
		// A breach of a limit: one of the engine's (a send beyond a
		// queue's limit), or a host's inside a data model (a script
		// time budget).
		s.breach(err, false)
		return
	}
	name, sendid := "error.execution", ""
	var ee *EventError
	if errors.As(err, &ee) {
		name, sendid = ee.Event, ee.SendID
	}
	s.report(err)
	s.raisePlatform(name, sendid, errorData(err))
}

// errorData is the _event.data of an error event.
func errorData(err error) any {
	return map[string]any{"message": err.Error()}
}
