package interp

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/scxml"
)

// planCharts are documents whose transitions the chart's static exit and
// entry sets (Chart.exit, Chart.entry) cover in every way they can, and
// in the ways they must not: history, parallel regions, internal
// transitions, eventless transitions, done events, transitions of
// ancestors and without targets. Each runs with the events listed after
// it.
var planCharts = []struct {
	name   string
	src    string
	events []string
}{
	{"siblings and ancestors", `
		<state id="a" initial="a1">
			<onexit><log label="x:a"/></onexit>
			<transition event="up" target="b"/>
			<state id="a1">
				<onentry><log label="n:a1"/></onentry><onexit><log label="x:a1"/></onexit>
				<transition event="next" target="a2"/>
				<transition event="stay"/>
			</state>
			<state id="a2" initial="a21">
				<onentry><log label="n:a2"/></onentry>
				<onexit><log label="x:a2"/></onexit>
				<state id="a21"><onentry><log label="n:a21"/></onentry><onexit><log label="x:a21"/></onexit>
					<transition event="next" target="a1"/>
					<transition event="out" target="b2"/>
				</state>
			</state>
		</state>
		<state id="b" initial="b1">
			<onentry><log label="n:b"/></onentry>
			<state id="b1"><transition event="next" target="b2"/></state>
			<state id="b2"><onentry><log label="n:b2"/></onentry><onexit><log label="x:b2"/></onexit>
				<transition event="next" target="a21"/>
				<transition event="self" target="b2"/>
			</state>
		</state>`,
		[]string{"stay", "next", "stay", "next", "next", "out", "self", "next", "up", "next", "next"}},
	{"internal transitions", `
		<state id="p" initial="p1">
			<onexit><log label="x:p"/></onexit>
			<transition event="in" type="internal" target="p2"/>
			<transition event="ext" type="external" target="p2"/>
			<state id="p1"><onexit><log label="x:p1"/></onexit>
				<transition event="leaf" type="internal" target="p2"/>
			</state>
			<state id="p2"><onentry><log label="n:p2"/></onentry>
				<transition event="leaf" type="internal" target="p1"/>
			</state>
		</state>`,
		[]string{"in", "leaf", "ext", "leaf", "leaf", "in"}},
	{"parallel regions and done events", `
		<state id="w" initial="par">
			<parallel id="par">
				<onexit><log label="x:par"/></onexit>
				<transition event="done.state.par" target="after"/>
				<state id="r1" initial="r1a">
					<state id="r1a"><onexit><log label="x:r1a"/></onexit>
						<transition event="go" target="r1b"/>
						<transition event="jump" target="r2b"/>
					</state>
					<state id="r1b"><transition event="fin" target="r1f"/></state>
					<final id="r1f"/>
				</state>
				<state id="r2" initial="r2a">
					<state id="r2a"><onexit><log label="x:r2a"/></onexit>
						<transition event="go" target="r2b"/>
					</state>
					<state id="r2b"><transition event="fin" target="r2f"/></state>
					<final id="r2f"/>
				</state>
			</parallel>
			<state id="after">
				<onentry><log label="n:after"/></onentry>
				<transition event="again" target="par"/>
				<transition event="jump" target="r2b"/>
			</state>
		</state>`,
		[]string{"go", "fin", "again", "jump", "go", "fin", "again"}},
	{"history", `
		<state id="h" initial="h1">
			<transition event="leave" target="o"/>
			<state id="h1">
				<onentry><log label="n:h1"/></onentry>
				<transition event="next" target="h2"/>
			</state>
			<state id="h2" initial="h2a">
				<onexit><log label="x:h2"/></onexit>
				<state id="h2a"><transition event="next" target="h2b"/></state>
				<state id="h2b"><onexit><log label="x:h2b"/></onexit></state>
			</state>
			<history id="shallow"><transition target="h2"/></history>
			<history id="hist" type="deep"><transition target="h1"/></history>
		</state>
		<state id="o">
			<transition event="back" target="hist"/>
			<transition event="shallow" target="shallow"/>
		</state>`,
		[]string{"next", "next", "leave", "back", "leave", "shallow", "next"}},
	{"eventless and raised", `
		<state id="e" initial="e1">
			<state id="e1">
				<onentry><raise event="r"/></onentry>
				<transition event="r" target="e2"/>
			</state>
			<state id="e2"><transition cond="In('e2')" target="e3"/></state>
			<state id="e3"><transition event="next" target="e1"/></state>
			<transition event="stop" target="end"/>
		</state>
		<final id="end"/>`,
		[]string{"next", "next", "stop"}},
}

// TestStaticExitEntry checks the exit and entry sets the chart computes
// for a transition taken alone against computeExitSet and
// computeEntrySet (§3.13) in the configuration where it is taken, and
// runs each document both with the static sets and with the algorithm
// alone: the states entered, the exit and entry handlers' order and the
// configuration after each event are the same.
func TestStaticExitEntry(t *testing.T) {
	for _, tc := range planCharts {
		t.Run(tc.name, func(t *testing.T) {
			src := `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="null">` + tc.src + `</scxml>`
			// With OnEnter, every state entered is recorded; without it,
			// entry takes its shorter way (enterPlain) and the <log>s
			// of the handlers record the order.
			for _, hook := range []bool{true, false} {
				planned, checked := runPlanned(t, src, tc.events, true, hook)
				general, _ := runPlanned(t, src, tc.events, false, hook)
				require.Equal(t, general, planned)
				require.NotZero(t, checked, "no transition with a static exit set was taken")
			}
		})
	}
}

// runPlanned runs src with the events, with the chart's static exit and
// entry sets or without them, and returns what it did. With them, it
// checks the static sets of each transition an event selects alone
// against the algorithm's and counts those it checked.
func runPlanned(t *testing.T, src string, events []string, plans, hook bool) ([]string, int) {
	t.Helper()
	doc, err := scxml.Parse("plan.scxml", []byte(src), nil)
	require.NoError(t, err)
	c, err := Compile(doc, nil)
	require.NoError(t, err)
	if !plans {
		clear(c.exit)
		clear(c.entry)
	}
	var trace []string
	checked := 0
	opts := Options{
		Clock: NewVirtualClock(time.Unix(0, 0)),
		Log:   func(_ *Session, label, _ string) { trace = append(trace, label) },
		OnEvent: func(s *Session, ev *Event) {
			if !plans {
				return
			}
			en := slices.Clone(s.selectTransitions(ev))
			if len(en) != 1 {
				return
			}
			tr := en[0]
			if list := c.exit[tr.Order]; list != nil {
				exit := s.exitSet()
				exit.clear()
				s.addExitSet(tr, exit)
				var want []int32
				for o := exit.prev(c.nstates - 1); o >= 0; o = exit.prev(o - 1) {
					want = append(want, int32(o))
				}
				require.Equal(t, nonNil(want), list, "exit set of %s at %s", ev.Name, tr.Pos)
				checked++
			}
			if list := c.entry[tr.Order]; list != nil {
				toEnter, def := s.toEnter(), s.defEntry()
				toEnter.clear()
				def.clear()
				s.computeEntrySet(en)
				var want, got []string
				for o := toEnter.next(0); o >= 0; o = toEnter.next(o + 1) {
					want = append(want, fmt.Sprintf("%s %v", s.doc.States[o].ID, def.has(o)))
				}
				for _, x := range list {
					got = append(got, fmt.Sprintf("%s %v", s.doc.States[x.order].ID, x.def))
					st := s.doc.States[x.order]
					if x.plain {
						require.True(t, len(st.Invokes) == 0 && st.Kind != scxml.Final, "%s is not plain", st.ID)
					}
				}
				require.Equal(t, want, got, "entry set of %s at %s", ev.Name, tr.Pos)
			}
		},
	}
	if hook {
		opts.OnEnter = func(_ *Session, st *scxml.State) {
			trace = append(trace, "enter "+st.ID)
		}
	}
	e := NewEngine(opts)
	s, err := e.Start(c, StartOptions{})
	require.NoError(t, err)
	e.Run()
	for _, name := range events {
		s.Enqueue(&Event{Name: name, Type: External})
		e.Run()
		trace = append(trace, fmt.Sprintf("%s -> %s", name, strings.Join(s.Active(), " ")))
	}
	return trace, checked
}

func nonNil(list []int32) []int32 {
	if list == nil {
		return []int32{}
	}
	return list
}
