package server

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/orca-scxml/orca/egress"
	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/internal/yamlerr"
	"github.com/orca-scxml/orca/sandbox"
	"github.com/orca-scxml/orca/telephony/wire"
)

// Config is the configuration of a Server, as read from its YAML file.
type Config struct {
	// Listen is the HTTP listen address (DefaultListen when empty). A
	// non-loopback address needs HTTP authentication (HTTP.Token or
	// HTTP.User and HTTP.Password).
	Listen string `yaml:"listen"`
	// BaseURL is the URL clients reach the server at; "" means
	// http://<the listener's address>.
	BaseURL   string          `yaml:"base_url"`
	HTTP      HTTPConfig      `yaml:"http"`
	Egress    egress.Config   `yaml:"egress"`
	Callbacks CallbacksConfig `yaml:"callbacks"`
	NATS      NATSConfig      `yaml:"nats"`
	Telephony TelephonyConfig `yaml:"telephony"`
	Tenant    TenantConfig    `yaml:"tenant"`
	Reporting ReportingConfig `yaml:"reporting"`
	// Queues are the virtual queues of the configuration, with their
	// DBIDs (see QueueConfig).
	Queues     []QueueConfig    `yaml:"queues"`
	InfoMart   InfoMartConfig   `yaml:"infomart"`
	Strategies StrategiesConfig `yaml:"strategies"`
	Services   []ServiceConfig  `yaml:"services"`
	Sessions   SessionsConfig   `yaml:"sessions"`
	Console    ConsoleConfig    `yaml:"console"`
	// Limits bound every session: script time, memory, microsteps and
	// internal events per macrostep, queues, delayed sends (host
	// defaults for the keys left out).
	Limits host.Limits `yaml:"limits"`
	// Persistence keeps sessions in JetStream; Cluster shares them with
	// other instances (see persist.go).
	Persistence PersistenceConfig `yaml:"persistence"`
	Cluster     ClusterConfig     `yaml:"cluster"`
}

// NATSConfig selects the NATS server the telephony port uses.
type NATSConfig struct {
	// URL is an existing server or cluster (comma-separated); empty
	// starts an embedded server.
	URL       string `yaml:"url"`
	User      string `yaml:"user"`
	Password  string `yaml:"password"`
	Token     string `yaml:"token"`
	CredsFile string `yaml:"creds_file"`
	// NKeyFile is a file holding the NKey seed Orca authenticates with.
	NKeyFile string `yaml:"nkey_file"`
	CAFile   string `yaml:"ca_file"`
	// DataDir holds the embedded server's JetStream store, and its
	// credentials and URL, where "orca tsim" and "orca events" find
	// them (DefaultDataDir when empty).
	DataDir string `yaml:"data_dir"`
	// Port is the client port of the embedded server (0: the standard
	// port 4222 when free, else a free one).
	Port int `yaml:"port"`
	// Instance names this Orca instance on the bus ("orca" when empty).
	Instance string `yaml:"instance"`
	// QueueGroup shares the events of the registered DNs between the
	// instances of one group.
	QueueGroup string `yaml:"queue_group"`
	// MaxPending bounds the reporting outbox (bridge default when 0).
	MaxPending int `yaml:"max_pending"`
	// MaxAge bounds how long a reporting message may wait to be stored
	// (bridge default when 0).
	MaxAge time.Duration `yaml:"max_age"`
	// OutboxDir keeps the reporting outbox on disk there (empty: in
	// memory), so that a crash loses none of it; for an external NATS.
	OutboxDir string `yaml:"outbox_dir"`
	// WireSchema is the wire schema version Orca writes on the bus (0:
	// the newest); 1 while a switch side or an Info Mart reader older
	// than version 2 reads it (docs/bridge.md, "Versions").
	WireSchema int `yaml:"wire_schema"`
}

// TelephonyConfig is the switch the server talks to.
type TelephonyConfig struct {
	// Switch is the switch of requests that name none (DefaultSwitch).
	Switch string `yaml:"switch"`
	// DNs are the DNs whose events the server receives ("*" for all,
	// the default).
	DNs []string `yaml:"dns"`
}

// TenantConfig is what strategies see of their environment
// (_genesys.session).
type TenantConfig struct {
	Name       string `yaml:"name"`
	DBID       int    `yaml:"dbid"`
	ServerName string `yaml:"server_name"`
	// Options answer _genesys.session.getConfigOption.
	Options map[string]string `yaml:"options"`
}

// ReportingConfig holds the fallbacks of the reporting service options.
type ReportingConfig struct {
	Enable bool   `yaml:"enable"`
	DN     string `yaml:"dn"`
	Switch string `yaml:"switch"`
}

// StrategiesConfig is the sandbox strategies are loaded from.
type StrategiesConfig struct {
	// Dirs are the directories documents may be read from; relative
	// paths in a start request are taken relative to the first.
	Dirs []string `yaml:"dirs"`
	// URLs are the http(s) URL prefixes documents may be fetched from.
	URLs []string `yaml:"urls"`
	// CacheSize bounds the compiled documents kept (least recently used
	// first out; DefaultCacheSize when 0).
	CacheSize int `yaml:"cache_size"`
	// CacheQuery keeps the query string of a document URL: it is fetched
	// with it and cached under it. By default the query string is
	// dropped, so that clients cannot fill the cache with one document
	// under endless names.
	CacheQuery bool `yaml:"cache_query"`
}

// ServiceConfig is one callback service: a template or a document, and
// its options.
type ServiceConfig struct {
	Name     string `yaml:"name"`
	Template string `yaml:"template"`
	// Src is a document in the sandbox, instead of a template.
	Src     string         `yaml:"src"`
	Options map[string]any `yaml:"options"`
}

// SessionsConfig bounds sessions and says how shutdown treats them.
type SessionsConfig struct {
	// RequestTimeout bounds the wait for a <ws:response>
	// (DefaultRequestTimeout when 0).
	RequestTimeout time.Duration `yaml:"request_timeout"`
	// ShutdownGrace is how long Shutdown lets sessions end on their own
	// before it cancels them (0: cancel at once).
	ShutdownGrace time.Duration `yaml:"shutdown_grace"`
	// Max bounds the live sessions (0: no bound); beyond it starts are
	// answered 429.
	Max int `yaml:"max"`
	// Shards is the number of goroutines that run sessions, each with
	// one engine (0: one per CPU, GOMAXPROCS).
	Shards int `yaml:"shards"`
	// TimeScale makes session time run faster than the wall clock (1
	// when 0): 60 turns a minute of delays into a second.
	TimeScale float64 `yaml:"time_scale"`
	// TimeOrigin is the wall-clock instant from which scaled time runs
	// (the server's start when zero): servers given the same origin
	// read the same time, so scaled time goes on across a restart.
	TimeOrigin time.Time `yaml:"time_origin"`
	// Retention is how long an ended callback can still be queried
	// (DefaultRetention when 0).
	Retention time.Duration `yaml:"retention"`
	// MaxIdealDelay bounds how far in the future idealtime may be
	// (DefaultMaxIdealDelay when 0).
	MaxIdealDelay time.Duration `yaml:"max_ideal_delay"`
	// HibernateAfter takes a session that has run nothing for this long
	// out of memory until its next timer, event or request (0: never);
	// it needs persistence.
	HibernateAfter time.Duration `yaml:"hibernate_after"`
}

// Defaults.
const (
	DefaultListen         = "127.0.0.1:8080"
	DefaultDataDir        = "orca-data"
	DefaultSwitch         = "SIP_Switch"
	DefaultTenant         = "Environment"
	DefaultRequestTimeout = 10 * time.Second
	DefaultRetention      = time.Hour
	DefaultMaxIdealDelay  = 24 * time.Hour
)

// LoadConfig reads a YAML configuration file. Relative directories and
// files in it are taken relative to the file's directory.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	cfg, err := parseConfig(path, data)
	if err != nil {
		return Config{}, err
	}
	cfg.resolvePaths(filepath.Dir(path))
	return cfg, nil
}

// ParseConfig reads a YAML configuration. Unknown fields are errors, and
// so are keys not in snake_case; errors read "config:line: message".
func ParseConfig(data []byte) (Config, error) { return parseConfig("config", data) }

// parseConfig is ParseConfig with the file name errors carry.
func parseConfig(name string, data []byte) (Config, error) {
	var cfg Config
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return Config{}, yamlerr.Rewrite(name, err)
	}
	if err := yamlerr.SnakeKeys(name, &root, &cfg); err != nil {
		return Config{}, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil && !errors.Is(err, io.EOF) {
		return Config{}, yamlerr.Rewrite(name, err)
	}
	return cfg, nil
}

// resolvePaths makes the relative paths of c relative to dir.
func (c *Config) resolvePaths(dir string) {
	abs := func(p string) string {
		if p == "" || filepath.IsAbs(p) {
			return p
		}
		return filepath.Join(dir, p)
	}
	for i, d := range c.Strategies.Dirs {
		c.Strategies.Dirs[i] = abs(d)
	}
	c.NATS.DataDir = abs(c.NATS.DataDir)
	c.NATS.CredsFile = abs(c.NATS.CredsFile)
	c.NATS.NKeyFile = abs(c.NATS.NKeyFile)
	c.NATS.OutboxDir = abs(c.NATS.OutboxDir)
	c.NATS.CAFile = abs(c.NATS.CAFile)
	c.InfoMart.resolvePath(dir)
}

// withDefaults returns c with every default filled in.
func (c Config) withDefaults() Config {
	if c.Listen == "" {
		c.Listen = DefaultListen
	}
	if c.NATS.DataDir == "" {
		c.NATS.DataDir = DefaultDataDir
	}
	if c.NATS.Instance == "" {
		c.NATS.Instance = "orca"
	}
	if c.Telephony.Switch == "" {
		c.Telephony.Switch = DefaultSwitch
	}
	if len(c.Telephony.DNs) == 0 {
		c.Telephony.DNs = []string{"*"}
	}
	if c.Tenant.Name == "" {
		c.Tenant.Name = DefaultTenant
	}
	if c.Tenant.ServerName == "" {
		c.Tenant.ServerName = "orca"
	}
	if c.Reporting.Switch == "" {
		c.Reporting.Switch = c.Telephony.Switch
	}
	if c.Sessions.RequestTimeout == 0 {
		c.Sessions.RequestTimeout = DefaultRequestTimeout
	}
	if c.Sessions.TimeScale == 0 {
		c.Sessions.TimeScale = 1
	}
	if c.Sessions.Retention == 0 {
		c.Sessions.Retention = DefaultRetention
	}
	if c.Sessions.MaxIdealDelay == 0 {
		c.Sessions.MaxIdealDelay = DefaultMaxIdealDelay
	}
	c.edgeDefaults()
	c.InfoMart = c.InfoMart.withDefaults(c)
	c.persistenceDefaults()
	return c
}

// validate checks what can be checked without loading documents.
func (c Config) validate() error {
	var errs []error
	if err := c.checkListen(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.validateEdge()...)
	errs = append(errs, c.validateConsole()...)
	errs = append(errs, c.validateQueues()...)
	if c.BaseURL != "" {
		if u, err := url.Parse(c.BaseURL); err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			errs = append(errs, fmt.Errorf("base_url %q: not an http(s) URL", c.BaseURL))
		}
	}
	if c.NATS.Port < 0 || c.NATS.Port > 65535 {
		errs = append(errs, fmt.Errorf("nats.port %d: out of range", c.NATS.Port))
	}
	if err := wire.CheckSchema(c.NATS.WireSchema); err != nil {
		errs = append(errs, fmt.Errorf("nats.wire_schema: %w", err))
	}
	if c.Sessions.TimeScale < 0 {
		errs = append(errs, fmt.Errorf("sessions.time_scale %v: must be positive", c.Sessions.TimeScale))
	}
	for _, d := range []struct {
		name string
		v    time.Duration
	}{{"request_timeout", c.Sessions.RequestTimeout}, {"shutdown_grace", c.Sessions.ShutdownGrace},
		{"retention", c.Sessions.Retention}, {"max_ideal_delay", c.Sessions.MaxIdealDelay}} {
		if d.v < 0 {
			errs = append(errs, fmt.Errorf("sessions.%s %v: must not be negative", d.name, d.v))
		}
	}
	if c.Sessions.Max < 0 {
		errs = append(errs, fmt.Errorf("sessions.max %d: must not be negative", c.Sessions.Max))
	}
	if c.Sessions.Shards < 0 {
		errs = append(errs, fmt.Errorf("sessions.shards %d: must not be negative", c.Sessions.Shards))
	}
	if err := c.Limits.Validate(); err != nil {
		errs = append(errs, err)
	}
	errs = append(errs, c.validatePersistence()...)
	for _, u := range c.Strategies.URLs {
		if _, err := sandbox.ParsePrefix(u); err != nil {
			errs = append(errs, fmt.Errorf("strategies.urls: %w", err))
		}
	}
	seen := map[string]bool{}
	for i, s := range c.Services {
		name := s.Name
		switch {
		case name == "":
			errs = append(errs, fmt.Errorf("services[%d]: no name", i))
			continue
		case strings.ContainsAny(name, "/?#%") || strings.TrimSpace(name) != name:
			errs = append(errs, fmt.Errorf("service %q: the name may not contain '/', '?', '#', '%%' or surrounding spaces", name))
		case seen[name]:
			errs = append(errs, fmt.Errorf("service %q: defined twice", name))
		}
		seen[name] = true
		if (s.Template == "") == (s.Src == "") {
			errs = append(errs, fmt.Errorf("service %q: set exactly one of template and src", name))
		}
	}
	return errors.Join(errs...)
}

// optionStrings converts the YAML values of a service's options to the
// strings the option parser reads.
func optionStrings(service string, opts map[string]any) (map[string]string, error) {
	out := make(map[string]string, len(opts))
	var errs []error
	for k, v := range opts {
		switch x := v.(type) {
		case nil:
			out[k] = ""
		case string:
			out[k] = x
		case bool:
			out[k] = strconv.FormatBool(x)
		case int:
			out[k] = strconv.Itoa(x)
		case int64:
			out[k] = strconv.FormatInt(x, 10)
		case uint64:
			out[k] = strconv.FormatUint(x, 10)
		case float64:
			out[k] = strconv.FormatFloat(x, 'f', -1, 64)
		case time.Time:
			out[k] = x.UTC().Format(time.RFC3339Nano)
		default:
			errs = append(errs, fmt.Errorf("service %q: option %s: want a scalar, not %T", service, k, v))
		}
	}
	return out, errors.Join(errs...)
}
