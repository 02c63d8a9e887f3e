package main

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fixtures is the test runner's testdata: the Composer-shaped Sales
// project and the guide's examples.
var fixtures = filepath.Join("..", "..", "strategytest", "testdata")

func TestOrcaTest(t *testing.T) {
	junit := filepath.Join(t.TempDir(), "results.xml")
	code, stdout, stderr := orca(t, nil, "test", "--junit", junit,
		filepath.Join(fixtures, "composer", "sales.test.yaml"), filepath.Join(fixtures, "guide", "play-music.test.yaml"))
	require.Equal(t, exitOK, code, "stdout:\n%s\nstderr:\n%s", stdout, stderr)
	assert.Contains(t, stdout, "PASS  sales.test       a caller is routed to the first ready sales agent")
	assert.Contains(t, stdout, "final _composer_global_exit")
	assert.Contains(t, stdout, "10 passed, 0 failed, 10 tests\n")

	data, err := os.ReadFile(junit)
	require.NoError(t, err)
	var doc struct {
		Tests    int `xml:"tests,attr"`
		Failures int `xml:"failures,attr"`
		Suites   []struct {
			Name string `xml:"name,attr"`
		} `xml:"testsuite"`
	}
	require.NoError(t, xml.Unmarshal(data, &doc))
	assert.Equal(t, 10, doc.Tests)
	assert.Equal(t, 0, doc.Failures)
	require.Len(t, doc.Suites, 2)
	assert.Equal(t, "sales.test", doc.Suites[0].Name)
}

func TestOrcaTestFailsAndTraces(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "wrong.test.yaml")
	strategy, err := filepath.Abs(filepath.Join(fixtures, "guide", "play-music.scxml"))
	require.NoError(t, err)
	require.NoError(t, os.WriteFile(file, []byte("strategy: "+strategy+`
tests:
  - name: expects the wrong end
    call: {routing_point: RP_1}
    expect: {final: error}
`), 0o644))
	code, stdout, stderr := orca(t, nil, "test", "--trace", file)
	assert.Equal(t, exitFail, code, stderr)
	assert.Contains(t, stdout, `{"test":"expects the wrong end","time":"+10s","event":"dialog.playsound.done","active":["exit"],"final":true}`)
	assert.Contains(t, stdout, "FAIL  wrong.test  expects the wrong end  final exit  10s virtual")
	assert.Contains(t, stdout, "      final: want error, got exit\n")
	assert.Contains(t, stdout, "0 passed, 1 failed, 1 tests\n")
}

func TestOrcaTestErrors(t *testing.T) {
	code, _, stderr := orca(t, nil, "test")
	assert.Equal(t, exitUsage, code)
	assert.Contains(t, stderr, "usage: orca test")

	bad := filepath.Join(t.TempDir(), "bad.test.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("strategy: x.scxml\ntests:\n  - name: t\n    bogus: 1\n"), 0o644))
	code, stdout, _ := orca(t, nil, "test", bad)
	assert.Equal(t, exitFail, code)
	assert.Contains(t, stdout, "FAIL  "+bad+"  load")
	assert.Contains(t, stdout, "      "+bad+":4: field bogus not found")
	assert.Contains(t, stdout, "0 passed, 1 failed, 1 tests\n")

	code, _, stderr = orca(t, nil, "test", "--env", filepath.Join(t.TempDir(), "none.yaml"), bad)
	assert.Equal(t, exitFail, code)
	assert.Contains(t, stderr, "none.yaml")
}

func TestRunWithEnvironmentOnVirtualTime(t *testing.T) {
	dir := t.TempDir()
	env := filepath.Join(dir, "env.yaml")
	require.NoError(t, os.WriteFile(env, []byte(`tenant: Acme
time_zone: PST
options: {greeting: Howdy}
lists:
  Hours: {Sales: {open: "08:00:00"}}
params: {customer: Ann}
`), 0o644))
	chart := filepath.Join(dir, "s.scxml")
	require.NoError(t, os.WriteFile(chart, []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" xmlns:queue="www.genesyslab.com/modules/queue" version="1.0" initial="wait">
  <state id="wait">
    <onentry>
      <log expr="_genesys.session.tenant + ' ' + _genesys.session.getConfigOption('greeting') + ' ' + _data.customer + ' ' + _genesys.session.getListItemValue('Hours', 'Sales', 'open')"/>
      <send event="'tick'" delay="'1h'"/>
    </onentry>
    <transition event="tick" target="done"/>
  </state>
  <final id="done"/>
</scxml>`), 0o644))
	wall := time.Now()
	code, stdout, stderr := orca(t, nil, "run", "--virtual-time", "--env", env, chart)
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "done\n", stdout)
	assert.Contains(t, stderr, "Acme Howdy Ann 08:00:00\n")
	assert.Less(t, time.Since(wall), 10*time.Second, "an hour of virtual time costs no wall time")

	// {"advance"} moves virtual time while input is still coming.
	code, stdout, stderr = orca(t, strings.NewReader(`{"advance":"59m"}`+"\n"+`{"advance":"bogus"}`+"\n"), "run", "--virtual-time", "--timeout", "10s", "--env", env, "--param", "customer=Bob", chart)
	require.Equal(t, exitOK, code, stderr)
	assert.Equal(t, "done\n", stdout)
	assert.Contains(t, stderr, "Acme Howdy Bob 08:00:00\n")
	assert.Contains(t, stderr, `stdin:2: advance wants a duration such as "30s"`)

	code, _, stderr = orca(t, strings.NewReader(`{"advance":"1s"}`+"\n"), "run", "--timeout", "50ms", "--env", env, chart)
	assert.Equal(t, exitTimeout, code)
	assert.Contains(t, stderr, "stdin:1: advance needs --virtual-time")

	bad := filepath.Join(dir, "bad.yaml")
	require.NoError(t, os.WriteFile(bad, []byte("time_zone: Mars/Olympus\n"), 0o644))
	code, _, stderr = orca(t, nil, "run", "--env", bad, chart)
	assert.Equal(t, exitFail, code)
	assert.Contains(t, stderr, bad+`:1: time_zone: unknown time zone "Mars/Olympus"`)
}

func TestValidateComposerProject(t *testing.T) {
	code, stdout, _ := orca(t, nil, "validate",
		filepath.Join(fixtures, "composer", "src-gen", "IPD_Sales_SalesWorkflow.scxml"),
		filepath.Join(fixtures, "composer", "src-gen", "Sales.scxml"),
		filepath.Join(fixtures, "composer", "src", "subRoutines", "Wait.scxml"))
	assert.Equal(t, exitOK, code, stdout)
	if _, err := os.Stat(filepath.Join(fixtures, "composer", "src-gen", "sales.scxml")); err != nil {
		// A case-sensitive file system: the include named in lower case
		// is found with a warning naming both spellings.
		assert.Contains(t, stdout, "IPD_Sales_SalesWorkflow.scxml:54:25: warning: xi:include: ")
		assert.Contains(t, stdout, "sales.scxml does not exist; using ")
		assert.Contains(t, stdout, "Sales.scxml, whose name differs only in letter case")
	}
}
