package transform_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/infomart/icon"
	"github.com/orca-scxml/orca/infomart/internal/dbtest"
	"github.com/orca-scxml/orca/infomart/internal/fixture"
	"github.com/orca-scxml/orca/infomart/store"
)

// TestTemplateFamilies pins the CALLBACK_FACT rows of the start and final
// UserEvents of real callback templates.
func TestTemplateFamilies(t *testing.T) {
	const t0 = fixture.T0
	cols := []string{"SERVICE_ID", "FINAL_RECORD", "CALLBACK_OFFERED", "CALLBACK_ACCEPTED", "CALLBACK_OFFER_TIME", "CALLBACK_OFFERED_TS",
		"CALLBACK_ACCEPTED_TS", "SERVICE_START_TS", "START_DATE_TIME_KEY", "READY_START_MEDIA_IXN_TS", "CUSTOMER_CONNECTED_TS",
		"WAIT_AGENT_OFFLINE_TIME", "CALLBACK_ATTEMPTS", "AGENT_ADDED_TO_IXN", "SERVICE_END_TS", "DIAL_1_TS", "DIAL_2_TS",
		"CUSTOMER_ANI", "FIRST_OUT_IXN_ID", "LAST_OUT_IXN_ID", "CALLBACK_DIM_1.CHANNEL", "CALLBACK_TYPE", "CONNECT_ORDER",
		"FINAL_DIAL_RESULT", "DISPOSITION", "FINAL_TARGET", "DIAL_1_RESULT", "DIAL_2_RESULT", "TENANT_CFG_DBID", "RESOURCE_NAME",
		"RESOURCE_CFG_DBID", "RESOURCE_CFG_TYPE_ID", "CALLBACK_OFFER_TYPE", "OFFER_TIMING", "EWT_WHEN_OFFERED", "POS_WHEN_OFFERED",
		"EWT_READY_TO_START_IXN", "ESTABLISH_MEDIA_IXN_TIME", "CONN_WAITING_AGENT_TIME", "EWT_WHEN_REJECTED", "WAITED_BEFORE_OFFER_TIME",
		"EWT_THRESHOLD_WHEN_OFFERED", "PRIORITY_WHEN_CB_ACCEPTED"}
	// Columns of the start UserEvent of a customer-first callback
	// requested at t0.
	base := map[string]any{"FINAL_RECORD": int64(0), "CALLBACK_OFFERED": int64(1), "CALLBACK_ACCEPTED": int64(1), "CALLBACK_OFFER_TIME": int64(0),
		"CALLBACK_OFFERED_TS": int64(t0), "CALLBACK_ACCEPTED_TS": int64(t0), "SERVICE_START_TS": int64(t0), "START_DATE_TIME_KEY": int64(t0),
		"READY_START_MEDIA_IXN_TS": int64(0), "CUSTOMER_CONNECTED_TS": int64(0), "WAIT_AGENT_OFFLINE_TIME": int64(0), "CALLBACK_ATTEMPTS": int64(0),
		"AGENT_ADDED_TO_IXN": int64(0), "SERVICE_END_TS": int64(0), "DIAL_1_TS": int64(0), "DIAL_2_TS": int64(0), "CUSTOMER_ANI": nil,
		"FIRST_OUT_IXN_ID": nil, "LAST_OUT_IXN_ID": nil, "CALLBACK_DIM_1.CHANNEL": "UNKNOWN", "CALLBACK_TYPE": "IMMEDIATE",
		"CONNECT_ORDER": "CUSTOMER_FIRST", "FINAL_DIAL_RESULT": "UNKNOWN", "DISPOSITION": "UNKNOWN", "FINAL_TARGET": "UNKNOWN",
		"DIAL_1_RESULT": "UNKNOWN", "DIAL_2_RESULT": "UNKNOWN", "TENANT_CFG_DBID": int64(101),
		// The virtual queue the agent is found through: the outbound
		// calls' queue for a customer-first callback, with its DBID.
		"RESOURCE_NAME": "VQ_Callback_Outbound", "RESOURCE_CFG_DBID": int64(302), "RESOURCE_CFG_TYPE_ID": int64(2),
		"CALLBACK_OFFER_TYPE": "IMMEDIATE", "OFFER_TIMING": "ON-HOURS", "EWT_WHEN_OFFERED": int64(0), "POS_WHEN_OFFERED": int64(1),
		"EWT_READY_TO_START_IXN": int64(0), "ESTABLISH_MEDIA_IXN_TIME": int64(0), "CONN_WAITING_AGENT_TIME": int64(0),
		"EWT_WHEN_REJECTED": int64(0), "WAITED_BEFORE_OFFER_TIME": int64(0), "EWT_THRESHOLD_WHEN_OFFERED": int64(0),
		"PRIORITY_WHEN_CB_ACCEPTED": int64(0)}
	// connected is the final row of a callback whose customer, dialed at
	// at on the call of call ID callID, was connected at once.
	connected := func(start map[string]any, at, end int64, callID string, kv ...any) map[string]any {
		return merge(start, append([]any{"FINAL_RECORD", int64(1), "READY_START_MEDIA_IXN_TS", at, "CUSTOMER_CONNECTED_TS", at,
			"CALLBACK_ATTEMPTS", int64(1), "AGENT_ADDED_TO_IXN", int64(1), "SERVICE_END_TS", end, "DIAL_1_TS", at,
			"FIRST_OUT_IXN_ID", callID, "LAST_OUT_IXN_ID", callID, "FINAL_DIAL_RESULT", "CONNECTED", "DISPOSITION", "COMPLETED.AGENT",
			"FINAL_TARGET", "Agent1@SIP_Switch.A", "DIAL_1_RESULT", "CONNECTED"}, kv...)...)
	}
	inQueue := merge(base, "CALLBACK_OFFER_TIME", int64(15), "CUSTOMER_ANI", "5550001", "CALLBACK_DIM_1.CHANNEL", "IVR",
		"CALLBACK_ACCEPTED_TS", int64(t0+15))
	// Declined, the caller stays in the inbound calls' queue.
	declined := merge(inQueue, "CALLBACK_ACCEPTED", int64(0), "CALLBACK_ACCEPTED_TS", int64(0), "RESOURCE_NAME", "VQ_Callback_Inbound",
		"RESOURCE_CFG_DBID", int64(303))
	scheduled := merge(base, "CALLBACK_TYPE", "SCHEDULED", "CALLBACK_OFFER_TYPE", "SCHEDULED")
	// Agent first finds the agent through the virtual callbacks' queue.
	agentFirst := merge(base, "CALLBACK_TYPE", "WAIT_FOR_AGENT", "CONNECT_ORDER", "AGENT_FIRST_NO_PREVIEW", "CALLBACK_OFFER_TYPE", "WAIT_FOR_AGENT",
		"RESOURCE_NAME", "VQ_Callback", "RESOURCE_CFG_DBID", int64(301))
	want := map[string][2]map[string]any{
		"immediate connected": {base, connected(base, t0, t0+90, "100001")},
		"immediate busy until the redial limit": {base, merge(base, "FINAL_RECORD", int64(1), "READY_START_MEDIA_IXN_TS", int64(t0),
			"CALLBACK_ATTEMPTS", int64(2), "SERVICE_END_TS", int64(t0+60), "DIAL_1_TS", int64(t0), "DIAL_2_TS", int64(t0+60),
			"FIRST_OUT_IXN_ID", "200001", "LAST_OUT_IXN_ID", "200002", "FINAL_DIAL_RESULT", "BUSY", "DISPOSITION", "QUEUED.REDIAL_LIMIT_REACHED",
			"DIAL_1_RESULT", "BUSY", "DIAL_2_RESULT", "BUSY")},
		"scheduled connected": {scheduled, connected(scheduled, t0+3600, t0+3720, "100001", "WAIT_AGENT_OFFLINE_TIME", int64(3600))},
		"agent first": {agentFirst, connected(agentFirst, t0+60, t0+100, "100001", "WAIT_AGENT_OFFLINE_TIME", int64(60),
			"EWT_READY_TO_START_IXN", int64(60))},
		"in-queue accepted": {inQueue, connected(inQueue, t0+15, t0+115, "100002")},
		"in-queue declined": {declined, merge(declined, "FINAL_RECORD", int64(1), "SERVICE_END_TS", int64(t0+15),
			"DISPOSITION", "QUEUED.REJECTED")},
	}
	var evs []icon.Event
	var ids []string
	for _, sc := range fixture.Scenarios() {
		got, err := sc.Run(sc.Name, fixture.Epoch)
		require.NoError(t, err)
		evs = append(evs, got...)
		ids = append(ids, sc.Name)
	}
	require.Len(t, want, len(ids))
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		st := load(t, s, evs...)
		assert.Equal(t, 2*len(ids), st.Facts)
		assert.Zero(t, st.Rejected+st.Issues)
		rows := facts(t, s, cols...)
		require.Len(t, rows, 2*len(ids))
		byService := map[string][]map[string]any{}
		for _, r := range rows {
			svc := r["SERVICE_ID"].(string)
			delete(r, "SERVICE_ID")
			byService[svc] = append(byService[svc], r)
		}
		for _, id := range ids {
			got := byService[id]
			require.Len(t, got, 2, id)
			assert.Equal(t, want[id][0], got[0], "%s: start", id)
			assert.Equal(t, want[id][1], got[1], "%s: final", id)
		}
		// The four call-attached KVPs of each connected call are in
		// G_USERDATA_HISTORY, with the same values as the events.
		var n int
		require.NoError(t, s.DB().QueryRow(`SELECT COUNT(*) FROM G_USERDATA_HISTORY WHERE KEYNAME = '_CB_T_CUSTOMER_CONNECTED'`).Scan(&n))
		assert.Equal(t, 4, n)
		require.NoError(t, s.DB().QueryRow(`SELECT COUNT(*) FROM G_USERDATA_HISTORY H JOIN CALLBACK_FACT F
  ON F.SERVICE_ID = H.VALUE AND F.FINAL_RECORD = 1 WHERE H.KEYNAME = '_CB_SERVICE_ID'`).Scan(&n))
		// Every outbound call, connected or not (a busy one carries it
		// from its creation: its EventDialing), and both in-queue calls,
		// tied to their callback from the offer on, declined or not.
		var dialed int
		require.NoError(t, s.DB().QueryRow(`SELECT COUNT(DISTINCT CALL_ID) FROM ORCA_EVENT WHERE EVENT_NAME = 'EventDialing'`).Scan(&dialed))
		assert.Equal(t, 6, dialed, "four connected calls, two busy ones")
		assert.Equal(t, dialed+2, n)
	})
}
