package server

import (
	"context"
	"errors"
	"net/http"
	"runtime"
	"time"

	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/internal/httpapi"
	"github.com/orca-scxml/orca/interp"
)

// startHost makes the host that runs every session: a fixed set of
// shards, each a goroutine with one engine, sessions routed to them by id
// (see docs/engine.md for why). It is made once the runtime, the reporter
// and the Basic HTTP processor exist, before the HTTP listener serves.
func (s *Server) startHost() error {
	shards := s.cfg.Sessions.Shards
	if shards <= 0 {
		shards = runtime.GOMAXPROCS(0)
	}
	h, err := host.New(host.Config{
		Engine: interp.Options{
			Datamodels:  s.docs.datamodels,
			LoadOptions: s.docs.opts,
			Load:        s.docs.load,
			// Documents sessions invoke are compiled once for the
			// whole server.
			Chart:        s.docs.chart,
			IOProcessors: s.basic.Register(nil),
			OnSend:       s.onSend(),
			Log: func(sess *interp.Session, label, msg string) {
				s.log.Debug("log", "session", sess.ID(), "label", label, "msg", msg)
				if s.console != nil {
					s.console.log(sess, label, msg)
				}
			},
		},
		Clock:          s.clock,
		Limits:         s.cfg.Limits,
		Shards:         shards,
		Logger:         s.log,
		Store:          s.hostStore(),
		Chart:          s.snapshotChart,
		HibernateAfter: s.cfg.Sessions.HibernateAfter,
	})
	if err != nil {
		return err
	}
	s.persistHooks(h)
	h.OnError(func(sess *interp.Session, err error) {
		s.log.Debug("session error", "session", sess.ID(), "err", err)
	})
	h.OnDone(s.sessionDone)
	h.OnLost(s.lost)
	s.host = h
	if s.console != nil {
		s.console.attach(h)
	}
	if err := h.Go(context.Background()); err != nil {
		return err
	}
	s.tport.gate.release()
	return s.startCluster()
}

// deliver hands ev to session id. It never blocks, so the port, the
// function modules and HTTP handlers may call it.
func (s *Server) deliver(id string, ev *interp.Event) {
	_ = s.host.Send(id, ev)
}

// lost counts an event for a session that does not exist (any more), or
// that its full queue refused, and a deferred start that failed.
func (s *Server) lost(id string, ev *interp.Event, err error) {
	if ev == nil {
		s.log.Warn("deferred start failed", "session", id, "err", err)
		return
	}
	s.log.Debug("event for no session", "session", id, "event", ev.Name, "err", err)
}

// startSession starts a session of chart, now or, when at is in the
// future, at that time. A session started now has run its first
// macrostep when startSession returns.
func (s *Server) startSession(chart *interp.Chart, so interp.StartOptions, at time.Time) error {
	if s.stopping.Load() {
		return httpapi.Errorf(http.StatusServiceUnavailable, "the server is shutting down")
	}
	if max := s.cfg.Sessions.Max; max > 0 && s.host.Len() >= max {
		return httpapi.Errorf(http.StatusTooManyRequests, "%d sessions are running, the configured maximum", max)
	}
	var err error
	if at.IsZero() || !at.After(s.clock.Now()) {
		_, err = s.host.Start(chart, so)
	} else {
		_, err = s.host.StartAt(at, chart, so)
	}
	switch {
	case errors.Is(err, host.ErrClosed):
		return httpapi.Errorf(http.StatusServiceUnavailable, "the server is shutting down")
	case err != nil:
		return httpapi.Errorf(http.StatusBadRequest, "starting the session: %v", err)
	}
	return nil
}
