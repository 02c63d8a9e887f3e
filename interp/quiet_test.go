package interp_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// quietModel is the null data model entering its steps, recording what
// Quiet said of each before it ran.
type quietModel struct {
	interp.Datamodel
	quiet *[]bool
}

func (m quietModel) Enter(step interp.Step) {
	*m.quiet = append(*m.quiet, step.Quiet())
	step.Run()
}

// quietProgram makes quietModels, each recording in a list of its own
// (an invoked session's too).
type quietProgram struct {
	interp.DatamodelProgram
	models *[]*[]bool
}

func (p quietProgram) NewDatamodel() (interp.Datamodel, error) {
	dm, err := p.DatamodelProgram.NewDatamodel()
	quiet := new([]bool)
	*p.models = append(*p.models, quiet)
	return quietModel{dm, quiet}, err
}

// A step is quiet when its event is one that no transition of the
// configuration names, whatever the guards, and nothing else of the
// configuration would be evaluated: no eventless transition, no
// invocation. The session's start never is.
func TestStepQuiet(t *testing.T) {
	const a = `<state id="a">
		<transition event="go" cond="false" target="b"/>
		<transition event="ixn.party" target="b"/>
		<transition event="done.*" target="b"/>
		<state id="a1"><transition event="inner" target="b"/></state>
	</state>`
	tests := []struct {
		name  string
		body  string
		event string
		quiet bool
	}{
		{"no transition names it", a + `<state id="b"/>`, "other", true},
		{"a guarded transition names it", a + `<state id="b"/>`, "go", false},
		{"a descriptor's prefix names it", a + `<state id="b"/>`, "ixn.party.changed", false},
		{"a prefix of a descriptor does not", a + `<state id="b"/>`, "ixn", true},
		{"a wildcard descriptor", a + `<state id="b"/>`, "done.invoke", false},
		{"a transition of the atomic state", a + `<state id="b"/>`, "inner", false},
		{"a name like a prefix", a + `<state id="b"/>`, "gone", true},
		{"an eventless transition in the configuration",
			`<state id="a"><transition cond="In('z')" target="b"/></state><state id="b"/>`, "other", false},
		{"an eventless transition elsewhere",
			`<state id="a"/><state id="b"><transition cond="In('z')" target="a"/></state>`, "other", true},
		{"an invocation", `<state id="a"><invoke type="scxml"><content><scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="null"><state id="c"/></scxml></content></invoke></state>`, "other", false},
		{"any event", `<state id="a"><transition event="*" target="b"/></state><state id="b"/>`, "other", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var models []*[]bool
			e := interp.NewEngine(interp.Options{
				Clock: interp.NewVirtualClock(time.Unix(0, 0)),
				Datamodels: map[string]interp.DatamodelCompiler{"null": func(doc *scxml.Document) (interp.DatamodelProgram, error) {
					p, err := interp.CompileNull(doc)
					return quietProgram{p, &models}, err
				}},
			})
			doc, err := scxml.Parse("q.scxml", []byte(nullHead+` initial="a">`+tt.body+`</scxml>`), nil)
			require.NoError(t, err)
			c, err := e.Compile(doc)
			require.NoError(t, err)
			s, err := e.Start(c, interp.StartOptions{})
			require.NoError(t, err)
			e.Run()
			require.NotEmpty(t, models)
			quiet := models[0] // the session's own, made first
			require.Equal(t, []bool{false}, *quiet, "the start")
			require.NoError(t, e.Send(s.ID(), &interp.Event{Name: tt.event}))
			e.Run()
			require.Len(t, *quiet, 2)
			assert.Equal(t, tt.quiet, (*quiet)[1])
		})
	}
}
