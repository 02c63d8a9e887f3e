package server

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/internal/loopback"
)

func TestParseConfig(t *testing.T) {
	cfg, err := ParseConfig([]byte(`
listen: 127.0.0.1:8080
nats: {data_dir: data, port: 4333}
telephony: {switch: SIP_Switch, dns: ["*"]}
tenant: {name: Environment, dbid: 101}
reporting: {enable: true, dn: REPORTING}
strategies: {dirs: [strategies], urls: ["http://127.0.0.1:9000/s/"]}
services:
  - name: callback-immediate
    template: callback-immediate
    options: {_target: Callback_Agents, _max_dial_attempts: 2, _wait_for_agent: false}
sessions: {request_timeout: 5s, shutdown_grace: 2s, time_scale: 10}
`))
	require.NoError(t, err)
	assert.Equal(t, 5*time.Second, cfg.Sessions.RequestTimeout)
	assert.Equal(t, 10.0, cfg.Sessions.TimeScale)
	assert.Equal(t, "callback-immediate", cfg.Services[0].Template)
	opts, err := optionStrings("x", cfg.Services[0].Options)
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"_target": "Callback_Agents", "_max_dial_attempts": "2", "_wait_for_agent": "false"}, opts)
	cfg.resolvePaths("/etc/orca")
	assert.Equal(t, []string{"/etc/orca/strategies"}, cfg.Strategies.Dirs)
	assert.Equal(t, "/etc/orca/data", cfg.NATS.DataDir)

	_, err = ParseConfig([]byte("listen: x\nlisten_typo: y\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), "listen_typo")
	_, err = ParseConfig([]byte("baseURL: x\nnats:\n  data-dir: d\n"))
	assert.EqualError(t, err, "config:1: key baseURL: keys are snake_case: write base_url\nconfig:3: key data-dir: keys are snake_case: write data_dir")
}

func TestParseLimits(t *testing.T) {
	cfg, err := ParseConfig([]byte(`
sessions: {shards: 4}
limits:
  script_time: 500ms
  memory: 48MiB
  microsteps: 2000
  internal_events: 3000
  internal_queue: 400
  external_queue: 500
  delayed_sends: -1
  on_breach: terminate
`))
	require.NoError(t, err)
	assert.Equal(t, 4, cfg.Sessions.Shards)
	assert.Equal(t, host.Limits{
		ScriptTime: 500 * time.Millisecond, Memory: 48 << 20, Microsteps: 2000, InternalEvents: 3000,
		InternalQueue: 400, ExternalQueue: 500, DelayedSends: -1, OnBreach: "terminate",
	}, cfg.Limits)
	require.NoError(t, cfg.withDefaults().validate())

	for _, bad := range []struct{ yaml, want string }{
		{"limits: {memory: lots}", "size \"lots\""},
		{"limits: {scripttime: 1s}", "scripttime"},
		{"limits: {script_time: forever}", "forever"},
	} {
		_, err := ParseConfig([]byte(bad.yaml))
		require.Error(t, err, bad.yaml)
		assert.Contains(t, err.Error(), bad.want)
	}
	cfg, err = ParseConfig([]byte("limits: {on_breach: explode}\nsessions: {shards: -1}"))
	require.NoError(t, err)
	err = cfg.withDefaults().validate()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "limits.on_breach")
	assert.Contains(t, err.Error(), "sessions.shards -1")
}

func TestParseQueues(t *testing.T) {
	cfg, err := ParseConfig([]byte(`
queues:
  - {name: VQ_Callback, dbid: 301}
  - {name: "8001", dbid: 302, type: acd}
`))
	require.NoError(t, err)
	assert.Equal(t, []QueueConfig{{Name: "VQ_Callback", DBID: 301}, {Name: "8001", DBID: 302, Type: "acd"}}, cfg.Queues)
	require.NoError(t, cfg.withDefaults().validate())
	env := cfg.environment()
	q, ok := env.Queue("8001")
	require.True(t, ok)
	assert.Equal(t, 302, q.DBID)
	assert.Equal(t, "acd", q.Kind)
	_, err = ParseConfig([]byte("queues:\n  - {name: VQ, dbid: 1, agents: [A]}\n"))
	assert.ErrorContains(t, err, "agents")
}

func TestLoadConfigFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "orca.yaml")
	require.NoError(t, os.WriteFile(path, []byte("strategies: {dirs: [s]}\n"), 0o644))
	cfg, err := LoadConfig(path)
	require.NoError(t, err)
	assert.Equal(t, []string{filepath.Join(dir, "s")}, cfg.Strategies.Dirs)
	_, err = LoadConfig(filepath.Join(dir, "missing.yaml"))
	assert.Error(t, err)
}

func TestConfigErrorsNameTheProblem(t *testing.T) {
	svc := func(name, template, src string, opts map[string]any) ServiceConfig {
		return ServiceConfig{Name: name, Template: template, Src: src, Options: opts}
	}
	target := map[string]any{"_target": "Agents"}
	tests := []struct {
		name   string
		mutate func(*Config)
		want   []string
	}{
		{"non-loopback listen without credentials", func(c *Config) { c.Listen = "0.0.0.0:8080" }, []string{"listen", "reachable from other hosts", "http.token", "ORCA_API_TOKEN"}},
		{"listen on every interface", func(c *Config) { c.Listen = ":8080" }, []string{"reachable from other hosts"}},
		{"user without password", func(c *Config) { c.HTTP.User = "ops" }, []string{"http", "user and password"}},
		{"write timeout under the request timeout", func(c *Config) {
			c.HTTP.WriteTimeout = 5 * time.Second
			c.Sessions.RequestTimeout = 10 * time.Second
		}, []string{"http.write_timeout", "sessions.request_timeout"}},
		{"negative read timeout", func(c *Config) { c.HTTP.ReadTimeout = -time.Second }, []string{"http.read_timeout"}},
		{"negative header bound", func(c *Config) { c.HTTP.MaxHeaderBytes = -1 }, []string{"http.max_header_bytes"}},
		{"negative cache size", func(c *Config) { c.Strategies.CacheSize = -1 }, []string{"strategies.cache_size"}},
		{"bad egress prefix", func(c *Config) { c.Egress.Allow = []string{"push.example.com"} }, []string{"egress.allow", "push.example.com"}},
		{"bad egress network", func(c *Config) { c.Egress.AllowNetworks = []string{"metadata"} }, []string{"egress.allow_networks"}},
		{"negative desired delay", func(c *Config) { c.Callbacks.MaxDesiredDelay = -time.Hour }, []string{"callbacks.max_desired_delay"}},
		{"bad option value", func(c *Config) {
			c.Services = []ServiceConfig{svc("cb", "callback-immediate", "", map[string]any{"_target": "A", "_max_dial_attempts": 0})}
		}, []string{`service "cb"`, "_max_dial_attempts"}},
		{"unknown option", func(c *Config) {
			c.Services = []ServiceConfig{svc("cb", "callback-immediate", "", map[string]any{"_target": "A", "_dial_atempts": 2})}
		}, []string{`service "cb"`, "_dial_atempts", "not a known option"}},
		{"missing required option", func(c *Config) {
			c.Services = []ServiceConfig{svc("cb", "callback-immediate", "", nil)}
		}, []string{`service "cb"`, "_target"}},
		{"reporting without DN", func(c *Config) {
			c.Services = []ServiceConfig{svc("cb", "callback-immediate", "", map[string]any{"_target": "A", "_rep_userevent_enable": true})}
		}, []string{`service "cb"`, "_rep_userevent_dn"}},
		{"unknown template", func(c *Config) { c.Services = []ServiceConfig{svc("cb", "callback-nope", "", target)} }, []string{`service "cb"`, "callback-nope"}},
		{"template and src", func(c *Config) { c.Services = []ServiceConfig{svc("cb", "callback-immediate", "echo.scxml", target)} }, []string{`service "cb"`, "exactly one"}},
		{"src outside", func(c *Config) { c.Services = []ServiceConfig{svc("cb", "", "../../etc/passwd", target)} }, []string{`service "cb"`, "outside"}},
		{"src broken", func(c *Config) { c.Services = []ServiceConfig{svc("cb", "", "broken.scxml", target)} }, []string{`service "cb"`, "broken.scxml"}},
		{"duplicate service", func(c *Config) {
			c.Services = []ServiceConfig{svc("cb", "callback-immediate", "", target), svc("cb", "callback-immediate", "", target)}
		}, []string{`service "cb"`, "twice"}},
		{"service name with slash", func(c *Config) { c.Services = []ServiceConfig{svc("a/b", "callback-immediate", "", target)} }, []string{`service "a/b"`}},
		{"nested option", func(c *Config) {
			c.Services = []ServiceConfig{svc("cb", "callback-immediate", "", map[string]any{"_target": []any{"a"}})}
		}, []string{`service "cb"`, "_target", "scalar"}},
		{"missing strategy dir", func(c *Config) { c.Strategies.Dirs = []string{"/nonexistent/orca"} }, []string{"strategies.dirs"}},
		{"bad URL prefix", func(c *Config) { c.Strategies.URLs = []string{"ftp://x/"} }, []string{"strategies.urls"}},
		{"negative grace", func(c *Config) { c.Sessions.ShutdownGrace = -time.Second }, []string{"shutdown_grace"}},
		{"console keeps fewer than none", func(c *Config) { c.Console.KeepEnded = -2 }, []string{"console.keep_ended", "-1 for none"}},
		{"queue without name or DBID", func(c *Config) { c.Queues = []QueueConfig{{}} }, []string{"queues[0]: no name", "queues[0].dbid: a DBID is a positive integer, not 0"}},
		{"queue twice", func(c *Config) {
			c.Queues = []QueueConfig{{Name: "VQ", DBID: 1}, {Name: "VQ", DBID: 1, Type: "pool"}}
		}, []string{`queues[1]: queue "VQ" is defined twice`, `queues[1].dbid: DBID 1 is queue "VQ"'s too`, `queues[1].type: want virtual or acd, not "pool"`}},
		{"negative console history", func(c *Config) { c.Console.History.Steps = -1 }, []string{"console.history.steps"}},
		{"negative console total", func(c *Config) { c.Console.History.Total = -2 }, []string{"console.history.total"}},
		{"wire schema not written", func(c *Config) { c.NATS.WireSchema = 3 }, []string{"nats.wire_schema: no schema version 3 (versions 1 to 2)"}},
		{"negative wire schema", func(c *Config) { c.NATS.WireSchema = -1 }, []string{"nats.wire_schema: no schema version -1"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			cfg := Config{Listen: "127.0.0.1:0", NATS: NATSConfig{DataDir: t.TempDir(), Port: loopback.Port(t)},
				Strategies: StrategiesConfig{Dirs: []string{strategyDir(t)}}}
			tc.mutate(&cfg)
			s, err := New(cfg, Options{})
			if s != nil {
				_ = s.Shutdown(t.Context())
			}
			require.Error(t, err)
			for _, w := range tc.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}
