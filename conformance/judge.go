package conformance

import (
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
)

// Judgement says how the runner decides whether a test passed.
type Judgement uint8

// The judgements.
const (
	// Automatic: every document must reach the top-level final state
	// "pass".
	Automatic Judgement = iota
	// ManualCheck: a manual test that ends in the final state "final";
	// the runner checks what the test's comment asks a person to check
	// (log output, _event fields, handlers run, halting).
	ManualCheck
	// LoadRejection: the document must be rejected at load time, with an
	// error at the element the test is about.
	LoadRejection
	// RejectOrPass: the document may be rejected at load time (at the
	// element the test is about); if it loads it must reach "pass".
	RejectOrPass
	// HTTP: a Basic HTTP Event I/O Processor test, run with the processor
	// on the loopback interface.
	HTTP
)

// String returns the judgement as the report shows it.
func (j Judgement) String() string {
	switch j {
	case Automatic:
		return "automatic"
	case ManualCheck:
		return "manual check"
	case LoadRejection:
		return "load rejection"
	case RejectOrPass:
		return "load rejection or pass"
	case HTTP:
		return "HTTP"
	}
	return "Judgement(" + strconv.Itoa(int(j)) + ")"
}

// Judgement returns how the runner judges t: HTTP for the tests that need
// the Basic HTTP Event I/O Processor (513, manual in the manifest,
// included), the machine checks of the manual tests, else Automatic.
func (t Test) Judgement() Judgement {
	switch {
	case t.NeedsTag("basichttp"):
		return HTTP
	case !t.Manual:
		return Automatic
	}
	if r := rejections()[t.ID]; r.marker != "" {
		if r.mayRun {
			return RejectOrPass
		}
		return LoadRejection
	}
	return ManualCheck
}

// rejection says where a test's document may be rejected: at the line of
// the first occurrence of marker in its source.
type rejection struct {
	marker string
	mayRun bool
}

// rejections returns the tests judged by load rejection.
func rejections() map[string]rejection {
	return map[string]rejection{
		// The <script src> cannot be fetched: reject (§5.8).
		"301": {marker: "<script"},
		// An ill-formed expression: reject, or raise error.execution
		// when it is evaluated (§5.9).
		"313": {marker: `expr="return"`, mayRun: true},
		"314": {marker: `expr="return"`, mayRun: true},
	}
}

// ManualRule is the one-line rule of a manual check.
type ManualRule struct {
	ID, Rule string
}

// manualCheck is the machine check of one manual test.
type manualCheck struct {
	rule  string
	check func(tr *Trace) error
}

// manualChecks returns the checks of the manual tests that end in the final
// state "final", keyed by test id.
func manualChecks() map[string]manualCheck {
	return map[string]manualCheck{
		"178": {"the session processes only `event1` and logs exactly one line, `_event.raw`, whose form-encoded " +
			"parameters hold `Var1=2` and `Var1=3` in that order", check178},
		"230": {"parent and child each log the 7 `_event` fields of `childToParent`, identical: name `childToParent`, " +
			"type `external`, blank sendid and data, origin `#_scxml_` + the child's session id, the SCXML origintype, " +
			"and the invokeid of the `done.invoke.<id>` event that then ends the parent (not its timeout)", check230},
		"250": {"the cancelled child logs exactly `Exiting sub01` then `Exiting sub0` (onexit, innermost first) " +
			"and never reaches its final state; the parent processes only `foo`", check250},
		"307": {"with late binding, `Var1` before its state is entered and `Var1.bar` after it is both log `undefined` " +
			"without an error: the session processes `foo` then `bar` and logs exactly the four lines of the no-error path", check307},
		"415": {"the machine halts on entering its initial top-level final state: it processes no event " +
			"(`event1` is never bound to `_event`), logs nothing, reports no error and uses no virtual time", check415},
	}
}

// ManualRules returns the rule of every machine-checked manual test and
// load-rejection test, in id order.
func ManualRules() []ManualRule {
	var out []ManualRule
	for id, c := range manualChecks() {
		out = append(out, ManualRule{ID: id, Rule: c.rule})
	}
	for id, r := range rejections() {
		rule := fmt.Sprintf("rejected at load with an error on the line of `%s`", r.marker)
		if r.mayRun {
			rule = fmt.Sprintf("rejected at load with an error on the line of `%s`, or runs to `pass`", r.marker)
		}
		out = append(out, ManualRule{ID: id, Rule: rule})
	}
	slices.SortFunc(out, func(a, b ManualRule) int { return strings.Compare(a.ID, b.ID) })
	return out
}

// judge decides the outcome of test t from the traces of its documents.
func judge(t Test, traces []Trace) (Status, string) {
	if len(traces) == 0 {
		return Error, "no document was run"
	}
	switch t.Judgement() {
	case LoadRejection, RejectOrPass:
		r := rejections()[t.ID]
		tr := &traces[0]
		if tr.LoadErr != nil {
			if err := rejectedAt(tr, r.marker); err != nil {
				return Fail, err.Error()
			}
			return Pass, ""
		}
		if !r.mayRun {
			return Fail, "loaded, but the document must be rejected at load"
		}
		return judgePass(tr)
	case ManualCheck:
		c, ok := manualChecks()[t.ID]
		if !ok {
			return Error, "manual test without a machine check"
		}
		tr := &traces[0]
		if st, reason := ended(tr, "final"); st != Pass {
			return st, reason
		}
		if err := c.check(tr); err != nil {
			return Fail, err.Error()
		}
		return Pass, ""
	}
	for i := range traces {
		if st, reason := judgePass(&traces[i]); st != Pass {
			if len(traces) > 1 {
				reason = traces[i].File + ": " + reason
			}
			return st, reason
		}
	}
	return Pass, ""
}

// judgePass passes a document whose top-level session reached "pass".
func judgePass(tr *Trace) (Status, string) {
	return ended(tr, "pass")
}

// ended checks that the document loaded and its top-level session reached
// the top-level final state want.
func ended(tr *Trace, want string) (Status, string) {
	if tr.LoadErr != nil {
		return Error, firstLine(tr.LoadErr)
	}
	top := tr.Top()
	switch {
	case top == nil:
		return Error, "no session started"
	case tr.TimedOut:
		return Timeout, tr.Stop
	case tr.Stop != "":
		return Fail, withFirstErr(tr.Stop, top)
	case top.Err != "":
		return Fail, "terminated: " + top.Err
	case top.Final == "":
		return Fail, withFirstErr("ended without reaching a top-level final state", top)
	case top.Final != want:
		return Fail, withFirstErr(fmt.Sprintf("reached final state %q", top.Final), top)
	}
	return Pass, ""
}

func withFirstErr(reason string, s *SessionTrace) string {
	if len(s.Errors) > 0 {
		msg := s.Errors[0]
		if i := strings.IndexByte(msg, '\n'); i >= 0 {
			msg = msg[:i]
		}
		reason += "; first error: " + msg
	}
	return reason
}

// rejectedAt checks that a load error points at the line of the first
// occurrence of marker in the document.
func rejectedAt(tr *Trace, marker string) error {
	want := lineOf(tr.Source, marker)
	if want == 0 {
		return fmt.Errorf("the document has no %s to be rejected for", marker)
	}
	if !slices.Contains(tr.LoadErrLines, want) {
		return fmt.Errorf("rejected at load, but not at line %d (%s): %s", want, marker, firstLine(tr.LoadErr))
	}
	return nil
}

// lineOf returns the 1-based line of the first occurrence of marker in src,
// or 0.
func lineOf(src, marker string) int {
	i := strings.Index(src, marker)
	if i < 0 {
		return 0
	}
	return strings.Count(src[:i], "\n") + 1
}

// logsEqual checks that a session logged exactly want (labels compared
// without surrounding spaces; a message of "*" matches any message).
func logsEqual(who string, got, want []LogLine) error {
	if len(got) != len(want) {
		return fmt.Errorf("%s logged %d lines, want %d: %s", who, len(got), len(want), formatLogs(got))
	}
	for i := range want {
		gl, wl := strings.TrimSpace(got[i].Label), strings.TrimSpace(want[i].Label)
		if gl != wl || (want[i].Message != "*" && got[i].Message != want[i].Message) {
			return fmt.Errorf("%s log line %d is %s, want %s", who, i+1, formatLogs(got[i:i+1]), formatLogs(want[i:i+1]))
		}
	}
	return nil
}

func formatLogs(lines []LogLine) string {
	parts := make([]string, len(lines))
	for i, l := range lines {
		parts[i] = strconv.Quote(strings.TrimSpace(l.Label)) + "=" + strconv.Quote(l.Message)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// check178: duplicate param names must both reach the event.
func check178(tr *Trace) error {
	top := tr.Top()
	if names := top.EventNames(); !slices.Equal(names, []string{"event1"}) {
		return fmt.Errorf("processed events %q, want exactly [event1]", names)
	}
	if err := logsEqual("the session", top.Logs, []LogLine{{Label: "_event", Message: "*"}}); err != nil {
		return err
	}
	raw := top.Logs[0].Message
	q, err := url.ParseQuery(raw)
	if err != nil {
		return fmt.Errorf("logged _event.raw %q is not form-encoded: %v", raw, err)
	}
	if got := q["Var1"]; !slices.Equal(got, []string{"2", "3"}) {
		return fmt.Errorf("logged _event.raw %q has Var1 values %q, want [2 3]", raw, got)
	}
	return nil
}

// blank reports whether a logged value is an unset field.
func blank(msg string) bool {
	return msg == "" || msg == "undefined" || msg == "null"
}

// check230: an autoforwarded event keeps every field of the original.
func check230(tr *Trace) error {
	top := tr.Top()
	kids := tr.Children(top.ID)
	if len(kids) != 1 {
		return fmt.Errorf("the parent invoked %d sessions, want 1", len(kids))
	}
	child := kids[0]
	var doneID string
	for _, ev := range top.Events {
		if id, ok := strings.CutPrefix(ev.Name, "done.invoke."); ok {
			doneID = id
		}
	}
	if names := top.EventNames(); len(names) != 2 || names[0] != "childToParent" || doneID == "" || names[1] != "done.invoke."+doneID {
		return fmt.Errorf("the parent processed %q, want childToParent then done.invoke.<id>", names)
	}
	want := []LogLine{
		{"name is", "childToParent"},
		{"type is", "external"},
		{"sendid is", "*"},
		{"origin is", "#_scxml_" + child.ID},
		{"origintype is", "http://www.w3.org/TR/scxml/#SCXMLEventProcessor"},
		{"invokeid is", doneID},
		{"data is", "*"},
	}
	if err := logsEqual("the parent", top.Logs, want); err != nil {
		return err
	}
	for _, i := range []int{2, 6} {
		if !blank(top.Logs[i].Message) {
			return fmt.Errorf("the parent logged %s %q, want it blank (the send sets no id and no data)",
				strings.TrimSpace(top.Logs[i].Label), top.Logs[i].Message)
		}
	}
	if err := logsEqual("the child", child.Logs, top.Logs); err != nil {
		return fmt.Errorf("the forwarded copy differs: %w", err)
	}
	if child.Final != "subFinal" {
		return fmt.Errorf("the child ended in %q, want subFinal", child.Final)
	}
	return nil
}

// check250: cancelling an invoked session runs its onexit handlers.
func check250(tr *Trace) error {
	top := tr.Top()
	if names := top.EventNames(); !slices.Equal(names, []string{"foo"}) {
		return fmt.Errorf("the parent processed %q, want exactly [foo]", names)
	}
	kids := tr.Children(top.ID)
	if len(kids) != 1 {
		return fmt.Errorf("the parent invoked %d sessions, want 1", len(kids))
	}
	child := kids[0]
	if err := logsEqual("the cancelled child", child.Logs, []LogLine{
		{"", "Exiting sub01"},
		{"", "Exiting sub0"},
	}); err != nil {
		return err
	}
	if !child.Ended || child.Final != "" || child.Err != "" {
		return fmt.Errorf("the child ended=%t in final state %q with error %q, want it cancelled",
			child.Ended, child.Final, child.Err)
	}
	return nil
}

// check307: late binding yields the same as a missing substructure.
func check307(tr *Trace) error {
	top := tr.Top()
	if names := top.EventNames(); !slices.Equal(names, []string{"foo", "bar"}) {
		return fmt.Errorf("processed events %q, want [foo bar] (no error events)", names)
	}
	return logsEqual("the session", top.Logs, []LogLine{
		{"entering s0 value of Var 1 is:", "undefined"},
		{"no error in s0", "*"},
		{"entering s1, value of non-existent substructure of Var 1 is:", "undefined"},
		{"No error in s1", "*"},
	})
}

// check415: the machine halts in a top-level final state.
func check415(tr *Trace) error {
	top := tr.Top()
	switch {
	case len(tr.Sessions) != 1:
		return fmt.Errorf("%d sessions ran, want 1", len(tr.Sessions))
	case len(top.Events) > 0:
		return fmt.Errorf("processed %q after entering the final state, want nothing", top.EventNames())
	case len(top.Logs) > 0:
		return fmt.Errorf("logged %s, want nothing", formatLogs(top.Logs))
	case len(top.Errors) > 0:
		return fmt.Errorf("reported errors %q, want none", top.Errors)
	case tr.Virtual != 0:
		return fmt.Errorf("ran for %v of virtual time, want none", tr.Virtual)
	}
	return nil
}
