package transform_test

import (
	"context"
	"database/sql"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/infomart/icon"
	"github.com/orca-scxml/orca/infomart/internal/dbtest"
	"github.com/orca-scxml/orca/infomart/store"
	"github.com/orca-scxml/orca/infomart/transform"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/templates/reporting"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

const t0 = 1795255200 // 2026-11-21 10:00:00 UTC

// kvps is a UserEvent's user data as pairs.
type kvps []any

func (k kvps) with(kv ...any) kvps {
	out := kvps{}
	set := map[string]bool{}
	for i := 0; i+1 < len(kv); i += 2 {
		set[kv[i].(string)] = true
	}
	for i := 0; i+1 < len(k); i += 2 {
		if !set[k[i].(string)] {
			out = append(out, k[i], k[i+1])
		}
	}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != nil {
			out = append(out, kv[i], kv[i+1])
		}
	}
	return out
}

func event(id string, kv kvps) icon.Event {
	e := icon.Event{MsgID: id, Name: icon.EventUserEvent, Switch: "SIP_Switch", ThisDN: "REPORTING", CustomerID: "Environment",
		Time: time.Unix(t0+30, 0)}
	for i := 0; i+1 < len(kv); i += 2 {
		e.UserData = append(e.UserData, telephony.KV{Key: kv[i].(string), Value: kv[i+1]})
	}
	return e
}

// start is a customer-first immediate callback's start UserEvent, as the
// templates send it.
var start = kvps{
	"_CB_TENANT_DBID", 101, "_CB_SERVICE_ID", "SVC-1", "_CB_FINAL_RECORD", 0, "_CB_D_CALLBACK_OFFER", 0,
	"_CB_T_CALLBACK_ACCEPTED", t0, "_CB_T_CALLBACK_OFFERED", t0, "_CB_N_CALLBACK_OFFERED", 1, "_CB_N_CALLBACK_ACCEPTED", 1,
	"_CB_T_SERVICE_START", t0, "_CB_DIM_VQ", "VQ_Callback", "_CB_DIM_TYPE", "IMMEDIATE", "_CB_DIM_CONNECT_ORDER", "CUSTOMER_FIRST",
	"_CB_DIM_CALL_DIRECTION", "CUSTOMER_TERMINATED", "_CB_IXN_START_IGNORING_AVAILABILITY", 0, "_CB_ORS_SESSION_ID", "S1",
	"_CB_CUSTOMER_PHONE_NUMBER", "5551234",
}

var final = start.with("_CB_FINAL_RECORD", 1, "_CB_DIAL_1_RESULT", "CONNECTED", "_CB_DIM_FINAL_DIAL_RESULT", "CONNECTED",
	"_CB_DIM_FINAL_TARGET", "Agent1@SIP_Switch.A", "_CB_DISPOSITION", "COMPLETED.AGENT", "_CB_D_CUSTOMER_CONNECTED_WAITING_FOR_AGENT", 4,
	"_CB_D_ESTABLISH_MEDIA_IXN", 12, "_CB_FIRST_OUT_IXN_ID", "OUT1", "_CB_LAST_OUT_IXN_ID", "OUT1", "_CB_N_AGENT_ADDED_TO_IXN", 1,
	"_CB_N_CALLBACK_MEDIA_ATTEMPTS", 1, "_CB_N_IXN_REQ_AGENT", 1, "_CB_T_CUSTOMER_CONNECTED", t0+12, "_CB_T_DIAL_1", t0,
	"_CB_T_READY_TO_START_MEDIA_IXN", t0, "_CB_T_SERVICE_END", t0+100, "_CB_D_WAITING_FOR_AGENT_OFFLINE", 0)

// load stores evs through ICON and runs the transform.
func load(t *testing.T, s *store.Store, evs ...icon.Event) transform.Stats {
	t.Helper()
	ctx := context.Background()
	_, err := icon.New(s, icon.Options{}).Write(ctx, evs)
	require.NoError(t, err)
	tr, err := transform.New(s, transform.Options{Batch: 3})
	require.NoError(t, err)
	st, err := tr.Run(ctx)
	require.NoError(t, err)
	return st
}

// facts returns the CALLBACK_FACT rows joined with their dimensions, as
// maps of the columns given (TABLE.COLUMN for dimension columns).
func facts(t *testing.T, s *store.Store, cols ...string) []map[string]any {
	t.Helper()
	q := "SELECT " + strings.Join(cols, ", ") + ` FROM CALLBACK_FACT
JOIN CALLBACK_DIM_1 ON CALLBACK_DIM_1.ID = CALLBACK_FACT.CALLBACK_DIM_1_KEY
JOIN CALLBACK_DIM_2 ON CALLBACK_DIM_2.ID = CALLBACK_FACT.CALLBACK_DIM_2_KEY
JOIN CALLBACK_DIM_3 ON CALLBACK_DIM_3.ID = CALLBACK_FACT.CALLBACK_DIM_3_KEY
JOIN CALLBACK_DIM_4 ON CALLBACK_DIM_4.ID = CALLBACK_FACT.CALLBACK_DIM_4_KEY
JOIN CALLBACK_DIAL_RESULTS ON CALLBACK_DIAL_RESULTS.ID = CALLBACK_FACT.CALLBACK_DIAL_RESULTS_KEY
LEFT JOIN TENANT ON TENANT.TENANT_KEY = CALLBACK_FACT.TENANT_KEY
LEFT JOIN RESOURCE_ ON RESOURCE_.RESOURCE_KEY = CALLBACK_FACT.RESOURCE_KEY
ORDER BY EVENT_SEQUENCE`
	rows, err := s.DB().Query(q)
	require.NoError(t, err)
	defer rows.Close()
	var out []map[string]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		require.NoError(t, rows.Scan(ptrs...))
		m := map[string]any{}
		for i, c := range cols {
			m[c] = normalize(vals[i])
		}
		out = append(out, m)
	}
	require.NoError(t, rows.Err())
	return out
}

// normalize makes the values of both drivers comparable: integers as
// int64, text as string.
func normalize(v any) any {
	switch x := v.(type) {
	case []byte:
		return string(x)
	case int32:
		return int64(x)
	case int:
		return int64(x)
	}
	return v
}

type rejection struct {
	Scope, Key, Value, Reason, Service string
}

func rejections(t *testing.T, s *store.Store) []rejection {
	t.Helper()
	rows, err := s.DB().Query(`SELECT SCOPE, KEYNAME, VALUE, REASON, SERVICE_ID FROM ORCA_REJECTION ORDER BY ID`)
	require.NoError(t, err)
	defer rows.Close()
	var out []rejection
	for rows.Next() {
		var r rejection
		var k, v, svc sql.NullString
		require.NoError(t, rows.Scan(&r.Scope, &k, &v, &r.Reason, &svc))
		r.Key, r.Value, r.Service = k.String, v.String, svc.String
		out = append(out, r)
	}
	return out
}

func TestStartAndFinal(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		st := load(t, s, event("m1", start), event("m2", final))
		assert.Equal(t, transform.Stats{Facts: 2}, st)
		got := facts(t, s, "ADDED_TS", "EVENT_SEQUENCE", "SERVICE_ID", "FINAL_RECORD", "CALLBACK_OFFERED", "CALLBACK_ACCEPTED",
			"CALLBACK_OFFER_TIME", "SERVICE_START_TS", "START_DATE_TIME_KEY", "CUSTOMER_CONNECTED_TS", "ESTABLISH_MEDIA_IXN_TIME",
			"CONN_WAITING_AGENT_TIME", "CALLBACK_ATTEMPTS", "AGENT_ADDED_TO_IXN", "SERVICE_END_TS", "DIAL_1_TS", "FIRST_OUT_IXN_ID",
			"ORS_SESSION_ID", "CUSTOMER_ANI", "CALLBACK_DIM_1.CHANNEL", "CALLBACK_TYPE", "CONNECT_ORDER", "CALL_DIRECTION",
			"FINAL_DIAL_RESULT", "DISPOSITION", "FINAL_TARGET", "DIAL_1_RESULT", "DIAL_2_RESULT", "DIAL_IGNORING_AVAILABILITY",
			"TENANT_NAME", "TENANT_CFG_DBID", "RESOURCE_NAME", "RESOURCE_TYPE_CODE", "RESOURCE_SUBTYPE")
		common := map[string]any{"ADDED_TS": int64(t0 + 30), "SERVICE_ID": "SVC-1", "CALLBACK_OFFERED": int64(1), "CALLBACK_ACCEPTED": int64(1),
			"CALLBACK_OFFER_TIME": int64(0), "SERVICE_START_TS": int64(t0), "START_DATE_TIME_KEY": int64(t0), "ORS_SESSION_ID": "S1",
			"CUSTOMER_ANI": nil, "CALLBACK_DIM_1.CHANNEL": "UNKNOWN", "CALLBACK_TYPE": "IMMEDIATE", "CONNECT_ORDER": "CUSTOMER_FIRST",
			"CALL_DIRECTION": "CUSTOMER_TERMINATED", "DIAL_2_RESULT": "UNKNOWN", "DIAL_IGNORING_AVAILABILITY": int64(0),
			"TENANT_NAME": "Environment", "TENANT_CFG_DBID": int64(101), "RESOURCE_NAME": "VQ_Callback", "RESOURCE_TYPE_CODE": "QUEUE",
			"RESOURCE_SUBTYPE": "VirtualQueue"}
		want := []map[string]any{
			merge(common, "EVENT_SEQUENCE", int64(1), "FINAL_RECORD", int64(0), "CUSTOMER_CONNECTED_TS", int64(0), "ESTABLISH_MEDIA_IXN_TIME", int64(0),
				"CONN_WAITING_AGENT_TIME", int64(0), "CALLBACK_ATTEMPTS", int64(0), "AGENT_ADDED_TO_IXN", int64(0), "SERVICE_END_TS", int64(0),
				"DIAL_1_TS", int64(0), "FIRST_OUT_IXN_ID", nil, "FINAL_DIAL_RESULT", "UNKNOWN", "DISPOSITION", "UNKNOWN",
				"FINAL_TARGET", "UNKNOWN", "DIAL_1_RESULT", "UNKNOWN"),
			merge(common, "EVENT_SEQUENCE", int64(1+len(start)/2), "FINAL_RECORD", int64(1), "CUSTOMER_CONNECTED_TS", int64(t0+12),
				"ESTABLISH_MEDIA_IXN_TIME", int64(12), "CONN_WAITING_AGENT_TIME", int64(4), "CALLBACK_ATTEMPTS", int64(1),
				"AGENT_ADDED_TO_IXN", int64(1), "SERVICE_END_TS", int64(t0+100), "DIAL_1_TS", int64(t0), "FIRST_OUT_IXN_ID", "OUT1",
				"FINAL_DIAL_RESULT", "CONNECTED", "DISPOSITION", "COMPLETED.AGENT", "FINAL_TARGET", "Agent1@SIP_Switch.A",
				"DIAL_1_RESULT", "CONNECTED"),
		}
		assert.Equal(t, want, got)
		assert.Empty(t, rejections(t, s))
		// Both rows share the tenant, the queue and CALLBACK_DIM_1.
		var n int
		require.NoError(t, s.DB().QueryRow(`SELECT COUNT(DISTINCT RESOURCE_KEY) + COUNT(DISTINCT TENANT_KEY) + COUNT(DISTINCT CALLBACK_DIM_1_KEY) FROM CALLBACK_FACT`).Scan(&n))
		assert.Equal(t, 3, n)
	})
}

func merge(base map[string]any, kv ...any) map[string]any {
	m := map[string]any{}
	for k, v := range base {
		m[k] = v
	}
	for i := 0; i+1 < len(kv); i += 2 {
		m[kv[i].(string)] = kv[i+1]
	}
	return m
}

func TestRules(t *testing.T) {
	tests := []struct {
		name       string
		kv         kvps
		facts      int
		cols       map[string]any
		rejections []rejection
	}{
		{
			name: "missing mandatory KVPs", kv: start.with("_CB_T_CALLBACK_OFFERED", nil, "_CB_D_CALLBACK_OFFER", nil),
			rejections: []rejection{{Scope: "EVENT", Service: "SVC-1",
				Reason: "missing mandatory KVP _CB_D_CALLBACK_OFFER, _CB_T_CALLBACK_OFFERED (Genesys Info Mart makes no record without it)"}},
		},
		{
			name: "no service id", kv: start.with("_CB_SERVICE_ID", nil),
			rejections: []rejection{{Scope: "EVENT", Reason: "missing mandatory KVP _CB_SERVICE_ID (Genesys Info Mart makes no record without it)"}},
		},
		{
			name: "a mandatory KVP of the wrong type", kv: start.with("_CB_T_SERVICE_START", "soon", "_CB_N_CALLBACK_OFFERED", 2),
			rejections: []rejection{{Scope: "EVENT", Service: "SVC-1",
				Reason: `mandatory KVP _CB_N_CALLBACK_OFFERED: 2 is not 0 or 1; _CB_T_SERVICE_START: "soon" is not an integer (timestamp) (Genesys Info Mart makes no record without it)`}},
		},
		{
			name: "values outside their lists", facts: 1,
			kv:   start.with("_CB_DIM_CHANNEL", "FAX", "_CB_DIAL_1_RESULT", "MAYBE", "_CB_DISPOSITION", "DONE.AGENT"),
			cols: map[string]any{"CALLBACK_DIM_1.CHANNEL": "UNKNOWN", "DIAL_1_RESULT": "UNKNOWN", "DISPOSITION": "UNKNOWN"},
			rejections: []rejection{
				{Scope: "KVP", Key: "_CB_DISPOSITION", Value: "DONE.AGENT", Service: "SVC-1", Reason: `CALLBACK_DIM_3.DISPOSITION: "DONE.AGENT" is no <state>.<sub state> disposition; UNKNOWN instead`},
				{Scope: "KVP", Key: "_CB_DIAL_1_RESULT", Value: "MAYBE", Service: "SVC-1", Reason: `CALLBACK_DIAL_RESULTS.DIAL_1_RESULT: "MAYBE" is not one of ` + strings.Join(reporting.DialResults(), ", ") + "; UNKNOWN instead"},
				{Scope: "KVP", Key: "_CB_DIM_CHANNEL", Value: "FAX", Service: "SVC-1", Reason: `CALLBACK_DIM_1.CHANNEL: "FAX" is not one of IVR, WEB, MOBILE; UNKNOWN instead`},
			},
		},
		{
			name: "a completed disposition with the agent's reason", facts: 1, kv: start.with("_CB_DISPOSITION", "COMPLETED.SALE_MADE"),
			cols: map[string]any{"DISPOSITION": "COMPLETED.SALE_MADE"},
		},
		{
			name: "numbers of the wrong type", facts: 1,
			kv:   start.with("_CB_N_CALLBACK_MEDIA_ATTEMPTS", "two", "_CB_T_SERVICE_END", -5, "_CB_N_AGENT_ADDED_TO_IXN", 3),
			cols: map[string]any{"CALLBACK_ATTEMPTS": int64(0), "SERVICE_END_TS": int64(0), "AGENT_ADDED_TO_IXN": int64(0)},
			rejections: []rejection{
				{Scope: "KVP", Key: "_CB_T_SERVICE_END", Value: "-5", Service: "SVC-1", Reason: "CALLBACK_FACT.SERVICE_END_TS: -5 is negative (timestamp); 0 instead"},
				{Scope: "KVP", Key: "_CB_N_AGENT_ADDED_TO_IXN", Value: "3", Service: "SVC-1", Reason: "CALLBACK_FACT.AGENT_ADDED_TO_IXN: 3 is not 0 or 1; 0 instead"},
				{Scope: "KVP", Key: "_CB_N_CALLBACK_MEDIA_ATTEMPTS", Value: "two", Service: "SVC-1", Reason: `CALLBACK_FACT.CALLBACK_ATTEMPTS: "two" is not an integer (count); 0 instead`},
			},
		},
		{
			name: "misspelt and unknown _CB_ keys", facts: 1,
			kv:   start.with("_CB_N_AGENT_ADDED_TO_I_XN", 1, "_CB_SOMETHING", "x", "gms_ServiceName", "inbound-delay"),
			cols: map[string]any{"AGENT_ADDED_TO_IXN": int64(0)},
			rejections: []rejection{
				{Scope: "KVP", Key: "_CB_N_AGENT_ADDED_TO_I_XN", Value: "1", Service: "SVC-1", Reason: "spelled as the PDF copy of the seeds misprints it; Info Mart reads _CB_N_AGENT_ADDED_TO_IXN: not taken"},
				{Scope: "KVP", Key: "_CB_SOMETHING", Value: "x", Service: "SVC-1", Reason: "not a KVP of the catalogue: not taken"},
			},
		},
		{
			name: "no tenant, no queue", facts: 1, kv: start.with("_CB_TENANT_DBID", nil, "_CB_DIM_VQ", nil),
			cols: map[string]any{"CALLBACK_FACT.TENANT_KEY": int64(-1), "CALLBACK_FACT.RESOURCE_KEY": int64(-1)},
		},
		{
			name: "the queue by its DBID", facts: 1,
			kv:   start.with("_CB_DIM_VQ_DBID", 305, "VQ_CFG_TYPE_ID", 5, "VQ_CFG_TYPE", "CFGDN"),
			cols: map[string]any{"RESOURCE_CFG_DBID": int64(305), "RESOURCE_CFG_TYPE_ID": int64(5), "RESOURCE_SUBTYPE": "CFGDN", "RESOURCE_NAME": "VQ_Callback"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, s *store.Store) {
				st := load(t, s, event("m1", tt.kv))
				require.Equal(t, tt.facts, st.Facts)
				assert.Equal(t, 1-tt.facts, st.Rejected)
				var cols []string
				for c := range tt.cols {
					cols = append(cols, c)
				}
				if tt.facts > 0 && len(cols) > 0 {
					got := facts(t, s, cols...)
					require.Len(t, got, 1)
					assert.Equal(t, tt.cols, got[0])
				}
				got := rejections(t, s)
				assert.ElementsMatch(t, tt.rejections, got)
			})
		})
	}
}

func TestNotCallbackEvents(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		st := load(t, s, event("m1", kvps{"gms_ServiceName", "inbound-delay", "gms_SessionEventSeq", 3}), event("m2", nil))
		assert.Equal(t, transform.Stats{Skipped: 1}, st) // m2 has no KVP: ICON marked it
		assert.Empty(t, facts(t, s, "SERVICE_ID"))
		assert.Empty(t, rejections(t, s))
	})
}

func TestIdempotent(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		evs := []icon.Event{event("m1", start), event("m2", final), event("m3", start.with("_CB_SERVICE_ID", "SVC-2"))}
		assert.Equal(t, 3, load(t, s, evs...).Facts)
		// Redelivered, and the transform run again: nothing new.
		assert.Equal(t, transform.Stats{}, load(t, s, evs...))
		assert.Len(t, facts(t, s, "SERVICE_ID"), 3)
		// A new transformer (a restart) finds the dimension rows again.
		assert.Equal(t, 1, load(t, s, event("m4", final.with("_CB_SERVICE_ID", "SVC-2"))).Facts)
		for table, want := range map[string]int{"CALLBACK_DIM_1": 1, "CALLBACK_DIM_2": 2, "CALLBACK_DIM_3": 2, "CALLBACK_DIAL_RESULTS": 2,
			"TENANT": 1, "RESOURCE_": 1, "DATE_TIME": 1} {
			var n int
			require.NoError(t, s.DB().QueryRow("SELECT COUNT(*) FROM "+table).Scan(&n))
			assert.Equal(t, want, n, table)
		}
	})
}

func TestMapping(t *testing.T) {
	cat := reporting.Default()
	targets, err := transform.Mapping(cat)
	require.NoError(t, err)
	cols := map[string]bool{}
	for _, c := range transform.FactColumns() {
		cols[c] = true
	}
	seen := map[string]bool{}
	for _, tg := range targets {
		seen[tg.Key] = true
		assert.NotEmpty(t, tg.Rule, tg.Key)
		if tg.Table == transform.FactTable {
			assert.True(t, cols[tg.Column], "%s feeds %s", tg.Key, tg.Column)
		}
	}
	// Every KVP with an Info Mart target has a column.
	for _, e := range cat.Entries() {
		assert.Equal(t, len(e.Targets) > 0, seen[e.Key], e.Key)
	}
	for _, k := range cat.Mandatory() {
		assert.True(t, seen[k], k)
	}
}

func TestDateTimeKey(t *testing.T) {
	for _, tt := range []struct{ in, want int64 }{{t0, t0}, {t0 + 899, t0}, {t0 + 900, t0 + 900}, {-1, -900}} {
		assert.Equal(t, tt.want, transform.DateTimeKey(tt.in), tt.in)
	}
}
