package templates_test

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/templates/reporting"

	"github.com/orca-scxml/orca/templates"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestParseOptionsDefaults(t *testing.T) {
	vals, err := templates.ParseOptions(map[string]string{"_target": "Agent1", "my_option": "x"})
	require.NoError(t, err)
	for _, name := range []string{"_rep_userevent_enable", "_rep_userevent_dn", "_rep_userevent_switch"} {
		assert.NotContains(t, vals, name, "unset, %s falls back to the host's reporting: section", name)
	}
	assert.Equal(t, "USERTERMINATED", vals["_call_direction"])
	assert.Equal(t, "CUSTOMER", vals["_userterminated_first_connect_party"])
	assert.Equal(t, float64(3), vals["_max_dial_attempts"])
	assert.Equal(t, 300*time.Second, vals.Seconds("_dial_retry_timeout"))
	assert.Equal(t, 300*time.Second, vals.Seconds("_snooze_duration"))
	assert.Equal(t, 14400*time.Second, vals.Seconds("_urs_queued_ttl"))
	assert.Equal(t, 86400*time.Second, vals.Seconds("_ttl"))
	assert.Equal(t, "voice", vals["_media_type"])
	assert.Equal(t, "x", vals["my_option"], "the user's own options pass through")
	for _, o := range templates.ServiceOptions() {
		if !o.Fallback {
			assert.Contains(t, vals, o.Name)
		}
		assert.NotEmpty(t, o.Description, o.Name)
	}
}

func TestParseOptionsErrors(t *testing.T) {
	tests := []struct {
		name string
		opts map[string]string
		want []string
	}{
		{"required", map[string]string{}, []string{`option _target: "" is empty; the option is required`}},
		{"bool", map[string]string{"_target": "A", "_agent_preview": "maybe"}, []string{`option _agent_preview: "maybe" is not a boolean (true or false)`}},
		{"int", map[string]string{"_target": "A", "_max_dial_attempts": "three"}, []string{`option _max_dial_attempts: "three" is not a whole number`}},
		{"range", map[string]string{"_target": "A", "_max_dial_attempts": "0", "_ttl": "-5"},
			[]string{`option _max_dial_attempts: "0" is below the minimum 1`, `option _ttl: "-5" is below the minimum 1`}},
		{"duration", map[string]string{"_target": "A", "_dial_retry_timeout": "5m"}, []string{`option _dial_retry_timeout: "5m" is not a whole number of seconds`}},
		{"enum", map[string]string{"_target": "A", "_call_direction": "INBOUND"}, []string{`option _call_direction: "INBOUND" is not one of USERTERMINATED, USERORIGINATED`}},
		{"unknown", map[string]string{"_target": "A", "_max_dial_attemps": "4"}, []string{`option _max_dial_attemps: "4" is not a known option`}},
		{"hours", map[string]string{"_target": "A", "_business_hours": "Mon-Fri 8-18"},
			[]string{`option _business_hours: "Mon-Fri 8-18" is not business hours: "8" is not a time HH:MM`}},
		{"zone", map[string]string{"_target": "A", "_business_hours_zone": "Mars/Olympus"}, []string{`option _business_hours_zone: "Mars/Olympus" is not a time zone`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := templates.ParseOptions(tt.opts)
			require.Error(t, err)
			for _, w := range tt.want {
				assert.Contains(t, err.Error(), w)
			}
		})
	}
}

func TestLoadService(t *testing.T) {
	svc, err := templates.LoadService("sales-callback", "callback-scheduled", map[string]string{"_target": "Sales", "_max_dial_attempts": "5"})
	require.NoError(t, err)
	assert.Equal(t, "callback-scheduled", svc.Template)
	assert.Equal(t, int64(5), svc.Options.Int("_max_dial_attempts"))

	_, err = templates.LoadService("sales-callback", "callback-nope", map[string]string{"_target": "Sales"})
	require.ErrorIs(t, err, templates.ErrUnknownTemplate)
	assert.Contains(t, err.Error(), "service sales-callback: unknown template")

	_, err = templates.LoadService("sales-callback", "callback-immediate", map[string]string{"_target": "Sales", "_ttl": "1d"})
	require.EqualError(t, err, `service sales-callback: option _ttl: "1d" is not a whole number of seconds`)
}

func TestServiceOptionsFitTheTemplate(t *testing.T) {
	cases := []struct {
		template string
		options  map[string]string
		err      string
		implied  map[string]string
	}{
		{template: "callback-user-originated", implied: map[string]string{"_call_direction": "USERORIGINATED", "_userterminated_first_connect_party": "CUSTOMER"}},
		{template: "callback-agent-first", implied: map[string]string{"_call_direction": "USERTERMINATED", "_userterminated_first_connect_party": "AGENT"}},
		{template: "callback-immediate", options: map[string]string{"_call_direction": "USERTERMINATED", "_wait_for_agent": "true"},
			implied: map[string]string{"_call_direction": "USERTERMINATED", "_userterminated_first_connect_party": "CUSTOMER"}},
		{template: "callback-immediate", options: map[string]string{"_call_direction": "USERORIGINATED"},
			err: "service s: option _call_direction=USERORIGINATED does not fit template callback-immediate (it is USERTERMINATED)"},
		{template: "callback-scheduled", options: map[string]string{"_userterminated_first_connect_party": "AGENT"},
			err: "service s: option _userterminated_first_connect_party=AGENT does not fit template callback-scheduled (it is CUSTOMER)"},
		{template: "callback-agent-first", options: map[string]string{"_userterminated_first_connect_party": "CUSTOMER"},
			err: "service s: option _userterminated_first_connect_party=CUSTOMER does not fit template callback-agent-first (it is AGENT)"},
		{template: "callback-in-queue", options: map[string]string{"_wait_for_agent": "true"},
			err: "service s: option _wait_for_agent=true needs template callback-immediate or callback-scheduled, not callback-in-queue"},
	}
	for _, tc := range cases {
		t.Run(tc.template+" "+tc.err, func(t *testing.T) {
			opts := map[string]string{"_target": "Sales"}
			for k, v := range tc.options {
				opts[k] = v
			}
			svc, err := templates.LoadService("s", tc.template, opts)
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			for k, v := range tc.implied {
				assert.Equal(t, v, svc.Options.Str(k), k)
			}
		})
	}
}

func TestRequestAndSessionParams(t *testing.T) {
	req, err := templates.ParseRequest(map[string]string{
		"_customer_number": "5551234", "_desired_time": "2026-11-21T11:30:00Z",
		"_cb_dim_channel": "WEB", "_cb_t_callback_offered": "1795255000", "_cb_dim_offer_timing": "LUNCH", "_max_dial_attempts": "2", "order": "A-17",
	})
	require.NoError(t, err)
	assert.Equal(t, "5551234", req.CustomerNumber)
	assert.Equal(t, time.Date(2026, 11, 21, 11, 30, 0, 0, time.UTC), req.DesiredTime)

	svc, err := templates.LoadService("cb", "callback-scheduled", map[string]string{"_target": "Sales"})
	require.NoError(t, err)
	p := svc.SessionParams("SVC-9", req, epoch)
	assert.Equal(t, "SVC-9", p["_id"])
	assert.Equal(t, "cb", p["_service_name"])
	assert.Equal(t, "callback-scheduled", p["_template"])
	// Names boxed at load: a name changed since, or a Service made
	// without LoadService, shows as it is.
	renamed := *svc
	renamed.Name = "cb2"
	assert.Equal(t, "cb2", renamed.SessionParams("SVC-9", req, epoch)["_service_name"])
	literal := templates.Service{Name: "cb3", Template: "callback-immediate", Options: svc.Options}
	assert.Equal(t, "cb3", literal.SessionParams("SVC-9", req, epoch)["_service_name"])
	assert.Equal(t, "callback-immediate", literal.SessionParams("SVC-9", req, epoch)["_template"])
	assert.Equal(t, float64(5400), p["_desired_delay"])
	for _, tc := range []struct {
		now  time.Time
		want float64
	}{
		{epoch.Add(100 * time.Millisecond), 5400}, // 5399.9 s: rounded up, never early
		{epoch.Add(time.Second), 5399},
		{epoch.Add(90 * time.Minute), 0},
		{epoch.Add(2 * time.Hour), 0},
	} {
		assert.Equal(t, tc.want, svc.SessionParams("SVC-9", req, tc.now)["_desired_delay"], "at %v", tc.now)
	}
	assert.Equal(t, "2026-11-21T11:30:00.000Z", p["_desired_time"])
	assert.Equal(t, "WEB", p["_cb_dim_channel"])
	assert.Equal(t, "1795255000", p["_cb_t_callback_offered"], "reporting values pass through as given")
	assert.Equal(t, "LUNCH", p["_cb_dim_offer_timing"], "the reporting action refuses this KVP, not the request")
	assert.Equal(t, "ON-HOURS", p["_offer_timing"])
	assert.Equal(t, float64(0), p["_next_open_delay"])
	assert.Equal(t, float64(2), p["_max_dial_attempts"], "a request overrides an option")
	assert.Equal(t, float64(300), p["_dial_retry_timeout"])
	assert.Equal(t, "A-17", p["order"], "user data passes through")

	tests := []struct {
		params map[string]string
		want   string
	}{
		{map[string]string{}, `request parameter _customer_number: "" is empty; the option is required`},
		{map[string]string{"_customer_number": "1", "_desired_time": "tomorrow"}, `request parameter _desired_time: "tomorrow" is not an ISO-8601 time`},
		{map[string]string{"_customer_number": "1", "_cb_nonsense": "1"}, "request parameter _cb_nonsense: not a reporting parameter"},
		{map[string]string{"_customer_number": "1", "_ttl": "soon"}, `request parameter _ttl: "soon" is not a whole number of seconds`},
	}
	for _, tt := range tests {
		_, err := templates.ParseRequest(tt.params)
		require.Error(t, err)
		assert.Contains(t, err.Error(), tt.want)
	}

	// The errors of names no request parameter has come in the names'
	// order, however many there are.
	many := map[string]string{"_customer_number": "1", "_ttl": "soon"}
	var want []string
	for _, c := range "kjihgfedcba" {
		name := "_cb_" + string(c)
		many[name] = "1"
		want = append(want, "request parameter "+name+": not a reporting parameter")
		many["user_"+string(c)] = "x"
	}
	slices.Sort(want)
	want = append(want, `request parameter _ttl: "soon" is not a whole number of seconds`) // "_t" after "_c"
	for range 5 {
		_, err := templates.NewRequestParser().Parse(many)
		require.Error(t, err)
		lines := strings.Split(err.Error(), "\n")
		require.Len(t, lines, len(want), err.Error())
		for i := range want {
			assert.True(t, strings.HasPrefix(lines[i], want[i]), "line %d: %q, want %q", i, lines[i], want[i])
		}
	}
}

// TestNewID: 32 upper-case hexadecimal digits, as ORS session ids are, a
// new one each time.
func TestNewID(t *testing.T) {
	seen := map[string]bool{}
	for range 100 {
		id := templates.NewID()
		require.Regexp(t, `^[0-9A-F]{32}$`, id)
		require.False(t, seen[id])
		seen[id] = true
	}
}

func TestExportWritesIncludes(t *testing.T) {
	dir := t.TempDir()
	files, err := templates.Export("callback-in-queue", dir, false)
	require.NoError(t, err)
	assert.Len(t, files, 7)
	_, err = templates.Export("callback-in-queue", dir, false)
	require.ErrorIs(t, err, templates.ErrExists)
	h := newHarness(t)
	h.chartFile(files[0])
}

func TestServiceReporting(t *testing.T) {
	fallback := reporting.Service{Enable: true, DN: "REPORTING", Switch: "SIP_Switch"}
	cases := []struct {
		name string
		opts map[string]string
		fb   reporting.Service
		want reporting.Service
		err  string
	}{
		{"the reporting: section for every unset option", nil, fallback, fallback, ""},
		{"only enable on the service", map[string]string{"_rep_userevent_enable": "true"}, reporting.Service{DN: "REPORTING"},
			reporting.Service{Enable: true, DN: "REPORTING"}, ""},
		{"the service switches reporting off", map[string]string{"_rep_userevent_enable": "false"}, fallback,
			reporting.Service{DN: "REPORTING", Switch: "SIP_Switch"}, ""},
		{"its own DN and switch", map[string]string{"_rep_userevent_dn": "REP2", "_rep_userevent_switch": "SW2"}, fallback,
			reporting.Service{Enable: true, DN: "REP2", Switch: "SW2"}, ""},
		{"enabled without a DN anywhere", map[string]string{"_rep_userevent_enable": "true"}, reporting.Service{}, reporting.Service{},
			"service s: reporting is enabled but no DN is set: give _rep_userevent_dn, or dn in the reporting: section"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			opts := map[string]string{"_target": "Sales"}
			maps.Copy(opts, tc.opts)
			svc, err := templates.LoadService("s", "callback-immediate", opts)
			require.NoError(t, err)
			got, err := svc.Reporting(tc.fb)
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestReportingFallbackReachesTheSession runs a service that sets no
// reporting option on a host whose fallback enables reporting: the
// UserEvents go to the fallback's DN.
func TestReportingFallbackReachesTheSession(t *testing.T) {
	for _, tc := range []struct {
		name   string
		opts   map[string]string
		events int
	}{
		{"nothing set on the service", nil, 2},
		{"only _rep_userevent_enable on the service", map[string]string{"_rep_userevent_enable": "true"}, 2},
		{"the service switches it off", map[string]string{"_rep_userevent_enable": "false"}, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarnessWith(t, reporting.Service{Enable: true, DN: "REPORTING", Switch: "SIP_Switch"})
			opts := mergeOpts(map[string]string{"_target": "Agent1@SIP_Switch.A", "_route_point": "RP_CB"}, tc.opts)
			s := h.start(h.chart("callback-immediate"), "callback-immediate", opts, request())
			h.advance(60 * time.Second)
			h.hangup(h.madeCall(1))
			require.True(t, s.Done())
			evs := h.port.RequestsOf(telephony.KindUserEvent)
			require.Len(t, evs, tc.events)
			for _, e := range evs {
				assert.Equal(t, "REPORTING", e.Body.(telephony.UserEvent).ThisDN)
			}
		})
	}
}

func TestBusinessHours(t *testing.T) {
	h, err := templates.ParseHours("Mon-Fri 08:00-18:00; Sat 09:00-12:00, Sun 10:00-11:00")
	require.NoError(t, err)
	utc := time.UTC
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		require.NoError(t, err)
		return v
	}
	assert.True(t, h.Open(at("2026-11-23T08:00:00Z"), utc), "Monday opening")
	assert.False(t, h.Open(at("2026-11-23T18:00:00Z"), utc), "Monday closing")
	assert.True(t, h.Open(at("2026-11-21T11:59:00Z"), utc), "Saturday morning")
	assert.False(t, h.Open(at("2026-11-21T12:00:00Z"), utc))
	next, ok := h.NextOpen(at("2026-11-21T12:00:00Z"), utc)
	require.True(t, ok)
	assert.Equal(t, at("2026-11-22T10:00:00Z"), next, "Sunday")
	next, _ = h.NextOpen(at("2026-11-23T07:00:00Z"), utc)
	assert.Equal(t, at("2026-11-23T08:00:00Z"), next)
	plus1 := time.FixedZone("+01:00", 3600)
	assert.True(t, h.Open(at("2026-11-23T07:30:00Z"), plus1), "08:30 in +01:00 is open")
	wrap, err := templates.ParseHours("Sat-Mon 10:00-24:00")
	require.NoError(t, err)
	assert.True(t, wrap.Open(at("2026-11-22T23:59:00Z"), utc), "a range of days may wrap the week")
	assert.False(t, wrap.Open(at("2026-11-24T12:00:00Z"), utc), "Tuesday")
	always, err := templates.ParseHours("")
	require.NoError(t, err)
	assert.True(t, always.Open(at("2026-11-22T03:00:00Z"), utc))
	for _, bad := range []string{"Mon-Fri", "Mon-Fri 18:00-08:00", "Moon 08:00-09:00", "Mon 8:00-9:00", "Mon 08:00-25:00"} {
		_, err := templates.ParseHours(bad)
		assert.Error(t, err, bad)
	}

	svc, err := templates.LoadService("s", "callback-in-queue", map[string]string{"_target": "A", "_business_hours": "Mon-Fri 08:00-18:00"})
	require.NoError(t, err)
	req, err := templates.ParseRequest(map[string]string{"_customer_number": "1"})
	require.NoError(t, err)
	p := svc.SessionParams("X", req, at("2026-11-21T10:00:00Z"))
	assert.Equal(t, "OFF-HOURS", p["_offer_timing"])
	assert.Equal(t, float64(46*3600), p["_next_open_delay"])
}

// A RequestParser parses as ParseRequest does, and may be shared.
func TestRequestParserIsParseRequest(t *testing.T) {
	p := templates.NewRequestParser()
	for _, params := range []map[string]string{
		{"_customer_number": "5551234"},
		{"_customer_number": "5551234", "_desired_time": "2026-11-28T10:00:00.000Z", "_cb_dim_channel": "WEB", "my_key": "v"},
		{"_customer_number": "5551234", "_max_dial_attempts": "3"},
		{"_customer_number": ""},
		{"_customer_number": "5551234", "_cb_not_a_kvp": "x"},
		{"_customer_number": "5551234", "_max_dial_attempts": "many"},
	} {
		want, wantErr := templates.ParseRequest(params)
		got, err := p.Parse(params)
		assert.Equal(t, wantErr, err, "%v", params)
		assert.Equal(t, want, got, "%v", params)
	}
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, err := p.Parse(map[string]string{"_customer_number": fmt.Sprint(5550000 + i)})
			assert.NoError(t, err)
			assert.Equal(t, fmt.Sprint(5550000+i), req.CustomerNumber)
		}()
	}
	wg.Wait()
}

func BenchmarkParseRequest(b *testing.B) {
	params := map[string]string{"_customer_number": "5551234", "_desired_time": "2026-11-28T10:00:00.000Z", "_cb_dim_channel": "WEB", "my_key": "v"}
	b.Run("ParseRequest", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := templates.ParseRequest(params); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("RequestParser", func(b *testing.B) {
		p := templates.NewRequestParser()
		b.ReportAllocs()
		for b.Loop() {
			if _, err := p.Parse(params); err != nil {
				b.Fatal(err)
			}
		}
	})
}
