package ecmascript

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// lazyDoc declares helpers in its top-level scripts: twice is declared
// twice, shadowed is also a var, data is also a <data>, redeclared is
// a var of a transition's script.
const lazyDoc = `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript" initial="a">
	<datamodel><data id="data" expr="1"/><data id="seen" expr="typeof helper"/></datamodel>
	<script>
var before = typeof helper + ' ' + typeof later;
function helper(x) {
  return x + 1;
}
  function thrower() {
    null.boom;
  }
function twice() { return 1 }
function twice() { return 2 }
function shadowed() { return 's' }
var shadowed;
function data() {}
function redeclared() { return 'r' }
function once() { once = function () { return 2 }; return 1 }
function counter() { return counter++ }
function recursive(n) { return n ? recursive(n - 1) : 0 }
	</script>
	<script>function later() { return helper(1) }</script>
	<state id="a"><transition event="e"><script>helper = 5</script></transition>
		<transition event="f"><script>var redeclared; function inner() {}</script></transition></state>
</scxml>`

func TestLazyFunctions(t *testing.T) {
	doc, err := scxml.Parse("lazy.scxml", []byte(lazyDoc), &scxml.Options{Dialect: scxml.ORS})
	require.NoError(t, err)
	eng := interp.NewEngine(interp.Options{Clock: interp.NewVirtualClock(time.Unix(0, 0)),
		Datamodels: map[string]interp.DatamodelCompiler{"ecmascript": Compile}})
	c, err := eng.Compile(doc)
	require.NoError(t, err)
	s, err := eng.Start(c, interp.StartOptions{})
	require.NoError(t, err)
	eng.Run()
	m := s.Datamodel().(*Model)
	p := m.p

	for _, name := range []string{"helper", "thrower", "later", "recursive"} {
		assert.Contains(t, p.envIndex, name, "%s is a global of the environment", name)
	}
	for _, name := range []string{"twice", "shadowed", "data", "redeclared", "once", "counter"} {
		assert.NotContains(t, p.envIndex, name, "%s stays declared by its script", name)
	}
	assert.Equal(t, "undefined", eval(t, m, "seen"), "no function before the scripts run")
	assert.Equal(t, "function undefined", eval(t, m, "before"), "a script's functions exist once it starts, the next one's not yet")
	assert.Nil(t, m.env.vals[p.envIndex["thrower"]], "not made until read")

	assert.Equal(t, 2.0, eval(t, m, "helper(1)"))
	assert.Equal(t, 2.0, eval(t, m, "later()"))
	assert.Equal(t, 2.0, eval(t, m, "twice()"))
	assert.Equal(t, "s", eval(t, m, "shadowed()"))
	assert.Equal(t, "r", eval(t, m, "redeclared()"))
	assert.Equal(t, "1 2", eval(t, m, "once() + ' ' + once()"), "a function that replaces itself does")
	assert.Equal(t, 0.0, eval(t, m, "recursive(3)"))
	assert.Equal(t, "function helper(x) {\n  return x + 1;\n}", eval(t, m, "helper.toString()"))
	assert.Equal(t, true, eval(t, m, "helper === helper && helper.name === 'helper' && helper.length === 1"))
	// null.boom is on line 7 of the script, its property at column 10.
	assert.Equal(t, "lazy.scxml:3:10:7:10", eval(t, m, `(function () { try { thrower() } catch (e) { var at = e.stack.split('\n')[1]; return at.slice(at.indexOf('(') + 1, at.indexOf('(', at.indexOf('(') + 1)) } })()`),
		"errors in a function are placed where the script has it")
	assert.NotContains(t, m.Globals(), "helper")

	require.NoError(t, eng.Send(s.ID(), &interp.Event{Name: "e"}))
	eng.Run()
	assert.Equal(t, 5.0, eval(t, m, "helper"), "assigning the name makes a variable")
}
