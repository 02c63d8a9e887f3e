package wire_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

const sw = "SIP_Switch"

func TestUserDataRoundTrip(t *testing.T) {
	tests := []struct {
		name string
		ud   telephony.UserData
		json string
	}{
		{"string", telephony.UserData{{Key: "a", Value: "1"}}, `[{"key":"a","type":"str","value":"1"}]`},
		{"int stays int", telephony.UserData{{Key: "n", Value: 3}}, `[{"key":"n","type":"int","value":3}]`},
		{"big int", telephony.UserData{{Key: "t", Value: 1348817660755}}, `[{"key":"t","type":"int","value":1348817660755}]`},
		{"negative", telephony.UserData{{Key: "t", Value: -7}}, `[{"key":"t","type":"int","value":-7}]`},
		{"nested list", telephony.UserData{{Key: "l", Value: telephony.UserData{{Key: "x", Value: 1}, {Key: "y", Value: telephony.UserData{{Key: "z", Value: "deep"}}}}}},
			`[{"key":"l","type":"list","value":[{"key":"x","type":"int","value":1},{"key":"y","type":"list","value":[{"key":"z","type":"str","value":"deep"}]}]}]`},
		{"empty list", telephony.UserData{{Key: "l", Value: telephony.UserData{}}}, `[{"key":"l","type":"list","value":[]}]`},
		{"repeated keys keep order", telephony.UserData{{Key: "k", Value: "b"}, {Key: "a", Value: ""}, {Key: "k", Value: "a"}},
			`[{"key":"k","type":"str","value":"b"},{"key":"a","type":"str","value":""},{"key":"k","type":"str","value":"a"}]`},
		{"unicode", telephony.UserData{{Key: "ключ", Value: "значение ☎"}}, `[{"key":"ключ","type":"str","value":"значение ☎"}]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := wire.MarshalUserData(tt.ud)
			require.NoError(t, err)
			assert.JSONEq(t, tt.json, string(b))
			back, err := wire.UnmarshalUserData(b)
			require.NoError(t, err)
			assert.Equal(t, tt.ud, back)
		})
	}
}

func TestUserDataErrors(t *testing.T) {
	_, err := wire.MarshalUserData(telephony.UserData{{Key: "f", Value: 1.5}})
	assert.ErrorContains(t, err, `key "f"`)
	for _, in := range []string{
		`[{"key":"n","type":"int","value":1.5}]`,
		`[{"key":"n","type":"int","value":"1"}]`,
		`[{"key":"s","type":"str","value":1}]`,
		`[{"key":"x","type":"float","value":1}]`,
		`{"a":1}`,
	} {
		_, err := wire.UnmarshalUserData([]byte(in))
		assert.Error(t, err, in)
	}
}

func TestMessageRoundTrip(t *testing.T) {
	at := time.Date(2012, 9, 28, 7, 34, 20, 757000000, time.UTC)
	m := wire.Message{Name: string(telephony.EventUserEvent), Switch: "SIP_Switch", ThisDN: "REPORTING",
		CustomerID: "Environment", ReferenceID: 431, Origin: "orca-x", MsgID: "S1-3", Seq: 0xef9, ANI: "777", DNIS: "333",
		UserData: telephony.UserData{{Key: "gms_SessionEventSeq", Value: 3}, {Key: "gms_ServiceName", Value: "inbound-delay"}}}
	m.SetTime(at)
	assert.Equal(t, int64(1348817660), m.TimeinSecs)
	assert.Equal(t, 757000, m.TimeinuSecs)
	b, err := wire.Encode(m)
	require.NoError(t, err)
	var raw map[string]any
	require.NoError(t, json.Unmarshal(b, &raw))
	assert.EqualValues(t, 2, raw["v"], "user data in the compact form")
	assert.EqualValues(t, 1348817660, raw["timeinSecs"])
	assert.NotContains(t, raw, "target", "empty fields are omitted")
	back, err := wire.Decode(b)
	require.NoError(t, err)
	m.V = wire.SchemaVersion
	assert.Equal(t, m, back)
	assert.Equal(t, at, back.Time())

	_, err = wire.Decode([]byte(`{"v":3,"name":"EventACK"}`))
	assert.ErrorContains(t, err, "schema version 3")
	_, err = wire.Decode([]byte(`{"v":1}`))
	assert.Error(t, err)
	_, err = wire.Encode(wire.Message{})
	assert.Error(t, err)
}

func TestRequestMessages(t *testing.T) {
	ud := telephony.UserData{{Key: "_CB_SERVICE_ID", Value: "abc"}, {Key: "n", Value: 2}}
	tests := []struct {
		req  any
		name string
	}{
		{telephony.MakeCall{ThisDN: "7001", Destination: "5551234", Switch: sw, Timeout: 30 * time.Second, UserData: ud}, wire.RequestMakeCall},
		{telephony.UserDataChange{Op: telephony.Attach, ConnID: "c1", ThisDN: "7001", UserData: ud}, wire.RequestAttachUserData},
		{telephony.UserDataChange{Op: telephony.Update, ConnID: "c1", UserData: ud}, wire.RequestUpdateUserData},
		{telephony.UserDataChange{Op: telephony.Delete, ConnID: "c1", UserData: telephony.UserData{{Key: "n", Value: ""}}}, wire.RequestDeleteUserData},
		{telephony.UserEvent{ThisDN: "REPORTING", Switch: sw, UserData: ud}, wire.RequestDistributeUserEvent},
		{telephony.Route{Type: telephony.RouteDefault, ConnID: "c1", From: "RP_1", To: "7002", Switch: sw, UserData: ud}, wire.RequestRouteCall},
		{telephony.Route{Type: telephony.RouteRedirect, ConnID: "c1", From: "7002", To: "7003", Switch: sw}, wire.RequestRedirectCall},
		{telephony.Route{Type: telephony.RouteDeliver, ConnID: "c1", To: "Agent1", Switch: sw}, wire.RequestRouteCall},
		{telephony.Release{ConnID: "c1", ThisDN: "7001"}, wire.RequestReleaseCall},
		{telephony.Treatment{ConnID: "c1", Kind: "Music", Resource: "music/on_hold", Duration: 2 * time.Second, Params: ud}, wire.RequestApplyTreatment},
		{telephony.QueueSubmit{ConnID: "c1", Queue: "VQ_1", Route: "RP_1", Targets: []string{"AG1@StatServer.GA"}, Priority: 5, Timeout: time.Minute}, wire.RequestQueueSubmit},
		{telephony.QueueCancel{Submit: 7, ConnID: "c1", Queue: "VQ_1"}, wire.RequestQueueCancel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, err := wire.RequestMessage(tt.req)
			require.NoError(t, err)
			assert.Equal(t, tt.name, m.Name)
			b, err := wire.Encode(m)
			require.NoError(t, err)
			m, err = wire.Decode(b)
			require.NoError(t, err)
			back, err := wire.TelephonyRequest(m)
			require.NoError(t, err)
			assert.Equal(t, tt.req, back)
		})
	}
	_, err := wire.RequestMessage("x")
	assert.Error(t, err)
	_, err = wire.RequestMessage(telephony.UserDataChange{Op: "merge"})
	assert.Error(t, err)
	_, err = wire.TelephonyRequest(wire.Message{Name: "EventACK"})
	assert.Error(t, err)
}

func TestEventMessages(t *testing.T) {
	ev := telephony.Event{Type: telephony.EventEstablished, ReferenceID: 9, ConnID: "c1", CallID: "100001", ThisDN: "7001",
		OtherDN: "555", Switch: sw, CallType: "Outbound", ANI: "7001", DNIS: "555", Target: "t", CallResult: "Answer",
		UserData: telephony.UserData{{Key: "l", Value: telephony.UserData{{Key: "i", Value: 1}}}},
		Time:     time.Date(2026, 1, 2, 3, 4, 5, 6000, time.UTC)}
	b, err := wire.Encode(wire.EventMessage(ev))
	require.NoError(t, err)
	m, err := wire.Decode(b)
	require.NoError(t, err)
	assert.Equal(t, ev, wire.TelephonyEvent(m))
}

func TestSubjects(t *testing.T) {
	assert.Equal(t, "orca.tel.SIP_Switch.req.RequestDistributeUserEvent", wire.RequestSubject(sw, wire.RequestDistributeUserEvent))
	assert.Equal(t, "orca.tel.SIP_Switch.evt.REPORTING.EventUserEvent", wire.EventSubject(sw, "REPORTING", "EventUserEvent"))
	assert.Equal(t, "orca.tel.SIP_Switch.rsp.orca-1.EventACK", wire.ReplySubject(sw, "orca-1", "EventACK"))
	assert.Equal(t, "orca.tel.*.evt.*.*", wire.EventFilter("", "", ""))
	assert.Equal(t, "orca.tel.*.rsp.orca-1.>", wire.ReplyFilter("orca-1"))
	assert.Equal(t, "orca.tel.SIP_Switch.req.>", wire.RequestFilter(sw))
	assert.Equal(t, "EventUserEvent", wire.SubjectEventName(wire.EventSubject(sw, "REPORTING", "EventUserEvent")))
	assert.Equal(t, "EventACK", wire.SubjectEventName(wire.ReplySubject(sw, "orca-1", "EventACK")))
	assert.True(t, wire.BroadcastOnly("EventUserEvent"), "T-Server answers the requester with EventACK only")
	assert.False(t, wire.BroadcastOnly("EventAttachedDataChanged"), "the requester of an attach is answered with it")

	tests := []struct{ in, token string }{
		{"7001", "7001"},
		{"", "%"},
		{"a.b", "a%2Eb"},
		{"x y*>", "x%20y%2A%3E"},
		{"100%", "100%25"},
		{"Agent@Place", "Agent@Place"},
		{"ü", "%C3%BC"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.token, wire.Token(tt.in))
		back, err := wire.Untoken(tt.token)
		require.NoError(t, err)
		assert.Equal(t, tt.in, back)
	}
	_, err := wire.Untoken("a%2")
	assert.Error(t, err)
	_, err = wire.Untoken("a%zz")
	assert.Error(t, err)

	s, err := wire.ParseSubject(wire.EventSubject("sw.1", "R P", "EventUserEvent"))
	require.NoError(t, err)
	assert.Equal(t, wire.Subject{Kind: wire.KindEvt, Switch: "sw.1", DN: "R P", Name: "EventUserEvent"}, s)
	s, err = wire.ParseSubject(wire.ReplySubject(sw, "i", "EventACK"))
	require.NoError(t, err)
	assert.Equal(t, wire.Subject{Kind: wire.KindRsp, Switch: sw, Instance: "i", Name: "EventACK"}, s)
	s, err = wire.ParseSubject(wire.RequestSubject(sw, wire.RequestMakeCall))
	require.NoError(t, err)
	assert.Equal(t, wire.Subject{Kind: wire.KindReq, Switch: sw, Name: wire.RequestMakeCall}, s)
	for _, bad := range []string{"a.b.c.d.e", "orca.tel.sw.req", "orca.tel.sw.evt.dn", "orca.tel.sw.xxx.a.b"} {
		_, err := wire.ParseSubject(bad)
		assert.Error(t, err, bad)
	}
	assert.True(t, wire.IsReporting(wire.RequestUpdateUserData))
	assert.True(t, wire.IsReporting("EventUserEvent"))
	assert.False(t, wire.IsReporting(wire.RequestMakeCall))
	assert.Len(t, wire.Requests(), 15)
	assert.Equal(t, "orca.tel.SIP_Switch.stat.VQ%2ESales.EventInfo", wire.StatSubject(sw, "VQ.Sales", wire.EventInfo))
	s, err = wire.ParseSubject(wire.StatSubject(sw, "VQ.Sales", wire.EventInfo))
	require.NoError(t, err)
	assert.Equal(t, wire.Subject{Kind: wire.KindStat, Switch: sw, DN: "VQ.Sales", Name: wire.EventInfo}, s)
}

func TestStatisticMessages(t *testing.T) {
	req := wire.StatisticRequest("VQ_Sales", "VIRT-1")
	assert.Equal(t, wire.Message{Name: wire.RequestGetStatistic, Queue: "VQ_Sales", ConnID: "VIRT-1"}, req)
	st := telephony.QueueStat{Queue: "VQ_Sales", Waiting: 3, Distributed: 7, AQT: 15 * time.Second, EWT: 60 * time.Second}
	w := telephony.Waiting{Position: 2, Priority: 5, Waited: 90 * time.Second, EWT: 30 * time.Second}
	m := wire.InfoMessage(st, w, true)
	data, err := wire.Encode(m)
	require.NoError(t, err)
	assert.JSONEq(t, `{"v":1,"name":"EventInfo","queue":"VQ_Sales","priority":5,"waiting":3,"distributed":7,
		"aqtMs":15000,"ewtMs":60000,"position":2,"waitedMs":90000,"ixnEwtMs":30000}`, string(data))
	back, err := wire.Decode(data)
	require.NoError(t, err)
	gst, gw, ok := back.Statistics()
	assert.Equal(t, st, gst)
	assert.Equal(t, w, gw)
	assert.True(t, ok)
	m = wire.InfoMessage(st, w, false)
	_, _, ok = m.Statistics()
	assert.False(t, ok, "no position: the interaction does not wait there")

	// The state of an opened statistic: the queue's, and its line.
	line := []telephony.Queued{{Conn: "VIRT-2", Priority: 5, Waited: 20 * time.Second}, {Conn: "VIRT-1", Waited: 90 * time.Second}}
	m = wire.QueueMessage(wire.EventStatisticOpened, st, line, 42)
	data, err = wire.Encode(m)
	require.NoError(t, err)
	assert.JSONEq(t, `{"v":1,"name":"EventStatisticOpened","queue":"VQ_Sales","waiting":3,"distributed":7,
		"aqtMs":15000,"ewtMs":60000,"queued":[{"connID":"VIRT-2","priority":5,"waitedMs":20000},
		{"connID":"VIRT-1","waitedMs":90000}],"version":42}`, string(data))
	back, err = wire.Decode(data)
	require.NoError(t, err)
	assert.Equal(t, []wire.Queued{{ConnID: "VIRT-2", Priority: 5, WaitedMs: 20000}, {ConnID: "VIRT-1", WaitedMs: 90000}}, back.Queued)
	assert.Equal(t, uint64(42), back.Version)
	gst, _, ok = back.Statistics()
	assert.Equal(t, st, gst)
	assert.False(t, ok)
	for _, bad := range []string{`{"v":1,"name":"EventInfo","queued":{}}`, `{"v":1,"name":"EventInfo","queued":[{"connID":1}]}`,
		`{"v":1,"name":"EventInfo","queued":[{"connID":"a"} {"connID":"b"}]}`} {
		_, err := wire.Decode([]byte(bad))
		assert.Error(t, err, bad)
	}
}

// TestRequestMessageKeepsItsArgument: a request passed as any stays on
// its caller's stack (a port converts every request it sends), and a
// value of another type is refused by its type's name.
func TestRequestMessageKeepsItsArgument(t *testing.T) {
	ev := telephony.UserEvent{ThisDN: "REPORTING", ConnID: "006E02C1A0000001",
		UserData: telephony.UserData{{Key: "_CB_SERVICE_ID", Value: "S1"}}}
	allocs := testing.AllocsPerRun(100, func() {
		m, err := wire.RequestMessage(ev)
		if err != nil || m.Name != wire.RequestDistributeUserEvent {
			t.Fatal(m.Name, err)
		}
	})
	assert.Zero(t, allocs)
	_, err := wire.RequestMessage(telephony.Event{})
	assert.EqualError(t, err, "not a telephony request: telephony.Event")
}
