package reporting_test

import (
	"errors"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/templates/reporting"
)

// TestEndedFromOutside ends callbacks by cancelling their session (an ORS
// terminate, a shutdown): the final UserEvent still reports a
// disposition, the attempt in progress and no stale redial.
func TestEndedFromOutside(t *testing.T) {
	cases := []struct {
		name  string
		drive func(h *harness)
		// final holds the values the final UserEvent must have (nil: absent).
		final map[string]any
	}{
		{"a dial ringing", func(h *harness) {
			h.send("S1", "state", map[string]any{"state": "QUEUED"})
			h.send("S1", "dialing", nil)
			h.send("S1", "outbound", map[string]any{"ixn": "OUT1", "callid": "100001"})
			h.advance(20 * time.Second)
		}, map[string]any{"_CB_DISPOSITION": "QUEUED.CANCELLED", "_CB_N_CALLBACK_MEDIA_ATTEMPTS": 1, "_CB_DIAL_1_RESULT": "NO_ANSWER",
			"_CB_T_DIAL_1": E, "_CB_FIRST_OUT_IXN_ID": "100001", "_CB_T_SERVICE_END": E + 20}},
		{"a push not answered, delivery confirmed", func(h *harness) {
			h.send("S1", "state", map[string]any{"state": "QUEUED"})
			h.send("S1", "dialing", map[string]any{"pending": "PUSH_DELIVERY_NOT_CONFIRMED"})
			h.advance(5 * time.Second)
			h.send("S1", "pending", map[string]any{"result": "PUSH_DELIVERY_CONFIRMED"})
		}, map[string]any{"_CB_DISPOSITION": "QUEUED.CANCELLED", "_CB_DIAL_1_RESULT": "PUSH_DELIVERY_CONFIRMED",
			"_CB_DIM_FINAL_DIAL_RESULT": "PUSH_DELIVERY_CONFIRMED", "_CB_FIRST_OUT_IXN_ID": nil}},
		{"waiting to redial", func(h *harness) {
			h.send("S1", "state", map[string]any{"state": "QUEUED"})
			h.send("S1", "dialing", nil)
			h.send("S1", "dialresult", map[string]any{"result": "BUSY"})
			h.send("S1", "state", map[string]any{"state": "SCHEDULED"})
			h.send("S1", "set", map[string]any{"key": "_CB_T_NEXT_REDIAL_ATTEMPT", "value": E + 300})
			h.advance(60 * time.Second)
		}, map[string]any{"_CB_DISPOSITION": "SCHEDULED.CANCELLED", "_CB_DIAL_1_RESULT": "BUSY", "_CB_N_CALLBACK_MEDIA_ATTEMPTS": 1,
			"_CB_T_NEXT_REDIAL_ATTEMPT": nil, "_CB_T_SERVICE_END": E + 60}},
		{"with an agent", func(h *harness) {
			h.send("S1", "state", map[string]any{"state": "PROCESSING"})
		}, map[string]any{"_CB_DISPOSITION": "PROCESSING.CONNECTED"}},
		{"its own disposition", func(h *harness) {
			h.send("S1", "state", map[string]any{"state": "ROUTING"})
			h.send("S1", "disposition", map[string]any{"value": "ROUTING.ABANDONED_IN_QUEUE"})
		}, map[string]any{"_CB_DISPOSITION": "ROUTING.ABANDONED_IN_QUEUE"}},
		{"an offer still open", func(h *harness) {
			h.send("S1", "state", map[string]any{"state": "QUEUED"})
		}, map[string]any{"_CB_DISPOSITION": "QUEUED.CANCELLED", "_CB_N_CALLBACK_ACCEPTED": 0, "_CB_D_CALLBACK_OFFER": 0}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.port.NewCall(telephony.Call{ConnID: "OUT1", CallID: "100001", ThisDN: "RP"})
			h.port.Flush()
			h.start("rules.scxml", "S1", enabled())
			h.setMandatory("S1", "_CB_T_CALLBACK_ACCEPTED")
			if tc.name != "an offer still open" {
				h.send("S1", "set", map[string]any{"key": "_CB_T_CALLBACK_ACCEPTED", "value": E})
				h.send("S1", "set", map[string]any{"key": "_CB_N_CALLBACK_ACCEPTED", "value": 1})
			}
			tc.drive(h)
			require.NoError(t, h.eng.Cancel("S1"))
			h.eng.Run()
			h.port.Flush()
			assert.Empty(t, h.probs)
			ues := h.userEvents()
			require.Len(t, ues, 2, "the start UserEvent goes first")
			assert.Equal(t, 0, mustInt(t, ues[0].UserData, "_CB_FINAL_RECORD"))
			final := ues[1].UserData
			for k, want := range tc.final {
				got, ok := final.Get(k)
				if want == nil {
					assert.False(t, ok, "%s: %v", k, got)
					continue
				}
				assert.Equal(t, want, got, k)
			}
		})
	}
}

// TestSessionErrorIsFailed: a session that ends on an error (the engine's
// limit) reports <state>.FAILED.
func TestSessionErrorIsFailed(t *testing.T) {
	h := newHarness(t, nil)
	h.start("rules.scxml", "S1", enabled())
	h.setMandatory("S1")
	h.send("S1", "state", map[string]any{"state": "SCHEDULED"})
	h.send("S1", "loop", nil)
	ues := h.userEvents()
	require.Len(t, ues, 2)
	assert.Equal(t, "SCHEDULED.FAILED", ues[1].UserData.String("_CB_DISPOSITION"))
}

func TestOutboundCalls(t *testing.T) {
	h := newHarness(t, nil)
	h.port.NewCall(telephony.Call{ConnID: "OUT1", CallID: "100001", ThisDN: "RP"})
	h.port.NewCall(telephony.Call{ConnID: "OUT2", CallID: "100002", ThisDN: "RP",
		UserData: telephony.UserData{{Key: "_CB_SERVICE_ID", Value: "S1"}, {Key: "_CB_T_SERVICE_START", Value: E}}})
	h.port.Flush()
	h.start("rules.scxml", "S1", enabled())
	h.setMandatory("S1")
	// A call created without the call-attached KVPs gets those known now.
	h.send("S1", "outbound", map[string]any{"ixn": "OUT1", "callid": "100001"})
	// One created with some of them gets the others only.
	h.send("S1", "outbound", map[string]any{"ixn": "OUT2", "callid": "100002",
		"udata": map[string]any{"_CB_SERVICE_ID": "S1", "_CB_T_SERVICE_START": float64(E)}})
	got, _ := h.rep.Values("S1")
	assert.Equal(t, "100001", got.String("_CB_FIRST_OUT_IXN_ID"))
	assert.Equal(t, "100002", got.String("_CB_LAST_OUT_IXN_ID"))
	assert.Equal(t, []telephony.UserDataChange{
		{Op: telephony.Update, ConnID: "OUT1", UserData: telephony.UserData{{Key: "_CB_SERVICE_ID", Value: "S1"},
			{Key: "_CB_T_CALLBACK_ACCEPTED", Value: E + 5}, {Key: "_CB_T_SERVICE_START", Value: E}}},
		{Op: telephony.Update, ConnID: "OUT2", UserData: telephony.UserData{{Key: "_CB_T_CALLBACK_ACCEPTED", Value: E + 5}}},
	}, h.attaches())
	// Without a call ID the interaction id is reported.
	h.send("S1", "outbound", map[string]any{"ixn": "OUT3"})
	got, _ = h.rep.Values("S1")
	assert.Equal(t, "OUT3", got.String("_CB_LAST_OUT_IXN_ID"))
}

// TestOutboundUserDataChangedByScript checks that <rep:outbound
// udata="_event.data.udata"> compares with the user data as a script left
// it, not as the event brought it.
func TestOutboundUserDataChangedByScript(t *testing.T) {
	h := newHarness(t, nil)
	h.port.NewCall(telephony.Call{ConnID: "OUT1", CallID: "100001", ThisDN: "RP",
		UserData: telephony.UserData{{Key: "_CB_SERVICE_ID", Value: "OLD"}, {Key: "_CB_T_SERVICE_START", Value: E}}})
	h.port.Flush()
	h.start("rules.scxml", "S1", enabled())
	h.setMandatory("S1")
	// The script drops _CB_T_SERVICE_START and sets _CB_SERVICE_ID to
	// the session's: the call gets the first, not the second.
	h.send("S1", "outbound_edited", map[string]any{"ixn": "OUT1", "callid": "100001", "service": "S1",
		"udata": map[string]any{"_CB_SERVICE_ID": "OLD", "_CB_T_SERVICE_START": float64(E)}})
	assert.Equal(t, []telephony.UserDataChange{
		{Op: telephony.Update, ConnID: "OUT1", UserData: telephony.UserData{
			{Key: "_CB_T_CALLBACK_ACCEPTED", Value: E + 5}, {Key: "_CB_T_SERVICE_START", Value: E}}},
	}, h.attaches())
	assert.Empty(t, h.probs)
}

func TestQueueStat(t *testing.T) {
	h := newHarness(t, func(o *reporting.Options) { o.Statistics = o.Port.(*telephony.Memory) })
	// Two calls distributed 40s apart, then IN2 and IN1 wait.
	h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: 10 * time.Second}, telephony.Answer{Delay: 50 * time.Second},
		telephony.Answer{Silent: true}, telephony.Answer{Silent: true})
	for _, c := range []telephony.ConnID{"A", "B", "IN2", "IN1"} {
		_, err := h.port.SubmitToQueue(telephony.QueueSubmit{ConnID: c, Queue: "VQ_In", Priority: 2, Targets: []string{"Agents@.GA"}})
		require.NoError(t, err)
	}
	h.advance(70 * time.Second)
	h.start("rules.scxml", "S1", enabled())
	h.send("S1", "queuestat", map[string]any{"queue": "VQ_In", "ixn": "IN1"})
	got, _ := h.rep.Values("S1")
	assert.Equal(t, 80, mustInt(t, got, "_CB_EWT_WHEN_CALLBACK_WAS_OFFERED"), "second: 2 × 40s")
	assert.Equal(t, 2, mustInt(t, got, "_CB_POS_WHEN_CALLBACK_WAS_OFFERED"))
	assert.Equal(t, 2, mustInt(t, got, "_CB_PRIORITY_WHEN_CALLBACK_ACCEPTED"))
	assert.Equal(t, 70, mustInt(t, got, "_CB_D_CUSTOMER_WAITED_BEFORE_OFFER"))

	// Not waiting: where it would stand, the default priority, no wait.
	h.start("rules.scxml", "S2", enabled())
	h.send("S2", "queuestat", map[string]any{"queue": "VQ_In", "ixn": "OTHER", "priority": 7})
	got, _ = h.rep.Values("S2")
	assert.Equal(t, 120, mustInt(t, got, "_CB_EWT_WHEN_CALLBACK_WAS_OFFERED"))
	assert.Equal(t, 3, mustInt(t, got, "_CB_POS_WHEN_CALLBACK_WAS_OFFERED"))
	assert.Equal(t, 7, mustInt(t, got, "_CB_PRIORITY_WHEN_CALLBACK_ACCEPTED"))
	_, ok := got.Get("_CB_D_CUSTOMER_WAITED_BEFORE_OFFER")
	assert.False(t, ok)
	assert.Empty(t, h.probs)

	// Without a source: nothing set, nothing said (a host configured
	// without Stat Server).
	h2 := newHarness(t, nil)
	h2.start("rules.scxml", "S1", enabled())
	h2.send("S1", "queuestat", map[string]any{"queue": "VQ_In"})
	assert.Empty(t, h2.reasons())
	assert.Empty(t, h2.errorLogs())
	got, _ = h2.rep.Values("S1")
	_, ok = got.Get("_CB_EWT_WHEN_CALLBACK_WAS_OFFERED")
	assert.False(t, ok)

	// A source that fails: logged, not raised, nothing set.
	h3 := newHarness(t, func(o *reporting.Options) { o.Statistics = failingStats{} })
	h3.start("rules.scxml", "S1", enabled())
	h3.send("S1", "queuestat", map[string]any{"queue": "VQ_In"})
	assert.Equal(t, []reporting.Reason{reporting.NoStatistics}, h3.reasons())
	assert.Empty(t, h3.errorLogs())
}

// failingStats is a statistic source whose server is down.
type failingStats struct{}

func (failingStats) QueueStat(string) (telephony.QueueStat, error) {
	return telephony.QueueStat{}, errors.New("stat server unreachable")
}

func (failingStats) Waiting(string, telephony.ConnID) (telephony.Waiting, bool, error) {
	return telephony.Waiting{}, false, errors.New("stat server unreachable")
}

func TestQueueConfiguration(t *testing.T) {
	h := newHarness(t, func(o *reporting.Options) {
		o.Queues = func(name string) (int, bool) { return map[string]int{"VQ_Out": 305}[name], name == "VQ_Out" }
	})
	h.start("rules.scxml", "S1", enabled())
	h.send("S1", "set", map[string]any{"key": "_CB_DIM_VQ", "value": "VQ_Out"})
	got, _ := h.rep.Values("S1")
	assert.Equal(t, 305, mustInt(t, got, "_CB_DIM_VQ_DBID"))
	assert.Equal(t, 2, mustInt(t, got, "VQ_CFG_TYPE_ID"))
	assert.Equal(t, "CFGDN", got.String("VQ_CFG_TYPE"))
	h.send("S1", "set", map[string]any{"key": "_CB_DIM_VQ", "value": "VQ_Unknown"})
	got, _ = h.rep.Values("S1")
	for _, k := range []string{"_CB_DIM_VQ_DBID", "VQ_CFG_TYPE_ID", "VQ_CFG_TYPE"} {
		_, ok := got.Get(k)
		assert.False(t, ok, "%s of the previous queue is dropped", k)
	}
}

func TestAgentCompletedReasons(t *testing.T) {
	h := newHarness(t, nil)
	h.start("rules.scxml", "S1", enabled())
	h.send("S1", "disposition", map[string]any{"value": "COMPLETED.SALE_MADE"})
	assert.Empty(t, h.probs)
	got, _ := h.rep.Values("S1")
	assert.Equal(t, "COMPLETED.SALE_MADE", got.String("_CB_DISPOSITION"))
}
