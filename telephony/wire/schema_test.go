package wire_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// TestUserDataForms writes user data in the form of each schema version
// and reads both back: order, repeated keys, strings, 64-bit integers and
// nested lists survive either.
func TestUserDataForms(t *testing.T) {
	tests := []struct {
		name           string
		ud             telephony.UserData
		typed, compact string
	}{
		{"string", telephony.UserData{{Key: "a", Value: "1"}},
			`[{"key":"a","type":"str","value":"1"}]`, `[["a","1"]]`},
		{"int stays int", telephony.UserData{{Key: "n", Value: 3}},
			`[{"key":"n","type":"int","value":3}]`, `[["n",3]]`},
		{"64-bit ints", telephony.UserData{{Key: "max", Value: 9223372036854775807}, {Key: "min", Value: -9223372036854775808}},
			`[{"key":"max","type":"int","value":9223372036854775807},{"key":"min","type":"int","value":-9223372036854775808}]`,
			`[["max",9223372036854775807],["min",-9223372036854775808]]`},
		{"digits stay a string", telephony.UserData{{Key: "s", Value: "42"}},
			`[{"key":"s","type":"str","value":"42"}]`, `[["s","42"]]`},
		{"nested list", telephony.UserData{{Key: "l", Value: telephony.UserData{{Key: "x", Value: 1}, {Key: "y", Value: telephony.UserData{{Key: "z", Value: "deep"}}}}}},
			`[{"key":"l","type":"list","value":[{"key":"x","type":"int","value":1},{"key":"y","type":"list","value":[{"key":"z","type":"str","value":"deep"}]}]}]`,
			`[["l",[["x",1],["y",[["z","deep"]]]]]]`},
		{"empty list", telephony.UserData{{Key: "l", Value: telephony.UserData{}}},
			`[{"key":"l","type":"list","value":[]}]`, `[["l",[]]]`},
		{"repeated keys keep order", telephony.UserData{{Key: "k", Value: "b"}, {Key: "a", Value: ""}, {Key: "k", Value: "a"}},
			`[{"key":"k","type":"str","value":"b"},{"key":"a","type":"str","value":""},{"key":"k","type":"str","value":"a"}]`,
			`[["k","b"],["a",""],["k","a"]]`},
		{"escapes and unicode", telephony.UserData{{Key: "ключ \"q\"", Value: "значение ☎\n"}},
			`[{"key":"ключ \"q\"","type":"str","value":"значение ☎\n"}]`, `[["ключ \"q\"","значение ☎\n"]]`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for schema, form := range map[int]string{1: tt.typed, 2: tt.compact} {
				m := wire.Message{Name: string(telephony.EventUserEvent), UserData: tt.ud}
				data, err := wire.AppendMessageSchema(nil, &m, schema)
				require.NoError(t, err)
				want := `{"v":` + map[int]string{1: "1", 2: "2"}[schema] + `,"name":"EventUserEvent","userData":` + form + `}`
				assert.Equal(t, want, string(data))
				back, err := wire.Decode(data)
				require.NoError(t, err)
				assert.Equal(t, tt.ud, back.UserData)
				assert.Equal(t, schema, back.V)
				ud, err := wire.UnmarshalUserData([]byte(form))
				require.NoError(t, err)
				assert.Equal(t, tt.ud, ud)
			}
		})
	}
}

// TestDecodeVersion1 reads what a writer older than schema 2 wrote (the
// seeds' trace as it was stored in ORCA_REPORTING): the same message as
// its schema 2 form.
func TestDecodeVersion1(t *testing.T) {
	v1 := `{"v":1,"name":"EventUserEvent","switch":"SIP_Switch","thisDN":"REPORTING","customerID":"Environment",` +
		`"referenceID":431,"origin":"orca-Yt2","msgID":"S-3/EventUserEvent/1","seq":3833,"timeinSecs":1348817660,"timeinuSecs":757000,` +
		`"ani":"777","dnis":"333","userData":[{"key":"gms_ServiceName","type":"str","value":"inbound-delay"},` +
		`{"key":"gms_SessionEventSeq","type":"int","value":3},{"key":"nested","type":"list","value":[{"key":"k","type":"str","value":"v"}]}]}`
	old, err := wire.Decode([]byte(v1))
	require.NoError(t, err)
	assert.Equal(t, 1, old.V)
	assert.Equal(t, telephony.UserData{{Key: "gms_ServiceName", Value: "inbound-delay"}, {Key: "gms_SessionEventSeq", Value: 3},
		{Key: "nested", Value: telephony.UserData{{Key: "k", Value: "v"}}}}, old.UserData)

	v2, err := wire.Encode(old)
	require.NoError(t, err)
	assert.Less(t, len(v2), len(v1))
	assert.Contains(t, string(v2), `"userData":[["gms_ServiceName","inbound-delay"],["gms_SessionEventSeq",3],["nested",[["k","v"]]]]`)
	back, err := wire.Decode(v2)
	require.NoError(t, err)
	old.V = 2
	assert.Equal(t, old, back)

	again, err := wire.AppendMessageSchema(nil, &back, 1)
	require.NoError(t, err)
	assert.Equal(t, v1, string(again), "schema 1 writes what it wrote before")
}

// TestSchemaVersions checks what each writer writes and which versions a
// reader takes.
func TestSchemaVersions(t *testing.T) {
	ud := telephony.UserData{{Key: "k", Value: "v"}}
	tests := []struct {
		name   string
		schema int
		m      wire.Message
		want   string
	}{
		{"no user data is version 1", 2, wire.Message{Name: "EventACK", V: 2}, `{"v":1,"name":"EventACK"}`},
		{"user data", 0, wire.Message{Name: "EventUserEvent", UserData: ud}, `{"v":2,"name":"EventUserEvent","userData":[["k","v"]]}`},
		{"params", 2, wire.Message{Name: "RequestApplyTreatment", Params: ud}, `{"v":2,"name":"RequestApplyTreatment","params":[["k","v"]]}`},
		{"schema 1", 1, wire.Message{Name: "EventUserEvent", UserData: ud, Params: ud},
			`{"v":1,"name":"EventUserEvent","userData":[{"key":"k","type":"str","value":"v"}],"params":[{"key":"k","type":"str","value":"v"}]}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data, err := wire.AppendMessageSchema(nil, &tt.m, tt.schema)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(data))
			pool := wire.Pool{Schema: tt.schema}
			buf, err := pool.Encode(&tt.m)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(buf.Bytes))
			buf.Release()
			kept, err := pool.Clone(&tt.m)
			require.NoError(t, err)
			assert.Equal(t, tt.want, string(kept))
		})
	}
	_, err := wire.AppendMessageSchema(nil, &wire.Message{Name: "EventACK"}, 3)
	assert.ErrorContains(t, err, "encode EventACK: no schema version 3 (versions 1 to 2)")

	for in, msg := range map[string]string{
		`{"v":3,"name":"EventACK"}`:                                                         "decode EventACK: schema version 3, want 1 to 2",
		`{"v":1,"name":"EventUserEvent","userData":[["k","v"]]}`:                            "decode EventUserEvent: schema version 1 with user data in the compact form of version 2",
		`{"v":2,"name":"EventUserEvent","userData":[{"key":"k","type":"str","value":"v"}]}`: "",
		`{"name":"EventUserEvent","userData":[["k","v"]],"v":2}`:                            "",
	} {
		_, err := wire.Decode([]byte(in))
		if msg == "" {
			assert.NoError(t, err, in)
		} else {
			assert.EqualError(t, err, msg, in)
		}
	}
}

// TestCompactUserDataErrors checks that an error in compact user data
// names the key and what is wrong with it.
func TestCompactUserDataErrors(t *testing.T) {
	for in, want := range map[string]string{
		`[["n",1.5]]`:                 `user data key "n": offset 9: 1.5 is not a 64-bit integer`,
		`[["n",9223372036854775808]]`: `user data key "n": offset 25: 9223372036854775808 is not a 64-bit integer`,
		`[["n",null]]`:                `user data key "n": offset 10: null value (a string, an integer or a list)`,
		`[["n",true]]`:                `user data key "n": offset 6: a value must be a string, an integer or a list`,
		`[["n"]]`:                     `user data key "n": offset 5: a pair must be [key, value]`,
		`[["n","a","b"]]`:             `user data key "n": offset 9: a pair must be [key, value]`,
		`[[7,"a"]]`:                   `offset 2: user data: a pair must start with its key, a string`,
		`[["l",[["x",{}]]]]`:          `user data key "l": user data key "x": offset 12: a value must be a string, an integer or a list`,
		`[["a","b"],{"key":"c"}]`:     `offset 11: user data: pair 2 is not in the form of the first`,
		`[1]`:                         `offset 1: user data: a pair must be an object {"key","type","value"} or an array [key, value]`,
	} {
		_, err := wire.UnmarshalUserData([]byte(in))
		assert.EqualError(t, err, "user data: "+want, in)
	}
}
