package reporting

import (
	"strings"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// ErrorEvent is the name of the event a session receives when a reporting
// operation is refused or a UserEvent is held.
const ErrorEvent = "error.reporting"

// Reason classifies a reporting problem; it is _event.data.reason of
// error.reporting.
type Reason string

// The reasons.
const (
	// UnknownKey: the key is not in the catalogue.
	UnknownKey Reason = "unknown_key"
	// BadValue: the value does not fit the KVP's kind or list.
	BadValue Reason = "bad_value"
	// NotSettable: the KVP is derived or reserved, or the operation does
	// not apply to its kind (stamp on a non-timestamp, ...).
	NotSettable Reason = "not_settable"
	// NotAttachable: attach named a KVP that is not call-attached, or
	// one without a value yet.
	NotAttachable Reason = "not_attachable"
	// MissingMandatory: a UserEvent lacks mandatory KVPs; it is held.
	MissingMandatory Reason = "missing_mandatory"
	// NoDestination: reporting is enabled but no reporting DN is set;
	// the UserEvent is held.
	NoDestination Reason = "no_destination"
	// PortFailure: the port refused or failed a request; a UserEvent is
	// held.
	PortFailure Reason = "port_failure"
	// AlreadySent: start or final was asked for a second time.
	AlreadySent Reason = "already_sent"
	// NoInteraction: attach found no call to attach to.
	NoInteraction Reason = "no_interaction"
	// Clamped: a derived duration came out negative and was sent as 0.
	// It is logged only, never raised.
	Clamped Reason = "clamped"
	// FromRequest: the strategy set a KVP a callback request parameter
	// gave; the request's value is kept. Logged only, never raised.
	FromRequest Reason = "from_request"
	// NoStatistics: a statistic was asked for and the host's statistic
	// source failed; the KVPs are not set. Logged only, never raised. (A
	// host with no source sends none of these KVPs, without a log.)
	NoStatistics Reason = "no_statistics"
)

// raised reports whether a problem of reason r raises error.reporting in
// the session (the others are only logged).
func (r Reason) raised() bool {
	return r != Clamped && r != FromRequest && r != NoStatistics
}

// Error is a reporting problem. It is raised in the session as
// error.reporting (when the session is running) and always given to the
// Reporter's Log hook.
type Error struct {
	// Session is the session id.
	Session string
	// Pos is where the action stands in the document (zero for the
	// ECMAScript face and host hooks).
	Pos scxml.Pos
	// Op is the operation: set, stamp, increment, dialresult,
	// disposition, attach, start, final, param.
	Op     string
	Reason Reason
	// Keys are the KVPs concerned (the missing ones for
	// MissingMandatory).
	Keys []string
	// Msg says what is wrong.
	Msg string
}

// Error returns "file:line:col: reporting <op>: message" (without the
// position when there is none).
func (e *Error) Error() string {
	var b strings.Builder
	if e.Pos.Line > 0 {
		b.WriteString(e.Pos.String())
		b.WriteString(": ")
	}
	b.WriteString("reporting ")
	b.WriteString(e.Op)
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// event returns the error.reporting event for e: data holds message,
// reason, op and keys.
func (e *Error) event() *interp.Event {
	keys := make([]any, len(e.Keys))
	for i, k := range e.Keys {
		keys[i] = k
	}
	return &interp.Event{Name: ErrorEvent, Type: interp.Platform, Data: map[string]any{
		"message": e.Error(), "reason": string(e.Reason), "op": e.Op, "keys": keys,
	}}
}
