package strategytest_test

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/internal/testenv"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/strategytest"
)

// projectsVar names the Composer projects TestComposerProjects runs.
const projectsVar = "ORCA_COMPOSER_PROJECTS"

// TestComposerProjects loads and runs real Composer projects, which the
// repository cannot carry: the directories listed in
// ORCA_COMPOSER_PROJECTS (separated as in PATH). In each, every document
// of src-gen and src/subRoutines must load as "orca validate" loads it;
// every IPD entry (src-gen/IPD_*.scxml) must take a call to its global
// exit state, and every workflow of src/ (Composer 8.0) to an end; every
// stock subroutine, included by a host document the
// way a workflow includes it, must reach its final state.
func TestComposerProjects(t *testing.T) {
	list := os.Getenv(projectsVar)
	if list == "" {
		testenv.Optional(t, "no Composer projects of your own are given ("+projectsVar+" is not set)",
			"set "+projectsVar+" to Composer project directories (dir1:dir2), each with src-gen/IPD_*.scxml")
	}
	for _, dir := range filepath.SplitList(list) {
		if dir == "" {
			continue
		}
		t.Run(filepath.Base(dir), func(t *testing.T) {
			entries, _ := filepath.Glob(filepath.Join(dir, "src-gen", "IPD_*.scxml"))
			others, _ := filepath.Glob(filepath.Join(dir, "src-gen", "*.scxml"))
			subs, _ := filepath.Glob(filepath.Join(dir, "src", "subRoutines", "*.scxml"))
			// Composer 8.0 wrote workflows to src/ without an IPD.
			flows, _ := filepath.Glob(filepath.Join(dir, "src", "*.scxml"))
			require.NotEmpty(t, append(append(entries, subs...), flows...), "%s has no src-gen/IPD_*.scxml, src/*.scxml or src/subRoutines/*.scxml", dir)
			for _, f := range append(append(others, subs...), flows...) {
				t.Run("validate "+filepath.Base(f), func(t *testing.T) { validate(t, f) })
			}
			for _, f := range entries {
				t.Run("run "+filepath.Base(f), func(t *testing.T) { runEntry(t, f, "_composer_global_exit") })
			}
			for _, f := range flows {
				t.Run("run "+filepath.Base(f), func(t *testing.T) { runEntry(t, f, "") })
			}
			for _, f := range subs {
				t.Run("run "+filepath.Base(f), func(t *testing.T) { runSubroutine(t, f) })
			}
		})
	}
}

// validate loads and compiles a document as "orca validate" does.
func validate(t *testing.T, file string) {
	rt := ors.New(ors.Options{})
	defer rt.Close()
	doc, err := scxml.Load(file, rt.LoadOptions())
	require.NoError(t, err)
	chart, err := interp.Compile(doc, rt.Datamodels())
	require.NoError(t, err)
	for _, w := range doc.Warnings {
		t.Logf("warning: %v", w)
	}
	assert.Empty(t, chart.Problems(), "expressions that do not compile")
}

// runEntry takes a call through an IPD entry, or a workflow that runs on
// its own, which must end (in final, when it is not empty).
func runEntry(t *testing.T, file, final string) {
	abs, err := filepath.Abs(file)
	require.NoError(t, err)
	s, err := strategytest.Parse(filepath.Join(t.TempDir(), "entry.test.yaml"), []byte(fmt.Sprintf(`
strategy: %q
timeout: 2h
tests:
  - name: a call runs to the end
    call: {ani: "5551234", dnis: "8000", routing_point: RP_8000}
    answers:
      treatment: {delay: 20s}
    expect:
      final: %q
      errors: true
`, abs, final)))
	require.NoError(t, err)
	results, err := strategytest.Run(s, strategytest.Options{Environment: &ors.Environment{
		Agents: []ors.Agent{{ID: "Agent1", DN: "7001"}},
	}})
	require.NoError(t, err)
	r := results[0]
	assert.True(t, r.Passed(), "%s\nvisited: %s\nlog:\n%s", strings.Join(r.Failures, "\n"), strings.Join(r.Visited, " "), strings.Join(r.Logs, "\n"))
	t.Logf("%s: %d states entered, %d events, final %s after %v", filepath.Base(file), len(r.Visited), len(r.Events), r.Final, r.Virtual)
}

// runSubroutine includes a stock subroutine in a host document, as a
// workflow's subroutine block does (its parameters in args_, the
// application's system variables in scope), with a queue submit waiting
// for the queue subroutines to find, and runs it to its final state.
func runSubroutine(t *testing.T, file string) {
	abs, err := filepath.Abs(file)
	require.NoError(t, err)
	dir := t.TempDir()
	host := fmt.Sprintf(`<scxml version="1.0" xmlns="http://www.w3.org/2005/07/scxml" xmlns:xi="http://www.w3.org/2001/XInclude"
	xmlns:queue="http://www.genesyslab.com/modules/queue" profile="ecmascript" initial="call">
  <script>var system = {}; var InteractionID; var App_Target = {};</script>
  <state id="call">
    <transition event="interaction.added" target="submit">
      <script>system.InteractionID = _event.data.interactionid; InteractionID = system.InteractionID;</script>
    </transition>
  </state>
  <state id="submit">
    <onentry>
      <queue:submit requestid="App_Target['requestid']" interactionid="system.InteractionID" queue="'VQ_Test'" timeout="600">
        <queue:targets><queue:targetid expr="'Nobody@.A'"/></queue:targets>
      </queue:submit>
    </onentry>
    <transition event="queue.submit.requestid" target="Subroutine1"/>
  </state>
  <state id="Subroutine1">
    <onentry>
      <script>var args_ = {vQueue: 'VQ_Test', Resource: '7001', TargetBlockName: 'Target', Timeout: '5s', Type: 'none', Event: 'none'};</script>
    </onentry>
    <xi:include href=%q parse="xml" xpointer="_composer_entry" resolveid="Subroutine1"/>
    <transition event="done.state.Subroutine1._composer_entry" target="end"/>
  </state>
  <final id="end"/>
</scxml>`, abs)
	require.NoError(t, os.WriteFile(filepath.Join(dir, "host.scxml"), []byte(host), 0o644))
	s, err := strategytest.Parse(filepath.Join(dir, "sub.test.yaml"), []byte(`
strategy: host.scxml
timeout: 10m
tests:
  - name: the subroutine runs to its end
    call: {ani: "5551234", routing_point: RP_8000}
    expect:
      final: end
`))
	require.NoError(t, err)
	results, err := strategytest.Run(s, strategytest.Options{})
	require.NoError(t, err)
	r := results[0]
	assert.True(t, r.Passed(), "%s\nvisited: %s\nlog:\n%s", strings.Join(r.Failures, "\n"), strings.Join(r.Visited, " "), strings.Join(r.Logs, "\n"))
}
