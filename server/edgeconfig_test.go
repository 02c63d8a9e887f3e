package server

import (
	"os"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/console"
)

// TestServeDocConfigIsValid reads the configuration example of
// docs/serve.md: every key it shows exists, and the defaults it states are
// the defaults.
func TestServeDocConfigIsValid(t *testing.T) {
	data, err := os.ReadFile("../docs/serve.md")
	require.NoError(t, err)
	text := string(data)
	_, rest, ok := strings.Cut(text, "## Configuration")
	require.True(t, ok)
	_, rest, ok = strings.Cut(rest, "```yaml\n")
	require.True(t, ok)
	block, _, ok := strings.Cut(rest, "```")
	require.True(t, ok)
	cfg, err := ParseConfig([]byte(block))
	require.NoError(t, err)
	def := Config{}.withDefaults()
	assert.Equal(t, def.HTTP.ReadHeaderTimeout, cfg.HTTP.ReadHeaderTimeout)
	assert.Equal(t, def.HTTP.ReadTimeout, cfg.HTTP.ReadTimeout)
	assert.Equal(t, def.HTTP.WriteTimeout, cfg.HTTP.WriteTimeout)
	assert.Equal(t, def.HTTP.IdleTimeout, cfg.HTTP.IdleTimeout)
	assert.Equal(t, def.HTTP.MaxHeaderBytes, cfg.HTTP.MaxHeaderBytes)
	assert.Equal(t, def.Strategies.CacheSize, cfg.Strategies.CacheSize)
	assert.Equal(t, def.Callbacks, cfg.Callbacks)
	assert.Equal(t, 30*time.Second, cfg.Egress.Timeout)
	assert.Equal(t, 5, cfg.Egress.MaxRedirects)
	assert.Empty(t, cfg.Egress.Allow)
	k := cfg.Console.History
	assert.Equal(t, console.DefaultSteps, k.Steps)
	assert.EqualValues(t, console.DefaultBytes, k.Bytes)
	assert.EqualValues(t, DefaultConsoleTotal, k.Total)
	assert.Equal(t, DefaultConsoleKeepEnded, cfg.Console.KeepEnded)
}

func TestApplyEnv(t *testing.T) {
	env := map[string]string{EnvAPIToken: "from-env", EnvAPIUser: "env-user", EnvAPIPassword: "env-pass"}
	h := HTTPConfig{User: "file-user"}
	h.ApplyEnv(func(k string) string { return env[k] })
	assert.Equal(t, HTTPConfig{Token: "from-env", User: "file-user", Password: "env-pass"}, h, "the file wins over the environment")
}
