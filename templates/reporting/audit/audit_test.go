package audit_test

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/templates/reporting/audit"
)

// pinned reads a path the tests of package templates pinned and returns
// it as the checker reads it.
func pinned(t *testing.T, family, name string) audit.Callback {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "..", "testdata", "paths", family, name+".json"))
	require.NoError(t, err)
	var rec struct {
		Options    map[string]string `json:"options"`
		Request    map[string]string `json:"request"`
		UserEvents []snap            `json:"userEvents"`
		Calls      []struct {
			ConnID, CallID, Kind string
			Data                 []snap
		} `json:"calls"`
	}
	require.NoError(t, json.Unmarshal(data, &rec))
	cb := audit.Callback{Request: rec.Request, Options: map[string]string{
		"_target": "Agent1@SIP_Switch.A", "_urs_virtual_queue": "VQ_Callback", "_vq_for_outbound_calls": "VQ_Callback_Outbound",
		"_vq_for_inbound_calls": "VQ_Callback_Inbound"}}
	for k, v := range rec.Options {
		cb.Options[k] = v
	}
	for _, e := range rec.UserEvents {
		cb.Events = append(cb.Events, e.event())
	}
	kinds := map[string]audit.CallKind{"outbound": audit.Outbound, "in-queue origin": audit.Origin, "customer's": audit.Customer}
	for _, c := range rec.Calls {
		call := audit.Call{ConnID: c.ConnID, CallID: c.CallID, Kind: kinds[c.Kind]}
		for _, d := range c.Data {
			call.Data = append(call.Data, d.event())
		}
		if len(call.Data) > 0 {
			call.Created = call.Data[0].Time
		}
		cb.Calls = append(cb.Calls, call)
	}
	return cb
}

type snap struct {
	At   int64          `json:"at"`
	KVPs map[string]any `json:"kvps"`
}

func (s snap) event() audit.Event {
	var ud telephony.UserData
	keys := make([]string, 0, len(s.KVPs))
	for k := range s.KVPs {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		ud = append(ud, telephony.KV{Key: k, Value: s.KVPs[k]})
	}
	return audit.Event{Time: time.Unix(s.At, 0).UTC(), Data: ud}
}

// set sets key in user data (nil deletes it).
func set(ud telephony.UserData, key string, v any) telephony.UserData {
	ud = ud.Clone()
	if v == nil {
		ud.Delete(key)
		return ud
	}
	ud.Set(key, v)
	return ud
}

// final mutates the final UserEvent.
func final(key string, v any) func(cb *audit.Callback) {
	return func(cb *audit.Callback) {
		n := len(cb.Events) - 1
		cb.Events[n].Data = set(cb.Events[n].Data, key, v)
	}
}

func rules(vs []audit.Violation) []string {
	var out []string
	for _, v := range vs {
		if !slices.Contains(out, v.Rule) {
			out = append(out, v.Rule)
		}
	}
	return out
}

// TestPinnedPathsPass: the paths pinned by package templates pass.
func TestPinnedPathsPass(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("..", "..", "testdata", "paths", "*", "*.json"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		fam, name := filepath.Base(filepath.Dir(f)), filepath.Base(f)
		name = name[:len(name)-len(".json")]
		assert.Empty(t, audit.Check(pinned(t, fam, name)), "%s/%s", fam, name)
	}
}

// TestEveryRuleCanFail breaks good callbacks one way at a time: each
// break is found, by the rule meant to find it.
func TestEveryRuleCanFail(t *testing.T) {
	const t0 = 1795255200
	cases := []struct {
		rule   string
		family string
		path   string
		mutate func(cb *audit.Callback)
	}{
		{"mandatory", "immediate", "agent-connected-call-ends", final("_CB_T_CALLBACK_OFFERED", nil)},
		{"start", "immediate", "agent-connected-call-ends", func(cb *audit.Callback) { cb.Events = append([]audit.Event{cb.Events[0]}, cb.Events...) }},
		{"final", "immediate", "agent-connected-call-ends", func(cb *audit.Callback) { cb.Events = cb.Events[:1] }},
		{"catalogue", "immediate", "agent-connected-call-ends", final("_CB_DIM_CHANNEL", "FAX")},
		{"catalogue", "immediate", "agent-connected-call-ends", final("_CB_N_AGENT_ADDED_TO_I_XN", 1)},
		{"same-callback", "immediate", "agent-connected-call-ends", final("_CB_ORS_SESSION_ID", "OTHER")},
		{"stable", "immediate", "agent-connected-call-ends", final("_CB_DIM_TYPE", "SCHEDULED")},
		{"end", "immediate", "agent-connected-call-ends", func(cb *audit.Callback) {
			cb.Events[0].Data = set(cb.Events[0].Data, "_CB_T_SERVICE_END", t0+300)
		}},
		{"disposition", "immediate", "agent-connected-call-ends", final("_CB_DISPOSITION", nil)},
		{"order", "immediate", "agent-connected-call-ends", final("_CB_T_READY_TO_START_MEDIA_IXN", t0+200)},
		{"stale", "immediate", "cancelled-while-waiting-to-redial", final("_CB_T_NEXT_REDIAL_ATTEMPT", t0+300)},
		{"offer-time", "in-queue", "accepted", final("_CB_D_CALLBACK_OFFER", 0)},
		{"establish-time", "immediate", "first-attempt-busy-then-connected", final("_CB_D_ESTABLISH_MEDIA_IXN", 300)},
		{"waiting-times", "immediate", "agent-connected-call-ends", final("_CB_D_CUSTOMER_CONNECTED_WAITING_FOR_AGENT", 500)},
		{"attempts", "immediate", "redial-limit", final("_CB_N_CALLBACK_MEDIA_ATTEMPTS", 2)},
		{"flags", "in-queue", "declined", final("_CB_N_CALLBACK_ACCEPTED", 1)},
		{"disposition-state", "immediate", "redial-limit", final("_CB_DISPOSITION", "COMPLETED.AGENT")},
		{"request", "immediate", "the-request-s-reporting-values-pass-through", func(cb *audit.Callback) {
			for i := range cb.Events {
				cb.Events[i].Data = set(cb.Events[i].Data, "_CB_D_CALLBACK_OFFER", 30)
			}
		}},
		{"vq", "immediate", "agent-connected-call-ends", final("_CB_DIM_VQ", "VQ_Callback")},
		{"vq", "in-queue", "declined", final("_CB_DIM_VQ", "VQ_Callback_Outbound")},
		{"target", "immediate", "agent-connected-call-ends", func(cb *audit.Callback) {
			cb.Routing = []audit.Submit{{Queue: "VQ_Callback_Outbound", Targets: []string{"Sales@.GA"}, Agent: "Agent1"}}
			final("_CB_DIM_FINAL_TARGET", "Agent1")(cb)
		}},
		{"out-ids", "immediate", "redial-limit", final("_CB_LAST_OUT_IXN_ID", "OUT3")},
		{"out-ids", "user-originated", "customer-calls-in", final("_CB_FIRST_OUT_IXN_ID", "IN7")},
		{"reserved-agent", "wait-for-agent", "immediate-the-reserved-agent-takes-the-call", func(cb *audit.Callback) {
			cb.Transfers = []audit.Transfer{{To: "7001", Reserved: true}, {To: "7001", OK: true}}
		}},
		{"call-values", "immediate", "agent-connected-call-ends", func(cb *audit.Callback) {
			c := &cb.Calls[0]
			c.Data[1].Data = set(c.Data[1].Data, "_CB_T_CUSTOMER_CONNECTED", t0+999)
		}},
		{"outbound-calls", "immediate", "redial-limit", func(cb *audit.Callback) {
			cb.Calls[1].Data[0].Data = set(cb.Calls[1].Data[0].Data, "_CB_SERVICE_ID", nil)
		}},
		{"origin-call", "in-queue", "accepted", func(cb *audit.Callback) {
			c := &cb.Calls[0]
			for i := range c.Data {
				c.Data[i].Data = set(c.Data[i].Data, "_CB_T_CALLBACK_ACCEPTED", nil)
			}
		}},
		{"connected-call", "immediate", "agent-connected-call-ends", func(cb *audit.Callback) {
			c := &cb.Calls[0]
			c.Data[1].Time = c.Data[1].Time.Add(30 * time.Second)
		}},
	}
	for _, tc := range cases {
		t.Run(tc.rule+" "+tc.path, func(t *testing.T) {
			cb := pinned(t, tc.family, tc.path)
			require.Empty(t, audit.Check(cb), "the path is good before the break")
			tc.mutate(&cb)
			vs := audit.Check(cb)
			assert.Contains(t, rules(vs), tc.rule, "%v", vs)
		})
	}
}

func TestViolationString(t *testing.T) {
	v := audit.Violation{Rule: "stale", Event: 1, Key: "_CB_T_NEXT_REDIAL_ATTEMPT", Msg: "a redial after the end"}
	assert.Equal(t, "stale [final] _CB_T_NEXT_REDIAL_ATTEMPT: a redial after the end", v.String())
}

// Example checks a callback whose final UserEvent lost a mandatory KVP.
func Example() {
	start := telephony.UserData{{Key: "_CB_SERVICE_ID", Value: "SVC-1"}, {Key: "_CB_T_SERVICE_START", Value: 1795255200},
		{Key: "_CB_D_CALLBACK_OFFER", Value: 0}, {Key: "_CB_N_CALLBACK_OFFERED", Value: 1}, {Key: "_CB_T_CALLBACK_OFFERED", Value: 1795255200},
		{Key: "_CB_FINAL_RECORD", Value: 0}}
	final := start.Clone()
	final.Set("_CB_FINAL_RECORD", 1)
	final.Set("_CB_T_SERVICE_END", 1795255260)
	final.Set("_CB_DISPOSITION", "SCHEDULED.CANCELLED")
	final.Delete("_CB_T_CALLBACK_OFFERED")
	for _, v := range audit.Check(audit.Callback{Events: []audit.Event{{Data: start}, {Data: final}}}) {
		fmt.Println(v)
	}
	// Output:
	// mandatory [final] _CB_T_CALLBACK_OFFERED: missing: Info Mart makes no record of the event
	// stable [final] _CB_T_CALLBACK_OFFERED: nothing in the final event, 1795255200 in the start event
}
