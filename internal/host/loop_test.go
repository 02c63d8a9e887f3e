package host_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/internal/host"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/telephony"
)

func TestLoopSettlesAndAdvances(t *testing.T) {
	start := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	clock := interp.NewVirtualClock(start)
	port := telephony.NewMemory(telephony.MemoryOptions{Start: start})
	inbox := interp.NewInbox()
	var logs []string
	eng := interp.NewEngine(interp.Options{
		Clock: clock, Datamodels: host.Datamodels(),
		Log: func(_ *interp.Session, _, msg string) { logs = append(logs, msg) },
	})
	doc, err := scxml.Parse("loop.scxml", []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">
		<state id="s">
			<onentry><send event="tick" delay="5s"/></onentry>
			<transition event="tick" target="t"><log expr="'tick'"/></transition>
		</state>
		<state id="t"><transition event="call" target="done"><log expr="'call ' + _event.data.conn"/></transition></state>
		<final id="done"/>
	</scxml>`), nil)
	require.NoError(t, err)
	c, err := eng.Compile(doc)
	require.NoError(t, err)
	s, err := eng.Start(c, interp.StartOptions{})
	require.NoError(t, err)
	// The port's events reach the session through the inbox, as a host
	// routes them.
	port.Subscribe(func(ev telephony.Event) {
		if ev.Type == telephony.EventReleased {
			inbox.Put(s.ID(), &interp.Event{Name: "call", Data: map[string]any{"conn": string(ev.ConnID)}})
		}
	})
	l := &host.Loop{Clock: clock, Engine: eng, Port: port, Inbox: inbox}

	require.NoError(t, l.Settle())
	assert.Equal(t, []string{"s"}, s.Atomic())
	assert.Equal(t, start, clock.Now(), "settling does not move the clock")

	require.NoError(t, l.Advance(4*time.Second))
	assert.Empty(t, logs)
	require.NoError(t, l.Advance(time.Second))
	assert.Equal(t, []string{"tick"}, logs)
	assert.Equal(t, start.Add(5*time.Second), clock.Now())

	conn := port.NewCall(telephony.Call{ThisDN: "RP_1"})
	_, err = port.Release(telephony.Release{ConnID: conn})
	require.NoError(t, err)
	require.NoError(t, l.Advance(time.Second))
	assert.Equal(t, []string{"tick", "call " + string(conn)}, logs)
	assert.True(t, s.Done())
	assert.Equal(t, "done", s.Final().ID)
}
