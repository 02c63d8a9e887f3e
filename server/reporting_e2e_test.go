package server

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/telephony/sim"
	"github.com/orca-scxml/orca/telephony/wire"
	"github.com/orca-scxml/orca/templates"
	"github.com/orca-scxml/orca/templates/reporting/audit"
)

// auditSim is the switch of the reporting end-to-end tests: the tests'
// switch, whose confirmation dialog hands the customer to the routing
// point.
func auditSim() sim.Config {
	cfg := simConfig(30 * time.Second)
	cfg.Dialogs["callback_confirm"] = sim.DialogConfig{Duration: sim.Duration(2 * time.Second), Outcomes: []sim.DialogOutcome{
		{Odds: 1, Attach: map[string]string{"_callback_confirm_result": "transfer"}}}}
	return cfg
}

// TestEndToEndReportingPassesTheChecker runs a callback of each template
// family through the GMS API against the simulator, and checks what the
// reporting DN and the calls received against the seeds' rules.
func TestEndToEndReportingPassesTheChecker(t *testing.T) {
	e := newE2E(t, auditSim(), speed, func(c *Config) {
		c.Services = append(c.Services,
			ServiceConfig{Name: "confirm", Template: "callback-immediate", Options: reportingOptions("_wait_for_user_confirm", true)},
			ServiceConfig{Name: "wait", Template: "callback-immediate", Options: reportingOptions("_wait_for_agent", true)})
	})
	cases := []struct {
		name    string
		service string
		params  func(t *testing.T) url.Values
		// complete, when set, completes the callback through the API with
		// this disposition once it is PROCESSING (the agent's desktop).
		complete string
		check    func(t *testing.T, final map[string]any)
	}{
		{name: "immediate", service: "immediate", params: number("5550101"), check: func(t *testing.T, f map[string]any) {
			assert.Equal(t, "VQ_Callback_Outbound", f["_CB_DIM_VQ"])
			assert.Equal(t, "Callback_Agents", f["_CB_DIM_FINAL_TARGET"], "the routing target, not the agent")
		}},
		{name: "scheduled", service: "scheduled", params: func(*testing.T) url.Values {
			return url.Values{"_customer_number": {"5550102"}, "_desired_time": {templates.FormatTime(e.clock.Now().Add(20 * time.Second))}}
		}},
		{name: "agent first", service: "agent-first", params: number("5550103"), check: func(t *testing.T, f map[string]any) {
			assert.Equal(t, "VQ_Callback", f["_CB_DIM_VQ"])
		}},
		{name: "in queue", service: "in-queue", params: func(t *testing.T) url.Values {
			conn, err := e.sim.InboundCall("RP_IN", "5550104", nil)
			require.NoError(t, err)
			eventually(t, 5*time.Second, func() bool { _, ok := e.srv.rt.Interaction(conn); return ok }, "the inbound call never reached the server")
			return url.Values{"_customer_number": {"5550104"}, "_originating_interaction_id": {conn}}
		}},
		{name: "user originated", service: "user-originated", params: number("5550105"), check: func(t *testing.T, f map[string]any) {
			assert.Equal(t, "USERORIGINATED_CONNECTED", f["_CB_DIM_FINAL_DIAL_RESULT"])
		}},
		{name: "the request's values pass through", service: "immediate", params: func(*testing.T) url.Values {
			return url.Values{"_customer_number": {"5550106"}, "_cb_d_callback_offer": {"99"}, "_cb_t_callback_offered": {fmt.Sprint(e.clock.Now().Unix() - 99)},
				"_cb_dim_channel": {"WEB"}}
		}, check: func(t *testing.T, f map[string]any) {
			assert.EqualValues(t, 99, f["_CB_D_CALLBACK_OFFER"])
			assert.Equal(t, "WEB", f["_CB_DIM_CHANNEL"])
		}},
		{name: "a bare completed reason", service: "agent-first", params: number("5550107"), complete: "SALE_MADE",
			check: func(t *testing.T, f map[string]any) { assert.Equal(t, "COMPLETED.SALE_MADE", f["_CB_DISPOSITION"]) }},
		{name: "put through to the routing point", service: "confirm", params: number("5550108"), check: func(t *testing.T, f map[string]any) {
			assert.Equal(t, "TRANSFERRED_TO_RP", f["_CB_DIM_DIAL_DIALOG_RESULT"])
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e.t = t
			params := tc.params(t)
			id := e.request(tc.service, params)
			if tc.complete != "" {
				e.waitState(t, id, "PROCESSING", 10*time.Second)
				a := call(t, http.MethodPut, e.srv.URL()+"/genesys/1/service/callback/"+tc.service+"/"+id,
					url.Values{"_callback_state": {"COMPLETED"}, "_disposition": {tc.complete}}, "")
				require.Equal(t, http.StatusOK, a.code, a.raw)
			}
			e.waitReports(id, 2, 20*time.Second)
			cb := e.audited(t, id, tc.service, params)
			for _, v := range audit.Check(cb) {
				t.Errorf("audit: %v", v)
			}
			final := kvMap(cb.Events[len(cb.Events)-1].Data)
			if tc.check != nil {
				tc.check(t, final)
			}
		})
	}
	e.t = t
	assert.Empty(t, e.srv.Held())
}

// TestEndToEndWaitForAgent: with _wait_for_agent, the agent reserved for
// the callback's virtual interaction takes the customer's call.
func TestEndToEndWaitForAgent(t *testing.T) {
	e := newE2E(t, auditSim(), speed, func(c *Config) {
		c.Services = append(c.Services, ServiceConfig{Name: "wait", Template: "callback-immediate", Options: reportingOptions("_wait_for_agent", true)})
	})
	params := url.Values{"_customer_number": {"5550201"}}
	id := e.request("wait", params)
	e.waitReports(id, 2, 20*time.Second)
	cb := e.audited(t, id, "wait", params)
	for _, v := range audit.Check(cb) {
		t.Errorf("audit: %v", v)
	}
	final := kvMap(cb.Events[1].Data)
	assert.Equal(t, "COMPLETED.AGENT", final["_CB_DISPOSITION"])
	assert.Nil(t, final["_CB_N_TRANSFER_TO_AGENT_FAILED"], "the reserved agent takes the call at the first transfer")
	assert.Equal(t, "VQ_Callback", final["_CB_DIM_VQ"])
}

func number(n string) func(*testing.T) url.Values {
	return func(*testing.T) url.Values { return url.Values{"_customer_number": {n}} }
}

// audited returns what the checker reads of callback id of service: its
// UserEvents as the reporting DN's monitor received them, its calls and
// the data attached to each as the reporting stream carried it (a call
// created with its data, by the simulator's record), the request and
// the service's options.
func (e *e2e) audited(t *testing.T, id, service string, params url.Values) audit.Callback {
	t.Helper()
	// The simulator runs at speed times real time: a message's way
	// through NATS (tens of milliseconds, more under -race) is seconds of
	// its clock.
	cb := audit.Callback{Request: map[string]string{}, Options: map[string]string{}, Slack: speed * 300 * time.Millisecond}
	for k, v := range params {
		cb.Request[k] = v[0]
	}
	for k, v := range e.srv.callbacks.Service(service).Options {
		switch v := v.(type) {
		case float64:
			cb.Options[k] = fmt.Sprint(int64(v))
		default:
			cb.Options[k] = fmt.Sprint(v)
		}
	}
	for _, r := range e.sim.UserEvents() {
		if kvMap(r.Message.UserData)["_CB_SERVICE_ID"] == id {
			cb.Events = append(cb.Events, audit.Event{Time: r.Message.Time(), Data: r.Message.UserData})
		}
	}
	require.Len(t, cb.Events, 2)
	origin := params.Get("_originating_interaction_id")
	index := map[string]int{}
	add := func(conn string) int {
		if i, ok := index[conn]; ok {
			return i
		}
		c, _ := e.sim.Call(conn)
		kind := audit.Customer
		switch {
		case conn == origin:
			kind = audit.Origin
		case strings.EqualFold(c.CallType, "Outbound"):
			kind = audit.Outbound
		}
		index[conn] = len(cb.Calls)
		cb.Calls = append(cb.Calls, audit.Call{ConnID: conn, CallID: c.CallID, Kind: kind, Created: c.Started})
		return index[conn]
	}
	// The outbound calls, oldest first, with the data they were created
	// with when nothing was attached to them later.
	calls := e.sim.Calls()
	slices.SortStableFunc(calls, func(a, b sim.Call) int { return a.Started.Compare(b.Started) })
	for _, c := range calls {
		if strings.EqualFold(c.CallType, "Outbound") && c.UserData.String("_CB_SERVICE_ID") == id {
			add(c.ConnID)
		}
	}
	for _, m := range e.streamMessages(t, "EventAttachedDataChanged") {
		if kvMap(m.UserData)["_CB_SERVICE_ID"] != id && m.ConnID != origin {
			continue
		}
		i := add(m.ConnID)
		cb.Calls[i].Data = append(cb.Calls[i].Data, audit.Event{Time: m.Time(), Data: m.UserData})
	}
	for i, c := range cb.Calls {
		if len(c.Data) == 0 {
			sc, _ := e.sim.Call(c.ConnID)
			cb.Calls[i].Data = []audit.Event{{Time: sc.Started, Data: sc.UserData}}
		}
	}
	if kvMap(cb.Events[1].Data)["_CB_DIM_CALL_DIRECTION"] != "CUSTOMER_ORIGINATED" {
		// (A user-originated callback whose customer never called has
		// none.)
		require.NotEmpty(t, cb.Calls, "the callback's calls")
	}
	return cb
}

// streamMessages returns the messages named name of the reporting stream,
// in order.
func (e *e2e) streamMessages(t *testing.T, name string) []wire.Message {
	t.Helper()
	nc := e.nats.connect(bridge.RoleReader, "audit")
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, wire.DefaultStream)
	require.NoError(t, err)
	info, err := st.Info(ctx)
	require.NoError(t, err)
	var out []wire.Message
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && seq > 0; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			continue
		}
		msg, err := wire.Decode(m.Data)
		if err != nil || msg.Name != name {
			continue
		}
		out = append(out, msg)
	}
	return out
}
