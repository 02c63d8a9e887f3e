package conformance

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
)

const (
	parentID = "p0"
	childID  = "c1"
	invokeID = "s0.p0.1"
	scxmlIOP = "http://www.w3.org/TR/scxml/#SCXMLEventProcessor"
)

func ev(name string) interp.Event { return interp.Event{Name: name} }

// goodTrace returns the trace of a correct run of manual test id.
func goodTrace(id string) Trace {
	top := &SessionTrace{ID: parentID, Ended: true, Final: "final"}
	tr := Trace{File: "test" + id + ".scxml", Sessions: []*SessionTrace{top}}
	switch id {
	case "178":
		top.Events = []interp.Event{ev("event1")}
		top.Logs = []LogLine{{"_event ", "_scxmleventname=event1&Var1=2&Var1=3"}}
	case "230":
		fields := []LogLine{
			{"name is ", "childToParent"},
			{"type is ", "external"},
			{"sendid is ", "undefined"},
			{"origin is ", "#_scxml_" + childID},
			{"origintype is ", scxmlIOP},
			{"invokeid is ", invokeID},
			{"data is ", "undefined"},
		}
		top.Events = []interp.Event{ev("childToParent"), ev("done.invoke." + invokeID)}
		top.Logs = fields
		child := &SessionTrace{ID: childID, Parent: parentID, Ended: true, Final: "subFinal",
			Events: []interp.Event{ev("childToParent")}, Logs: append([]LogLine(nil), fields...)}
		tr.Sessions = append(tr.Sessions, child)
	case "250":
		top.Events = []interp.Event{ev("foo")}
		child := &SessionTrace{ID: childID, Parent: parentID, Ended: true,
			Logs: []LogLine{{"", "Exiting sub01"}, {"", "Exiting sub0"}}}
		tr.Sessions = append(tr.Sessions, child)
	case "307":
		top.Events = []interp.Event{ev("foo"), ev("bar")}
		top.Logs = []LogLine{
			{"entering s0 value of Var 1 is: ", "undefined"},
			{"no error in s0", "undefined"},
			{"entering s1, value of non-existent substructure of Var 1 is: ", "undefined"},
			{"No error in s1", "undefined"},
		}
	case "415":
	}
	return tr
}

func manualTest(id string) Test { return Test{ID: id, Manual: true, Mandatory: true} }

func TestManualChecksPassCorrectRuns(t *testing.T) {
	for _, id := range []string{"178", "230", "250", "307", "415"} {
		t.Run(id, func(t *testing.T) {
			st, reason := judge(manualTest(id), []Trace{goodTrace(id)})
			assert.Equal(t, Pass, st, reason)
		})
	}
}

// TestManualChecksFailWrongRuns feeds each check a run that a wrong
// implementation would produce.
func TestManualChecksFailWrongRuns(t *testing.T) {
	cases := []struct {
		id, name string
		mutate   func(tr *Trace)
		status   Status
		reason   string
	}{
		{"178", "only the last duplicate kept", func(tr *Trace) {
			tr.Sessions[0].Logs[0].Message = "_scxmleventname=event1&Var1=3"
		}, Fail, `has Var1 values ["3"], want [2 3]`},
		{"178", "duplicates reordered", func(tr *Trace) {
			tr.Sessions[0].Logs[0].Message = "Var1=3&Var1=2"
		}, Fail, `has Var1 values ["3" "2"]`},
		{"178", "raw empty", func(tr *Trace) { tr.Sessions[0].Logs[0].Message = "" }, Fail, "Var1 values []"},
		{"178", "raw not form-encoded", func(tr *Trace) { tr.Sessions[0].Logs[0].Message = "Var1=%zz" }, Fail, "not form-encoded"},
		{"178", "no log", func(tr *Trace) { tr.Sessions[0].Logs = nil }, Fail, "logged 0 lines, want 1"},
		{"178", "reached fail", func(tr *Trace) {
			tr.Sessions[0].Final = "fail"
			tr.Sessions[0].Logs = append(tr.Sessions[0].Logs, LogLine{"Outcome", "fail"})
		}, Fail, `reached final state "fail"`},
		{"178", "other event processed", func(tr *Trace) {
			tr.Sessions[0].Events = append(tr.Sessions[0].Events, ev("error.execution"))
		}, Fail, "want exactly [event1]"},

		{"230", "invokeid missing in the forwarded copy", func(tr *Trace) {
			tr.Sessions[1].Logs[5].Message = "undefined"
		}, Fail, "the forwarded copy differs: the child log line 6"},
		{"230", "forwarded copy has another origin", func(tr *Trace) {
			tr.Sessions[1].Logs[3].Message = "#_scxml_" + parentID
		}, Fail, "the forwarded copy differs"},
		{"230", "origin is the parent", func(tr *Trace) {
			for _, s := range tr.Sessions {
				s.Logs[3].Message = "#_scxml_" + parentID
			}
		}, Fail, "the parent log line 4"},
		{"230", "invokeid blank in both", func(tr *Trace) {
			for _, s := range tr.Sessions {
				s.Logs[5].Message = "undefined"
			}
		}, Fail, "the parent log line 6"},
		{"230", "wrong origintype", func(tr *Trace) {
			for _, s := range tr.Sessions {
				s.Logs[4].Message = "scxml"
			}
		}, Fail, "the parent log line 5"},
		{"230", "type internal", func(tr *Trace) {
			for _, s := range tr.Sessions {
				s.Logs[1].Message = "internal"
			}
		}, Fail, "the parent log line 2"},
		{"230", "sendid set", func(tr *Trace) {
			for _, s := range tr.Sessions {
				s.Logs[2].Message = "send.1"
			}
		}, Fail, `sendid is "send.1", want it blank`},
		{"230", "not forwarded: child logs nothing", func(tr *Trace) { tr.Sessions[1].Logs = nil }, Fail, "the child logged 0 lines"},
		{"230", "parent ended on its timeout", func(tr *Trace) {
			tr.Sessions[0].Events = []interp.Event{ev("childToParent"), ev("timeout")}
		}, Fail, "want childToParent then done.invoke"},
		{"230", "no child", func(tr *Trace) { tr.Sessions = tr.Sessions[:1] }, Fail, "invoked 0 sessions"},
		{"230", "child left by the * transition", func(tr *Trace) { tr.Sessions[1].Final = "" }, Fail, "want subFinal"},

		{"250", "onexit not run", func(tr *Trace) { tr.Sessions[1].Logs = nil }, Fail, "logged 0 lines, want 2"},
		{"250", "only the outer onexit", func(tr *Trace) { tr.Sessions[1].Logs = tr.Sessions[1].Logs[1:] }, Fail, "logged 1 lines"},
		{"250", "onexit in the wrong order", func(tr *Trace) {
			l := tr.Sessions[1].Logs
			l[0], l[1] = l[1], l[0]
		}, Fail, "log line 1"},
		{"250", "not cancelled: child reached its final state", func(tr *Trace) {
			c := tr.Sessions[1]
			c.Final = "subFinal"
			c.Logs = append(c.Logs, LogLine{"", "entering final state, invocation was not cancelled"})
		}, Fail, "logged 3 lines"},
		{"250", "child still running", func(tr *Trace) { tr.Sessions[1].Ended = false }, Fail, "want it cancelled"},
		{"250", "no invoke", func(tr *Trace) { tr.Sessions = tr.Sessions[:1] }, Fail, "invoked 0 sessions"},

		{"307", "unbound variable is an error", func(tr *Trace) {
			s := tr.Sessions[0]
			s.Events = []interp.Event{ev("error.execution"), ev("bar")}
			s.Logs = []LogLine{
				{"error in state s0", "[object Object]"},
				{"entering s1, value of non-existent substructure of Var 1 is: ", "undefined"},
				{"No error in s1", "undefined"},
			}
		}, Fail, "want [foo bar]"},
		{"307", "early binding: Var1 already 1", func(tr *Trace) { tr.Sessions[0].Logs[0].Message = "1" }, Fail, "log line 1"},
		{"307", "substructure access is an error", func(tr *Trace) {
			s := tr.Sessions[0]
			s.Logs = append(s.Logs[:2], LogLine{"error in state s1", "[object Object]"})
		}, Fail, "logged 3 lines"},
		{"307", "values differ", func(tr *Trace) { tr.Sessions[0].Logs[2].Message = "null" }, Fail, "log line 3"},

		{"415", "event1 processed after the final state", func(tr *Trace) {
			tr.Sessions[0].Events = []interp.Event{ev("event1")}
		}, Fail, `processed ["event1"]`},
		{"415", "not halted", func(tr *Trace) {
			tr.Sessions[0].Ended, tr.Sessions[0].Final = false, ""
			tr.Stop = "stuck: not in a final state and no event can arrive"
		}, Fail, "stuck"},
		{"415", "error reported", func(tr *Trace) { tr.Sessions[0].Errors = []string{"boom"} }, Fail, "reported errors"},
		{"415", "logged", func(tr *Trace) { tr.Sessions[0].Logs = []LogLine{{"", "x"}} }, Fail, "want nothing"},

		{"178", "terminated", func(tr *Trace) { tr.Sessions[0].Final, tr.Sessions[0].Err = "", "limit" }, Fail, "terminated: limit"},
		{"250", "timed out", func(tr *Trace) {
			tr.TimedOut, tr.Stop = true, "no final state after 10s of wall time"
			tr.Sessions[0].Ended, tr.Sessions[0].Final = false, ""
		}, Timeout, "wall time"},
	}
	for _, tc := range cases {
		t.Run(tc.id+"/"+tc.name, func(t *testing.T) {
			tr := goodTrace(tc.id)
			tc.mutate(&tr)
			st, reason := judge(manualTest(tc.id), []Trace{tr})
			assert.Equal(t, tc.status, st, reason)
			assert.Contains(t, reason, tc.reason)
		})
	}
}

func TestLoadRejections(t *testing.T) {
	src301 := "<scxml>\n  <script src=\"D:\\foo\"/>\n  <state id=\"s0\"/>\n</scxml>\n"
	src313 := "<scxml>\n <datamodel/>\n <state id=\"s0\">\n  <assign location=\"Var1\" expr=\"return\"/>\n </state>\n</scxml>\n"
	loaded := func(final string) []*SessionTrace {
		return []*SessionTrace{{ID: parentID, Ended: true, Final: final}}
	}
	cases := []struct {
		name, id string
		trace    Trace
		status   Status
		reason   string
	}{
		{"301 rejected at the script", "301",
			Trace{Source: src301, LoadErr: errors.New("x.scxml:2:3: cannot load script"), LoadErrLines: []int{2}}, Pass, ""},
		{"301 rejected elsewhere", "301",
			Trace{Source: src301, LoadErr: errors.New("x.scxml:3:3: bad state"), LoadErrLines: []int{3}}, Fail, "not at line 2"},
		{"301 runs", "301", Trace{Source: src301, Sessions: loaded("fail")}, Fail, "must be rejected at load"},
		{"301 runs to pass", "301", Trace{Source: src301, Sessions: loaded("pass")}, Fail, "must be rejected at load"},
		{"313 rejected at the expression", "313",
			Trace{Source: src313, LoadErr: errors.New("bad expr"), LoadErrLines: []int{4}}, Pass, ""},
		{"313 rejected elsewhere", "313",
			Trace{Source: src313, LoadErr: errors.New("bad"), LoadErrLines: []int{1, 3}}, Fail, "not at line 4"},
		{"313 runs to pass", "313", Trace{Source: src313, Sessions: loaded("pass")}, Pass, ""},
		{"313 runs to fail", "313", Trace{Source: src313, Sessions: loaded("fail")}, Fail, `reached final state "fail"`},
		{"314 runs and hangs", "314", Trace{Source: src313, Sessions: []*SessionTrace{{ID: parentID}},
			Stop: "stuck: not in a final state and no event can arrive"}, Fail, "stuck"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			st, reason := judge(manualTest(tc.id), []Trace{tc.trace})
			assert.Equal(t, tc.status, st, reason)
			assert.Contains(t, reason, tc.reason)
		})
	}
}

func TestJudgeAutomatic(t *testing.T) {
	pass := Trace{File: "a.scxml", Sessions: []*SessionTrace{{Ended: true, Final: "pass"}}}
	fail := Trace{File: "b.scxml", Sessions: []*SessionTrace{{Ended: true, Final: "fail", Errors: []string{"e1\nmore"}}}}
	auto := Test{ID: "403"}
	st, reason := judge(auto, []Trace{pass, pass})
	assert.Equal(t, Pass, st, reason)
	st, reason = judge(auto, []Trace{pass, fail})
	assert.Equal(t, Fail, st)
	assert.Equal(t, `b.scxml: reached final state "fail"; first error: e1`, reason)
	st, reason = judge(auto, []Trace{{File: "c.scxml", LoadErr: errors.New("c.scxml:1:1: bad\nworse")}})
	assert.Equal(t, Error, st)
	assert.Equal(t, "bad load: c.scxml:1:1: bad (and 1 more)", "bad load: "+reason)
	st, _ = judge(Test{ID: "999", Manual: true}, []Trace{pass})
	assert.Equal(t, Error, st, "a manual test without a check is not passed")
}

func TestErrorLines(t *testing.T) {
	assert.Equal(t, []int{5, 12}, errorLines(errors.New("/a/b.scxml:5:16: x\n/a/b.scxml:12:1: y")))
	assert.Empty(t, errorLines(errors.New("no position")))
}

// TestManualChecksEndToEnd runs the manual tests of the suite, and copies
// of them changed so that a correct interpreter must fail the check, to show
// the checks tell the two apart on real runs.
func TestManualChecksEndToEnd(t *testing.T) {
	dir := suiteDir(t)
	ecma := filepath.Join(dir, "ecma")
	cases := []struct {
		id, name string
		from, to string
		status   Status
	}{
		{"178", "as published", "", "", Pass},
		{"178", "one param", `<param name="Var1" expr="3"/>`, "", Fail},
		{"230", "as published", "", "", Pass},
		{"230", "not autoforwarded", `autoforward="true"`, `autoforward="false"`, Fail},
		{"230", "child sends with an id", `<send target="#_parent" event="childToParent"/>`,
			`<send target="#_parent" event="childToParent" id="x"/>`, Fail},
		// The child starts before it is cancelled when foo is delayed.
		{"250", "cancelled after the child started", `<send event="foo"/>`, `<send event="foo" delay="1s"/>`, Pass},
		{"250", "not cancelled", `<send event="foo"/>`, `<send event="foo" delay="3s"/>`, Fail},
		{"301", "as published", "", "", Pass},
		{"301", "script that loads", `<script src="D:\foo"/>`, `<script>var x = 1;</script>`, Fail},
		{"307", "as published", "", "", Pass},
		{"307", "early binding", `binding="late"`, `binding="early"`, Fail},
		{"313", "as published", "", "", Pass},
		{"314", "as published", "", "", Pass},
		{"314", "no error raised", `expr="return"`, `expr="2"`, Fail},
		{"415", "as published", "", "", Pass},
		{"415", "logs on entry", `<raise event="event1"/>`, `<raise event="event1"/><log expr="'entered'"/>`, Fail},
	}
	for _, tc := range cases {
		t.Run(tc.id+"/"+tc.name, func(t *testing.T) {
			src, err := os.ReadFile(filepath.Join(ecma, "test"+tc.id+".scxml"))
			require.NoError(t, err)
			doc := string(src)
			if tc.from != "" {
				require.Contains(t, doc, tc.from)
				doc = strings.Replace(doc, tc.from, tc.to, 1)
			}
			path := filepath.Join(t.TempDir(), "test"+tc.id+".scxml")
			require.NoError(t, os.WriteFile(path, []byte(doc), 0o644))
			o := Options{Dir: dir}.withDefaults()
			tr := runFileGuarded(path, o, runEnv{})
			st, reason := judge(manualTest(tc.id), []Trace{tr})
			assert.Equal(t, tc.status, st, "%s; log: %q", reason, traceLog(&tr))
		})
	}
}
