package server

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/orca-scxml/orca/gms"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/ors"
)

// gmsLimits are the bounds of the callbacks: section.
func (s *Server) gmsLimits() gms.Limits {
	return gms.Limits{MaxDesiredDelay: s.cfg.Callbacks.MaxDesiredDelay, MaxDuration: s.cfg.Callbacks.MaxDuration}
}

// startCallbacks loads the callback services and makes the GMS callback
// API on the server's sessions.
func (s *Server) startCallbacks() error {
	services, err := s.loadServices()
	if err != nil {
		return fmt.Errorf("config: %w", err)
	}
	var keep func(id string, record []byte)
	if s.cfg.persistent() {
		// Without persistence nothing stores an ended callback's record
		// (keepEnded has no bucket): gms does not make it.
		keep = s.keepEnded
	}
	s.callbacks, err = gms.New(gms.Options{
		Services:  services,
		Sessions:  gmsSessions{s},
		Virtuals:  s.rt,
		Clock:     s.clock,
		Limits:    s.gmsLimits(),
		Retention: s.cfg.Sessions.Retention,
		URL:       s.pathURL,
		Keep:      keep,
	})
	return err
}

// gmsSessions is the server's sessions as the GMS callback API uses them
// (gms.Sessions).
type gmsSessions struct{ s *Server }

// Start starts a session now (startSession).
func (g gmsSessions) Start(chart *interp.Chart, so interp.StartOptions) error {
	return g.s.startSession(chart, so, time.Time{})
}

// Send delivers ev to session id.
func (g gmsSessions) Send(id string, ev *interp.Event) { g.s.deliver(id, ev) }

// Live reports whether the host runs or keeps session id.
func (g gmsSessions) Live(id string) bool { return g.s.host.Live(id) }

// Durable waits for session id's snapshot (durable).
func (g gmsSessions) Durable(ctx context.Context, id string) { g.s.durable(ctx, id) }

// assign is ors.Options.Assign (gms.Callbacks.Assign). The port's events
// reach the runtime once the host runs (portGate), so the callbacks and
// their sessions exist by then.
func (s *Server) assign(ixn ors.Interaction) string {
	return s.callbacks.Assign(ixn)
}

// strategyLog is ors.Options.Log: a line a strategy logged through
// __Log, which the templates use for each change of their lifecycle.
func (s *Server) strategyLog(sess *interp.Session, msg string) {
	// Checked first: the arguments of a record nobody keeps would be
	// built for every line (the templates log a few per callback).
	if s.log.Enabled(context.Background(), slog.LevelDebug) {
		s.log.Debug("__Log", "session", sess.ID(), "msg", msg)
	}
	state := s.callbacks.StrategyLog(sess.ID(), msg)
	if s.console != nil {
		s.console.strategyLog(sess, msg, state)
	}
}
