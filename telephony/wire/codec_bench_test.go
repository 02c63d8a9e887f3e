package wire_test

import (
	"fmt"
	"testing"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// sampleMessages are the messages of one immediate callback as they
// travel on the bus, shaped as the server and the simulator send them.
func sampleMessages() []wire.Message {
	const (
		origin = "orca-Vix8IWTJfkadUUo3mKcJ26"
		sess   = "8D8594B74A9935A701E4725EAFCB6B4A"
		conn   = "006E02C1A0000001"
		t0     = 1795799840
	)
	base := func(name string, ref, seq uint64) wire.Message {
		return wire.Message{V: wire.SchemaVersion, Name: name, Switch: "SIP_Switch", CustomerID: "Environment",
			ReferenceID: ref, Origin: origin, Seq: seq, TimeinSecs: t0, TimeinuSecs: 672433}
	}
	call := func(m wire.Message, dn string) wire.Message {
		m.ThisDN, m.OtherDN, m.ConnID, m.CallID = dn, "5550001", conn, "100001"
		m.CallType, m.ANI, m.DNIS = "Outbound", "RP_Callback", "5550001"
		return m
	}
	attached := telephony.UserData{{Key: "_CB_SERVICE_ID", Value: sess}, {Key: "_CB_T_SERVICE_START", Value: t0},
		{Key: "_CB_T_CALLBACK_ACCEPTED", Value: t0}, {Key: "_CB_T_CUSTOMER_CONNECTED", Value: t0 + 1}}
	final := telephony.UserData{{Key: "_CB_DISPOSITION", Value: "COMPLETED.AGENT"}, {Key: "_CB_SERVICE_ID", Value: sess},
		{Key: "_CB_FIRST_OUT_IXN_ID", Value: conn}, {Key: "_CB_LAST_OUT_IXN_ID", Value: conn},
		{Key: "_CB_DIAL_1_RESULT", Value: "PERSON"}, {Key: "_CB_T_DIAL_1", Value: t0},
		{Key: "_CB_IXN_START_IGNORING_AVAILABILITY", Value: 0}, {Key: "_CB_FINAL_RECORD", Value: 1},
		{Key: "_CB_D_CALLBACK_OFFER", Value: 0}, {Key: "_CB_T_SERVICE_END", Value: t0 + 5},
		{Key: "_CB_D_WAITING_FOR_AGENT_OFFLINE", Value: 0}, {Key: "_CB_D_ESTABLISH_MEDIA_IXN", Value: 1},
		{Key: "_CB_D_CUSTOMER_CONNECTED_WAITING_FOR_AGENT", Value: 0}, {Key: "_CB_T_CALLBACK_ACCEPTED", Value: t0},
		{Key: "_CB_T_CALLBACK_OFFERED", Value: t0}, {Key: "_CB_T_READY_TO_START_MEDIA_IXN", Value: t0},
		{Key: "_CB_T_CUSTOMER_CONNECTED", Value: t0 + 1}, {Key: "_CB_N_AGENT_ADDED_TO_IXN", Value: 1},
		{Key: "_CB_N_IXN_REQ_AGENT", Value: 1}, {Key: "_CB_N_CALLBACK_OFFERED", Value: 1},
		{Key: "_CB_N_CALLBACK_ACCEPTED", Value: 1}, {Key: "_CB_N_CALLBACK_MEDIA_ATTEMPTS", Value: 1},
		{Key: "_CB_T_SERVICE_START", Value: t0}, {Key: "_CB_DIM_VQ", Value: "VQ_Callback"},
		{Key: "_CB_DIM_TYPE", Value: "IMMEDIATE"}, {Key: "_CB_DIM_CONNECT_ORDER", Value: "CUSTOMER_FIRST"},
		{Key: "_CB_DIM_CALL_DIRECTION", Value: "CUSTOMER_TERMINATED"}, {Key: "_CB_DIM_FINAL_DIAL_RESULT", Value: "PERSON"},
		{Key: "_CB_DIM_FINAL_TARGET", Value: "Agent1@SIP_Switch.A"}, {Key: "_CB_ORS_SESSION_ID", Value: sess},
		{Key: "_CB_T_LAST_DIAL_ATTEMPT", Value: t0}, {Key: "_CB_CUSTOMER_PHONE_NUMBER", Value: "5550001"},
		{Key: "nested", Value: telephony.UserData{{Key: "k", Value: "v"}, {Key: "n", Value: 7}}}}

	mk := base(wire.RequestMakeCall, 2, 2)
	mk.ThisDN, mk.OtherDN, mk.Destination, mk.TimeoutMs = "RP_Callback", "5550001", "5550001", 20000
	ue := base(wire.RequestDistributeUserEvent, 6, 6)
	ue.ThisDN, ue.MsgID, ue.UserData = "REPORTING", sess+"-final-2", final
	upd := base(wire.RequestUpdateUserData, 3, 3)
	upd.ConnID, upd.MsgID, upd.UserData = conn, origin+"-3", attached
	qs := base(wire.RequestQueueSubmit, 4, 4)
	qs.ThisDN, qs.ConnID, qs.TimeoutMs, qs.Queue, qs.RoutePoint, qs.Targets = "RP_Callback", conn, 14400000, "VQ_Callback_Outbound", "RP_Callback", []string{"Callback_Agents"}
	ack := base(string(telephony.EventACK), 6, 7)
	ack.ThisDN, ack.Request = "REPORTING", wire.RequestDistributeUserEvent
	evUE := base(string(telephony.EventUserEvent), 6, 20)
	evUE.ThisDN, evUE.MsgID, evUE.UserData = "REPORTING", sess+"-final-2/EventUserEvent/1", final
	dial := call(base(string(telephony.EventDialing), 2, 9), "RP_Callback")
	dial.CallResult = "Answer"
	adc := call(base(string(telephony.EventAttachedDataChanged), 3, 15), "7001")
	adc.MsgID, adc.UserData = origin+"-3/EventAttachedDataChanged/0", attached
	rel := call(base(string(telephony.EventReleased), 0, 17), "7001")
	rel.UserData = attached
	return []wire.Message{mk, ue, upd, qs, ack, evUE, dial, adc, rel}
}

func BenchmarkEncode(b *testing.B) {
	benchEncode(b, func(m *wire.Message) error {
		_, err := wire.Encode(*m)
		return err
	})
}

// BenchmarkEncodePooled encodes into a pool's buffers, in each schema
// version (user data typed in 1, compact in 2).
func BenchmarkEncodePooled(b *testing.B) {
	for _, schema := range []int{1, 2} {
		pool := wire.Pool{Schema: schema}
		b.Run(fmt.Sprintf("schema=%d", schema), func(b *testing.B) {
			benchEncode(b, func(m *wire.Message) error {
				buf, err := pool.Encode(m)
				buf.Release()
				return err
			})
		})
	}
}

// BenchmarkEncodeClone is the encoding of a message kept after it is
// sent (the outbox's, the responder's events), against BenchmarkEncode,
// in each schema version; it reports the bytes kept (B/op).
func BenchmarkEncodeClone(b *testing.B) {
	for _, schema := range []int{1, 2} {
		pool := wire.Pool{Schema: schema}
		b.Run(fmt.Sprintf("schema=%d", schema), func(b *testing.B) {
			benchEncode(b, func(m *wire.Message) error {
				_, err := pool.Clone(m)
				return err
			})
		})
	}
}

func benchEncode(b *testing.B, encode func(*wire.Message) error) {
	for _, m := range sampleMessages() {
		b.Run(m.Name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if err := encode(&m); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkDecode(b *testing.B) { benchDecode(b, wire.Decode) }

// BenchmarkDecodeOwned is BenchmarkDecode for data handed over, as a NATS
// subscriber's message is: no copy.
func BenchmarkDecodeOwned(b *testing.B) { benchDecode(b, wire.DecodeOwned) }

// benchDecode decodes the sample messages written in each schema version;
// the bytes a message takes are its MB/s's B.
func benchDecode(b *testing.B, decode func([]byte) (wire.Message, error)) {
	for _, schema := range []int{1, 2} {
		for _, m := range sampleMessages() {
			data, err := wire.AppendMessageSchema(nil, &m, schema)
			if err != nil {
				b.Fatal(err)
			}
			b.Run(fmt.Sprintf("schema=%d/%s", schema, m.Name), func(b *testing.B) {
				b.ReportAllocs()
				b.SetBytes(int64(len(data)))
				for b.Loop() {
					if _, err := decode(data); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// TestSampleMessagesRoundTrip writes the sample messages in each schema
// version and reads them back; "v" says the oldest version that reads
// each.
func TestSampleMessagesRoundTrip(t *testing.T) {
	for _, schema := range []int{1, 2} {
		for _, m := range sampleMessages() {
			data, err := wire.AppendMessageSchema(nil, &m, schema)
			if err != nil {
				t.Fatal(err)
			}
			back, err := wire.Decode(data)
			if err != nil {
				t.Fatal(err)
			}
			m.V = 1
			if schema == 2 && len(m.UserData)+len(m.Params) > 0 {
				m.V = 2
			}
			if fmt.Sprint(back) != fmt.Sprint(m) {
				t.Errorf("schema %d, %s: round trip\n got %v\nwant %v", schema, m.Name, back, m)
			}
		}
	}
}
