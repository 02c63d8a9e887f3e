package wire_test

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// TestDecodeOwnedMemo: a message whose user data is the text of one the
// memo remembers gets that user data, shared; any other is decoded, and
// every message decodes to what DecodeOwned makes of it.
func TestDecodeOwnedMemo(t *testing.T) {
	ev := func(name, conn string, ud telephony.UserData, schema int) []byte {
		t.Helper()
		m := wire.Message{V: wire.SchemaVersion, Name: name, Switch: "SIP_Switch", ConnID: conn, ThisDN: "7001", UserData: ud}
		data, err := wire.AppendMessageSchema(nil, &m, schema)
		require.NoError(t, err)
		return data
	}
	a := telephony.UserData{{Key: "_CB_SERVICE_ID", Value: "S1"}, {Key: "_CB_T_SERVICE_START", Value: 1795799840},
		{Key: "nested", Value: telephony.UserData{{Key: "k", Value: "v"}}}}
	// a's text with one more pair: a starts its text, but is no whole
	// value of it.
	longer := append(a.Clone(), telephony.KV{Key: "more", Value: "x"})
	// The same text but for one value.
	other := a.Clone()
	other[0].Value = "S2"

	var memo wire.UserDataMemo
	first := ev("EventRinging", "C1", a, 2)
	msgs := []struct {
		name   string
		data   []byte
		shared bool
	}{
		{"first", first, false},
		{"the same user data", ev("EventEstablished", "C1", a, 2), true},
		{"a longer list", ev("EventAttachedDataChanged", "C1", longer, 2), false},
		{"another value", ev("EventRinging", "C2", other, 2), false},
		{"the first again", ev("EventReleased", "C1", a, 2), true},
		{"the longer again", ev("EventReleased", "C1", longer, 2), false},
		{"none", ev("EventDialing", "C3", nil, 2), false},
		{"empty", ev("EventDialing", "C3", telephony.UserData{}, 2), false},
		{"schema 1", ev("EventRinging", "C1", a, 1), false},
	}
	var firstUD telephony.UserData
	for i, m := range msgs {
		want, err := wire.DecodeOwned(append([]byte(nil), m.data...))
		require.NoError(t, err, m.name)
		got, err := wire.DecodeOwnedMemo(m.data, &memo)
		require.NoError(t, err, m.name)
		assert.Equal(t, want, got, m.name)
		if i == 0 {
			firstUD = got.UserData
			continue
		}
		if len(got.UserData) > 0 {
			assert.Equal(t, m.shared, &got.UserData[0] == &firstUD[0], "%s: shared", m.name)
		}
	}

	// Shared user data has no spare capacity: appending to one message's
	// copies, and never shows in another's.
	x, err := wire.DecodeOwnedMemo(first, &memo)
	require.NoError(t, err)
	y, err := wire.DecodeOwnedMemo(first, &memo)
	require.NoError(t, err)
	require.Same(t, &x.UserData[0], &y.UserData[0])
	xa := append(x.UserData, telephony.KV{Key: "mine", Value: "x"})
	ya := append(y.UserData, telephony.KV{Key: "mine", Value: "y"})
	assert.Equal(t, "x", xa[len(xa)-1].Value)
	assert.Equal(t, "y", ya[len(ya)-1].Value)
	assert.Equal(t, a, x.UserData)

	// A schema 1 message with user data in the compact form is refused,
	// also when the memo gives that user data.
	v1 := ev("EventRinging", "C1", a, 2)
	require.Equal(t, `{"v":2`, string(v1[:len(`{"v":2`)]))
	v1 = []byte(string(v1[:len(`{"v":`)]) + "1" + string(v1[len(`{"v":2`):]))
	_, err = wire.DecodeOwned(append([]byte(nil), v1...))
	require.Error(t, err)
	_, err = wire.DecodeOwnedMemo(v1, &memo)
	require.ErrorContains(t, err, "compact form")
}

// BenchmarkDecodeOwnedMemo decodes a call's events carrying the same
// attached data, as a port's reply subject receives them: the first
// decodes the user data, the others share it.
func BenchmarkDecodeOwnedMemo(b *testing.B) {
	var data [][]byte
	for _, m := range sampleMessages() {
		if m.Name == string(telephony.EventAttachedDataChanged) || m.Name == string(telephony.EventReleased) {
			d, err := wire.AppendMessageSchema(nil, &m, wire.SchemaVersion)
			require.NoError(b, err)
			data = append(data, d)
		}
	}
	for _, memo := range []bool{false, true} {
		b.Run(map[bool]string{false: "memo=off", true: "memo=on"}[memo], func(b *testing.B) {
			var um wire.UserDataMemo
			b.ReportAllocs()
			for b.Loop() {
				for _, d := range data {
					var err error
					if memo {
						_, err = wire.DecodeOwnedMemo(d, &um)
					} else {
						_, err = wire.DecodeOwned(d)
					}
					if err != nil {
						b.Fatal(err)
					}
				}
			}
		})
	}
}
