package main

import (
	"context"
	"net/http"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/server"
	"github.com/orca-scxml/orca/strategytest"
	"github.com/orca-scxml/orca/telephony/sim"
)

// examples is the repository's examples directory, as an absolute path:
// the demo's tests change the working directory.
var examples = func() string {
	dir, err := filepath.Abs(filepath.Join("..", "..", "examples"))
	if err != nil {
		panic(err)
	}
	return dir
}()

func TestExamplesLoad(t *testing.T) {
	cfg, err := server.LoadConfig(filepath.Join(examples, "orca.yaml"))
	require.NoError(t, err)
	assert.Len(t, cfg.Services, 2)
	assert.True(t, cfg.InfoMart.Enable)
	assert.Equal(t, []string{filepath.Join(examples, "strategies")}, cfg.Strategies.Dirs)

	scfg, err := sim.LoadConfig(filepath.Join(examples, "scenario.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "callback-now", scfg.Requests.Service, "the scenario's requests go to a service of orca.yaml")
	assert.Equal(t, cfg.Services[0].Options["_route_point"], scfg.Switch.RoutePoints[0])

	env, err := ors.LoadEnvironment(filepath.Join(examples, "env.yaml"))
	require.NoError(t, err)
	assert.Equal(t, "VQ_Sales", env.Options["sales_vq"])
	assert.Equal(t, cfg.Tenant.Options["sales_vq"], env.Options["sales_vq"], "the server answers getConfigOption as the tests do")

	suite, err := strategytest.Load(filepath.Join(examples, "strategies", "sales-hours.test.yaml"))
	require.NoError(t, err)
	assert.Len(t, suite.Tests, 5)

	code, stdout, stderr := orca(t, nil, "validate", filepath.Join(examples, "strategies", "sales-hours.scxml"))
	assert.Equal(t, exitOK, code, stderr)
	assert.Empty(t, stdout, "no error and no warning")
}

func TestExampleStrategyTests(t *testing.T) {
	code, stdout, stderr := orca(t, nil, "test", filepath.Join(examples, "strategies", "sales-hours.test.yaml"))
	require.Equal(t, exitOK, code, stdout+stderr)
	assert.Contains(t, stdout, "5 passed, 0 failed, 5 tests")
}

// TestExampleConfigServes starts orca serve with the example
// configuration and orca tsim with the example scenario on one data
// directory, as the config file's comment says, and completes a callback
// and a call to the sales line's strategy through them.
func TestExampleConfigServes(t *testing.T) {
	demoEnv(t)
	data := filepath.Join(t.TempDir(), "data")
	_, serr, stopServe := background(t, runServe, "--config", filepath.Join(examples, "orca.yaml"), "--data", data, "--listen", "127.0.0.1:0", "--nats-port", natsPort(t))
	waitFor(t, serr, "orca serve: listening on ")
	base := regexp.MustCompile(`listening on (http://127\.0\.0\.1:\d+)`).FindStringSubmatch(serr.String())[1]
	assert.Contains(t, serr.String(), "orca serve: Info Mart on sqlite "+filepath.Join(data, "infomart.db"))
	_, terr, stopSim := background(t, runTsim, "--config", filepath.Join(examples, "scenario.yaml"), "--data", data)
	waitFor(t, terr, "orca tsim: switch SIP_Switch, reporting DN REPORTING, 4 agents")

	ctx := context.Background()
	id, err := postCallback(ctx, base, "callback-now", url.Values{"_customer_number": {"5550100"}}, nil)
	require.NoError(t, err)
	require.Eventually(t, func() bool {
		var list []map[string]string
		err := doJSON(ctx, http.MethodGet, base+"/genesys/1/service/callback?_id="+id, nil, nil, &list)
		return err == nil && len(list) == 1 && list[0]["_callback_state"] == "COMPLETED"
	}, time.Minute, 50*time.Millisecond, "the callback did not complete (the scenario's agents talk 30s..90s)")

	var started struct {
		ID string `json:"sessionid"`
	}
	require.NoError(t, doJSON(ctx, http.MethodPost, base+"/scxml/session/start", url.Values{"src": {"sales-hours.scxml"}}, nil, &started))
	var q map[string]any
	require.NoError(t, doJSON(ctx, http.MethodGet, base+"/scxml/session/"+started.ID+"/query", nil, nil, &q))
	assert.Equal(t, []any{"arrival"}, q["atomic"], "the strategy waits for a call")

	resp, err := http.Get(base + "/infomart/summary")
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Equal(t, exitOK, stopSim())
	assert.Equal(t, exitOK, stopServe())
	assert.False(t, strings.Contains(serr.String(), "level=ERROR"), serr.String())
}

func TestExampleDemo(t *testing.T) {
	demoEnv(t)
	code, stdout, stderr := 0, &strings.Builder{}, &strings.Builder{}
	code = runServe(context.Background(), []string{"--demo", "--config", filepath.Join(examples, "orca.yaml"),
		"--scenario", filepath.Join(examples, "scenario.yaml"), "--data", t.TempDir(), "--listen", "127.0.0.1:0", "--nats-port", natsPort(t),
		"--count", "2", "--speed", "100"}, stdout, stderr)
	require.Equal(t, exitOK, code, "stderr:\n%s\nstdout:\n%s", stderr, stdout)
	assert.Contains(t, stdout.String(), "2 callbacks to service callback-now completed")
	assert.Contains(t, stdout.String(), "CALLBACK_FACT   4 rows, one per UserEvent; 2 final records, one per callback:")
}
