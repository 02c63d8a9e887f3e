package interp_test

import (
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

// harness runs one chart on a virtual clock and records what it logs.
type harness struct {
	t      *testing.T
	clock  *interp.VirtualClock
	engine *interp.Engine
	s      *interp.Session
	logs   []string
	errs   []error
	steps  []string
}

const nullHead = `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="null"`

func start(t *testing.T, src string, opts ...func(*interp.Options)) *harness {
	t.Helper()
	doc, err := scxml.Parse("test.scxml", []byte(src), nil)
	require.NoError(t, err)
	h := &harness{t: t, clock: interp.NewVirtualClock(time.Unix(0, 0))}
	o := interp.Options{
		Clock: h.clock,
		Log:   func(_ *interp.Session, label, msg string) { h.logs = append(h.logs, msg) },
		OnError: func(_ *interp.Session, err error) {
			h.errs = append(h.errs, err)
		},
		OnMacrostep: func(s *interp.Session, ev *interp.Event) {
			name := "-"
			if ev != nil {
				name = ev.Name
			}
			h.steps = append(h.steps, name+":"+strings.Join(s.Atomic(), ","))
		},
	}
	for _, f := range opts {
		f(&o)
	}
	h.engine = interp.NewEngine(o)
	c, err := h.engine.Compile(doc)
	require.NoError(t, err)
	h.s, err = h.engine.Start(c, interp.StartOptions{})
	require.NoError(t, err)
	h.engine.Run()
	return h
}

func (h *harness) send(name string) {
	h.t.Helper()
	require.NoError(h.t, h.engine.Send(h.s.ID(), &interp.Event{Name: name}))
	h.engine.Run()
}

// settle advances the virtual clock through every pending timer.
func (h *harness) settle() {
	for i := 0; i < 1000; i++ {
		h.engine.Run()
		due, ok := h.engine.NextDue()
		if !ok {
			return
		}
		h.clock.Set(due)
	}
	h.t.Fatal("timers never settle")
}

func TestAlgorithm(t *testing.T) {
	tests := []struct {
		name   string
		chart  string
		events []string
		atomic []string // expected active atomic states at the end
		final  string   // expected top-level final state
		logs   []string
	}{
		{
			name: "entry and exit order",
			chart: nullHead + ` initial="a">
				<state id="a" initial="a1">
					<onentry><log expr="enter-a"/></onentry>
					<onexit><log expr="exit-a"/></onexit>
					<state id="a1">
						<onentry><log expr="enter-a1"/></onentry>
						<onexit><log expr="exit-a1"/></onexit>
						<transition event="go" target="b"><log expr="transition"/></transition>
					</state>
				</state>
				<state id="b"><onentry><log expr="enter-b"/></onentry></state>
			</scxml>`,
			events: []string{"go"},
			atomic: []string{"b"},
			logs:   []string{"enter-a", "enter-a1", "exit-a1", "exit-a", "transition", "enter-b"},
		},
		{
			name: "descriptor prefixes and wildcard",
			chart: nullHead + `>
				<state id="s">
					<transition event="foo.bar" target="t1"/>
					<transition event="*" target="t2"/>
				</state>
				<state id="t1"><transition event="error.* x" target="t3"/></state>
				<state id="t2"/>
				<state id="t3"/>
			</scxml>`,
			events: []string{"foo.bar.baz", "foo"},
			atomic: []string{"t1"},
		},
		{
			name: "descriptor token must match whole",
			chart: nullHead + `>
				<state id="s">
					<transition event="foo" target="bad"/>
					<transition event="foobar" target="good"/>
				</state>
				<state id="bad"/><state id="good"/>
			</scxml>`,
			events: []string{"foobar"},
			atomic: []string{"good"},
		},
		{
			name: "internal events before external",
			chart: nullHead + `>
				<state id="s">
					<onentry><send event="ext"/><raise event="int"/></onentry>
					<transition event="int" target="s2"/>
					<transition event="ext" target="bad"/>
				</state>
				<state id="s2"><transition event="ext" target="pass"/></state>
				<state id="bad"/>
				<final id="pass"/>
			</scxml>`,
			final: "pass",
		},
		{
			name: "parallel regions and done.state",
			chart: nullHead + `>
				<parallel id="p">
					<state id="r1"><state id="r1a"><transition event="e" target="r1f"/></state><final id="r1f"/></state>
					<state id="r2"><state id="r2a"><transition event="e" target="r2f"/></state><final id="r2f"/></state>
					<transition event="done.state.p" target="pass"/>
				</parallel>
				<final id="pass"/>
			</scxml>`,
			events: []string{"e"},
			final:  "pass",
		},
		{
			name: "conflict: descendant source preempts ancestor",
			chart: nullHead + `>
				<parallel id="p">
					<state id="r1"><transition event="e" target="out1"/></state>
					<state id="r2"><transition event="e" target="out2"/></state>
				</parallel>
				<state id="out1"/><state id="out2"/>
			</scxml>`,
			events: []string{"e"},
			atomic: []string{"out1"},
		},
		{
			name: "eventless transitions run to completion",
			chart: nullHead + `>
				<state id="a"><transition target="b"/></state>
				<state id="b"><transition cond="In('b')" target="c"/></state>
				<state id="c"/>
			</scxml>`,
			atomic: []string{"c"},
		},
		{
			name: "shallow and deep history",
			chart: nullHead + ` initial="w">
				<state id="w" initial="w1">
					<history id="hs"><transition target="w1"/></history>
					<history id="hd" type="deep"><transition target="w1"/></history>
					<state id="w1"><transition event="next" target="w2"/></state>
					<state id="w2" initial="w2a">
						<state id="w2a"><transition event="next" target="w2b"/></state>
						<state id="w2b"/>
					</state>
					<transition event="leave" target="away"/>
				</state>
				<state id="away">
					<transition event="shallow" target="hs"/>
					<transition event="deep" target="hd"/>
				</state>
			</scxml>`,
			events: []string{"next", "next", "leave", "deep", "leave", "shallow"},
			atomic: []string{"w2a"},
		},
		{
			name: "history default content runs on first entry",
			chart: nullHead + ` initial="out">
				<state id="out"><transition event="in" target="h"/></state>
				<state id="w">
					<history id="h"><transition target="w2"><log expr="default"/></transition></history>
					<state id="w1"/><state id="w2"/>
				</state>
			</scxml>`,
			events: []string{"in"},
			atomic: []string{"w2"},
			logs:   []string{"default"},
		},
		{
			name: "internal transition does not exit its source",
			chart: nullHead + `>
				<state id="s" initial="s1">
					<onexit><log expr="exit-s"/></onexit>
					<transition event="e" type="internal" target="s2"/>
					<state id="s1"/><state id="s2"/>
				</state>
			</scxml>`,
			events: []string{"e"},
			atomic: []string{"s2"},
		},
		{
			name: "external self transition exits and re-enters",
			chart: nullHead + `>
				<state id="s" initial="s1">
					<onexit><log expr="exit-s"/></onexit>
					<transition event="e" target="s2"/>
					<state id="s1"/><state id="s2"/>
				</state>
			</scxml>`,
			events: []string{"e"},
			atomic: []string{"s2"},
			logs:   []string{"exit-s"},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := start(t, tc.chart)
			for _, e := range tc.events {
				h.send(e)
			}
			if tc.final != "" {
				require.True(t, h.s.Done(), "session should be done; atomic %v", h.s.Atomic())
				require.NotNil(t, h.s.Final())
				assert.Equal(t, tc.final, h.s.Final().ID)
			} else {
				assert.False(t, h.s.Done())
				assert.Equal(t, tc.atomic, h.s.Atomic())
			}
			if tc.logs != nil {
				assert.Equal(t, tc.logs, h.logs)
			}
		})
	}
}

func TestDelayedSendOnVirtualClock(t *testing.T) {
	h := start(t, nullHead+`>
		<state id="s">
			<onentry>
				<send event="late" delay="10s"/>
				<send event="early" delay="500ms"/>
				<send id="never" event="cancelled" delay="1s"/>
				<cancel sendid="never"/>
			</onentry>
			<transition event="early" target="s2"/>
			<transition event="*" target="fail"/>
		</state>
		<state id="s2"><transition event="late" target="pass"/><transition event="*" target="fail"/></state>
		<final id="pass"/><final id="fail"/>
	</scxml>`)
	require.False(t, h.s.Done())
	begin := h.clock.Now()
	h.settle()
	require.True(t, h.s.Done())
	assert.Equal(t, "pass", h.s.Final().ID)
	assert.Equal(t, 10*time.Second, h.clock.Now().Sub(begin))
}

func TestInvokeInlineChild(t *testing.T) {
	h := start(t, nullHead+`>
		<state id="s">
			<invoke id="child">
				<content>
					<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="null">
						<state id="c"><onentry><send target="#_parent" event="hello"/></onentry>
							<transition event="bye" target="cf"/></state>
						<final id="cf"/>
					</scxml>
				</content>
			</invoke>
			<transition event="hello"><send target="#_child" event="bye"/></transition>
			<transition event="done.invoke.child" target="pass"/>
		</state>
		<final id="pass"/>
	</scxml>`)
	require.True(t, h.s.Done(), "atomic %v, errs %v", h.s.Atomic(), h.errs)
	assert.Equal(t, "pass", h.s.Final().ID)
	assert.Equal(t, 0, h.engine.Sessions())
}

func TestInvokeCancelledOnExit(t *testing.T) {
	h := start(t, nullHead+`>
		<state id="s">
			<invoke id="child">
				<content>
					<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="null">
						<state id="c"/>
					</scxml>
				</content>
			</invoke>
			<transition event="leave" target="t"/>
		</state>
		<state id="t"/>
	</scxml>`)
	assert.Equal(t, 2, h.engine.Sessions())
	h.send("leave")
	assert.Equal(t, 1, h.engine.Sessions())
}

func TestSendErrors(t *testing.T) {
	h := start(t, nullHead+`>
		<state id="s">
			<onentry><send event="x" target="#_scxml_nosuch"/></onentry>
			<transition event="error.communication" target="s2"/>
		</state>
		<state id="s2">
			<onentry><send event="x" target="nonsense"/></onentry>
			<transition event="error.execution" target="s3"/>
		</state>
		<state id="s3">
			<onentry><send event="x" type="no-such-type"/></onentry>
			<transition event="error.execution" target="pass"/>
		</state>
		<final id="pass"/>
	</scxml>`)
	require.True(t, h.s.Done(), "atomic %v", h.s.Atomic())
	assert.Equal(t, "pass", h.s.Final().ID)
	require.Len(t, h.errs, 3)
	assert.Contains(t, h.errs[0].Error(), "test.scxml:3:")
}

func TestMicrostepLimit(t *testing.T) {
	loop := nullHead + `>
		<state id="a"><transition target="b"/></state>
		<state id="b"><transition target="a"/></state>
	</scxml>`
	h := start(t, loop, func(o *interp.Options) { o.MaxMicrosteps = 50 })
	require.True(t, h.s.Done())
	assert.ErrorIs(t, h.s.Err(), interp.ErrLimit)
	require.NotEmpty(t, h.errs)
	assert.Nil(t, h.s.Final())
}

func TestMicrostepLimitAsError(t *testing.T) {
	loop := nullHead + `>
		<state id="a">
			<onentry><raise event="again"/></onentry>
			<transition event="again" target="a"/>
			<transition event="error.execution" target="caught"/>
		</state>
		<state id="caught"/>
	</scxml>`
	h := start(t, loop, func(o *interp.Options) {
		o.MaxMicrosteps = 50
		o.Limit = interp.LimitError
	})
	require.False(t, h.s.Done())
	assert.Equal(t, []string{"caught"}, h.s.Atomic())
}

func TestTraceAndSendToUnknownSession(t *testing.T) {
	h := start(t, nullHead+`><state id="a"><transition event="go" target="b"/></state><state id="b"/></scxml>`)
	h.send("go")
	assert.Equal(t, []string{"-:a", "go:b"}, h.steps)
	assert.ErrorIs(t, h.engine.Send("nope", &interp.Event{Name: "x"}), interp.ErrNoSession)
}

func TestParseDelay(t *testing.T) {
	for in, want := range map[string]time.Duration{
		"1s": time.Second, "1.5s": 1500 * time.Millisecond, "200ms": 200 * time.Millisecond,
		".5s": 500 * time.Millisecond, "0s": 0, "250": 250 * time.Millisecond, "1m30s": 90 * time.Second,
	} {
		got, err := interp.ParseDelay(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "abc", "-1s", "1x"} {
		_, err := interp.ParseDelay(bad)
		assert.Error(t, err, bad)
	}
}

func TestSendDataKeepsRepeatedNames(t *testing.T) {
	h := start(t, `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">
		<datamodel><data id="a" expr="'x y'"/></datamodel>
		<state id="s">
			<onentry><send event="e" namelist="a"><param name="n" expr="1"/><param name="n" expr="2"/></send></onentry>
			<transition event="e" target="f">
				<log expr="JSON.stringify(_event.data)"/>
				<log expr="_event.raw"/>
				<log expr="_event.origintype"/>
			</transition>
		</state>
		<final id="f"/>
	</scxml>`, func(o *interp.Options) { o.Datamodels = datamodels })
	require.True(t, h.s.Done(), "errors: %v", h.errs)
	assert.Equal(t, []string{
		`{"a":"x y","n":[1,2]}`,
		"_scxmleventname=e&a=x+y&n=1&n=2",
		"http://www.w3.org/TR/scxml/#SCXMLEventProcessor",
	}, h.logs)
}

// panicky is a custom action that panics.
type panicky struct{}

func (panicky) Execute(*interp.Session) error { panic("boom") }

func TestPanicEndsOnlyThatSession(t *testing.T) {
	reg := scxml.NewRegistry()
	reg.Register("urn:test", "boom", func(*scxml.ActionContext, *etree.Element) (any, error) { return panicky{}, nil })
	doc, err := scxml.Parse("p.scxml", []byte(nullHead+` xmlns:t="urn:test">
		<state id="s"><transition event="go" target="t"><t:boom/></transition></state>
		<state id="t"/>
	</scxml>`), &scxml.Options{Registry: reg})
	require.NoError(t, err)
	e := interp.NewEngine(interp.Options{Clock: interp.NewVirtualClock(time.Unix(0, 0))})
	c, err := e.Compile(doc)
	require.NoError(t, err)
	s, err := e.Start(c, interp.StartOptions{})
	require.NoError(t, err)
	other, err := e.Start(c, interp.StartOptions{})
	require.NoError(t, err)
	e.Run()
	require.NoError(t, e.Send(s.ID(), &interp.Event{Name: "go"}))
	e.Run()
	assert.True(t, s.Done())
	assert.ErrorIs(t, s.Err(), interp.ErrInternal)
	assert.False(t, other.Done())
}

func TestRunReturnsToTheHostOfASessionThatFloodsItself(t *testing.T) {
	h := start(t, nullHead+`>
		<state id="s">
			<onentry><send event="again"/></onentry>
			<transition event="again" target="s"/>
		</state>
	</scxml>`)
	// Run came back although the session always has an event queued.
	assert.False(t, h.engine.Idle())
	require.NoError(t, h.engine.Cancel(h.s.ID()))
	assert.True(t, h.s.Done())
	assert.Nil(t, h.s.Final())
}
