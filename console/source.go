package console

import (
	"context"
	"errors"
	"time"

	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/trace"
)

// Source is where the console reads sessions from. A server implements it
// over its live sessions (Memory is an implementation it can use as is);
// `orca view` serves a trace file through a Memory.
//
// Its methods are called concurrently, from HTTP handlers.
type Source interface {
	// Services lists the services with their session counts, by name.
	Services(ctx context.Context) ([]Service, error)
	// Sessions returns one page of the sessions q selects, newest first.
	// It must stay fast (well under 100 ms) with 100,000 live sessions.
	Sessions(ctx context.Context, q Query) (Page, error)
	// Session returns one session with its document and recorded history;
	// ErrNotFound when there is no such session (any more).
	Session(ctx context.Context, id string) (*Detail, error)
	// Subscribe returns the updates of session id as they happen, until
	// ctx is done (the channel is then closed) or the session is
	// forgotten. ErrNotFound when there is no such session.
	Subscribe(ctx context.Context, id string) (<-chan Update, error)
}

// ErrNotFound is returned by a Source for a session it does not know.
var ErrNotFound = errors.New("no such session")

// The session states the console knows. A Source may use others (a
// callback waiting for its start time, say); they are shown as written.
const (
	StateRunning = "running"
	StateEnded   = "ended"
)

// Summary is what the session list shows of a session.
type Summary struct {
	ID string `json:"id"`
	// Service is the service (GMS callback service, or ORS application)
	// the session belongs to; "" for a session started on its own.
	Service string `json:"service,omitempty"`
	// Document names the document the session runs: its name attribute,
	// or its file.
	Document string `json:"document,omitempty"`
	// State is StateRunning, StateEnded, or a state of the Source's own.
	State string `json:"state"`
	// CallbackID, CallbackState and CustomerNumber are the GMS callback
	// the session serves (_id, _callback_state, _customer_number).
	CallbackID     string `json:"callbackId,omitempty"`
	CallbackState  string `json:"callbackState,omitempty"`
	CustomerNumber string `json:"customerNumber,omitempty"`
	// UserEvents counts the reporting UserEvents the session sent.
	UserEvents int       `json:"userEvents,omitempty"`
	Started    time.Time `json:"started"`
	Ended      time.Time `json:"ended,omitzero"`
	// Atomic is the session's atomic states after its last macrostep;
	// Steps counts its macrosteps.
	Atomic []string `json:"atomic,omitempty"`
	Steps  int      `json:"steps"`
}

// Query selects sessions: every non-empty field must match exactly.
type Query struct {
	Service        string
	State          string
	CallbackState  string
	CustomerNumber string
	CallbackID     string
	// Callbacks keeps only the sessions that serve a callback.
	Callbacks bool
	// Limit is the page size: DefaultLimit when 0, at most MaxLimit.
	Limit int
	// After and Before are cursors from a Page (Next and Prev): the page
	// starts after, or ends before, that session. At most one is set.
	After  string
	Before string
}

// Page sizes.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// Page is one page of sessions.
type Page struct {
	Sessions []Summary `json:"sessions"`
	// Total is the number of sessions the query selects.
	Total int `json:"total"`
	// Next and Prev are the cursors of the pages after and before this
	// one; "" when there is none.
	Next string `json:"next,omitempty"`
	Prev string `json:"prev,omitempty"`
}

// Service is a service and the sessions it has.
type Service struct {
	Name  string `json:"name"`
	Live  int    `json:"live"`
	Ended int    `json:"ended"`
}

// Detail is one session in full.
type Detail struct {
	Summary  Summary
	Document *scxml.Document
	// History holds the recorded macrosteps, oldest first; Dropped counts
	// the earlier ones the bounded history no longer holds.
	History []*trace.Step
	Dropped int
}

// Update is a change of a session a subscriber receives.
type Update struct {
	// Summary is the session's summary when it changed (its state,
	// callback state, or a new macrostep).
	Summary *Summary `json:"summary,omitempty"`
	// Step is a new macrostep.
	Step *trace.Step `json:"step,omitempty"`
	// Resync says updates were lost (the subscriber fell behind): read
	// the session again.
	Resync bool `json:"resync,omitempty"`
}
