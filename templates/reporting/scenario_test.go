package reporting_test

import (
	"path/filepath"
	"runtime"
	"strconv"
	"testing"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"

	"github.com/orca-scxml/orca/telephony"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestInQueueCallback runs an accepted in-queue offer, two dial attempts
// and an agent connection, written with the XML actions and with the
// ECMAScript face: both must report the same.
func TestInQueueCallback(t *testing.T) {
	for _, chart := range []string{"inqueue.scxml", "inqueue-script.scxml"} {
		t.Run(chart, func(t *testing.T) {
			h := newHarness(t, nil)
			inbound := h.port.NewCall(telephony.Call{ThisDN: "RP_Callback", ANI: "5551234"})
			h.port.NewCall(telephony.Call{ConnID: "OUT2", ThisDN: "7001"})
			h.port.Flush()
			h.start(chart, "S1", with(enabled(), map[string]any{"_id": "SVC-1", "call": string(inbound)}))

			h.advance(12 * time.Second)
			h.send("S1", "accept", nil)
			h.advance(60 * time.Second) // t=72
			h.send("S1", "dial", nil)
			h.advance(8 * time.Second) // t=80
			h.send("S1", "result", map[string]any{"result": "NO_ANSWER", "ixn": "OUT1"})
			h.advance(120 * time.Second) // t=200
			h.send("S1", "dial", nil)
			h.advance(5 * time.Second) // t=205
			h.send("S1", "result", map[string]any{"result": "CONNECTED", "ixn": "OUT2"})
			h.send("S1", "connected", map[string]any{"ixn": "OUT2"})
			h.advance(40 * time.Second) // t=245
			h.send("S1", "agent", map[string]any{"reason": "AGENT"})

			require.Equal(t, []string{"S1"}, h.ended)
			assert.Empty(t, h.probs)
			assert.Empty(t, h.errorLogs())

			evs := h.userEvents()
			require.Len(t, evs, 2)
			for _, ev := range evs {
				assert.Equal(t, "REPORTING", ev.ThisDN)
				assert.Equal(t, "SIP_Switch", ev.Switch)
			}
			assert.Equal(t, kvs(map[string]any{
				"_CB_TENANT_DBID":             101,
				"_CB_SERVICE_ID":              "SVC-1",
				"_CB_FINAL_RECORD":            0,
				"_CB_D_CALLBACK_OFFER":        12,
				"_CB_T_CALLBACK_ACCEPTED":     E + 12,
				"_CB_T_CALLBACK_OFFERED":      E,
				"_CB_N_CALLBACK_OFFERED":      1,
				"_CB_N_CALLBACK_ACCEPTED":     1,
				"_CB_T_SERVICE_START":         E,
				"_CB_DIM_CHANNEL":             "IVR",
				"_CB_DIM_CALLBACK_OFFER_TYPE": "WAIT_FOR_AGENT",
				"_CB_DIM_TYPE":                "IMMEDIATE",
				"_CB_ORS_SESSION_ID":          "S1",
			}), evs[0].UserData)
			assert.Equal(t, kvs(map[string]any{
				"_CB_TENANT_DBID":                            101,
				"_CB_DISPOSITION":                            "COMPLETED.AGENT",
				"_CB_SERVICE_ID":                             "SVC-1",
				"_CB_FIRST_OUT_IXN_ID":                       "OUT1",
				"_CB_LAST_OUT_IXN_ID":                        "OUT2",
				"_CB_DIAL_1_RESULT":                          "NO_ANSWER",
				"_CB_DIAL_2_RESULT":                          "CONNECTED",
				"_CB_T_DIAL_1":                               E + 72,
				"_CB_T_DIAL_2":                               E + 200,
				"_CB_FINAL_RECORD":                           1,
				"_CB_D_CALLBACK_OFFER":                       12,
				"_CB_T_SERVICE_END":                          E + 245,
				"_CB_D_WAITING_FOR_AGENT_OFFLINE":            60,
				"_CB_D_ESTABLISH_MEDIA_IXN":                  5, // the connecting attempt, dialed at +200
				"_CB_D_CUSTOMER_CONNECTED_WAITING_FOR_AGENT": 40,
				"_CB_T_CALLBACK_ACCEPTED":                    E + 12,
				"_CB_T_CALLBACK_OFFERED":                     E,
				"_CB_T_READY_TO_START_MEDIA_IXN":             E + 72,
				"_CB_T_CUSTOMER_CONNECTED":                   E + 205,
				"_CB_N_AGENT_ADDED_TO_IXN":                   1,
				"_CB_N_CALLBACK_OFFERED":                     1,
				"_CB_N_CALLBACK_ACCEPTED":                    1,
				"_CB_N_CALLBACK_MEDIA_ATTEMPTS":              2,
				"_CB_T_SERVICE_START":                        E,
				"_CB_DIM_CHANNEL":                            "IVR",
				"_CB_DIM_CALLBACK_OFFER_TYPE":                "WAIT_FOR_AGENT",
				"_CB_DIM_TYPE":                               "IMMEDIATE",
				"_CB_DIM_FINAL_DIAL_RESULT":                  "CONNECTED",
				"_CB_ORS_SESSION_ID":                         "S1",
				"_CB_T_LAST_DIAL_ATTEMPT":                    E + 200,
			}), evs[1].UserData)

			assert.Equal(t, []telephony.UserDataChange{
				{Op: telephony.Update, ConnID: inbound, UserData: telephony.UserData{
					{Key: "_CB_T_CALLBACK_ACCEPTED", Value: E + 12}, {Key: "_CB_T_SERVICE_START", Value: E}, {Key: "_CB_SERVICE_ID", Value: "SVC-1"}}},
				{Op: telephony.Update, ConnID: "OUT2", UserData: telephony.UserData{{Key: "_CB_T_CUSTOMER_CONNECTED", Value: E + 205}}},
			}, h.attaches())
			call, ok := h.port.Call(inbound)
			require.True(t, ok)
			assert.Equal(t, E+12, mustInt(t, call.UserData, "_CB_T_CALLBACK_ACCEPTED"))
			assert.Equal(t, E, mustInt(t, call.UserData, "_CB_T_SERVICE_START"))
			assert.Equal(t, "SVC-1", call.UserData.String("_CB_SERVICE_ID"))
			out, ok := h.port.Call("OUT2")
			require.True(t, ok)
			assert.Equal(t, telephony.UserData{{Key: "_CB_T_CUSTOMER_CONNECTED", Value: E + 205}}, out.UserData)

			// The session ended after <rep:final/>: no second final.
			assert.Empty(t, h.rep.Held())
		})
	}
}

func mustInt(t *testing.T, ud telephony.UserData, key string) int {
	v, ok := ud.Get(key)
	require.True(t, ok, key)
	n, ok := v.(int)
	require.True(t, ok, key)
	return n
}

// BenchmarkCallback measures a callback's whole reporting, as
// TestInQueueCallback runs it: an accepted offer, two dial attempts, an
// agent connection, the start and final UserEvents and two attachments,
// written with the XML actions and with the ECMAScript face. An op is one
// callback, its session's steps included.
func BenchmarkCallback(b *testing.B) {
	for _, chart := range []string{"inqueue.scxml", "inqueue-script.scxml"} {
		b.Run(chart, func(b *testing.B) {
			h := newHarness(b, nil)
			doc, err := scxml.Load(filepath.Join("testdata", chart), &scxml.Options{Registry: h.reg})
			require.NoError(b, err)
			c, err := h.eng.Compile(doc)
			require.NoError(b, err)
			inbound := h.port.NewCall(telephony.Call{ThisDN: "RP_Callback", ANI: "5551234"})
			h.port.NewCall(telephony.Call{ConnID: "OUT2", ThisDN: "7001"})
			h.port.Flush()
			params := with(enabled(), map[string]any{"_id": "SVC-1", "call": string(inbound)})
			result := func(r, ixn string) map[string]any { return map[string]any{"result": r, "ixn": ixn} }
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				n++
				id := "S" + strconv.Itoa(n)
				_, err := h.eng.Start(c, interp.StartOptions{ID: id, Params: params})
				if err != nil {
					b.Fatal(err)
				}
				h.eng.Run()
				h.advance(12 * time.Second)
				h.send(id, "accept", nil)
				h.send(id, "dial", nil)
				h.send(id, "result", result("NO_ANSWER", "OUT1"))
				h.send(id, "dial", nil)
				h.send(id, "result", result("CONNECTED", "OUT2"))
				h.send(id, "connected", map[string]any{"ixn": "OUT2"})
				h.send(id, "agent", map[string]any{"reason": "AGENT"})
			}
			b.StopTimer()
			require.Len(b, h.ended, n)
			if len(h.probs) > 0 {
				b.Fatalf("%d problems, the first: %v", len(h.probs), h.probs[0])
			}
			require.Len(b, h.userEvents(), 2*n)
		})
	}
}

// BenchmarkOutbound measures <rep:outbound udata="_event.data.udata">
// on an event carrying an outbound call's user data as ORS's interaction
// events do (the call-attached KVPs the call was created with and the
// service's own, in neutral form): an op is one event's step and action.
func BenchmarkOutbound(b *testing.B) {
	h := newHarness(b, nil)
	h.port.NewCall(telephony.Call{ConnID: "OUT1", CallID: "100001", ThisDN: "RP"})
	h.port.Flush()
	h.start("rules.scxml", "S1", enabled())
	h.setMandatory("S1")
	data := map[string]any{"ixn": "OUT1", "callid": "100001", "udata": map[string]any{
		"_CB_SERVICE_ID": "S1", "_CB_T_SERVICE_START": float64(E), "_CB_T_CALLBACK_ACCEPTED": float64(E + 5),
		"_customer_number": "5551234", "_callback_confirm_result": "connect", "GSW_PHONE": "5551234",
		"GMS_ServiceName": "callback-in-queue", "_vq_for_inbound_calls": "VQ_In", "_target": "Agents@.GA",
		"_priority": 3.0, "_request_queue_time_stat": "ExpectedWaitTime",
	}}
	b.ReportAllocs()
	for b.Loop() {
		if err := h.eng.Send("S1", &interp.Event{Name: "outbound", Type: interp.External, Data: data}); err != nil {
			b.Fatal(err)
		}
		h.eng.Run()
	}
	b.StopTimer()
	if len(h.probs) > 0 {
		b.Fatalf("%d problems, the first: %v", len(h.probs), h.probs[0])
	}
	got, _ := h.rep.Values("S1")
	require.Equal(b, "100001", got.String("_CB_LAST_OUT_IXN_ID"))
}

// BenchmarkLiveCallback measures the heap a live callback session holds
// once its start UserEvent went out and it waits (inqueue-script.scxml
// after the accepted offer: the ECMAScript face with the methods read,
// the collector, the session and its data model), per session over 500
// live sessions. Run it with -benchtime 1x; an op starts 500 sessions.
func BenchmarkLiveCallback(b *testing.B) {
	const n = 500
	h := newHarness(b, nil)
	doc, err := scxml.Load(filepath.Join("testdata", "inqueue-script.scxml"), &scxml.Options{Registry: h.reg})
	require.NoError(b, err)
	c, err := h.eng.Compile(doc)
	require.NoError(b, err)
	inbound := h.port.NewCall(telephony.Call{ThisDN: "RP_Callback", ANI: "5551234"})
	h.port.Flush()
	params := with(enabled(), map[string]any{"_id": "SVC-1", "call": string(inbound)})
	var heap float64
	round := 0
	for b.Loop() {
		round++
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		for i := range n {
			id := "S" + strconv.Itoa(round) + "-" + strconv.Itoa(i)
			if _, err := h.eng.Start(c, interp.StartOptions{ID: id, Params: params}); err != nil {
				b.Fatal(err)
			}
			h.eng.Run()
			h.send(id, "accept", nil)
		}
		h.port.Flush()
		runtime.GC()
		runtime.ReadMemStats(&after)
		heap += float64(int64(after.HeapAlloc)-int64(before.HeapAlloc)) / n
		b.StopTimer()
		for i := range n {
			require.NoError(b, h.eng.Cancel("S"+strconv.Itoa(round)+"-"+strconv.Itoa(i)))
		}
		h.eng.Run()
		h.port.Flush()
		b.StartTimer()
	}
	b.ReportMetric(heap/float64(round), "heap-B/session")
	if len(h.probs) > 0 {
		b.Fatalf("%d problems, the first: %v", len(h.probs), h.probs[0])
	}
}
