package wire_test

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/orca-scxml/orca/telephony/wire"
)

// TestParseAckSubject reads deliveries' reply subjects in both forms the
// servers send, as jetstream's Metadata reads them.
func TestParseAckSubject(t *testing.T) {
	v2 := "$JS.ACK._.ABCDEF123.ORCA_REPORTING.rep.2.4711.42.1764300000000000000.3.xyz"
	assert.Zero(t, testing.AllocsPerRun(10, func() { wire.ParseAckSubject(v2) }))
	cases := []struct {
		reply string
		want  wire.AckSubject
		ok    bool
	}{
		{"$JS.ACK.ORCA_REPORTING.rep.1.4711.42.1764300000000000000.0", wire.AckSubject{"ORCA_REPORTING", "rep", 4711, 42}, true},
		{"$JS.ACK._.ABCDEF123.ORCA_REPORTING.rep.2.4711.42.1764300000000000000.3.xyz", wire.AckSubject{"ORCA_REPORTING", "rep", 4711, 42}, true},
		{"$JS.ACK.hub.ABCDEF123.S.c.1.7.1.1764300000000000000.0", wire.AckSubject{"S", "c", 7, 1}, true},
		{"$JS.ACK.hub.ABCDEF123.S.c.1.7.1.1764300000000000000.0.tok.more", wire.AckSubject{"S", "c", 7, 1}, true},
		{"$JS.ACK.S.c.1.x7.1.1764300000000000000.0", wire.AckSubject{"S", "c", 0, 1}, true},
		{"$JS.ACK.S.c.1.7.1.0", wire.AckSubject{}, false},
		{"$JS.ACK.S.c.1.7.1.1764300000000000000.0.x", wire.AckSubject{}, false},
		{"$JS.NAK.S.c.1.7.1.1764300000000000000.0", wire.AckSubject{}, false},
		{"_INBOX.abc", wire.AckSubject{}, false},
		{"", wire.AckSubject{}, false},
	}
	for _, tc := range cases {
		got, ok := wire.ParseAckSubject(tc.reply)
		assert.Equal(t, tc.ok, ok, tc.reply)
		assert.Equal(t, tc.want, got, tc.reply)
	}
}
