package templates_test

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/templates/reporting/audit"
)

var update = flag.Bool("update", false, "rewrite the pinned path records (testdata/paths) and the table of docs/reporting.md")

// scenario is one path of a template family.
type scenario struct {
	name     string
	template string
	// file, when set, is a user's strategy run by a service of template.
	file string
	opts []string
	req  []string
	// script prepares the port before the session starts.
	script func(h *harness)
	// drive drives the session after it started.
	drive     func(h *harness, s *interp.Session)
	lifecycle []string
	// errors is the number of error events the session raises (a script
	// error).
	errors int
	// check makes the path's own assertions.
	check func(t *testing.T, r *result)
	// problems are the reporting problems the path logs, each a part of
	// the message.
	problems []string
	// lostReservation says the agent reserved for the callback left
	// (logged out) before its call came: its refusal is no fault.
	lostReservation bool
}

// family is a template family and its paths.
type family struct {
	name  string
	paths []scenario
}

// families returns every path of every template family.
func families() []family {
	return []family{
		{"immediate", immediatePaths()},
		{"wait-for-agent", waitForAgentPaths()},
		{"scheduled", scheduledPaths()},
		{"agent-first", agentFirstPaths()},
		{"in-queue", inQueuePaths()},
		{"user-originated", userOriginatedPaths()},
		{"timeouts", timeoutPaths()},
		{"custom", customPaths()},
	}
}

// customPaths run a user's own strategy (testdata/my-callback.scxml) as a
// service of a template.
func customPaths() []scenario {
	return []scenario{{
		name: "a user's own strategy", template: "callback-immediate", file: "testdata/my-callback.scxml",
		script: answered, drive: talk(1, 100*time.Second),
		lifecycle: []string{"SCHEDULED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED _callback_reason=AGENT_CONNECTED"},
	}}
}

// result is what a path produced.
type result struct {
	h     *harness
	rec   record
	start map[string]any
	final map[string]any
	cb    audit.Callback
}

// has reports whether the final UserEvent has key with value v.
func (r *result) finalIs(t *testing.T, key string, v any) {
	t.Helper()
	assert.Equal(t, v, r.final[key], key)
}

func TestPaths(t *testing.T) {
	for _, f := range families() {
		t.Run(f.name, func(t *testing.T) {
			for _, sc := range f.paths {
				t.Run(sc.name, func(t *testing.T) { sc.run(t, f.name) })
			}
		})
	}
}

// run plays the path twice: once in one process, and once with the
// process dropped and started again on its store whenever the sessions
// settle. Both must meet the expectations and make the same record.
func (sc scenario) run(t *testing.T, fam string) *result {
	r := sc.play(t, fam, newHarness(t))
	restarted := sc.play(t, fam, newRestartingHarness(t))
	assert.Equal(t, r.rec, restarted.rec, "the path with restarts (%d restarts, %d snapshots)",
		restarted.h.restarted, restarted.h.store.commits)
	assert.Equal(t, r.h.logs, restarted.h.logs, "logs with restarts")
	assert.Empty(t, restarted.h.store.saved, "the store forgets a session that ended")
	return r
}

// play runs the path on h and checks what it must do.
func (sc scenario) play(t *testing.T, fam string, h *harness) *result {
	if sc.script != nil {
		sc.script(h)
	}
	chart := h.chart(sc.template)
	if sc.file != "" {
		chart = h.chartFile(sc.file)
	}
	s := h.start(chart, sc.template, baseOptions(sc.opts...), request(sc.req...))
	if sc.drive != nil {
		sc.drive(h, s)
	}
	require.False(t, h.host.Live(s.ID()), "session still in %v; lifecycle %v; logs %v", s.Atomic(), h.lifecycle(), h.logs)
	assert.Equal(t, sc.lifecycle, h.lifecycle(), "lifecycle")
	assert.Len(t, h.probs, len(sc.problems), "reporting problems %v", h.probs)
	for i, p := range sc.problems {
		if i < len(h.probs) {
			assert.Contains(t, h.probs[i], p)
		}
	}
	assert.Len(t, h.errs, sc.errors, "session errors: %v", h.errs)
	assert.Empty(t, h.rep.Held(), "held UserEvents")
	r := &result{h: h, cb: h.callback()}
	if sc.lostReservation {
		for i := range r.cb.Transfers {
			r.cb.Transfers[i].Reserved = false
		}
	}
	for _, v := range audit.Check(r.cb) {
		t.Errorf("audit: %v", v)
	}
	r.rec = h.record(sc)
	require.Len(t, r.rec.UserEvents, 2, "start and final UserEvents")
	r.start, r.final = r.rec.UserEvents[0].KVPs, r.rec.UserEvents[1].KVPs
	pin(t, fam, sc.name, r.rec)
	if sc.check != nil {
		sc.check(t, r)
	}
	return r
}

// record is what a path's run pins: the strategy's lifecycle, its
// UserEvents, and the data attached to its calls.
type record struct {
	Template   string            `json:"template"`
	Options    map[string]string `json:"options,omitempty"`
	Request    map[string]string `json:"request"`
	Lifecycle  []string          `json:"lifecycle"`
	UserEvents []snapshot        `json:"userEvents"`
	Calls      []callRecord      `json:"calls,omitempty"`
}

// snapshot is user data at a moment (UTC seconds).
type snapshot struct {
	At   int64          `json:"at"`
	KVPs map[string]any `json:"kvps"`
}

type callRecord struct {
	ConnID string     `json:"connID"`
	CallID string     `json:"callID,omitempty"`
	Kind   string     `json:"kind"`
	Data   []snapshot `json:"data"`
}

func kvMap(ud telephony.UserData) map[string]any {
	m := make(map[string]any, len(ud))
	for _, kv := range ud {
		m[kv.Key] = kv.Value
	}
	return m
}

// record returns what the path produced, for pinning.
func (h *harness) record(sc scenario) record {
	rec := record{Template: sc.template, Request: request(sc.req...), Lifecycle: h.lifecycle()}
	if len(sc.opts) > 0 {
		rec.Options = map[string]string{}
		for i := 0; i+1 < len(sc.opts); i += 2 {
			v := sc.opts[i+1]
			if sc.opts[i] == "_push_notification_url" {
				v = "(the test's push endpoint)"
			}
			rec.Options[sc.opts[i]] = v
		}
	}
	cb := h.callback()
	for _, e := range cb.Events {
		rec.UserEvents = append(rec.UserEvents, snapshot{At: e.Time.Unix(), KVPs: kvMap(e.Data)})
	}
	for _, c := range cb.Calls {
		cr := callRecord{ConnID: c.ConnID, CallID: c.CallID, Kind: c.Kind.String()}
		for _, d := range c.Data {
			cr.Data = append(cr.Data, snapshot{At: d.Time.Unix(), KVPs: kvMap(d.Data)})
		}
		rec.Calls = append(rec.Calls, cr)
	}
	return rec
}

// goldenPath is where the record of path name of family fam is pinned.
func goldenPath(fam, name string) string {
	slug := strings.Map(func(r rune) rune {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9', r == '-':
			return r
		case r >= 'A' && r <= 'Z':
			return r + 'a' - 'A'
		}
		return '-'
	}, name)
	for strings.Contains(slug, "--") {
		slug = strings.ReplaceAll(slug, "--", "-")
	}
	return filepath.Join("testdata", "paths", fam, strings.Trim(slug, "-")+".json")
}

// pin compares rec with the pinned record of the path, or rewrites it
// with -update.
func pin(t *testing.T, fam, name string, rec record) {
	t.Helper()
	got, err := json.MarshalIndent(rec, "", "  ")
	require.NoError(t, err)
	got = append(got, '\n')
	file := goldenPath(fam, name)
	if *update {
		require.NoError(t, os.MkdirAll(filepath.Dir(file), 0o755))
		require.NoError(t, os.WriteFile(file, got, 0o644))
		return
	}
	want, err := os.ReadFile(file)
	require.NoError(t, err, "no pinned record: run go test ./templates -run TestPaths -update")
	if !bytes.Equal(want, got) {
		t.Errorf("%s: the path's record changed (go test ./templates -run TestPaths -update rewrites the pin):\n%s", file, lineDiff(string(want), string(got)))
	}
}

// lineDiff lists the lines only one of want and got has ("-" want, "+"
// got), in order.
func lineDiff(want, got string) string {
	count := func(s string) map[string]int {
		m := map[string]int{}
		for _, l := range strings.Split(s, "\n") {
			m[l]++
		}
		return m
	}
	w, g := count(want), count(got)
	var b strings.Builder
	for _, l := range strings.Split(want, "\n") {
		if g[l] > 0 {
			g[l]--
			continue
		}
		b.WriteString("-" + l + "\n")
	}
	for _, l := range strings.Split(got, "\n") {
		if w[l] > 0 {
			w[l]--
			continue
		}
		b.WriteString("+" + l + "\n")
	}
	return b.String()
}

// callback returns what the checker reads of the session's callback: its
// UserEvents, its calls (made, offered on, or the customer's) with the
// data attached to each, the queue submits and transfers of its
// interactions, the request and the service's options.
func (h *harness) callback() audit.Callback {
	cb := audit.Callback{Request: h.req, Options: optionStrings(h.svc.Options)}
	for _, r := range h.port.RequestsOf(telephony.KindUserEvent) {
		cb.Events = append(cb.Events, audit.Event{Time: r.Time, Data: r.Body.(telephony.UserEvent).UserData})
	}
	h.mu.Lock()
	events := slices.Clone(h.events)
	h.mu.Unlock()
	made := map[telephony.ReferenceID]telephony.Request{}
	for _, r := range h.port.RequestsOf(telephony.KindMakeCall) {
		made[r.Ref] = r
	}
	index := map[telephony.ConnID]int{}
	add := func(c audit.Call) {
		index[telephony.ConnID(c.ConnID)] = len(cb.Calls)
		cb.Calls = append(cb.Calls, c)
	}
	origin := telephony.ConnID(h.req["_originating_interaction_id"])
	for _, ev := range events {
		id := ev.ConnID
		if r, ok := made[ev.ReferenceID]; ok && ev.Type == telephony.EventDialing {
			if _, known := index[id]; !known {
				add(audit.Call{ConnID: string(id), CallID: ev.CallID, Kind: audit.Outbound, Created: r.Time,
					Data: []audit.Event{{Time: ev.Time, Data: ev.UserData}}})
			}
			continue
		}
		if ev.Type != telephony.EventAttachedDataChanged {
			continue
		}
		i, known := index[id]
		if !known {
			switch {
			case id == origin && origin != "":
				add(audit.Call{ConnID: string(id), CallID: ev.CallID, Kind: audit.Origin})
			case ev.UserData.String("_CB_SERVICE_ID") == "SVC-1":
				add(audit.Call{ConnID: string(id), CallID: ev.CallID, Kind: audit.Customer})
			default:
				continue
			}
			i = index[id]
		}
		cb.Calls[i].Data = append(cb.Calls[i].Data, audit.Event{Time: ev.Time, Data: ev.UserData})
	}
	// The routing of the callback's interactions.
	mine := func(c telephony.ConnID) bool {
		_, ok := index[c]
		return ok || strings.HasPrefix(string(c), "VIRT")
	}
	answers := map[telephony.ReferenceID]telephony.Event{}
	for _, ev := range events {
		if ev.ReferenceID != 0 {
			if _, seen := answers[ev.ReferenceID]; !seen {
				answers[ev.ReferenceID] = ev
			}
		}
	}
	env := environment()
	reserved := ""
	for _, r := range h.port.Requests() {
		switch body := r.Body.(type) {
		case telephony.QueueSubmit:
			if !mine(body.ConnID) {
				continue
			}
			s := audit.Submit{Queue: body.Queue, Targets: body.Targets, Virtual: strings.HasPrefix(string(body.ConnID), "VIRT")}
			if a, ok := answers[r.Ref]; ok && a.Type == telephony.EventTargetSelected {
				s.Agent = ors.ParseTarget(a.Target).Name
				if ag, ok := env.Agent(s.Agent); ok && s.Virtual {
					reserved = ag.DN
				}
			}
			cb.Routing = append(cb.Routing, s)
		case telephony.Route:
			if _, isAgent := env.AgentAt(body.To); !isAgent || !mine(body.ConnID) {
				continue
			}
			a, ok := answers[r.Ref]
			cb.Transfers = append(cb.Transfers, audit.Transfer{To: body.To, OK: ok && a.Type == telephony.EventRouteUsed, Reserved: body.To == reserved})
		}
	}
	return cb
}
