package wire_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// refDecode is the reference the codec is checked against: encoding/json
// reads each member into the field whose tag names it, and user data
// through refUserData, the typed form read with encoding/json.
func refDecode(data []byte) (wire.Message, error) {
	var raw map[string]json.RawMessage
	if err := json.Unmarshal(data, &raw); err != nil {
		return wire.Message{}, err
	}
	if raw == nil {
		return wire.Message{}, fmt.Errorf("not an object")
	}
	var m wire.Message
	v := reflect.ValueOf(&m).Elem()
	for i := range v.NumField() {
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		r, ok := raw[name]
		if !ok {
			continue
		}
		f := v.Field(i)
		if f.Type() == reflect.TypeFor[telephony.UserData]() {
			ud, err := refUserData(r)
			if err != nil {
				return wire.Message{}, err
			}
			f.Set(reflect.ValueOf(ud))
			continue
		}
		if err := json.Unmarshal(r, f.Addr().Interface()); err != nil {
			return wire.Message{}, err
		}
	}
	return m, nil
}

// refUserData reads a list in the form of its first pair: typed
// (objects) or compact ([key, value] arrays).
func refUserData(data []byte) (telephony.UserData, error) {
	if bytes.Equal(data, []byte("null")) {
		return nil, nil
	}
	var pairs []json.RawMessage
	if err := json.Unmarshal(data, &pairs); err != nil {
		return nil, err
	}
	if len(pairs) > 0 && pairs[0][0] == '[' {
		return refCompact(pairs)
	}
	for _, p := range pairs {
		if p[0] != '{' {
			return nil, fmt.Errorf("pair %s is not an object", p)
		}
	}
	var in []struct {
		Key   string          `json:"key"`
		Type  string          `json:"type"`
		Value json.RawMessage `json:"value"`
	}
	if err := json.Unmarshal(data, &in); err != nil {
		return nil, err
	}
	out := make(telephony.UserData, 0, len(in))
	for _, w := range in {
		kv := telephony.KV{Key: w.Key}
		switch w.Type {
		case wire.TypeStr:
			var s string
			if err := json.Unmarshal(w.Value, &s); err != nil {
				return nil, err
			}
			kv.Value = s
		case wire.TypeInt:
			n, err := strconv.ParseInt(string(w.Value), 10, 64)
			if err != nil {
				return nil, err
			}
			kv.Value = int(n)
		case wire.TypeList:
			l, err := refUserData(w.Value)
			if err != nil {
				return nil, err
			}
			if l == nil {
				l = telephony.UserData{}
			}
			kv.Value = l
		default:
			return nil, fmt.Errorf("unknown type %q", w.Type)
		}
		out = append(out, kv)
	}
	return out, nil
}

// refCompact reads the pairs of the compact form with encoding/json.
func refCompact(pairs []json.RawMessage) (telephony.UserData, error) {
	out := make(telephony.UserData, 0, len(pairs))
	for _, p := range pairs {
		var kv []json.RawMessage
		if err := json.Unmarshal(p, &kv); err != nil {
			return nil, err
		}
		if len(kv) != 2 || kv[0][0] != '"' {
			return nil, fmt.Errorf("pair %s is not [key, value]", p)
		}
		var key string
		if err := json.Unmarshal(kv[0], &key); err != nil {
			return nil, err
		}
		var v any
		switch c := kv[1][0]; {
		case c == '"':
			var s string
			if err := json.Unmarshal(kv[1], &s); err != nil {
				return nil, err
			}
			v = s
		case c == '[':
			l, err := refUserData(kv[1])
			if err != nil {
				return nil, err
			}
			v = l
		default:
			n, err := strconv.ParseInt(string(kv[1]), 10, 64)
			if err != nil {
				return nil, err
			}
			v = int(n)
		}
		out = append(out, telephony.KV{Key: key, Value: v})
	}
	return out, nil
}

// decodeAny reads a message without the version and name checks.
func decodeAny(data []byte) (wire.Message, error) {
	var m wire.Message
	err := m.UnmarshalJSON(data)
	return m, err
}

func TestDecodeAgreesWithEncodingJSON(t *testing.T) {
	for _, in := range decodeCorpus(t) {
		t.Run(in, func(t *testing.T) { checkAgainstReference(t, []byte(in)) })
	}
}

func checkAgainstReference(t *testing.T, data []byte) {
	want, wantErr := refDecode(data)
	got, err := decodeAny(data)
	if wantErr != nil {
		require.Error(t, err, "encoding/json refuses it: %v", wantErr)
		return
	}
	require.NoError(t, err)
	require.Equal(t, want, got)
}

// decodeCorpus is the sample messages and inputs at the edges of JSON and
// of the typed user data.
func decodeCorpus(t testing.TB) []string {
	var out []string
	for _, m := range sampleMessages() {
		b, err := wire.Encode(m)
		require.NoError(t, err)
		out = append(out, string(b))
	}
	return append(out,
		`{"v":1,"name":"EventACK"}`,
		` { "v" : 1 , "name" : "EventACK" , "extra" : {"a":[1,2.5e3,true,false,null,"x"]} } `,
		`{"v":1,"name":"EventACK","seq":null,"thisDN":null,"userData":null,"targets":null}`,
		`{"v":1,"name":"A","thisDN":"a\"b\\c\/d\b\f\n\r\t\u00e9\ud83d\ude00\ud800x\udc00"}`,
		"{\"v\":1,\"name\":\"A\",\"thisDN\":\"bad \xff utf8 \xe2\x82\"}",
		"{\"v\":1,\"name\":\"A\",\"thisDN\":\"é ☎ \u2028\"}",
		`{"v":1,"name":"A","name":"B"}`,
		`{"v":1,"na\u006de":"A"}`,
		`{"v":1,"name":"A","targets":["a",null,""]}`,
		`{"v":1,"name":"A","targets":[]}`,
		`{"v":1,"name":"A","userData":[]}`,
		`{"v":1,"name":"A","userData":[{"value":3,"type":"int","key":"n"}]}`,
		`{"v":1,"name":"A","userData":[{"key":"l","type":"list","value":[{"key":"x","type":"list","value":[]}]},{"key":"m","type":"list","value":null}]}`,
		`{"v":1,"name":"A","userData":[{"key":"s","type":"str","value":null},{"key":null,"type":"str","value":"v","other":[1]}]}`,
		`{"v":1,"name":"A","userData":[{"key":"n","type":"int","value":-9223372036854775808}]}`,
		`{"v":1,"name":"A","userData":[{"key":"n","type":"int","value":9223372036854775808}]}`,
		`{"v":1,"name":"A","userData":[{"key":"n","type":"int","value":1.5}]}`,
		`{"v":1,"name":"A","userData":[{"key":"n","type":"int","value":1e3}]}`,
		`{"v":1,"name":"A","userData":[{"key":"n","type":"int","value":"1"}]}`,
		`{"v":1,"name":"A","userData":[{"key":"n","type":"int","value":null}]}`,
		`{"v":1,"name":"A","userData":[{"key":"n","type":"int"}]}`,
		`{"v":1,"name":"A","userData":[{"key":"s","type":"str","value":1}]}`,
		`{"v":1,"name":"A","userData":[{"key":"s","type":"list","value":"x"}]}`,
		`{"v":1,"name":"A","userData":[{"key":"s","type":"float","value":1}]}`,
		`{"v":1,"name":"A","userData":[{"key":"s","value":"x"}]}`,
		`{"v":1,"name":"A","userData":[{"key":"s","type":"str","value":true}]}`,
		`{"v":1,"name":"A","userData":{"a":1}}`,
		`{"v":1,"name":"A","userData":[1]}`,
		`{"v":1,"name":"A","userData":[{"key":"s","type":"str","value":"x"},]}`,
		`{"v":1.0,"name":"A"}`,
		`{"v":"1","name":"A"}`,
		`{"v":1,"name":"A","referenceID":-1}`,
		`{"v":1,"name":"A","referenceID":18446744073709551615}`,
		`{"v":1,"name":"A","referenceID":18446744073709551616}`,
		`{"v":1,"name":"A","timeinSecs":-0}`,
		`{"v":1,"name":"A","seq":01}`,
		`{"v":1,"name":"A","thisDN":"x`,
		"{\"v\":1,\"name\":\"A\",\"thisDN\":\"x\ny\"}",
		`{"v":1,"name":"A","thisDN":"\x"}`,
		`{"v":1,"name":"A","thisDN":"\u12"}`,
		`{"v":1,"name":"A"} x`,
		`{"v":1,"name":"A",}`,
		`{"v":1 "name":"A"}`,
		`[]`, `null`, ``, `{`, `"x"`, "\xef\xbb\xbf{}",
		`{"v":2,"name":"A","userData":[["s","x"],["n",-42],["l",[["k","v"],["e",[]]]],["s",""]]}`,
		`{"v":2,"name":"A","userData":[ [ "s" , "x" ] , ["n",9223372036854775807] ],"params":[["p","\u00e9"]]}`,
		`{"v":2,"name":"A","userData":[["n",9223372036854775808]]}`,
		`{"v":2,"name":"A","userData":[["n",1.5]]}`,
		`{"v":2,"name":"A","userData":[["n",1e3]]}`,
		`{"v":2,"name":"A","userData":[["n",null]]}`,
		`{"v":2,"name":"A","userData":[["n",true]]}`,
		`{"v":2,"name":"A","userData":[["n"]]}`,
		`{"v":2,"name":"A","userData":[["n","x","y"]]}`,
		`{"v":2,"name":"A","userData":[[null,"x"]]}`,
		`{"v":2,"name":"A","userData":[[1,"x"]]}`,
		`{"v":2,"name":"A","userData":[["n","x"],{"key":"s","type":"str","value":"x"}]}`,
		`{"v":2,"name":"A","userData":[{"key":"s","type":"str","value":"x"},["n","x"]]}`,
		`{"v":2,"name":"A","userData":[["l",[{"key":"s","type":"int","value":3}]]]}`,
		`{"v":2,"name":"A","userData":[["n","x"],]}`,
		`{"v":2,"name":"A","userData":[["n","x"]`,
		`{"v":2,"name":"A","userData":[["n","x\"]]}`,
	)
}

func TestDecodeChecksVersionAndName(t *testing.T) {
	_, err := wire.Decode([]byte(`{"v":3,"name":"EventACK"}`))
	assert.ErrorContains(t, err, "decode EventACK: schema version 3, want 1 to 2")
	_, err = wire.Decode([]byte(`{"name":"EventACK"}`))
	assert.ErrorContains(t, err, "schema version 0")
	_, err = wire.Decode([]byte(`{"v":1}`))
	assert.ErrorContains(t, err, "no name")
	_, err = wire.Decode([]byte(`{"v":1,"name":"A","userData":[{"key":"n","type":"int","value":1.5}]}`))
	assert.ErrorContains(t, err, `user data key "n"`)
	assert.ErrorContains(t, err, `"userData"`)
}

// TestEncodeWritesEveryField sets every field of a message and checks
// that the encoding names each as its json tag does, and reads back.
func TestEncodeWritesEveryField(t *testing.T) {
	var m wire.Message
	v := reflect.ValueOf(&m).Elem()
	var tags []string
	for i := range v.NumField() {
		f := v.Field(i)
		name, _, _ := strings.Cut(v.Type().Field(i).Tag.Get("json"), ",")
		tags = append(tags, name)
		switch f.Kind() {
		case reflect.String:
			f.SetString("s" + strconv.Itoa(i))
		case reflect.Int, reflect.Int64:
			f.SetInt(int64(i + 1))
		case reflect.Uint64:
			f.SetUint(uint64(i + 1))
		case reflect.Slice:
			switch f.Type() {
			case reflect.TypeFor[[]string]():
				f.Set(reflect.ValueOf([]string{"a", "b"}))
			case reflect.TypeFor[[]wire.Queued]():
				f.Set(reflect.ValueOf([]wire.Queued{{ConnID: "c1", Priority: i, WaitedMs: 5}, {ConnID: "c2"}}))
			default:
				f.Set(reflect.ValueOf(telephony.UserData{{Key: "k", Value: i}}))
			}
		default:
			t.Fatalf("field %s: kind %s not covered", v.Type().Field(i).Name, f.Kind())
		}
	}
	m.V = wire.SchemaVersion
	b, err := wire.Encode(m)
	require.NoError(t, err)
	var raw map[string]any
	require.NoError(t, json.Unmarshal(b, &raw))
	for _, tag := range tags {
		assert.Contains(t, raw, tag)
	}
	assert.Len(t, raw, len(tags))
	back, err := wire.Decode(b)
	require.NoError(t, err)
	assert.Equal(t, m, back)
	// encoding/json writes a message as the wire does.
	viaJSON, err := json.Marshal(m)
	require.NoError(t, err)
	assert.Equal(t, string(b), string(viaJSON))
}

func TestEncodeStrings(t *testing.T) {
	tests := []struct{ in, want string }{
		{"plain", `"plain"`},
		{`q"b\`, `"q\"b\\"`},
		{"\n\r\t\x00\x1f", `"\n\r\t\u0000\u001f"`},
		{"<&>", `"<&>"`},
		{"é☎😀", `"é☎😀"`},
		{"\u2028\u2029", `"\u2028\u2029"`},
		{"bad\xffend", `"bad\ufffdend"`},
		{"\xe2\x82", `"\ufffd\ufffd"`},
	}
	for _, tt := range tests {
		b, err := wire.Encode(wire.Message{Name: "A", ThisDN: tt.in})
		require.NoError(t, err)
		assert.Equal(t, `{"v":1,"name":"A","thisDN":`+tt.want+`}`, string(b))
		back, err := wire.Decode(b)
		require.NoError(t, err)
		if utf8.ValidString(tt.in) {
			assert.Equal(t, tt.in, back.ThisDN)
		}
	}
	_, err := wire.Encode(wire.Message{Name: "A", UserData: telephony.UserData{{Key: "l", Value: telephony.UserData{{Key: "f", Value: 1.5}}}}})
	assert.ErrorContains(t, err, `user data key "l": user data key "f": a KVList value cannot be float64`)
	_, err = wire.Encode(wire.Message{})
	assert.ErrorContains(t, err, "no name")
}

func TestPoolReusesBuffers(t *testing.T) {
	var pool wire.Pool
	m := sampleMessages()[1]
	want, err := wire.Encode(m)
	require.NoError(t, err)
	for range 3 {
		buf, err := pool.Encode(&m)
		require.NoError(t, err)
		assert.Equal(t, string(want), string(buf.Bytes))
		buf.Release()
	}
	if !raceEnabled {
		allocs := testing.AllocsPerRun(100, func() {
			buf, _ := pool.Encode(&m)
			buf.Release()
		})
		assert.Zero(t, allocs)
	}
	_, err = pool.Encode(&wire.Message{})
	assert.Error(t, err)
}

// FuzzDecode checks the decoder against encoding/json on any input: both
// refuse it, or both read the same message.
func FuzzDecode(f *testing.F) {
	for _, in := range decodeCorpus(f) {
		f.Add([]byte(in))
	}
	f.Fuzz(func(t *testing.T, data []byte) { checkAgainstReference(t, data) })
}

// FuzzEncode checks that any message encodes, in each schema version, to
// valid JSON that both decoders read back as the message (invalid UTF-8
// becoming U+FFFD).
func FuzzEncode(f *testing.F) {
	f.Add("EventUserEvent", "REPORTING", "_CB_SERVICE_ID", "8D85", int64(1795799840), "nested")
	f.Add("A", "a\"\\\n\x00\u2028", "", "\xff", int64(-1), "é")
	f.Fuzz(func(t *testing.T, name, dn, key, val string, n int64, nested string) {
		if name == "" {
			return
		}
		m := wire.Message{Name: name, ThisDN: dn, Seq: uint64(n), TimeinSecs: n, Targets: []string{val},
			UserData: telephony.UserData{{Key: key, Value: val}, {Key: val, Value: int(n)},
				{Key: nested, Value: telephony.UserData{{Key: key, Value: nested}}}}}
		for _, schema := range []int{1, 2} {
			b, err := wire.AppendMessageSchema(nil, &m, schema)
			require.NoError(t, err)
			require.True(t, json.Valid(b), "%q", b)
			got, err := wire.Decode(b)
			require.NoError(t, err)
			ref, err := refDecode(b)
			require.NoError(t, err)
			require.Equal(t, ref, got)
			fix := func(s string) string { return strings.ToValidUTF8(s, "\ufffd") }
			if fix(name) == name && fix(dn) == dn && fix(key) == key && fix(val) == val && fix(nested) == nested {
				want := m
				want.V = schema
				require.Equal(t, want, got, "schema %d", schema)
			}
		}
	})
}

// TestFromOrigin reads the origin of encoded messages without decoding
// them, wherever the member comes.
func TestFromOrigin(t *testing.T) {
	own, err := wire.Encode(wire.Message{V: wire.SchemaVersion, Name: "EventUserEvent", Origin: "orca-1", ReferenceID: 7,
		UserData: telephony.UserData{{Key: "origin", Value: "orca-2"}}})
	require.NoError(t, err)
	other, err := wire.Encode(wire.Message{V: wire.SchemaVersion, Name: "EventUserEvent", Origin: "orca-2"})
	require.NoError(t, err)
	none, err := wire.Encode(wire.Message{V: wire.SchemaVersion, Name: "EventUserEvent",
		UserData: telephony.UserData{{Key: "origin", Value: "orca-1"}}})
	require.NoError(t, err)
	for _, tc := range []struct {
		name   string
		data   string
		origin string
		want   bool
	}{
		{"its own", string(own), "orca-1", true},
		{"another's", string(other), "orca-1", false},
		{"none, a KVP named origin", string(none), "orca-1", false},
		{"last member, after nested values", `{"v":1,"userData":{"origin":{"a":[1,"x"]}},"origin":"orca-1"}`, "orca-1", true},
		{"escaped", `{"origin":"orca\u002d1"}`, "orca-1", true},
		{"null", `{"origin":null}`, "orca-1", false},
		{"not JSON", `{"v":1,`, "orca-1", false},
		{"not an object", `["origin","orca-1"]`, "orca-1", false},
		{"empty origin asked", string(none), "", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			assert.Equal(t, tc.want, wire.FromOrigin([]byte(tc.data), tc.origin))
		})
	}
}

// TestDecodeOwned reads every input of the corpus as Decode does, and
// reads a message without copying it: one allocation fewer.
func TestDecodeOwned(t *testing.T) {
	for _, in := range decodeCorpus(t) {
		want, wantErr := wire.Decode([]byte(in))
		got, err := wire.DecodeOwned([]byte(in))
		if wantErr != nil {
			assert.EqualError(t, err, wantErr.Error(), in)
			continue
		}
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	data, err := wire.Encode(sampleMessages()[0])
	require.NoError(t, err)
	copied := testing.AllocsPerRun(100, func() { _, _ = wire.Decode(data) })
	owned := testing.AllocsPerRun(100, func() { _, _ = wire.DecodeOwned(data) })
	if !raceEnabled {
		assert.Equal(t, copied-1, owned)
	}
}

func TestFromOriginAllocatesNothing(t *testing.T) {
	data, err := wire.Encode(sampleMessages()[0])
	require.NoError(t, err)
	if !raceEnabled {
		assert.Zero(t, testing.AllocsPerRun(100, func() { wire.FromOrigin(data, "orca-1") }))
	}
}
