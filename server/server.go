package server

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/nats-io/nats.go"
	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/ecmascript"
	"github.com/orca-scxml/orca/egress"
	"github.com/orca-scxml/orca/gms"
	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/interp/basichttp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/store"
	"github.com/orca-scxml/orca/telephony/wire"
	"github.com/orca-scxml/orca/templates/reporting"
)

// Options are the settings of New that do not come from the
// configuration file.
type Options struct {
	// Logger receives the server's log; nil discards it.
	Logger *slog.Logger
	// Clock is the time sessions run on; nil means the wall clock scaled
	// by Config.Sessions.TimeScale.
	Clock interp.Clock
	// OnUserEventFailed, when set, is called for every reporting message
	// the NATS port gives up on (see bridge.PortOptions.OnFail).
	OnUserEventFailed func(m wire.Message, err error)
	// Resolver resolves the host names of outbound requests (fetches,
	// basichttp sends, strategy URLs); nil means the system's.
	Resolver *net.Resolver
}

// Server is a running ORS/GMS stand-in: HTTP front, sessions, NATS port.
type Server struct {
	cfg     Config
	log     *slog.Logger
	clock   interp.Clock
	metrics *metrics
	// egress is the configured outbound policy; fetch is the same plus
	// the URLs the services' options name, for <session:fetch>.
	egress *egress.Policy
	fetch  *egress.Policy

	natsURL  string
	embedded *bridge.Embedded
	nc       *nats.Conn
	port     *bridge.Port
	tport    *hostPort
	rt       *ors.Runtime
	rep      *reporting.Reporter
	basic    *basichttp.Processor
	im       *infoMart

	// docs loads and compiles documents and keeps the compiled charts.
	docs loader
	// callbacks is the GMS callback API: its services and callbacks.
	callbacks *gms.Callbacks

	host  *host.Host
	store *store.Store
	// ended keeps the records of ended callbacks in JetStream (nil
	// without persistence).
	ended    *endedCallbacks
	requests requestTable
	// console feeds and serves the web console; nil when it is off.
	console *consoleFeed
	// clusterSubs are the subscriptions of a cluster's instance;
	// leaseLost is closed when it has lost its lease.
	clusterSubs []*nats.Subscription
	leaseLost   chan struct{}
	lostOnce    sync.Once

	ln      net.Listener
	httpSrv *http.Server
	served  chan struct{}
	baseURL string
	// plainBase: baseURL is plainBaseURL (pathURL).
	plainBase bool
	stopping  atomic.Bool
	stopOnce  sync.Once
	stopErr   error
	stopped   chan struct{}
}

// New starts a server: the NATS connection (and the embedded server,
// unless cfg.NATS.URL is set), the telephony port, the callback services
// (loaded and checked now) and the HTTP listener.
func New(cfg Config, opts Options) (_ *Server, err error) {
	cfg = cfg.withDefaults()
	if err := cfg.validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	s := &Server{
		cfg: cfg, log: opts.Logger, clock: opts.Clock,
		metrics: newMetrics(), stopped: make(chan struct{}), leaseLost: make(chan struct{}),
		requests: requestTable{m: make(map[string]*pendingRequest)},
	}
	if s.clock == nil {
		s.clock = interp.NewScaledClockFrom(cfg.Sessions.TimeScale, cfg.Sessions.TimeOrigin)
	}
	if s.log == nil {
		s.log = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	s.docs.charts.max, s.docs.cacheQuery = cfg.Strategies.CacheSize, cfg.Strategies.CacheQuery
	s.console = s.newConsoleFeed()
	defer func() {
		if err != nil {
			s.closeBackends(context.Background())
		}
	}()
	if err := s.makeEgress(opts.Resolver); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	if err := s.startNATS(opts); err != nil {
		return nil, err
	}
	if err := s.startRuntime(); err != nil {
		return nil, err
	}
	if err := s.startInfoMart(); err != nil {
		return nil, err
	}
	if err := s.startCallbacks(); err != nil {
		return nil, err
	}
	if err := s.startStore(); err != nil {
		return nil, err
	}
	if err := s.listen(); err != nil {
		return nil, err
	}
	return s, nil
}

// startNATS connects to NATS, starting the embedded server first when no
// URL is configured, and makes the telephony port.
func (s *Server) startNATS(opts Options) error {
	nc := s.cfg.NATS
	s.natsURL = nc.URL
	if s.natsURL == "" {
		port := nc.Port
		if port == 0 {
			port = bridge.DefaultPort
		}
		e, err := bridge.StartEmbedded(bridge.Options{DataDir: nc.DataDir, Host: "127.0.0.1", Port: port,
			OrFreePort: nc.Port == 0, JetStream: true})
		if err != nil {
			return fmt.Errorf("nats: starting the embedded server: %w", err)
		}
		s.natsURL, s.embedded = e.URL(), e
	}
	conn, err := s.ConnectNATS(bridge.RoleOrca, "orca-serve")
	if err != nil {
		return fmt.Errorf("nats: %w", err)
	}
	s.nc = conn
	onFail := func(m wire.Message, err error) {
		s.metrics.reportingFailed.Add(1)
		s.log.Error("reporting message not delivered", "name", m.Name, "msgID", m.MsgID, "err", err)
		if opts.OnUserEventFailed != nil {
			opts.OnUserEventFailed(m, err)
		}
	}
	port, err := bridge.NewPort(conn, bridge.PortOptions{
		Switch: s.cfg.Telephony.Switch, CustomerID: s.cfg.Tenant.Name, Instance: nc.Instance,
		DNs: s.cfg.Telephony.DNs, QueueGroup: nc.QueueGroup, Schema: nc.WireSchema,
		Outbox:  bridge.OutboxOptions{MaxPending: nc.MaxPending, MaxAge: nc.MaxAge, Dir: nc.OutboxDir},
		OnFail:  onFail,
		OnError: func(err error) { s.metrics.errors.Add(1); s.log.Warn("nats: bad message", "err", err) },
		Now:     s.clock.Now,
		Statistics: bridge.StatOptions{OnMissing: func(err error) {
			s.log.Warn("statistics: the EWT, position and priority KVPs are not sent meanwhile", "err", err)
		}},
	})
	if err != nil {
		return fmt.Errorf("nats: telephony port: %w", err)
	}
	s.port = port
	s.tport = &hostPort{Port: port, m: s.metrics}
	s.tport.gate.onDrop = func(n int) {
		s.metrics.errors.Add(1)
		s.log.Warn("telephony: events while the server starts beyond those it holds are not routed", "held", maxHeld, "not routed", n)
	}
	if s.console != nil {
		s.tport.tap = &s.console.tap
	}
	return nil
}

// startRuntime makes the function modules' runtime and the reporter.
func (s *Server) startRuntime() error {
	rep, err := reporting.New(reporting.Options{
		Port: s.tport, TenantDBID: s.cfg.Tenant.DBID,
		Service: reporting.Service{Enable: s.cfg.Reporting.Enable, DN: s.cfg.Reporting.DN, Switch: s.cfg.Reporting.Switch},
		// The switch side serves the EWT, position and priority of the
		// virtual queues, as Stat Server does.
		Statistics: s.port,
		Queues:     s.queueDBID,
		Log: func(id string, err error) {
			s.log.Warn("reporting", "session", id, "err", err)
		},
	})
	if err != nil {
		return fmt.Errorf("reporting: %w", err)
	}
	s.rep = rep
	s.rt = ors.New(ors.Options{
		Port:       s.tport,
		Statistics: s.port,
		HTTPClient: s.fetch.Client(),
		Deliver:    s.deliver,
		Assign:     s.assign,
		Log:        s.strategyLog,
		Respond:    s.respond,
		Load:       s.docs.load,
		Globals:    []ecmascript.Global{rep.Global()},
		Config: ors.Config{
			Tenant: s.cfg.Tenant.Name, TenantID: s.cfg.Tenant.DBID, ServerName: s.cfg.Tenant.ServerName,
			Switch: s.cfg.Telephony.Switch, Options: s.cfg.Tenant.Options,
			Environment: s.cfg.environment(),
		},
	})
	rep.Register(s.rt.Registry())
	lo := *s.rt.LoadOptions()
	lo.ReadFile = s.docs.sandbox.ReadFile
	s.docs.opts = &lo
	s.docs.datamodels = s.rt.Datamodels()
	return nil
}

// listen opens the HTTP listener and serves the mux.
func (s *Server) listen() error {
	ln, err := net.Listen("tcp", s.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	s.ln = ln
	s.baseURL = strings.TrimSuffix(s.cfg.BaseURL, "/")
	if s.baseURL == "" {
		s.baseURL = defaultBaseURL(ln.Addr(), s.log)
	}
	s.plainBase = plainBaseURL(s.baseURL)
	// The Basic HTTP processor is served by the server's own mux; its own
	// listener stays idle on a loopback port.
	s.basic, err = basichttp.New(basichttp.Options{NoListen: true, BaseURL: s.baseURL, Deliver: s.deliver, Egress: s.egress})
	if err != nil {
		ln.Close()
		return fmt.Errorf("basichttp: %w", err)
	}
	if err := s.startHost(); err != nil {
		ln.Close()
		return fmt.Errorf("sessions: %w", err)
	}
	h := s.cfg.HTTP
	s.httpSrv = &http.Server{
		Handler:           s.authenticate(s.clusterRoute(s.mux())),
		ReadHeaderTimeout: h.ReadHeaderTimeout,
		ReadTimeout:       h.ReadTimeout,
		WriteTimeout:      h.WriteTimeout,
		IdleTimeout:       h.IdleTimeout,
		MaxHeaderBytes:    h.MaxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	s.served = make(chan struct{})
	go func() {
		defer close(s.served)
		if err := s.httpSrv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("http server", "err", err)
		}
	}()
	s.log.Info("serving", "url", s.baseURL, "nats", s.natsURL, "auth", s.Auth(), "egress", s.egress.Allowed())
	return nil
}

// URL returns the URL the server is reached at, without a trailing slash.
func (s *Server) URL() string { return s.baseURL }

// NATSURL returns the URL of the NATS server the port uses.
func (s *Server) NATSURL() string { return s.natsURL }

// NATSCredentials returns where the embedded NATS server keeps its
// credentials ("" when the server uses an external NATS).
func (s *Server) NATSCredentials() string {
	if s.embedded == nil {
		return ""
	}
	return s.embedded.Credentials().Dir()
}

// ConnectNATS opens a connection of its own to the server's NATS, as role
// on the embedded server, with the configured credentials on an external
// one. The caller closes it.
func (s *Server) ConnectNATS(role bridge.Role, name string) (*nats.Conn, error) {
	if s.embedded != nil {
		return s.embedded.Connect(role, bridge.ConnectOptions{Name: name})
	}
	nc := s.cfg.NATS
	return bridge.Connect(s.natsURL, bridge.ConnectOptions{
		Name: name, User: nc.User, Password: nc.Password, Token: nc.Token,
		CredsFile: nc.CredsFile, NKeyFile: nc.NKeyFile, CAFile: nc.CAFile,
	})
}

// Stats returns the counters of the server's telephony port.
func (s *Server) Stats() bridge.Stats { return s.port.Stats() }

// Held returns the UserEvents the reporter holds (not sent).
func (s *Server) Held() []reporting.Held { return s.rep.Held() }

// Sessions returns the number of live sessions (and sessions waiting for
// their idealtime).
func (s *Server) Sessions() int { return s.host.Len() }

// Done is closed when Shutdown has finished.
func (s *Server) Done() <-chan struct{} { return s.stopped }

// sessionDone is the host's OnDone hook: it releases what the session held.
func (s *Server) sessionDone(sess *interp.Session) {
	id := sess.ID()
	s.rt.SessionDone(sess)
	s.rep.SessionEnded(sess)
	s.basic.Forget(id)
	s.requests.sessionEnded(id)
	s.callbacks.SessionEnded(id)
}

// Shutdown stops the server: it stops accepting requests and waits for
// the handlers in flight (until ctx is done), waits up to
// Config.Sessions.ShutdownGrace for sessions to end, cancels the others
// between their macrosteps (their final UserEvent goes out), flushes the
// reporting outbox and stops NATS. It returns an error when reporting
// messages were left undelivered.
func (s *Server) Shutdown(ctx context.Context) error {
	s.stopOnce.Do(func() {
		defer close(s.stopped)
		s.stopping.Store(true)
		if s.console != nil {
			s.console.cancel()
		}
		if err := s.httpSrv.Shutdown(ctx); err != nil {
			s.log.Warn("http shutdown", "err", err)
			_ = s.httpSrv.Close()
		}
		<-s.served
		s.drain(ctx)
		keepErr := s.keepSessions(ctx)
		s.stopErr = errors.Join(keepErr, s.closeBackends(ctx))
	})
	return s.stopErr
}

// drain lets sessions end on their own for the grace period, then cancels
// the rest between their macrosteps and waits for the host to stop.
func (s *Server) drain(ctx context.Context) {
	if s.host == nil {
		return
	}
	if err := s.host.Drain(ctx, s.cfg.Sessions.ShutdownGrace); err != nil {
		s.log.Warn("sessions did not all end", "err", err, "left", s.host.Len())
	}
}

// closeBackends stops the runtime, flushes and closes the port, the NATS
// connection and the embedded server.
func (s *Server) closeBackends(ctx context.Context) error {
	var errs []error
	if s.host != nil {
		s.host.Close()
	}
	if s.basic != nil {
		_ = s.basic.Close()
	}
	if s.rt != nil {
		s.rt.Close()
	}
	if s.rep != nil {
		s.rep.Close()
	}
	for _, sub := range s.clusterSubs {
		_ = sub.Unsubscribe()
	}
	if s.store != nil {
		s.store.Close()
	}
	if s.port != nil {
		if err := s.port.Close(ctx); err != nil {
			errs = append(errs, fmt.Errorf("reporting: %w", err))
		}
	}
	if err := s.closeInfoMart(); err != nil {
		errs = append(errs, err)
	}
	if s.nc != nil {
		_ = s.nc.Drain()
		s.nc.Close()
	}
	if s.embedded != nil {
		s.embedded.Shutdown()
	}
	return errors.Join(errs...)
}
