package sim_test

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/telephony/sim"
)

const scenario = `# a busy morning
seed: 7
speed: 60
switch: {name: SW_Y, customer_id: Tenant, reporting_dn: REP, route_points: [RP_1]}
agents:
  count: 4
  groups: [Callback_Agents]
  handle: 30s..90s
  wrap_up: 5
  list: [{id: Bob, dn: "7100", groups: [Sales], not_ready: true}]
customers:
  odds: {answer: 8, busy: 2}
  ring: 2s..8s
  abandon: 0.25
  patience: 20s..60s
script:
  "5550001": [busy, {result: answering-machine, ring: 3s}]
requests: {service: samples, count: 3, start: 1s, every: 2s, numbers: ["5550001", "5550002"], params: {_cb_dim_channel: WEB}}
statistics: {notify: 250ms}
`

func TestLoadConfig(t *testing.T) {
	path := filepath.Join(t.TempDir(), "scenario.yaml")
	require.NoError(t, os.WriteFile(path, []byte(scenario), 0o644))
	cfg, err := sim.LoadConfig(path)
	require.NoError(t, err)
	assert.Equal(t, uint64(7), cfg.Seed)
	assert.Equal(t, 60.0, cfg.Speed)
	assert.Equal(t, "SW_Y", cfg.Switch.Name)
	assert.Equal(t, sim.Span{Min: 30 * time.Second, Max: 90 * time.Second}, cfg.Agents.Handle)
	assert.Equal(t, sim.Span{Min: 5 * time.Second, Max: 5 * time.Second}, cfg.Agents.WrapUp)
	assert.Equal(t, sim.Span{Min: time.Second, Max: time.Second}, cfg.Agents.Answer, "default kept")
	assert.Equal(t, sim.Odds{Answer: 8, Busy: 2}, cfg.Customers.Odds, "odds replace the defaults")
	assert.Equal(t, sim.StatisticsConfig{Notify: sim.Duration(250 * time.Millisecond)}, cfg.Statistics, "the lease left to New")
	assert.Equal(t, []sim.Outcome{{Result: sim.ResultBusy}, {Result: sim.ResultAnsweringMachine, Ring: 3 * time.Second}}, cfg.Script["5550001"])
	assert.Equal(t, []sim.CallbackRequest{
		{Index: 0, At: time.Second, Service: "samples", Params: map[string]string{"_customer_number": "5550001", "_cb_dim_channel": "WEB"}},
		{Index: 1, At: 3 * time.Second, Service: "samples", Params: map[string]string{"_customer_number": "5550002", "_cb_dim_channel": "WEB"}},
		{Index: 2, At: 5 * time.Second, Service: "samples", Params: map[string]string{"_customer_number": "5550001", "_cb_dim_channel": "WEB"}},
	}, cfg.Plan())
}

func TestConfigErrors(t *testing.T) {
	cases := []struct {
		name, text, want string
	}{
		{"syntax", "agents: [\n", "s.yaml:1: did not find expected node content"},
		{"unknown field", "agents:\n  cont: 3\n", "s.yaml:2: field cont not found"},
		{"old camelCase key", "switch: {name: S, reportingDN: R}\n", "s.yaml:1: key reportingDN: keys are snake_case: write reporting_dn"},
		{"old camelCase odds", "customers:\n  odds: {answer: 1, noAnswer: 2}\n", "s.yaml:2: key noAnswer: keys are snake_case: write no_answer"},
		{"bad duration", "agents:\n  handle: soon\n", `s.yaml:2: bad duration range "soon"`},
		{"bad result", "script:\n  \"1\": [maybe]\n", `s.yaml:2: unknown call result "maybe"`},
		{"unknown odds", "customers:\n  odds: {answer: 1, hangup: 2}\n", `s.yaml:2: unknown outcome "hangup" in odds`},
		{"negative odds", "customers:\n  odds:\n    busy: -1\n", "s.yaml:3: customers.odds.busy: must not be negative, not -1"},
		{"abandon share", "seed: 1\ncustomers:\n  abandon: 2\n", "s.yaml:3: customers.abandon: must be between 0 and 1, not 2"},
		{"not ready", "agents:\n  count: 2\n  not_ready: 3\n", "s.yaml:3: agents.not_ready: must be between 0 and agents.count (2), not 3"},
		{"requests without service", "requests:\n  count: 5\n", "s.yaml:1: requests.service: is required when requests.count is 5"},
		{"wire schema not written", "switch:\n  name: S\n  wire_schema: 3\n", "s.yaml:3: switch.wire_schema: no schema version 3 (versions 1 to 2)"},
		{"wrong type", "agents:\n  count: many\n", "s.yaml:2: cannot unmarshal !!str `many` into int"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := sim.ParseConfig("s.yaml", []byte(tc.text))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

func TestSeededOddsAreReproducible(t *testing.T) {
	url := server(t)
	results := func(sw string) []sim.Result {
		cfg := baseConfig(sw)
		cfg.Seed = 42
		cfg.Customers.Odds = sim.Odds{Answer: 1, Busy: 1, NoAnswer: 1, Fax: 1}
		e := newEnv(t, url, cfg)
		var out []sim.Result
		for i := range 8 {
			_, err := e.port.MakeCall(telephonyCall(i))
			require.NoError(t, err)
			e.wait(func() bool { return len(e.sim.Calls()) == i+1 })
		}
		for _, c := range e.sim.Calls() {
			out = append(out, c.Result)
		}
		return out
	}
	a, b := results("SW_R1"), results("SW_R2")
	assert.Equal(t, a, b)
	assert.Greater(t, len(uniq(a)), 1, "%v", a)
}

func uniq(rs []sim.Result) map[sim.Result]bool {
	m := map[sim.Result]bool{}
	for _, r := range rs {
		m[r] = true
	}
	return m
}
