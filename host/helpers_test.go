package host_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// chart compiles an ECMAScript document whose body (states) is given.
func chart(t testing.TB, body string) *interp.Chart {
	t.Helper()
	doc, err := scxml.Parse("test.scxml", []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">`+body+`</scxml>`), nil)
	require.NoError(t, err)
	c, err := interp.Compile(doc, host.Datamodels())
	require.NoError(t, err)
	return c
}

// newHost makes a host with the ECMAScript data model and closes it when
// the test ends.
func newHost(t testing.TB, cfg host.Config) *host.Host {
	t.Helper()
	if cfg.Engine.Datamodels == nil {
		cfg.Engine.Datamodels = host.Datamodels()
	}
	h, err := host.New(cfg)
	require.NoError(t, err)
	t.Cleanup(h.Close)
	return h
}

// echo counts pings and answers "go" by moving to b; "stop" ends it.
const echo = `<datamodel><data id="n" expr="0"/></datamodel>
	<state id="a">
		<transition event="ping"><assign location="n" expr="n + 1"/></transition>
		<transition event="go" target="b"/>
	</state>
	<state id="b"><transition event="stop" target="end"/></state>
	<final id="end"/>`

// flood sends itself an event in every macrostep, forever.
const flood = `<datamodel><data id="n" expr="0"/></datamodel>
	<state id="spin">
		<onentry><assign location="n" expr="n + 1"/><send event="again"/></onentry>
		<transition event="again" target="spin"/>
	</state>`
