package ors

import (
	"cmp"
	"slices"
	"strings"
)

// Request is a request of a function module waiting for its answer.
type Request struct {
	// ID is the request id the module gave the session (_event.data
	// requestid of its events).
	ID string
	// Module and Action name the action that made it (ixn, redirect;
	// queue, submit; ...).
	Module, Action string
	// Interaction is the interaction it is about ("" for none).
	Interaction string
	// Queue is the virtual queue of a queue submit.
	Queue string
}

// Kind names the request as module.action (queue.submit).
func (q Request) Kind() string { return q.Module + "." + q.Action }

// Detail says what the request is about: the queue of a submit and the
// interaction.
func (q Request) Detail() string {
	return strings.TrimSpace(q.Queue + " " + q.Interaction)
}

// Requests returns the requests of session sid still waiting for their
// answer, by request id. It walks the requests in flight (of every
// session), so a host calls it once per macrostep at most.
func (r *Runtime) Requests(sid string) []Request {
	r.mu.Lock()
	var out []Request
	for _, req := range r.pending {
		// A request without a module (a treatment of a queue submit)
		// answers nothing.
		if req.session == sid && req.module != "" {
			out = append(out, Request{ID: req.id, Module: req.module, Action: req.action, Interaction: req.ixn, Queue: req.queue})
		}
	}
	r.mu.Unlock()
	slices.SortFunc(out, func(a, b Request) int {
		if len(a.ID) != len(b.ID) {
			// R9 before R10.
			return cmp.Compare(len(a.ID), len(b.ID))
		}
		return cmp.Compare(a.ID, b.ID)
	})
	return out
}
