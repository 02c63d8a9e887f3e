package ecmascript

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/dop251/goja"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// ErrInterrupted is wrapped by the errors of evaluations stopped by
// Interrupt or by a Watchdog. It wraps interp.ErrLimit, so the interpreter
// treats it as a limit breach.
var ErrInterrupted = fmt.Errorf("interrupted: %w", interp.ErrLimit)

// posError is an error located at pos in the document.
func posError(pos scxml.Pos, format string, args ...any) error {
	return &interp.PosError{Pos: pos, Err: fmt.Errorf(format, args...)}
}

// ErrClosed is returned by a data model used after Close.
var ErrClosed = errors.New("ecmascript: data model closed")

// SyntaxError is the error of an expression that does not compile.
type SyntaxError struct {
	// Message is the parser's message.
	Message string
	// Line and Col locate the error in the expression's source (1-based).
	Line, Col int
}

// Error formats the error with its position in the expression.
func (e *SyntaxError) Error() string {
	return fmt.Sprintf("SyntaxError: %s (line %d, column %d of the expression)", e.Message, e.Line, e.Col)
}

// guard runs f, which may throw JavaScript exceptions (getters, toString),
// and returns what it throws as an error.
func (m *Model) guard(f func()) (err error) {
	defer func() {
		if x := recover(); x != nil {
			switch x := x.(type) {
			case *goja.InterruptedError:
				err = x
			case *goja.StackOverflowError:
				err = x
			case *goja.Exception:
				err = x
			default:
				panic(x)
			}
		}
	}()
	if ex := m.rt.Try(f); ex != nil {
		return ex
	}
	return nil
}

// ScriptError is a JavaScript exception thrown by an expression or script.
type ScriptError struct {
	// Message is the thrown value as a string, e.g. "ReferenceError: x is
	// not defined".
	Message string
	// Exception is goja's exception (nil for a stack overflow).
	Exception *goja.Exception
}

// Error returns the message.
func (e *ScriptError) Error() string { return e.Message }

// Unwrap returns the goja exception, if any.
func (e *ScriptError) Unwrap() error {
	if e.Exception == nil {
		return nil
	}
	return e.Exception
}

// evalError converts an error of goja into one naming e and its position.
// An interrupted runtime is made reusable.
func (m *Model) evalError(e *scxml.Expr, err error) error {
	var ie *goja.InterruptedError
	if errors.As(err, &ie) {
		m.rt.ClearInterrupt()
		return posError(e.Pos, "%s: %w: %v", describe(e), ErrInterrupted, ie.Value())
	}
	return exprError(e, m.plainError(err))
}

// plainError converts a goja exception into a ScriptError, and a stack
// overflow into a RangeError.
func (m *Model) plainError(err error) error {
	var so *goja.StackOverflowError
	if errors.As(err, &so) {
		return &ScriptError{Message: "RangeError: Maximum call stack size exceeded"}
	}
	var ex *goja.Exception
	if errors.As(err, &ex) {
		msg := ""
		if m.guard(func() { msg = ex.Value().String() }) != nil || msg == "" {
			msg = ex.Error()
		}
		return &ScriptError{Message: msg, Exception: ex}
	}
	return err
}

// exprError prefixes err with the position and a short form of e.
func exprError(e *scxml.Expr, err error) error {
	return posError(e.Pos, "%s: %w", describe(e), err)
}

// describe names an expression for error messages: its kind and, unless it
// is a script, its source (shortened).
func describe(e *scxml.Expr) string {
	var kind string
	switch e.Kind {
	case scxml.CondExpr:
		kind = "condition"
	case scxml.LocationExpr:
		kind = "location"
	case scxml.ScriptExpr:
		return "script"
	default:
		kind = "expression"
	}
	src := strings.TrimSpace(e.Src)
	if r := []rune(src); len(r) > 60 {
		src = string(r[:57]) + "..."
	}
	return kind + " " + strconv.Quote(src)
}
