package reporting_test

import (
	"testing"
	"time"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/templates/reporting"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDerivedDurations(t *testing.T) {
	type step struct {
		after time.Duration
		event string
		data  map[string]any
	}
	cases := []struct {
		name    string
		steps   []step
		key     string
		want    any // nil: absent
		clamped bool
	}{
		{"offer accepted", []step{{0, "stamp", map[string]any{"key": "_CB_T_CALLBACK_OFFERED"}}, {9 * time.Second, "stamp", map[string]any{"key": "_CB_T_CALLBACK_ACCEPTED"}}},
			"_CB_D_CALLBACK_OFFER", 9, false},
		{"offer rejected", []step{{0, "stamp", map[string]any{"key": "_CB_T_CALLBACK_OFFERED"}}, {7 * time.Second, "set", map[string]any{"key": "_CB_N_CALLBACK_ACCEPTED", "value": 0}}},
			"_CB_D_CALLBACK_OFFER", 7, false},
		{"offer abandoned", []step{{0, "stamp", map[string]any{"key": "_CB_T_CALLBACK_OFFERED"}}, {4 * time.Second, "set", map[string]any{"key": "_CB_N_ABANDONED_DURING_CALLBACK_OFFER", "value": 1}}},
			"_CB_D_CALLBACK_OFFER", 4, false},
		{"no offer", []step{{0, "set", map[string]any{"key": "_CB_N_CALLBACK_OFFERED", "value": 0}}},
			"_CB_D_CALLBACK_OFFER", 0, false},
		{"offer still open", []step{{0, "stamp", map[string]any{"key": "_CB_T_CALLBACK_OFFERED"}}},
			"_CB_D_CALLBACK_OFFER", nil, false},
		{"accepted after offered is negative", []step{
			{0, "set", map[string]any{"key": "_CB_T_CALLBACK_OFFERED", "value": E + 100}},
			{0, "set", map[string]any{"key": "_CB_T_CALLBACK_ACCEPTED", "value": E + 50}}},
			"_CB_D_CALLBACK_OFFER", 0, true},
		{"waiting offline from the service start", []step{{0, "stamp", map[string]any{"key": "_CB_T_SERVICE_START"}}, {300 * time.Second, "dialing", nil}},
			"_CB_D_WAITING_FOR_AGENT_OFFLINE", 300, false},
		{"establish media", []step{{0, "dialing", nil}, {6 * time.Second, "stamp", map[string]any{"key": "_CB_T_CUSTOMER_CONNECTED"}}},
			"_CB_D_ESTABLISH_MEDIA_IXN", 6, false},
		{"customer abandoned while waiting", []step{{0, "stamp", map[string]any{"key": "_CB_T_CUSTOMER_CONNECTED"}},
			{25 * time.Second, "set", map[string]any{"key": "_CB_N_CUSTOMER_ABANDONED_WHILE_WAITING_FOR_AGENT", "value": 1}}},
			"_CB_D_CUSTOMER_CONNECTED_WAITING_FOR_AGENT", 25, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.start("rules.scxml", "S1", enabled())
			for _, st := range tc.steps {
				h.advance(st.after)
				h.send("S1", st.event, st.data)
			}
			got, ok := h.rep.Values("S1")
			require.True(t, ok)
			v, has := got.Get(tc.key)
			if tc.want == nil {
				assert.False(t, has, "%s = %v", tc.key, v)
			} else {
				assert.Equal(t, tc.want, v)
			}
			assert.Empty(t, h.errorLogs(), "deriving raises nothing")
			h.setMandatory("S1", "_CB_T_CALLBACK_OFFERED", "_CB_T_CALLBACK_ACCEPTED")
			h.send("S1", "start", nil)
			if tc.clamped {
				assert.Equal(t, []reporting.Reason{reporting.Clamped}, h.reasons())
				assert.Contains(t, h.probs[0].Error(), "negative duration -50s")
				require.Len(t, h.userEvents(), 1)
				assert.Equal(t, 0, mustInt(t, h.userEvents()[0].UserData, tc.key))
			}
		})
	}
}

func TestRequestParameters(t *testing.T) {
	h := newHarness(t, nil)
	origin := h.port.NewCall(telephony.Call{ThisDN: "RP_Inbound"})
	h.port.Flush()
	h.start("rules.scxml", "S1", with(enabled(), map[string]any{
		"_id":                                "GMS-42",
		"_originating_interaction_id":        string(origin),
		"_cb_t_callback_offered":             "1795254990",
		"_cb_t_callback_accepted":            "1795254998",
		"_cb_d_callback_offer":               "3",
		"_cb_ewt_when_callback_was_offered":  "120",
		"_cb_pos_when_callback_was_offered":  4.0,
		"_cb_dim_channel":                    "IVR",
		"_cb_dim_callback_offer_type":        "IMMEDIATE",
		"_cb_dim_offer_timing":               "LUNCH-HOURS",
		"_cb_n_callback_offers_per_session":  "2",
		"_cb_d_last_callback_offer":          "8",
		"_cb_origination_ixn_id":             string(origin),
		"_cb_something_unknown":              "ignored",
		"_rep_userevent_unrelated_parameter": "ignored",
	}))
	h.send("S1", "set", map[string]any{"key": "_CB_N_CALLBACK_OFFERED", "value": 1})
	assert.Equal(t, []string{"bad_value param _CB_DIM_OFFER_TIMING"}, h.errorLogs())
	got, _ := h.rep.Values("S1")
	assert.Equal(t, kvs(map[string]any{
		"_CB_TENANT_DBID":                   101,
		"_CB_SERVICE_ID":                    "GMS-42",
		"_CB_ORIGINATION_IXN_ID":            string(origin),
		"_CB_EWT_WHEN_CALLBACK_WAS_OFFERED": 120,
		"_CB_POS_WHEN_CALLBACK_WAS_OFFERED": 4,
		"_CB_D_CALLBACK_OFFER":              3, // the request's value, not derived from the two moments
		"_CB_T_CALLBACK_ACCEPTED":           1795254998,
		"_CB_T_CALLBACK_OFFERED":            1795254990,
		"_CB_N_CALLBACK_OFFERED":            1,
		"_CB_DIM_CHANNEL":                   "IVR",
		"_CB_DIM_CALLBACK_OFFER_TYPE":       "IMMEDIATE",
		"_CB_ORS_SESSION_ID":                "S1",
		"_CB_N_CALLBACK_OFFERS_PER_SESSION": 2,
		"_CB_D_LAST_CALLBACK_OFFER":         8,
	}), got)

	// The offered and accepted moments go to the originating call at
	// once (in catalogue order). They keep the request's values: a stamp
	// by the strategy is left out and logged, not raised.
	h.advance(5 * time.Second)
	h.probs = nil
	h.send("S1", "stamp", map[string]any{"key": "_CB_T_CALLBACK_ACCEPTED"})
	assert.Equal(t, []reporting.Reason{reporting.FromRequest}, h.reasons())
	assert.Equal(t, []string{"bad_value param _CB_DIM_OFFER_TIMING"}, h.errorLogs(), "no new error.reporting")
	assert.Equal(t, []telephony.UserDataChange{
		{Op: telephony.Update, ConnID: origin, UserData: telephony.UserData{{Key: "_CB_T_CALLBACK_ACCEPTED", Value: 1795254998}, {Key: "_CB_T_CALLBACK_OFFERED", Value: 1795254990}}},
	}, h.attaches())
	call, _ := h.port.Call(origin)
	assert.Equal(t, telephony.UserData{{Key: "_CB_T_CALLBACK_ACCEPTED", Value: 1795254998}, {Key: "_CB_T_CALLBACK_OFFERED", Value: 1795254990}}, call.UserData)
}

func TestOfferDurationFromTheRequestWhenNotDerivable(t *testing.T) {
	h := newHarness(t, nil)
	h.start("rules.scxml", "S1", with(enabled(), map[string]any{"_cb_d_callback_offer": "3", "_cb_t_callback_offered": "1795254990"}))
	h.send("S1", "set", map[string]any{"key": "_CB_N_CALLBACK_OFFERED", "value": 1})
	got, _ := h.rep.Values("S1")
	assert.Equal(t, 3, mustInt(t, got, "_CB_D_CALLBACK_OFFER"))
}
