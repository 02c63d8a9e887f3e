package strategytest_test

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/strategytest"
)

// testFiles returns the test files under testdata.
func testFiles(t *testing.T) []string {
	var files []string
	err := filepath.WalkDir("testdata", func(path string, d os.DirEntry, err error) error {
		if err == nil && strings.HasSuffix(path, ".test.yaml") {
			files = append(files, path)
		}
		return err
	})
	require.NoError(t, err)
	require.NotEmpty(t, files)
	return files
}

// TestFixtures runs the test files of testdata: the Composer-shaped
// Sales project and the guide's examples. Every test must pass.
func TestFixtures(t *testing.T) {
	for _, f := range testFiles(t) {
		t.Run(f, func(t *testing.T) {
			s, err := strategytest.Load(f)
			require.NoError(t, err)
			results, err := strategytest.Run(s, strategytest.Options{})
			require.NoError(t, err)
			require.Len(t, results, len(s.Tests))
			var table bytes.Buffer
			require.NoError(t, strategytest.WriteTable(&table, results))
			for _, r := range results {
				assert.True(t, r.Passed(), "%s", table.String())
			}
		})
	}
}

// suite parses a test file written in the test.
func suite(t *testing.T, dir, text string) *strategytest.Suite {
	t.Helper()
	s, err := strategytest.Parse(filepath.Join(dir, "t.test.yaml"), []byte(text))
	require.NoError(t, err)
	return s
}

func TestFailuresAreReported(t *testing.T) {
	s := suite(t, "testdata/composer", `
strategy: src-gen/IPD_Sales_SalesWorkflow.scxml
environment: env.yaml
start: "2026-01-05T10:00:00+01:00"
timeout: 10m
tests:
  - name: every expectation wrong
    call: {ani: "5551234", routing_point: RP_8000}
    expect:
      final: SalesWorkflow.Closed
      visited: [SalesWorkflow.Closed]
      not_visited: [SalesWorkflow.Target]
      events: [interaction.redirect.done, interaction.added]
      route: "7999"
      udata: {Sales_Segment: wholesale, Missing: x}
      logs: ["nowhere in the log"]
      within: 1s
  - name: no call arrives, the session waits forever
    expect:
      final: _composer_global_exit
  - name: a step for an agent the environment lacks
    call: {ani: "5551234", routing_point: RP_8000}
    steps:
      - {at: 1s, agent: Nobody, ready: true}
`)
	results, err := strategytest.Run(s, strategytest.Options{})
	require.NoError(t, err)
	require.Len(t, results, 3)

	wrong := strings.Join(results[0].Failures, "\n")
	for _, want := range []string{
		"final: want SalesWorkflow.Closed, got _composer_global_exit",
		"visited: state SalesWorkflow.Closed not entered",
		"not_visited: state SalesWorkflow.Target was entered",
		"events: event interaction.added not processed in the order given",
		"route: want 7999, got 7001",
		"udata: Sales_Segment is retail, want wholesale",
		"udata: the call has no Missing",
		`logs: no log line contains "nowhere in the log"`,
		"within: the session took 5s, want at most 1s",
	} {
		assert.Contains(t, wrong, want)
	}
	assert.False(t, results[0].Passed())

	assert.Equal(t, []string{"the session did not end within 10m0s (active states: _composer_globalstate, _composer_parallel, " +
		"_composer_application, _composer_init, _composer_event_handler)", "final: want _composer_global_exit, but no top-level final " +
		"state was reached (active states: _composer_globalstate, _composer_parallel, _composer_application, _composer_init, " +
		"_composer_event_handler)"}, results[1].Failures)
	assert.Equal(t, 10*time.Minute, results[1].Virtual)
	assert.Contains(t, strings.Join(results[2].Failures, "\n"), `no agent "Nobody" in the environment`)
}

func TestErrorsFailATest(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "s.scxml"), []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" profile="ecmascript" initial="a">
  <state id="a"><onentry><script>undefinedFunction();</script></onentry><transition target="end"/></state>
  <final id="end"/>
</scxml>`), 0o644))
	for _, allow := range []bool{false, true} {
		s := suite(t, dir, "strategy: s.scxml\ntests:\n  - name: t\n    expect: {final: end, errors: "+map[bool]string{false: "false", true: "true"}[allow]+"}\n")
		results, err := strategytest.Run(s, strategytest.Options{})
		require.NoError(t, err)
		if allow {
			assert.True(t, results[0].Passed(), "%v", results[0].Failures)
			continue
		}
		require.Len(t, results[0].Failures, 1)
		assert.Contains(t, results[0].Failures[0], "errors: "+filepath.Join(dir, "s.scxml")+":2:")
		assert.Contains(t, results[0].Failures[0], "undefinedFunction")
	}
}

func TestVirtualTime(t *testing.T) {
	s := suite(t, "testdata/guide", `
strategy: play-music.scxml
timeout: 3h
tests:
  - name: two hours of music
    call: {routing_point: RP_1}
    answers:
      treatment: {delay: 2h}
    expect: {final: exit, within: 2h}
`)
	wall := time.Now()
	results, err := strategytest.Run(s, strategytest.Options{})
	require.NoError(t, err)
	require.True(t, results[0].Passed(), "%v", results[0].Failures)
	assert.Equal(t, 2*time.Hour, results[0].Virtual)
	assert.Less(t, time.Since(wall), 5*time.Second, "virtual time costs no wall time")
}

func TestTrace(t *testing.T) {
	s, err := strategytest.Load("testdata/guide/play-music.test.yaml")
	require.NoError(t, err)
	s.Tests = s.Tests[:1]
	var trace, log bytes.Buffer
	_, err = strategytest.Run(s, strategytest.Options{Trace: &trace, Log: &log})
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(trace.String()), "\n")
	require.Len(t, lines, 4)
	var last struct {
		Test, Time, Event string
		Active            []string
		Final             bool
	}
	require.NoError(t, json.Unmarshal([]byte(lines[3]), &last))
	assert.Equal(t, "music plays for ten seconds", last.Test)
	assert.Equal(t, "+10s", last.Time)
	assert.Equal(t, "dialog.playsound.done", last.Event)
	assert.Equal(t, []string{"exit"}, last.Active)
	assert.True(t, last.Final)
}

func TestJUnit(t *testing.T) {
	results := []strategytest.Result{
		{Suite: "sales", Name: "routed", Wall: 1500 * time.Microsecond, Logs: []string{"hello"}},
		{Suite: "sales", Name: "busy", Failures: []string{"route: want 7001, got 7002", "final: want exit"}},
		{Suite: "guide", Name: "music"},
	}
	var buf bytes.Buffer
	require.NoError(t, strategytest.WriteJUnit(&buf, results))
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name     string `xml:"name,attr"`
			Tests    int    `xml:"tests,attr"`
			Failures int    `xml:"failures,attr"`
			Cases    []struct {
				Name    string `xml:"name,attr"`
				Time    string `xml:"time,attr"`
				Failure *struct {
					Message string `xml:"message,attr"`
					Text    string `xml:",chardata"`
				} `xml:"failure"`
				Out string `xml:"system-out"`
			} `xml:"testcase"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(buf.Bytes(), &doc))
	assert.Equal(t, 3, doc.Tests)
	assert.Equal(t, 1, doc.Failures)
	require.Len(t, doc.Suites, 2)
	assert.Equal(t, "sales", doc.Suites[0].Name)
	assert.Equal(t, 2, doc.Suites[0].Tests)
	assert.Equal(t, "0.002", doc.Suites[0].Cases[0].Time)
	assert.Equal(t, "hello", doc.Suites[0].Cases[0].Out)
	require.NotNil(t, doc.Suites[0].Cases[1].Failure)
	assert.Equal(t, "route: want 7001, got 7002", doc.Suites[0].Cases[1].Failure.Message)
	assert.Equal(t, "route: want 7001, got 7002\nfinal: want exit", doc.Suites[0].Cases[1].Failure.Text)
	assert.Nil(t, doc.Suites[1].Cases[0].Failure)
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name, text, want string
	}{
		{"unknown key", "strategy: s.scxml\nbogus: 1\ntests: [{name: t}]\n", "f.yaml:2: field bogus not found"},
		{"camelCase key", "strategy: s.scxml\ntests:\n  - name: t\n    expect: {notVisited: [a]}\n", "f.yaml:4: key notVisited: keys are snake_case: write not_visited"},
		{"bad duration", "strategy: s.scxml\ntimeout: soon\ntests: [{name: t}]\n", `f.yaml:2: "soon" is not a duration`},
		{"no strategy", "tests: [{name: t}]\n", "f.yaml: strategy: the document to run is missing"},
		{"no tests", "strategy: s.scxml\n", "f.yaml: tests: no test"},
		{"unnamed test", "strategy: s.scxml\ntests: [{call: {}}]\n", "f.yaml: tests[0].name: missing"},
		{"bad start", "strategy: s.scxml\nstart: monday\ntests: [{name: t}]\n", "f.yaml: start: "},
		{"two actions in a step", "strategy: s.scxml\ntests:\n  - name: t\n    call: {}\n    steps: [{at: 1s, caller: hangup, party: '7001'}]\n",
			"f.yaml: tests[0].steps[0]: want exactly one of caller, agent, event, udata, party and merge"},
		{"bad caller", "strategy: s.scxml\ntests:\n  - name: t\n    call: {}\n    steps: [{caller: leaves}]\n", `tests[0].steps[0].caller: want hangup or abandon, not "leaves"`},
		{"caller without call", "strategy: s.scxml\ntests:\n  - name: t\n    steps: [{caller: hangup}]\n", "tests[0].steps[0]: the test has no call"},
		{"agent without action", "strategy: s.scxml\ntests:\n  - name: t\n    steps: [{agent: A1}]\n", "tests[0].steps[0]: an agent step needs ready or release"},
		{"bad call type", "strategy: s.scxml\ntests:\n  - name: t\n    call: {type: fax}\n", "tests[0].call.type: want inbound, outbound, internal or consult"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := strategytest.Parse("f.yaml", []byte(tt.text))
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.want)
		})
	}
}

func TestLoadErrorsStopTheSuite(t *testing.T) {
	s := suite(t, t.TempDir(), "strategy: missing.scxml\ntests: [{name: t}]\n")
	_, err := strategytest.Run(s, strategytest.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing.scxml")

	s = suite(t, "testdata/guide", "strategy: play-music.scxml\nenvironment: nowhere.yaml\ntests: [{name: t}]\n")
	_, err = strategytest.Run(s, strategytest.Options{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "nowhere.yaml")
}
