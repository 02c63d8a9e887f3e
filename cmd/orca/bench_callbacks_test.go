package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestBusKind(t *testing.T) {
	tests := []struct{ subj, want string }{
		{"orca.tel.SIP_Switch.rsp.orca-abc123.EventACK", "orca.tel.SIP_Switch.rsp.<instance>.EventACK"},
		{"orca.tel.SIP_Switch.evt.7001.EventRinging", "orca.tel.SIP_Switch.evt.<agent DN>.EventRinging"},
		{"orca.tel.SIP_Switch.evt.REPORTING.EventUserEvent", "orca.tel.SIP_Switch.evt.REPORTING.EventUserEvent"},
		{"orca.tel.SIP_Switch.req.RequestMakeCall", "orca.tel.SIP_Switch.req.RequestMakeCall"},
		{"$JS.ACK.ORCA_REPORTING.tserver_SIP_Switch.1.2.3.1700000000.0", "$JS.ACK.ORCA_REPORTING.tserver_SIP_Switch"},
		{"$KV.ORCA_SESSIONS.ABC", "$KV.ORCA_SESSIONS"},
		{"$JS.API.CONSUMER.MSG.NEXT.ORCA_REPORTING.x", "$JS.API.CONSUMER.MSG"},
		{"_INBOX.abc.def", "_INBOX.* (JetStream publish acknowledgements, requests' answers)"},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, busKind(tt.subj), tt.subj)
	}
	assert.Equal(t, "S.C", ackConsumer("$JS.ACK.D.A.S.C.1.2.3.4.5.6"), "the form with domain and account")
	assert.Equal(t, "S.C", ackConsumer("$JS.ACK.D.A.S.C.1.2.3.4.5"), "the form with domain and account, as nats.go v1.55 reads it (11 tokens)")
	assert.Empty(t, ackConsumer("_INBOX.x"))
}

// TestBenchCallbacksBus counts the bus's messages: the requester of a
// user event gets its EventACK, the EventUserEvent goes to the reporting
// DN's clients only.
func TestBenchCallbacksBus(t *testing.T) {
	code, stdout, stderr := orca(t, nil, "bench", "--callbacks", "20", "--clients", "4", "--agents", "20", "--bus")
	require.Equal(t, exitOK, code, stderr)
	for _, want := range []string{"bus/callback", "orca.tel.SIP_Switch.req.RequestDistributeUserEvent  ",
		"orca.tel.SIP_Switch.rsp.<instance>.EventACK", "orca.tel.SIP_Switch.evt.REPORTING.EventUserEvent  ",
		"(delivered to ORCA_REPORTING.tserver_SIP_Switch)"} {
		assert.Contains(t, stdout, want)
	}
	assert.NotContains(t, stdout, "rsp.<instance>.EventUserEvent")
}
