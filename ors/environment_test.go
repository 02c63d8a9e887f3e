package ors_test

import (
	"testing"
	"time"

	"github.com/orca-scxml/orca/ors"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const envYAML = `tenant: Environment
tenant_id: 101
server: ORS_1
switch: SIP_Switch
time_zone: ECT
options:
  vq: VQ_Sales
lists:
  OPM:
    Sales: {open: "08:00", close: "18:00"}
special_days:
  Holidays:
    Christmas: ["12-25"]
    Inventory: ["2026-11-23 14:00-18:00"]
    Winter: ["2026-12-28..2026-12-31"]
time_zones:
  HQ: "+05:30"
  BKK: Asia/Bangkok
agents:
  - {id: Agent1, dn: "7001", place: Place_7001, groups: [Sales], skills: {English: 5, French: 2}}
  - {id: Agent2, dn: "7002", groups: [Sales, Support], skills: {English: 9}, ready: false}
  - {id: Agent3, dn: "7003", switch: Other, skills: {French: 8}}
queues:
  - {name: VQ_Sales, groups: [Sales]}
  - {name: Q_8001, type: acd, dn: "8001", agents: [Agent3]}
statistics:
  Agent1@StatServer.A: {StatTimeInReadyState: 30}
  Agent2.A: {StatTimeInReadyState: 10}
params:
  OPM_Transaction: OPM
`

func TestParseEnvironment(t *testing.T) {
	env, err := ors.ParseEnvironment("env.yaml", []byte(envYAML))
	require.NoError(t, err)
	assert.Equal(t, "Environment", env.Tenant)
	assert.Equal(t, 101, env.TenantID)
	v, ok := env.Option("vq")
	assert.True(t, ok)
	assert.Equal(t, "VQ_Sales", v)
	_, ok = env.Option("none")
	assert.False(t, ok)

	kv, err := env.ListItem("OPM", "Sales")
	require.NoError(t, err)
	assert.Equal(t, map[string]string{"open": "08:00", "close": "18:00"}, kv)
	_, err = env.ListItem("OPM", "Support")
	assert.EqualError(t, err, `list "OPM" has no item "Support"`)
	_, err = env.ListItem("Nope", "Sales")
	assert.ErrorIs(t, err, ors.ErrNoList)

	a, ok := env.AgentAt("7002")
	require.True(t, ok)
	assert.Equal(t, "Agent2", a.ID)
	assert.False(t, a.IsReady())
	q, ok := env.Queue("8001")
	require.True(t, ok, "a queue is found by its DN too")
	assert.Equal(t, "Q_8001", q.Name)
	assert.Equal(t, map[string]any{"OPM_Transaction": "OPM"}, env.Params)

	s, ok := env.Statistic("Agent1@StatServer.A", "StatTimeInReadyState")
	assert.True(t, ok)
	assert.Equal(t, 30.0, s)
	s, ok = env.Statistic("Agent2@StatServer.A", "StatTimeInReadyState")
	assert.True(t, ok, "the server part of an object may differ")
	assert.Equal(t, 10.0, s)
	_, ok = env.Statistic("Agent3.A", "StatTimeInReadyState")
	assert.False(t, ok)

	paris, _ := time.LoadLocation("Europe/Paris")
	assert.Equal(t, paris.String(), env.Location().String())
}

func TestParseEnvironmentErrors(t *testing.T) {
	tests := []struct {
		name, src, want string
	}{
		{"unknown key", "tenant: x\ntimezone: ECT\n", "env.yaml:2: field timezone not found in type ors.Environment"},
		{"camelCase key", "tenant: x\ntimeZone: ECT\nspecialDays: {}\n", "env.yaml:2: key timeZone: keys are snake_case: write time_zone\nenv.yaml:3: key specialDays: keys are snake_case: write special_days"},
		{"bad type", "tenant_id: many\n", "env.yaml:1: cannot unmarshal !!str `many` into int"},
		{"syntax", "lists: [\n", "env.yaml:1: did not find expected node content"},
		{"zone", "switch: S\ntime_zone: Mars/Olympus\n", `env.yaml:2: time_zone: unknown time zone "Mars/Olympus" (want a Genesys zone name such as ECT or PST, an IANA name, or an offset such as +05:30)`},
		{"day", "special_days:\n  T:\n    D: [\"2026-13-01\"]\n", `env.yaml:3: special_days.T.D[0]: "2026-13-01": parsing time "2026-13-01": month out of range`},
		{"day syntax", "special_days:\n  T:\n    D: [\"tomorrow\"]\n", `env.yaml:3: special_days.T.D[0]: "tomorrow" is not a date (YYYY-MM-DD, MM-DD or FROM..TO, optionally followed by HH:MM-HH:MM)`},
		{"agent without dn", "agents:\n  - {id: A}\n", `env.yaml:2: agents[0]: agent "A" has no dn`},
		{"agent twice", "agents:\n  - {id: A, dn: \"1\"}\n  - {id: A, dn: \"2\"}\n", `env.yaml:3: agents[1].id: agent "A" is listed twice`},
		{"queue type", "queues:\n  - name: Q\n    type: fifo\n", `env.yaml:3: queues[0].type: want virtual or acd, not "fifo"`},
		{"queue agent", "queues:\n  - {name: Q, agents: [Nobody]}\n", `env.yaml:2: queues[0].agents: no agent "Nobody"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ors.ParseEnvironment("env.yaml", []byte(tt.src))
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
	env, err := ors.ParseEnvironment("empty.yaml", nil)
	require.NoError(t, err)
	_, err = env.ListItem("x", "y")
	assert.ErrorIs(t, err, ors.ErrNoList)
	_, err = ors.LoadEnvironment("testdata/no-such-env.yaml")
	assert.ErrorContains(t, err, "environment: open testdata/no-such-env.yaml")
}

func TestIsSpecialDay(t *testing.T) {
	env, err := ors.ParseEnvironment("env.yaml", []byte(envYAML))
	require.NoError(t, err)
	at := func(s string) time.Time {
		tm, err := time.Parse("2006-01-02 15:04", s)
		require.NoError(t, err)
		return tm
	}
	tests := []struct {
		day, at string
		useTime bool
		want    bool
	}{
		{"Christmas", "2031-12-25 09:00", false, true},
		{"Christmas", "2031-12-26 09:00", false, false},
		{"Inventory", "2026-11-23 09:00", false, true},
		{"Inventory", "2026-11-23 09:00", true, false},
		{"Inventory", "2026-11-23 15:00", true, true},
		{"Winter", "2026-12-30 00:00", false, true},
		{"Winter", "2027-01-01 00:00", false, false},
		{"", "2026-12-29 00:00", false, true},
		{"", "2026-11-20 00:00", false, false},
	}
	for _, tt := range tests {
		got, err := env.IsSpecialDay("Holidays", tt.day, at(tt.at), tt.useTime)
		require.NoError(t, err)
		assert.Equal(t, tt.want, got, "%s at %s (time %v)", tt.day, tt.at, tt.useTime)
	}
	_, err = env.IsSpecialDay("Vacations", "", at("2026-01-01 00:00"), false)
	assert.EqualError(t, err, `no statistical table "Vacations" in the environment`)
	_, err = env.IsSpecialDay("Holidays", "Easter", at("2026-01-01 00:00"), false)
	assert.EqualError(t, err, `statistical table "Holidays" has no day "Easter"`)
}

func TestZones(t *testing.T) {
	env, err := ors.ParseEnvironment("env.yaml", []byte(envYAML))
	require.NoError(t, err)
	noon := time.Date(2026, 7, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct{ name, want string }{
		{"ECT", "14:00"}, {"pst", "05:00"}, {"EST", "08:00"}, {"JST", "21:00"}, {"GMT", "12:00"},
		{"HQ", "17:30"}, {"BKK", "19:00"}, {"Asia/Kolkata", "17:30"}, {"-03:00", "09:00"}, {"GMT+2", "14:00"}, {"UTC-4", "08:00"},
	}
	for _, tt := range tests {
		loc, err := env.Zone(tt.name)
		require.NoError(t, err, tt.name)
		assert.Equal(t, tt.want, noon.In(loc).Format("15:04"), tt.name)
	}
	for _, bad := range []string{"XYZ", "+15:00", "GMT+"} {
		_, err := env.Zone(bad)
		assert.Error(t, err, bad)
	}
	z, ok := ors.GenesysZone("cst")
	assert.True(t, ok)
	assert.Equal(t, "America/Chicago", z)
}

func TestTargets(t *testing.T) {
	tests := []struct {
		src  string
		want ors.Target
	}{
		{"Agent1@StatServer.A", ors.Target{Name: "Agent1", Server: "StatServer", Type: "A"}},
		{"{5}[2]Sales@StatServer.GA", ors.Target{Name: "Sales", Server: "StatServer", Type: "GA", Weight: "2", Threshold: "5"}},
		{"?English:English>3 & French>1@StatServer.GA", ors.Target{Name: "English", Server: "StatServer", Type: "GA", Skill: "English>3 & French>1"}},
		{"7001", ors.Target{Name: "7001"}},
		{"8001@SIP_Switch.Q", ors.Target{Name: "8001", Server: "SIP_Switch", Type: "Q"}},
	}
	for _, tt := range tests {
		got := ors.ParseTarget(tt.src)
		assert.Equal(t, tt.want, got, tt.src)
		assert.Equal(t, tt.src, got.String())
	}
	assert.Len(t, ors.ParseTargets("Agent1@S.A, Sales@S.GA,,"), 2)

	env, err := ors.ParseEnvironment("env.yaml", []byte(envYAML))
	require.NoError(t, err)
	ids := func(src string) []string {
		as, err := env.Candidates(ors.ParseTarget(src))
		require.NoError(t, err, src)
		var out []string
		for _, a := range as {
			out = append(out, a.ID)
		}
		return out
	}
	assert.Equal(t, []string{"Agent1"}, ids("Agent1@StatServer.A"))
	assert.Equal(t, []string{"Agent1"}, ids("Place_7001@StatServer.P"))
	assert.Equal(t, []string{"Agent1", "Agent2"}, ids("Sales@StatServer.GA"))
	assert.Equal(t, []string{"Agent2"}, ids("Support@StatServer.GA"))
	assert.Equal(t, []string{"Agent3"}, ids("8001@SIP_Switch.Q"))
	assert.Equal(t, []string{"Agent1", "Agent2"}, ids("VQ_Sales"))
	assert.Equal(t, []string{"Agent2"}, ids("7002"))
	assert.Equal(t, []string{"Agent1", "Agent2"}, ids("?E:English>3@StatServer.GA"))
	assert.Equal(t, []string{"Agent1", "Agent3"}, ids("?F:French>=2 & (English<6 | English>10)@StatServer.GA"))
	assert.Equal(t, []string{"Agent2", "Agent3"}, ids("?X:English=9 | French>5@StatServer.GA"))
	assert.Empty(t, ids("Nobody@StatServer.A"))
	_, err = env.Candidates(ors.ParseTarget("?X:English>@S.GA"))
	assert.Error(t, err)
}
