package wire

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestAckSequences reads the sequences of deliveries' reply subjects in
// both forms the servers send, as jetstream's Metadata reads them.
func TestAckSequences(t *testing.T) {
	v2 := "$JS.ACK._.ABCDEF123.ORCA_REPORTING.rep.2.4711.42.1764300000000000000.3.xyz"
	assert.Zero(t, testing.AllocsPerRun(10, func() { ackSequences(v2) }))
	cases := []struct {
		reply      string
		sseq, dseq uint64
		ok         bool
	}{
		{"$JS.ACK.ORCA_REPORTING.rep.1.4711.42.1764300000000000000.0", 4711, 42, true},
		{"$JS.ACK._.ABCDEF123.ORCA_REPORTING.rep.2.4711.42.1764300000000000000.3.xyz", 4711, 42, true},
		{"$JS.ACK.hub.ABCDEF123.S.c.1.7.1.1764300000000000000.0", 7, 1, true},
		{"$JS.ACK.hub.ABCDEF123.S.c.1.7.1.1764300000000000000.0.tok.more", 7, 1, true},
		{"$JS.ACK.S.c.1.x7.1.1764300000000000000.0", 0, 1, true},
		{"$JS.ACK.S.c.1.7.1.0", 0, 0, false},
		{"$JS.ACK.S.c.1.7.1.1764300000000000000.0.x", 0, 0, false},
		{"$JS.NAK.S.c.1.7.1.1764300000000000000.0", 0, 0, false},
		{"_INBOX.abc", 0, 0, false},
		{"", 0, 0, false},
	}
	for _, tc := range cases {
		sseq, dseq, ok := ackSequences(tc.reply)
		assert.Equal(t, tc.ok, ok, tc.reply)
		assert.Equal(t, tc.sseq, sseq, tc.reply)
		assert.Equal(t, tc.dseq, dseq, tc.reply)
	}
}
