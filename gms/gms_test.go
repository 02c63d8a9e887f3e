package gms

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/templates"
)

// sessions records what the API asks of the host.
type sessions struct {
	mu       sync.Mutex
	starts   []interp.StartOptions
	events   map[string][]string
	startErr error
	dead     map[string]bool
	// onSend, when set, sees every event sent.
	onSend func(id string, ev *interp.Event)
}

func (s *sessions) Start(_ *interp.Chart, so interp.StartOptions) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.startErr != nil {
		return s.startErr
	}
	s.starts = append(s.starts, so)
	return nil
}

func (s *sessions) Send(id string, ev *interp.Event) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.events == nil {
		s.events = map[string][]string{}
	}
	s.events[id] = append(s.events[id], ev.Name)
	if s.onSend != nil {
		s.onSend(id, ev)
	}
}

func (s *sessions) Live(id string) bool { return !s.dead[id] }

func (s *sessions) Durable(context.Context, string) {}

func (s *sessions) sent(id string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.events[id]
}

// virtuals records the virtual interactions made and released.
type virtuals struct {
	made, released []string
	err            error
}

func (v *virtuals) CreateVirtual(owner string, x ors.Interaction) (string, error) {
	if v.err != nil {
		return "", v.err
	}
	v.made = append(v.made, x.ID+"@"+x.ThisDN+" for "+owner+" "+x.UserData.String("_CB_SERVICE_ID"))
	return x.ID, nil
}

func (v *virtuals) ReleaseVirtual(id string) bool {
	v.released = append(v.released, id)
	return true
}

var start = time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)

type fixture struct {
	c        *Callbacks
	sessions *sessions
	virtuals *virtuals
	clock    *interp.VirtualClock
	url      string
}

// newFixture serves services of the given templates (by template name,
// as service name) on an httptest server. The charts are compiled once
// per test binary.
func newFixture(t testing.TB, tpls ...string) *fixture {
	t.Helper()
	f := &fixture{sessions: &sessions{}, virtuals: &virtuals{}, clock: interp.NewVirtualClock(start)}
	var svcs []*Service
	for _, tpl := range tpls {
		opts := map[string]string{"_target": "Sales"}
		if tpl == "callback-agent-first" {
			opts["_urs_virtual_queue"] = "VQ_CB"
		}
		if tpl == "callback-scheduled" {
			opts[templates.OverwritableOptions] = "_target,_ttl"
		}
		svc, err := templates.LoadService(tpl, tpl, opts)
		require.NoError(t, err)
		svcs = append(svcs, &Service{Service: svc, Chart: chart(t, tpl)})
	}
	c, err := New(Options{Services: svcs, Sessions: f.sessions, Virtuals: f.virtuals, Clock: f.clock,
		Limits: Limits{MaxDesiredDelay: 7 * 24 * time.Hour, MaxDuration: 24 * time.Hour}, Retention: time.Hour,
		URL: func(p string) string { return "http://orca.test" + p }})
	require.NoError(t, err)
	f.c = c
	mux := http.NewServeMux()
	c.Register(mux)
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	f.url = srv.URL + Path
	return f
}

var charts sync.Map // template name → *interp.Chart

func chart(t testing.TB, tpl string) *interp.Chart {
	t.Helper()
	if c, ok := charts.Load(tpl); ok {
		return c.(*interp.Chart)
	}
	rt := ors.New(ors.Options{})
	doc, err := templates.Load(tpl, rt.LoadOptions())
	require.NoError(t, err)
	c, err := interp.Compile(doc, rt.Datamodels())
	require.NoError(t, err)
	charts.Store(tpl, c)
	return c
}

type answer struct {
	code int
	body map[string]any
	list []map[string]string
}

func (f *fixture) do(t *testing.T, method, path string, params url.Values) answer {
	t.Helper()
	req, err := http.NewRequest(method, f.url+path, strings.NewReader(params.Encode()))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	var raw json.RawMessage
	require.NoError(t, json.NewDecoder(resp.Body).Decode(&raw))
	a := answer{code: resp.StatusCode}
	if len(raw) > 0 && raw[0] == '[' {
		require.NoError(t, json.Unmarshal(raw, &a.list))
	} else {
		require.NoError(t, json.Unmarshal(raw, &a.body))
	}
	return a
}

func (f *fixture) create(t *testing.T, service string, params url.Values) string {
	t.Helper()
	a := f.do(t, http.MethodPost, "/"+service, params)
	require.Equal(t, http.StatusOK, a.code, a.body)
	return a.body["_id"].(string)
}

func TestCreateRefuses(t *testing.T) {
	f := newFixture(t, "callback-immediate", "callback-scheduled")
	later := templates.FormatTime(start.Add(2 * time.Hour))
	tests := []struct {
		name      string
		service   string
		params    url.Values
		code      int
		exception string
		want      string
	}{
		{"unknown service", "nosuch", url.Values{"_customer_number": {"1"}}, 404, ExceptionNotFound, `no callback service "nosuch"`},
		{"no number", "callback-immediate", url.Values{"x": {"1"}}, 400, ExceptionCallback, "_customer_number"},
		{"letters in the number", "callback-immediate", url.Values{"_customer_number": {"555-CALL"}}, 400, ExceptionNumber, `has 'C'`},
		{"a number without digits", "callback-immediate", url.Values{"_customer_number": {"+()"}}, 400, ExceptionNumber, "has no digit"},
		{"a long number", "callback-immediate", url.Values{"_customer_number": {strings.Repeat("5", 33)}}, 400, ExceptionNumber, "33 characters long"},
		{"a huge value", "callback-immediate", url.Values{"_customer_number": {"1"}, "note": {strings.Repeat("x", maxParamValue+1)}}, 400, ExceptionCallback, "at most 8192"},
		{"a bad originating interaction", "callback-immediate", url.Values{"_customer_number": {"1"}, "_originating_interaction_id": {"../x"}}, 400, ExceptionCallback, "_originating_interaction_id"},
		{"a later time on an immediate service", "callback-immediate", url.Values{"_customer_number": {"1"}, "_desired_time": {later}}, 400, ExceptionCallback, "immediate callback service"},
		{"a time beyond the horizon", "callback-scheduled", url.Values{"_customer_number": {"1"}, "_desired_time": {templates.FormatTime(start.Add(8 * 24 * time.Hour))}}, 400, ExceptionCallback, "callbacks.max_desired_delay"},
		{"a duration beyond the bound", "callback-scheduled", url.Values{"_customer_number": {"1"}, "_ttl": {"100000"}}, 400, ExceptionCallback, "callbacks.max_duration"},
		{"an option not overwritable", "callback-immediate", url.Values{"_customer_number": {"1"}, "_target": {"Other"}}, 400, ExceptionCallback, "lists none"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := f.do(t, http.MethodPost, "/"+tt.service, tt.params)
			assert.Equal(t, tt.code, a.code, a.body)
			assert.Equal(t, tt.exception, a.body["exception"])
			assert.Contains(t, a.body["message"], tt.want)
			assert.Equal(t, a.body["message"], a.body["error"])
		})
	}
	assert.Empty(t, f.sessions.starts, "no refused request starts a session")
	assert.Zero(t, f.c.Stats().Requested)
}

func TestCreateOverridesAListedOption(t *testing.T) {
	f := newFixture(t, "callback-scheduled")
	id := f.create(t, "callback-scheduled", url.Values{"_customer_number": {"5551"}, "_target": {"Support"}})
	require.Len(t, f.sessions.starts, 1)
	so := f.sessions.starts[0]
	assert.Equal(t, id, so.ID)
	v, _ := so.Param("_target")
	assert.Equal(t, "Support", v)
	assert.Equal(t, uint64(1), f.c.Stats().Requested)
}

func TestCreateWhenTheHostRefuses(t *testing.T) {
	f := newFixture(t, "callback-immediate")
	// A host's own error type: its HTTPStatus is the answer's.
	f.sessions.startErr = fmt.Errorf("start: %w", busyErr{http.StatusServiceUnavailable})
	a := f.do(t, http.MethodPost, "/callback-immediate", url.Values{"_customer_number": {"1"}})
	assert.Equal(t, http.StatusServiceUnavailable, a.code)
	assert.Equal(t, ExceptionUnavailable, a.body["exception"])
	assert.Empty(t, f.c.Find("1", ""), "a callback whose session did not start is not listed")

	f.sessions.startErr = errors.New("boom")
	a = f.do(t, http.MethodPost, "/callback-immediate", url.Values{"_customer_number": {"1"}})
	assert.Equal(t, http.StatusInternalServerError, a.code)
	assert.Equal(t, ExceptionCallback, a.body["exception"])
}

func TestAgentFirstVirtual(t *testing.T) {
	f := newFixture(t, "callback-agent-first")
	id := f.create(t, "callback-agent-first", url.Values{"_customer_number": {"5552"}})
	assert.Equal(t, []string{"VIRT-" + id + "@VQ_CB for " + id + " " + id}, f.virtuals.made)
	cb, ok := f.c.Get(id)
	require.True(t, ok)
	assert.Equal(t, "VIRT-"+id, cb.Virtual)
	f.c.SessionEnded(id)
	assert.Equal(t, []string{"VIRT-" + id}, f.virtuals.released)

	// A callback that cannot have its virtual interaction is cancelled.
	f.virtuals.err = errors.New("no such queue")
	a := f.do(t, http.MethodPost, "/callback-agent-first", url.Values{"_customer_number": {"5553"}})
	assert.Equal(t, http.StatusInternalServerError, a.code)
	assert.Contains(t, a.body["message"], "no such queue")
	other := f.sessions.starts[1].ID
	assert.Equal(t, []string{"callback.cancel"}, f.sessions.sent(other))
}

func TestUpdate(t *testing.T) {
	f := newFixture(t, "callback-scheduled", "callback-immediate")
	at := start.Add(2 * time.Hour)
	id := f.create(t, "callback-scheduled", url.Values{"_customer_number": {"5554"}, "_desired_time": {templates.FormatTime(at)}, "tier": {"gold"}})
	tests := []struct {
		name   string
		path   string
		params url.Values
		code   int
		want   string
		events []string
	}{
		{"reschedule", "/callback-scheduled/" + id, url.Values{"_new_desired_time": {templates.FormatTime(at.Add(time.Hour))}}, 200, "", []string{"callback.reschedule"}},
		{"a property", "/callback-scheduled/" + id, url.Values{"tier": {"silver"}, "note": {"n"}}, 200, "", nil},
		{"an option", "/callback-scheduled/" + id, url.Values{"_target": {"Other"}}, 400, "options cannot be changed", nil},
		{"another number", "/callback-scheduled/" + id, url.Values{"_customer_number": {"5559"}}, 400, "cannot be changed", nil},
		{"a state other than COMPLETED", "/callback-scheduled/" + id, url.Values{"_callback_state": {"QUEUED"}}, 400, "only COMPLETED", nil},
		{"a bad preview result", "/callback-scheduled/" + id, url.Values{"_preview_result": {"maybe"}}, 400, "accepted or rejected", nil},
		{"a push result to a service without push", "/callback-scheduled/" + id, url.Values{"_dial_result": {templates.PushDelivered}}, 409, "sends no push", nil},
		{"nothing", "/callback-scheduled/" + id, url.Values{"_id": {id}}, 400, "nothing to update", nil},
		{"another service's callback", "/callback-immediate/" + id, url.Values{"x": {"1"}}, 404, "no callback", nil},
		{"a bad id", "/callback-scheduled/a*b", url.Values{"x": {"1"}}, 400, "only letters", nil},
		{"complete", "/callback-scheduled/" + id, url.Values{"_callback_state": {"COMPLETED"}, "_disposition": {"sold"}}, 200, "", []string{"callback.reschedule", "callback.complete"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := f.do(t, http.MethodPut, tt.path, tt.params)
			assert.Equal(t, tt.code, a.code, a.body)
			if tt.want != "" {
				assert.Contains(t, a.body["message"], tt.want)
			}
			if tt.events != nil {
				assert.Equal(t, tt.events, f.sessions.sent(id))
			}
		})
	}
	cb, _ := f.c.Get(id)
	assert.Equal(t, at.Add(time.Hour), cb.DesiredTime)
	assert.Equal(t, map[string]string{"tier": "silver", "note": "n"}, cb.Props)

	f.c.SessionEnded(id)
	a := f.do(t, http.MethodPut, "/callback-scheduled/"+id, url.Values{"tier": {"x"}})
	assert.Equal(t, http.StatusConflict, a.code)
	a = f.do(t, http.MethodDelete, "/callback-scheduled/"+id, nil)
	assert.Equal(t, http.StatusConflict, a.code)
	assert.Contains(t, a.body["message"], "has ended (COMPLETED CANCELLED)")
}

func TestQueries(t *testing.T) {
	f := newFixture(t, "callback-scheduled", "callback-immediate")
	at := start.Add(time.Hour)
	a1 := f.create(t, "callback-scheduled", url.Values{"_customer_number": {"5551"}, "_desired_time": {templates.FormatTime(at.Add(time.Hour))}, "tier": {"gold"}})
	a2 := f.create(t, "callback-scheduled", url.Values{"_customer_number": {"5551"}, "_desired_time": {templates.FormatTime(at)}, "tier": {"silver"}})
	b := f.create(t, "callback-immediate", url.Values{"_customer_number": {"5551"}})
	c := f.create(t, "callback-scheduled", url.Values{"_customer_number": {"5552"}, "tier": {"gold"}})
	f.c.StrategyLog(a2, "_callback_state=QUEUED")
	f.c.StrategyLog(c, "_callback_state=COMPLETED _callback_reason=ABANDONED")
	assert.Empty(t, f.c.StrategyLog(c, "a line of another kind"))
	tests := []struct {
		name  string
		query string
		code  int
		want  []string
	}{
		{"by id", "?_id=" + a1, 200, []string{a1}},
		{"by an unknown id", "?_id=NOSUCH", 200, []string{}},
		{"by number", "?_customer_number=5551", 200, []string{b, a2, a1}},
		{"by number and state", "?_customer_number=5551&_callback_state=QUEUED", 200, []string{a2}},
		{"by number and not state", "?_customer_number=5551&_callback_state=!QUEUED", 200, []string{b, a1}},
		{"by a bad number", "?_customer_number=abc", 400, nil},
		{"by nothing", "", 400, nil},
		{"a service's", "/callback-scheduled", 200, []string{c, a2, a1}},
		{"by property", "/callback-scheduled?tier=gold", 200, []string{c, a1}},
		{"by property and state", "/callback-scheduled?tier=gold&_callback_state=SCHEDULED", 200, []string{a1}},
		{"by either", "/callback-scheduled?operand=or&tier=silver&_callback_state=COMPLETED", 200, []string{c, a2}},
		{"by negation", "/callback-scheduled?tier=!gold", 200, []string{a2}},
		{"a bad operand", "/callback-scheduled?operand=XOR", 400, nil},
		{"a bad state", "/callback-scheduled?_callback_state=LOST", 400, nil},
		{"a property twice", "/callback-scheduled?a=1&a=2", 400, nil},
		{"an unknown service", "/nosuch", 404, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := f.do(t, http.MethodGet, tt.query, nil)
			require.Equal(t, tt.code, a.code, a.body)
			if tt.code != 200 {
				return
			}
			ids := []string{}
			for _, cb := range a.list {
				ids = append(ids, cb["_id"])
			}
			assert.Equal(t, tt.want, ids)
		})
	}
	a := f.do(t, http.MethodGet, "/callback-scheduled/"+c, nil)
	require.Equal(t, 200, a.code)
	assert.Equal(t, "COMPLETED", a.body["_callback_state"])
	assert.Equal(t, "ABANDONED", a.body["_callback_reason"])
	assert.Equal(t, "http://orca.test"+Path+"/callback-scheduled/"+c, a.body["_url"])
}

func TestAssign(t *testing.T) {
	f := newFixture(t, "callback-scheduled")
	id := f.create(t, "callback-scheduled", url.Values{"_customer_number": {"5551"}})
	f.c.table.update(id, func(cb *Callback) { cb.UserOriginated, cb.State = true, templates.StateQueued })
	tests := []struct {
		name string
		ixn  ors.Interaction
		want string
	}{
		{"by service id", ors.Interaction{UserData: userData("_CB_SERVICE_ID", id)}, id},
		{"by _id", ors.Interaction{UserData: userData("_id", id)}, id},
		{"by the caller's number", ors.Interaction{ANI: "5551"}, id},
		{"another number", ors.Interaction{ANI: "5552"}, ""},
		{"nothing", ors.Interaction{}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { assert.Equal(t, tt.want, f.c.Assign(tt.ixn)) })
	}
	f.sessions.dead = map[string]bool{id: true}
	assert.Empty(t, f.c.Assign(ors.Interaction{ANI: "5551"}), "a callback whose session is gone takes no call")
}

func TestRetentionAndRestore(t *testing.T) {
	f := newFixture(t, "callback-scheduled")
	id := f.create(t, "callback-scheduled", url.Values{"_customer_number": {"5551"}, "crm": {"C-1"}})
	data, err := f.c.Local(id).Persist()
	require.NoError(t, err)
	kept, _ := f.c.Get(id)

	f.c.SessionEnded(id)
	ended, _ := f.c.Get(id)
	assert.Equal(t, "COMPLETED", ended.State)
	assert.Equal(t, "CANCELLED", ended.Reason)
	require.NoError(t, f.c.Restore(data))
	now, _ := f.c.Get(id)
	assert.Equal(t, ended, now, "a record the table has is newer than a snapshot's")

	f.clock.Advance(2 * time.Hour)
	f.c.SessionEnded("another")
	_, ok := f.c.Get(id)
	assert.False(t, ok, "ended callbacks are forgotten after the retention")

	require.NoError(t, f.c.Local(id).Restore(data))
	back, ok := f.c.Get(id)
	require.True(t, ok)
	assert.Equal(t, kept, back)
	assert.Error(t, f.c.Restore([]byte("{")))
	none, err := f.c.Local("NOSUCH").Persist()
	require.NoError(t, err)
	assert.Nil(t, none)
}

func TestCheckService(t *testing.T) {
	l := Limits{MaxDuration: time.Hour}
	tests := []struct {
		name string
		vals templates.Values
		want string
	}{
		{"fine", templates.Values{"_ttl": 60.0, "_target": "Sales", templates.OverwritableOptions: "_target"}, ""},
		{"a fixed option", templates.Values{"_call_direction": "x", templates.OverwritableOptions: "_call_direction"}, "cannot be overridden"},
		{"no such option", templates.Values{templates.OverwritableOptions: "_target"}, "not an option of the service"},
		{"a long duration", templates.Values{"_ttl": 7200.0}, "callbacks.max_duration"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := l.CheckService("s", tt.vals)
			if tt.want == "" {
				assert.NoError(t, err)
			} else {
				assert.ErrorContains(t, err, tt.want)
			}
		})
	}
}

func TestNew(t *testing.T) {
	lim := Limits{MaxDesiredDelay: time.Hour, MaxDuration: time.Hour}
	sv := &Service{Service: &templates.Service{Name: "a"}, Chart: chart(t, "callback-immediate")}
	first := &Service{Service: &templates.Service{Name: "f", Template: "callback-agent-first"}, Chart: sv.Chart}
	long := &Service{Service: &templates.Service{Name: "l", Options: templates.Values{"_ttl": 7200.0}}, Chart: sv.Chart}
	tests := []struct {
		name string
		o    Options
		want string
	}{
		{"no sessions", Options{Limits: lim}, "Sessions is required"},
		{"no limits", Options{Sessions: &sessions{}, Services: []*Service{sv}}, "MaxDesiredDelay (0s) and MaxDuration (0s) must be positive"},
		{"twice", Options{Sessions: &sessions{}, Limits: lim, Services: []*Service{sv, sv}}, "given twice"},
		{"no chart", Options{Sessions: &sessions{}, Limits: lim, Services: []*Service{{Service: sv.Service}}}, "without its options or chart"},
		{"agent first without virtuals", Options{Sessions: &sessions{}, Limits: lim, Services: []*Service{first}}, `service "f" reserves an agent first: Options.Virtuals is required`},
		{"option beyond MaxDuration", Options{Sessions: &sessions{}, Limits: lim, Services: []*Service{long}}, `service "l"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.o)
			assert.ErrorContains(t, err, tt.want)
		})
	}
	c, err := New(Options{Sessions: &sessions{}, Limits: lim, Services: []*Service{sv}})
	require.NoError(t, err)
	assert.Equal(t, []*Service{sv}, c.Services())
	assert.Same(t, sv.Chart, c.Chart(sv.Chart.Document().File))
	assert.Nil(t, c.Chart("other.scxml"))
	assert.Same(t, sv, c.Service("a"))
	assert.Nil(t, c.Service("b"))
}

func userData(key, value string) telephony.UserData {
	return telephony.UserData{{Key: key, Value: value}}
}

// busyErr is an error of a host that says its HTTP status.
type busyErr struct{ code int }

func (e busyErr) Error() string   { return "the host is shutting down" }
func (e busyErr) HTTPStatus() int { return e.code }

// TestCancelIsAtomicWithTheEnd: a cancel's check of the callback and its
// event to the session happen under the table's lock, so the session's
// end cannot come in between (it waits for the cancel; a cancel that
// comes after it finds the callback ended).
func TestCancelIsAtomicWithTheEnd(t *testing.T) {
	f := newFixture(t, "callback-scheduled")
	later := templates.FormatTime(start.Add(2 * time.Hour))
	id := f.create(t, "callback-scheduled", url.Values{"_customer_number": {"5551234"}, "_desired_time": {later}})
	inSend, release := make(chan struct{}), make(chan struct{})
	f.sessions.onSend = func(_ string, ev *interp.Event) {
		if ev.Name == "callback.cancel" {
			close(inSend)
			select {
			case <-release:
			case <-time.After(10 * time.Second):
			}
		}
	}
	done := make(chan int, 1)
	go func() {
		// Not f.do: no require off the test's goroutine.
		code := 0
		if req, err := http.NewRequest(http.MethodDelete, f.url+"/callback-scheduled/"+id, nil); err == nil {
			if resp, err := http.DefaultClient.Do(req); err == nil {
				code = resp.StatusCode
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
		}
		done <- code
	}()
	<-inSend
	ended := make(chan struct{})
	go func() { f.c.SessionEnded(id); close(ended) }()
	select {
	case <-ended:
		t.Fatal("the session's end came between the cancel's check and its event")
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	<-ended
	assert.Equal(t, http.StatusOK, <-done)
	a := f.do(t, http.MethodDelete, "/callback-scheduled/"+id, nil)
	assert.Equal(t, http.StatusConflict, a.code, "a cancel after the end: %v", a.body)
}

// TestKeepEnded hands the record of a callback that ends to Options.Keep,
// once; another table (a restarted server's, another instance's) takes it
// back with the time it ended, over the live record a snapshot gave it,
// and answers it by id and by number until the retention has passed since
// it ended.
func TestKeepEnded(t *testing.T) {
	f := newFixture(t, "callback-scheduled")
	kept := map[string][]byte{}
	f.c.keep = func(id string, record []byte) {
		_, twice := kept[id]
		assert.False(t, twice, "callback %s kept twice", id)
		kept[id] = record
	}
	id := f.create(t, "callback-scheduled", url.Values{"_customer_number": {"5552"}, "crm": {"C-2"}})
	live, err := f.c.Local(id).Persist()
	require.NoError(t, err)
	f.clock.Advance(time.Minute)
	f.c.SessionEnded(id)
	f.c.SessionEnded(id)
	require.Contains(t, kept, id)
	ended, ok := f.c.Get(id)
	require.True(t, ok)
	assert.Equal(t, start.Add(time.Minute), ended.Ended)

	other := newFixture(t, "callback-scheduled")
	other.clock.Advance(30 * time.Minute)
	require.NoError(t, other.c.Restore(live))
	require.NoError(t, other.c.Restore(kept[id]))
	back, ok := other.c.Get(id)
	require.True(t, ok)
	assert.Equal(t, ended, back, "the ended record replaces the live one")
	assert.Equal(t, []Callback{ended}, other.c.Find("5552", ""))
	require.NoError(t, other.c.Restore(live))
	back, _ = other.c.Get(id)
	assert.Equal(t, ended, back, "a live record does not replace an ended one")

	other.clock.Advance(32 * time.Minute) // 1h1m after it ended
	_, ok = other.c.Get(id)
	assert.False(t, ok, "past the retention, counted from the end")
	assert.Empty(t, other.c.Find("5552", ""))
	third := newFixture(t, "callback-scheduled")
	third.clock.Advance(2 * time.Hour)
	require.NoError(t, third.c.Restore(kept[id]))
	_, ok = third.c.Get(id)
	assert.False(t, ok, "a record past the retention is not taken back")
	assert.Error(t, third.c.Restore([]byte(`{"State":"COMPLETED"}`)), "a record without an ID")
}
