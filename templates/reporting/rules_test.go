package reporting_test

import (
	"errors"
	"testing"
	"time"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/templates/reporting"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reasons returns the reasons of the problems given to the Log hook.
func (h *harness) reasons() []reporting.Reason {
	var out []reporting.Reason
	for _, err := range h.probs {
		var e *reporting.Error
		require.True(h.t, errors.As(err, &e), "%v", err)
		out = append(out, e.Reason)
	}
	return out
}

func TestRefusedValuesRaiseErrorReporting(t *testing.T) {
	cases := []struct {
		name  string
		event string
		data  map[string]any
		want  string // the logged "reason op keys"
	}{
		{"unknown key", "set", map[string]any{"key": "_CB_NOPE", "value": 1}, "unknown_key set _CB_NOPE"},
		{"value outside a dimension", "set", map[string]any{"key": "_CB_DIM_CHANNEL", "value": "FAX"}, "bad_value set _CB_DIM_CHANNEL"},
		{"not a flag", "set", map[string]any{"key": "_CB_N_CALLBACK_OFFERED", "value": 3}, "bad_value set _CB_N_CALLBACK_OFFERED"},
		{"bad disposition state", "disposition", map[string]any{"value": "DONE.AGENT"}, "bad_value disposition _CB_DISPOSITION"},
		{"bad disposition substate", "disposition", map[string]any{"value": "QUEUED.HAPPY"}, "bad_value disposition _CB_DISPOSITION"},
		{"bad agent reason", "disposition", map[string]any{"value": "COMPLETED.SALE MADE"}, "bad_value disposition _CB_DISPOSITION"},
		{"derived duration", "set", map[string]any{"key": "_CB_D_ESTABLISH_MEDIA_IXN", "value": 3}, "not_settable set _CB_D_ESTABLISH_MEDIA_IXN"},
		{"reserved", "set", map[string]any{"key": "_CB_FINAL_RECORD", "value": 1}, "not_settable set _CB_FINAL_RECORD"},
		{"stamp a flag", "stamp", map[string]any{"key": "_CB_N_CALLBACK_OFFERED"}, "not_settable stamp _CB_N_CALLBACK_OFFERED"},
		{"increment a flag", "increment", map[string]any{"key": "_CB_N_IS_SNOOZED"}, "not_settable increment _CB_N_IS_SNOOZED"},
		{"unknown key in script", "script", map[string]any{"key": "ACME", "value": "x"}, "unknown_key set ACME"},
		{"dial result only final", "dialresult", map[string]any{"result": "CANCEL"}, "bad_value dialresult _CB_DIAL_1_RESULT"},
		{"attach not call-attached", "attach", map[string]any{"keys": "_CB_T_CALLBACK_OFFERED", "ixn": "X"}, "not_attachable attach _CB_T_CALLBACK_OFFERED"},
		{"attach without value", "attach", map[string]any{"keys": "_CB_T_CUSTOMER_CONNECTED", "ixn": "X"}, "not_attachable attach _CB_T_CUSTOMER_CONNECTED"},
		{"attach without call", "attach", map[string]any{"keys": "_CB_SERVICE_ID"}, "no_interaction attach _CB_SERVICE_ID"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.start("rules.scxml", "S1", enabled())
			h.send("S1", tc.event, tc.data)
			assert.Equal(t, []string{tc.want}, h.errorLogs())
			require.Len(t, h.probs, 1)
			if tc.event == "script" {
				assert.NotContains(t, h.probs[0].Error(), "rules.scxml")
			} else {
				assert.Regexp(t, `rules\.scxml:\d+:\d+: reporting `, h.probs[0].Error())
			}
			if tc.event == "set" {
				assert.Contains(t, h.logs, "after: set "+tc.data["key"].(string), "the block goes on")
			}
			got, _ := h.rep.Values("S1")
			assert.Equal(t, kvs(map[string]any{"_CB_TENANT_DBID": 101, "_CB_SERVICE_ID": "S1", "_CB_ORS_SESSION_ID": "S1"}), got,
				"a refused value is not collected")
			assert.Empty(t, h.attaches())
		})
	}
}

func TestMissingMandatoryIsHeld(t *testing.T) {
	for _, key := range []string{"_CB_T_SERVICE_START", "_CB_N_CALLBACK_OFFERED", "_CB_T_CALLBACK_OFFERED"} {
		t.Run(key, func(t *testing.T) {
			h := newHarness(t, nil)
			h.start("rules.scxml", "S1", enabled())
			h.setMandatory("S1", key)
			h.send("S1", "start", nil)
			assert.Empty(t, h.userEvents(), "nothing is sent")
			want := "missing_mandatory start " + key
			if key == "_CB_T_CALLBACK_OFFERED" {
				// Without the offered moment the offer duration cannot
				// be derived either.
				want = "missing_mandatory start _CB_D_CALLBACK_OFFER," + key
			}
			assert.Equal(t, []string{want}, h.errorLogs())
			held := h.rep.Held()
			require.Len(t, held, 1)
			assert.False(t, held[0].Final)
			assert.Equal(t, "S1", held[0].SessionID)
			assert.Equal(t, reporting.MissingMandatory, held[0].Err.Reason)
			assert.Contains(t, held[0].Err.Keys, key)
			assert.Equal(t, "REPORTING", held[0].Event.ThisDN)
			_, has := held[0].Event.UserData.Get(key)
			assert.False(t, has)
			assert.Equal(t, 0, mustInt(t, held[0].Event.UserData, "_CB_FINAL_RECORD"))

			// Once the KVP is there, a new start goes out and the held
			// one is forgotten.
			h.setMandatory("S1")
			h.send("S1", "start", nil)
			require.Len(t, h.userEvents(), 1)
			assert.Empty(t, h.rep.Held())

			h.send("S1", "done", nil)
			require.Len(t, h.userEvents(), 2)
			assert.Equal(t, 1, mustInt(t, h.userEvents()[1].UserData, "_CB_FINAL_RECORD"))
		})
	}
}

func TestHeldFinalAtSessionEnd(t *testing.T) {
	h := newHarness(t, nil)
	h.start("rules.scxml", "S1", enabled())
	h.send("S1", "set", map[string]any{"key": "_CB_DIM_CHANNEL", "value": "WEB"})
	h.send("S1", "done", nil)
	assert.Empty(t, h.userEvents())
	held := h.rep.Held()
	require.Len(t, held, 2, "the start UserEvent was never sent: it goes first")
	assert.False(t, held[0].Final)
	assert.True(t, held[1].Final)
	assert.Equal(t, []string{"_CB_D_CALLBACK_OFFER", "_CB_T_CALLBACK_OFFERED", "_CB_N_CALLBACK_OFFERED", "_CB_T_SERVICE_START"}, held[1].Err.Keys)
	assert.Equal(t, "WEB", held[1].Event.UserData.String("_CB_DIM_CHANNEL"))
	assert.Equal(t, []reporting.Reason{reporting.MissingMandatory, reporting.MissingMandatory}, h.reasons(), "logged, not raised: the session is over")
	assert.Len(t, h.rep.TakeHeld(), 2)
	assert.Empty(t, h.rep.Held())
}

func TestDisabledReportingSendsNothing(t *testing.T) {
	for name, params := range map[string]map[string]any{
		"option false": with(enabled(), map[string]any{"_rep_userevent_enable": false}),
		"no options":   {"_rep_userevent_dn": "REPORTING"},
	} {
		t.Run(name, func(t *testing.T) {
			h := newHarness(t, nil)
			origin := h.port.NewCall(telephony.Call{ThisDN: "RP"})
			h.start("rules.scxml", "S1", with(params, map[string]any{"_originating_interaction_id": string(origin), "_cb_t_callback_offered": E}))
			h.setMandatory("S1")
			h.send("S1", "attach", map[string]any{"keys": "_CB_SERVICE_ID", "ixn": string(origin)})
			h.send("S1", "start", nil)
			h.send("S1", "set", map[string]any{"key": "_CB_DIM_CHANNEL", "value": "FAX"})
			h.send("S1", "done", nil)
			assert.Empty(t, h.userEvents())
			assert.Empty(t, h.attaches())
			assert.Empty(t, h.rep.Held())
			assert.Equal(t, []string{"bad_value set _CB_DIM_CHANNEL"}, h.errorLogs(), "values are still checked")
		})
	}
}

func TestServiceOptionsFallback(t *testing.T) {
	h := newHarness(t, func(o *reporting.Options) {
		o.Service = reporting.Service{Enable: true, DN: "REPORTING_DEFAULT", Switch: "SW_DEFAULT"}
	})
	h.start("rules.scxml", "S1", map[string]any{"_rep_userevent_switch": "SIP_Switch"})
	h.setMandatory("S1")
	h.send("S1", "start", nil)
	evs := h.userEvents()
	require.Len(t, evs, 1)
	assert.Equal(t, "REPORTING_DEFAULT", evs[0].ThisDN)
	assert.Equal(t, "SIP_Switch", evs[0].Switch)
}

func TestNoReportingDNHolds(t *testing.T) {
	h := newHarness(t, nil)
	h.start("rules.scxml", "S1", map[string]any{"_rep_userevent_enable": true})
	h.setMandatory("S1")
	h.send("S1", "start", nil)
	assert.Empty(t, h.userEvents())
	assert.Equal(t, []string{"no_destination start "}, h.errorLogs())
	require.Len(t, h.rep.Held(), 1)
}

func TestPortFailureHolds(t *testing.T) {
	h := newHarness(t, nil)
	h.port.Script(telephony.KindUserEvent, telephony.Answer{ErrorCode: telephony.ErrCodeInvalidDN, ErrorMessage: "unknown DN"})
	h.start("rules.scxml", "S1", enabled())
	h.setMandatory("S1")
	h.send("S1", "start", nil)
	require.Len(t, h.userEvents(), 1, "the request was made")
	held := h.rep.Held()
	require.Len(t, held, 1)
	assert.Equal(t, reporting.PortFailure, held[0].Err.Reason)
	assert.Contains(t, held[0].Err.Error(), "unknown DN")
	assert.False(t, held[0].Final)
	assert.Equal(t, 0, mustInt(t, held[0].Event.UserData, "_CB_FINAL_RECORD"))
}

func TestStartTwice(t *testing.T) {
	h := newHarness(t, nil)
	h.start("rules.scxml", "S1", enabled())
	h.setMandatory("S1")
	h.send("S1", "start", nil)
	h.send("S1", "start", nil)
	assert.Len(t, h.userEvents(), 1)
	assert.Equal(t, []string{"already_sent start "}, h.errorLogs())
}

// TestFinalHoweverTheSessionEnds checks that exactly one final UserEvent
// goes out, stamped with the end time, for every way a session ends.
func TestFinalHoweverTheSessionEnds(t *testing.T) {
	cases := []struct {
		name string
		end  func(h *harness)
	}{
		{"explicit final then completion", func(h *harness) {
			h.send("S1", "final", nil)
			h.send("S1", "done", nil)
		}},
		{"completion", func(h *harness) { h.send("S1", "done", nil) }},
		{"ttl", func(h *harness) {
			h.send("S1", "ttl.arm", map[string]any{"delay": "30s"})
			h.advance(29 * time.Second)
			require.Empty(h.t, h.ended)
			h.advance(time.Second)
		}},
		{"cancel through the API", func(h *harness) { require.NoError(h.t, h.eng.Cancel("S1")) }},
		{"error", func(h *harness) { h.send("S1", "loop", nil) }},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			s := h.start("rules.scxml", "S1", enabled())
			h.setMandatory("S1")
			h.send("S1", "start", nil)
			h.advance(100 * time.Second)
			tc.end(h)
			require.Equal(t, []string{"S1"}, h.ended)
			if tc.name == "error" {
				assert.Error(t, s.Err(), "the session was terminated by an error")
			}
			h.rep.SessionEnded(s) // idempotent
			evs := h.userEvents()
			require.Len(t, evs, 2)
			assert.Equal(t, 0, mustInt(t, evs[0].UserData, "_CB_FINAL_RECORD"))
			assert.Equal(t, 1, mustInt(t, evs[1].UserData, "_CB_FINAL_RECORD"))
			assert.Equal(t, int(h.clock.Now().Unix()), mustInt(t, evs[1].UserData, "_CB_T_SERVICE_END"))
			_, has := evs[0].UserData.Get("_CB_T_SERVICE_END")
			assert.False(t, has)
			assert.Empty(t, h.rep.Held())
			_, live := h.rep.Values("S1")
			assert.False(t, live, "the session is forgotten")
		})
	}
}

func TestSessionWithoutReportingSendsNothing(t *testing.T) {
	h := newHarness(t, nil)
	h.start("rules.scxml", "S1", enabled())
	h.send("S1", "done", nil)
	assert.Equal(t, []string{"S1"}, h.ended)
	assert.Empty(t, h.userEvents())
	assert.Empty(t, h.rep.Held())
}
