package server

import (
	"errors"
	"fmt"
	"net"
	"strings"
	"time"

	"github.com/orca-scxml/orca/egress"
)

// Defaults of the sections of the HTTP edge.
const (
	DefaultCacheSize         = 256
	DefaultReadHeaderTimeout = 10 * time.Second
	DefaultReadTimeout       = 30 * time.Second
	DefaultWriteTimeout      = 60 * time.Second
	DefaultIdleTimeout       = 2 * time.Minute
	DefaultMaxHeaderBytes    = 64 << 10
	DefaultMaxDesiredDelay   = 30 * 24 * time.Hour
	DefaultMaxDuration       = 30 * 24 * time.Hour
)

// HTTPConfig is the HTTP server: its authentication and the bounds it
// puts on clients.
type HTTPConfig struct {
	// Token, when set, is the bearer token every request but /healthz
	// must carry ("Authorization: Bearer TOKEN"). ApplyEnv takes it from
	// ORCA_API_TOKEN.
	Token string `yaml:"token"`
	// User and Password, when set, are the basic-auth credentials every
	// request but /healthz must carry, unless it carries the token.
	// ApplyEnv takes them from ORCA_API_USER and ORCA_API_PASSWORD.
	User     string `yaml:"user"`
	Password string `yaml:"password"`
	// ReadHeaderTimeout bounds reading a request's header, ReadTimeout
	// the whole request, WriteTimeout the answer (from the end of the
	// header; it must exceed sessions.request_timeout), IdleTimeout a
	// kept-alive connection without requests. Defaults: see
	// DefaultReadHeaderTimeout and the others.
	ReadHeaderTimeout time.Duration `yaml:"read_header_timeout"`
	ReadTimeout       time.Duration `yaml:"read_timeout"`
	WriteTimeout      time.Duration `yaml:"write_timeout"`
	IdleTimeout       time.Duration `yaml:"idle_timeout"`
	// MaxHeaderBytes bounds a request's header (DefaultMaxHeaderBytes
	// when 0); a larger one is answered 431.
	MaxHeaderBytes int `yaml:"max_header_bytes"`
}

// The environment variables ApplyEnv reads.
const (
	EnvAPIToken    = "ORCA_API_TOKEN"
	EnvAPIUser     = "ORCA_API_USER"
	EnvAPIPassword = "ORCA_API_PASSWORD"
)

// ApplyEnv fills the credentials the configuration leaves empty from the
// environment (getenv is os.Getenv in a program), so that secrets need
// not be written into orca.yaml.
func (h *HTTPConfig) ApplyEnv(getenv func(string) string) {
	if h.Token == "" {
		h.Token = getenv(EnvAPIToken)
	}
	if h.User == "" {
		h.User = getenv(EnvAPIUser)
	}
	if h.Password == "" {
		h.Password = getenv(EnvAPIPassword)
	}
}

// authenticated reports whether credentials are configured.
func (h HTTPConfig) authenticated() bool { return h.Token != "" || h.User != "" }

// CallbacksConfig bounds what a GMS callback request may ask for.
type CallbacksConfig struct {
	// MaxDesiredDelay bounds how far in the future _desired_time may be
	// (DefaultMaxDesiredDelay when 0).
	MaxDesiredDelay time.Duration `yaml:"max_desired_delay"`
	// MaxDuration bounds every duration option of a service, configured
	// or set by a request (DefaultMaxDuration when 0).
	MaxDuration time.Duration `yaml:"max_duration"`
}

// edgeDefaults fills in the defaults of the edge sections.
func (c *Config) edgeDefaults() {
	if c.Strategies.CacheSize == 0 {
		c.Strategies.CacheSize = DefaultCacheSize
	}
	h := &c.HTTP
	for _, d := range []struct {
		v   *time.Duration
		def time.Duration
	}{{&h.ReadHeaderTimeout, DefaultReadHeaderTimeout}, {&h.ReadTimeout, DefaultReadTimeout},
		{&h.WriteTimeout, max(DefaultWriteTimeout, c.Sessions.RequestTimeout+10*time.Second)}, {&h.IdleTimeout, DefaultIdleTimeout},
		{&c.Callbacks.MaxDesiredDelay, DefaultMaxDesiredDelay}, {&c.Callbacks.MaxDuration, DefaultMaxDuration}} {
		if *d.v == 0 {
			*d.v = d.def
		}
	}
	if h.MaxHeaderBytes == 0 {
		h.MaxHeaderBytes = DefaultMaxHeaderBytes
	}
}

// checkListen checks the listen address: any address will do, but one
// that is not loopback-only needs credentials.
func (c Config) checkListen() error {
	loop, err := loopbackOnly(c.Listen)
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if !loop && !c.HTTP.authenticated() {
		return fmt.Errorf("listen %q is reachable from other hosts: set http.token (or %s), or http.user and http.password (%s, %s), to require authentication on the HTTP API",
			c.Listen, EnvAPIToken, EnvAPIUser, EnvAPIPassword)
	}
	return nil
}

// loopbackOnly reports whether a listen address is reachable from this
// host only: a loopback IP or "localhost". An empty host, 0.0.0.0, ::
// and every other address or name are reachable from other hosts.
func loopbackOnly(addr string) (bool, error) {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false, fmt.Errorf("%q: %w", addr, err)
	}
	if strings.EqualFold(host, "localhost") {
		return true, nil
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback(), nil
}

// validateEdge checks the sections of the HTTP edge: the HTTP server,
// the outbound policy, the document cache and the callback bounds.
func (c Config) validateEdge() []error {
	var errs []error
	h := c.HTTP
	if (h.User == "") != (h.Password == "") {
		errs = append(errs, errors.New("http: set both user and password for basic authentication, or neither"))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"http.read_header_timeout", h.ReadHeaderTimeout}, {"http.read_timeout", h.ReadTimeout}, {"http.write_timeout", h.WriteTimeout},
		{"http.idle_timeout", h.IdleTimeout}, {"callbacks.max_desired_delay", c.Callbacks.MaxDesiredDelay}, {"callbacks.max_duration", c.Callbacks.MaxDuration}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("%s %v: must not be negative", d.name, d.v))
		}
	}
	if h.WriteTimeout > 0 && h.WriteTimeout <= c.Sessions.RequestTimeout {
		errs = append(errs, fmt.Errorf("http.write_timeout %v: must exceed sessions.request_timeout %v, or /request answers are cut off", h.WriteTimeout, c.Sessions.RequestTimeout))
	}
	if h.MaxHeaderBytes < 0 {
		errs = append(errs, fmt.Errorf("http.max_header_bytes %d: must not be negative", h.MaxHeaderBytes))
	}
	if c.Strategies.CacheSize < 0 {
		errs = append(errs, fmt.Errorf("strategies.cache_size %d: must not be negative", c.Strategies.CacheSize))
	}
	if _, err := egress.New(c.Egress, egress.Options{}); err != nil {
		errs = append(errs, err)
	}
	return errs
}
