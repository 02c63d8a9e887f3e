package reporting

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/internal/testenv"
)

// seedText returns both copies of the seeds, markdown escapes removed, or
// skips the test when they are missing.
func seedText(t *testing.T) string {
	t.Helper()
	names := []string{"callback-historical-reporting-web.txt", "callback-historical-reporting-pdf.txt"}
	dir := testenv.Seeds(t, names...)
	var b strings.Builder
	for _, name := range names {
		data, err := os.ReadFile(filepath.Join(dir, name))
		require.NoError(t, err)
		b.Write(data)
		b.WriteByte('\n')
	}
	return strings.ReplaceAll(b.String(), `\`, "")
}

// placeholders are _CB_ tokens of the seeds that name no KVP: "_CB_X" in
// "Each maps to the corresponding _CB_X KVP".
var placeholders = map[string]bool{"_CB_X": true}

func TestEverySeedKeyIsInTheCatalogue(t *testing.T) {
	text := seedText(t)
	cat := Default()
	// A key starts at _CB_ not preceded by a letter or digit (column
	// names such as ABANDONED_DURING_CB_OFFER are not keys).
	re := regexp.MustCompile(`(?:^|[^A-Za-z0-9])(_CB_[A-Z0-9_]+|VQ_CFG_TYPE(?:_ID)?)`)
	seen := map[string]bool{}
	for _, m := range re.FindAllStringSubmatch(text, -1) {
		key := strings.TrimRight(m[1], "_")
		if placeholders[key] || seen[key] {
			continue
		}
		seen[key] = true
		_, ok := cat.Lookup(key)
		assert.True(t, ok, "seed key %s is not in the catalogue", key)
	}
	assert.Greater(t, len(seen), 70)
}

func TestEveryCatalogueKeyIsInTheSeeds(t *testing.T) {
	text := seedText(t)
	lower := strings.ToLower(text)
	for _, e := range Default().Entries() {
		found := strings.Contains(text, e.Key) || (e.Param != "" && strings.Contains(lower, e.Param))
		assert.True(t, found, "%s is not named by the seeds", e.Key)
		if e.Param != "" {
			assert.Contains(t, lower, e.Param)
		}
	}
}

func TestCatalogueShape(t *testing.T) {
	cat := Default()
	assert.Equal(t, []string{"_CB_SERVICE_ID", "_CB_D_CALLBACK_OFFER", "_CB_T_CALLBACK_OFFERED", "_CB_N_CALLBACK_OFFERED", "_CB_T_SERVICE_START"}, cat.Mandatory())
	assert.ElementsMatch(t, []string{"_CB_SERVICE_ID", "_CB_T_SERVICE_START", "_CB_T_CALLBACK_ACCEPTED", "_CB_T_CUSTOMER_CONNECTED"}, cat.CallAttached())
	assert.Equal(t, []string{"_cb_origination_ixn_id", "_cb_ewt_when_callback_was_offered", "_cb_pos_when_callback_was_offered",
		"_cb_d_callback_offer", "_cb_t_callback_accepted", "_cb_t_callback_offered", "_cb_dim_channel",
		"_cb_dim_callback_offer_type", "_cb_dim_offer_timing", "_cb_n_callback_offers_per_session", "_cb_d_last_callback_offer"}, cat.Params())
	for _, e := range cat.Entries() {
		assert.NotEmpty(t, e.Description, e.Key)
		assert.NotZero(t, e.Kind, e.Key)
		if e.Param != "" {
			assert.Equal(t, strings.ToUpper(e.Param), e.Key, "request parameter %s", e.Param)
		}
		if strings.HasPrefix(e.Key, "_CB_T_") {
			assert.Equal(t, Timestamp, e.Kind, e.Key)
		}
		if strings.HasPrefix(e.Key, "_CB_D_") {
			assert.Equal(t, Duration, e.Kind, e.Key)
		}
	}
	for _, k := range []string{"VQ_CFG_TYPE_ID", "VQ_CFG_TYPE", "_CB_N_IS_SNOOZED", "_CB_T_NEXT_REDIAL_ATTEMPT", "_CB_T_LAST_DIAL_ATTEMPT"} {
		_, ok := cat.Lookup(k)
		assert.True(t, ok, k)
	}
	e, _ := cat.Lookup("_CB_T_SERVICE_START")
	assert.Equal(t, []string{"CALLBACK_FACT.SERVICE_START_TS", "CALLBACK_FACT.START_DATE_TIME_KEY"}, e.Targets)
	e, _ = cat.Lookup("_CB_ORIGINATION_IXN_ID")
	assert.Equal(t, "8.5.200.07", e.Introduced)
}

func TestAliases(t *testing.T) {
	cat := Default()
	for alias, key := range map[string]string{
		"_CB_N_AGENT_ADDED_TO_I_XN":              "_CB_N_AGENT_ADDED_TO_IXN",
		"_CB_IXN_START_IGNOREING_AVAILABILITY":   "_CB_IXN_START_IGNORING_AVAILABILITY",
		"_CB_I_XN_START_IGNOREING_AVAILABILITY":  "_CB_IXN_START_IGNORING_AVAILABILITY",
		"_CB_OR_S_SESSION_ID":                    "_CB_ORS_SESSION_ID",
		"_CB_T_READY_TO_START_MEDIA_I_XN":        "_CB_T_READY_TO_START_MEDIA_IXN",
		"_CB_EWT_WHEN_READY_TO_START_MEDIA_I_XN": "_CB_EWT_WHEN_READY_TO_START_MEDIA_IXN",
	} {
		got, ok := cat.Canonical(alias)
		require.True(t, ok, alias)
		assert.Equal(t, key, got)
	}
	e, _ := cat.Lookup("_CB_IXN_START_IGNORING_AVAILABILITY")
	assert.Equal(t, []string{"CALLBACK_DIM_4.DIAL_IGNORING_AVAILABILITY"}, e.Targets)
}

func TestPDFListsHold(t *testing.T) {
	cat := Default()
	e, _ := cat.Lookup("_CB_DIM_FINAL_DIAL_RESULT")
	assert.Len(t, e.Values, 20)
	assert.Contains(t, e.Values, "FAIL_FAX_REACHED")
	e, _ = cat.Lookup("_CB_DIM_DIAL_DIALOG_RESULT")
	assert.Equal(t, []string{"RIGHT_PERSON", "RESCHEDULED", "CANCELLED", "TRANSFERRED_TO_RP", "PERSON", "CANCEL", "ERROR_TONE"}, e.Values)
	e, _ = cat.Lookup("_CB_DIAL_3_RESULT")
	assert.Len(t, e.Values, 13)
}

func TestCheck(t *testing.T) {
	cat := Default()
	cases := []struct {
		key  string
		in   any
		want any
		err  string
	}{
		{"_CB_T_SERVICE_START", 1465324803.0, 1465324803, ""},
		{"_CB_T_SERVICE_START", "1465324803", 1465324803, ""},
		{"_CB_T_SERVICE_START", "2016-06-07T18:40:03Z", 1465324803, ""},
		{"_CB_T_SERVICE_START", -5.0, nil, "not a UTC timestamp"},
		{"_CB_D_CALLBACK_OFFER", 12.4, 12, ""},
		{"_CB_N_CALLBACK_MEDIA_ATTEMPTS", 2.5, nil, "not a non-negative integer"},
		{"_CB_N_CALLBACK_OFFERED", true, 1, ""},
		{"_CB_N_CALLBACK_OFFERED", "0", 0, ""},
		{"_CB_N_CALLBACK_OFFERED", 2.0, nil, "not 0 or 1"},
		{"_CB_DIM_CHANNEL", "IVR", "IVR", ""},
		{"_CB_DIM_CHANNEL", "FAX", nil, `"FAX" is not one of IVR, WEB, MOBILE`},
		{"_CB_DIM_VQ", "VQ_Callback", "VQ_Callback", ""},
		{"_CB_DIM_VQ", "", nil, "must not be empty"},
		{"_CB_DISPOSITION", "COMPLETED.AGENT", "COMPLETED.AGENT", ""},
		{"_CB_DISPOSITION", "COMPLETED", nil, "not one of"},
		{"_CB_DISPOSITION", "DONE.AGENT", nil, "not one of"},
		{"_CB_TENANT_DBID", "101", 101, ""},
		{"_CB_SERVICE_ID", 42.0, "42", ""},
		{"_CB_SERVICE_ID", "", nil, "must not be empty"},
		{"_CB_CUSTOMER_ANI", "", "", ""},
		{"_CB_N_AGENT_ADDED_TO_I_XN", 1.0, 1, ""},
		{"_CB_NOPE", 1.0, nil, "not a KVP of the catalogue"},
	}
	for _, tc := range cases {
		t.Run(tc.key, func(t *testing.T) {
			_, v, err := cat.Check(tc.key, tc.in)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, v)
		})
	}
}

func TestExtraEntries(t *testing.T) {
	cat, err := NewCatalogue(Entry{Key: "ACME_SEGMENT", Kind: Dimension, Values: []string{"GOLD", "SILVER"}, Description: "Customer segment."})
	require.NoError(t, err)
	_, v, err := cat.Check("ACME_SEGMENT", "GOLD")
	require.NoError(t, err)
	assert.Equal(t, "GOLD", v)
	assert.Equal(t, "ACME_SEGMENT", cat.Keys()[len(cat.Keys())-1])

	for _, bad := range []Entry{
		{Key: "_CB_MINE", Kind: Text},
		{Key: "ACME", Kind: Text, Mandatory: true},
		{Key: "_CB_SERVICE_ID", Kind: Text},
		{Key: "VQ_CFG_TYPE", Kind: Text},
		{Key: "ACME"},
		{Key: "ACME X", Kind: Text},
	} {
		_, err := NewCatalogue(bad)
		assert.Error(t, err, bad.Key)
	}

	// A collector holds its values by catalogue index in 16 bits.
	many := make([]Entry, 1<<16)
	for i := range many {
		many[i] = Entry{Key: fmt.Sprintf("ACME_%d", i), Kind: Text}
	}
	_, err = NewCatalogue(many...)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "a catalogue holds at most 65536 KVPs")
	_, err = NewCatalogue(many[:1<<16-len(Default().Keys())]...)
	require.NoError(t, err)
}

func TestDocsNameEveryKVP(t *testing.T) {
	data, err := os.ReadFile(filepath.Join("..", "..", "docs", "reporting.md"))
	require.NoError(t, err)
	for _, k := range Default().Keys() {
		assert.Contains(t, string(data), "`"+k+"`", "docs/reporting.md does not describe %s", k)
	}
}
