package server

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/orca-scxml/orca/interp"
)

// errGone is returned for an actor whose sessions have all ended.
var errGone = errors.New("session has ended")

// actor runs the sessions of one engine on its own goroutine: a session
// the server started and the sessions it invoked or started itself.
// Other goroutines reach it through its inbox (events) and do (calls).
type actor struct {
	srv   *Server
	eng   *interp.Engine
	inbox *interp.Inbox

	mu     sync.Mutex
	calls  []func()
	exited bool
	wake   chan struct{}
	done   chan struct{}

	// Touched on the actor's goroutine only.
	sessions map[string]*interp.Session
	// pending is a start waiting for its ideal time (zero: none).
	pending   func()
	pendingID string
	pendingAt time.Time
	timer     *time.Timer
}

// newActor makes an actor whose engine is configured by the server.
func (s *Server) newActor() *actor {
	a := &actor{
		srv: s, inbox: interp.NewInbox(),
		wake: make(chan struct{}, 1), done: make(chan struct{}),
		sessions: make(map[string]*interp.Session, 1),
	}
	opts := s.engineOpts
	opts.OnStart = a.onStart
	opts.OnDone = a.onDone
	a.eng = interp.NewEngine(opts)
	return a
}

func (a *actor) onStart(sess *interp.Session) {
	a.sessions[sess.ID()] = sess
	a.srv.route.add(sess.ID(), a)
	a.srv.metrics.sessionStarted()
}

func (a *actor) onDone(sess *interp.Session) {
	delete(a.sessions, sess.ID())
	a.srv.sessionDone(sess)
}

// run is the actor's goroutine. It returns when no session is left.
func (a *actor) run() {
	defer func() {
		if a.timer != nil {
			a.timer.Stop()
		}
		close(a.done)
		a.srv.actorDone(a)
	}()
	for {
		a.runCalls()
		a.startDue()
		a.eng.Run()
		if a.inbox.Deliver(a.eng, a.srv.lost) > 0 {
			continue
		}
		if a.finished() {
			return
		}
		a.wait()
	}
}

// finished reports, under the lock that do takes, whether nothing is left
// to run; the actor then accepts no more calls.
func (a *actor) finished() bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	if len(a.calls) > 0 || len(a.sessions) > 0 || a.pending != nil || a.eng.Sessions() > 0 {
		return false
	}
	a.exited = true
	return true
}

// wait blocks until an event, a call or the next timer; it returns at
// once while the engine has work left (Run takes it in batches).
func (a *actor) wait() {
	if !a.eng.Idle() {
		return
	}
	due, ok := a.eng.NextDue()
	if a.pending != nil && (!ok || a.pendingAt.Before(due)) {
		due, ok = a.pendingAt, true
	}
	var timerC <-chan time.Time
	if ok {
		d := wall(a.srv.clock, due.Sub(a.srv.clock.Now()))
		if d <= 0 {
			return
		}
		if a.timer == nil {
			a.timer = time.NewTimer(d)
		} else {
			a.timer.Reset(d)
		}
		timerC = a.timer.C
	}
	select {
	case <-a.inbox.Ready():
	case <-a.wake:
	case <-timerC:
	}
	if a.timer != nil {
		a.timer.Stop()
	}
}

// startDue runs a pending start whose ideal time has come.
func (a *actor) startDue() {
	if a.pending != nil && !a.srv.clock.Now().Before(a.pendingAt) {
		f := a.pending
		a.pending = nil
		f()
	}
}

func (a *actor) runCalls() {
	a.mu.Lock()
	calls := a.calls
	a.calls = nil
	a.mu.Unlock()
	for _, f := range calls {
		f()
	}
}

// do runs fn on the actor's goroutine between macrosteps and waits for
// it. It fails with errGone when the actor has stopped.
func (a *actor) do(ctx context.Context, fn func()) error {
	res := make(chan struct{})
	a.mu.Lock()
	if a.exited {
		a.mu.Unlock()
		return errGone
	}
	a.calls = append(a.calls, func() {
		defer func() {
			if p := recover(); p != nil {
				a.srv.metrics.errors.Add(1)
				a.srv.log.Error("panic in a call to a session's actor", "panic", p)
			}
			close(res)
		}()
		fn()
	})
	a.mu.Unlock()
	select {
	case a.wake <- struct{}{}:
	default:
	}
	select {
	case <-res:
		return nil
	case <-a.done:
		select {
		case <-res:
			return nil
		default:
			return errGone
		}
	case <-ctx.Done():
		return ctx.Err()
	}
}

// cancelAll cancels every session of the actor and any pending start.
// It runs on the actor's goroutine.
func (a *actor) cancelAll() {
	if a.pending != nil {
		a.pending = nil
		a.srv.route.remove(a.pendingID)
	}
	for id, sess := range a.sessions {
		if sess.Parent() != nil {
			continue
		}
		_ = a.eng.Cancel(id)
	}
	for id := range a.sessions {
		_ = a.eng.Cancel(id)
	}
}

// router maps live session ids to the actors that run them. Its methods
// are safe for concurrent use.
type router struct {
	mu     sync.RWMutex
	byID   map[string]*actor
	actors map[*actor]struct{}
	srv    *Server
}

func newRouter(s *Server) *router {
	return &router{byID: make(map[string]*actor), actors: make(map[*actor]struct{}), srv: s}
}

func (r *router) add(id string, a *actor) {
	r.mu.Lock()
	r.byID[id] = a
	r.actors[a] = struct{}{}
	r.mu.Unlock()
}

func (r *router) remove(id string) {
	r.mu.Lock()
	delete(r.byID, id)
	r.mu.Unlock()
}

func (r *router) removeActor(a *actor) {
	r.mu.Lock()
	delete(r.actors, a)
	r.mu.Unlock()
}

// lookup returns the actor of session id.
func (r *router) lookup(id string) *actor {
	r.mu.RLock()
	a := r.byID[id]
	r.mu.RUnlock()
	return a
}

// Put hands ev to the actor of session id. It never blocks, so the port,
// the function modules and HTTP handlers may call it.
func (r *router) Put(id string, ev *interp.Event) {
	a := r.lookup(id)
	if a == nil {
		r.srv.lost(id, ev)
		return
	}
	r.srv.metrics.events.Add(1)
	a.inbox.Put(id, ev)
}

// live returns the number of live sessions.
func (r *router) live() int {
	r.mu.RLock()
	defer r.mu.RUnlock()
	return len(r.byID)
}

// all returns every actor.
func (r *router) all() []*actor {
	r.mu.RLock()
	defer r.mu.RUnlock()
	out := make([]*actor, 0, len(r.actors))
	for a := range r.actors {
		out = append(out, a)
	}
	return out
}
