package templates

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestReservesAgent(t *testing.T) {
	ut := DirectionUserTerminated
	tests := []struct {
		name     string
		template string
		sp       map[string]any
		want     bool
	}{
		{"agent first", "callback-agent-first", map[string]any{"_call_direction": ut}, true},
		{"customer first", "callback-immediate", map[string]any{"_call_direction": ut}, false},
		{"agent as first party", "callback-immediate", map[string]any{"_call_direction": ut, "_userterminated_first_connect_party": FirstPartyAgent}, true},
		{"waits for an agent", "callback-scheduled", map[string]any{"_call_direction": ut, "_wait_for_agent": true}, true},
		{"does not wait", "callback-scheduled", map[string]any{"_call_direction": ut, "_wait_for_agent": false}, false},
		{"user originated", "callback-user-originated", map[string]any{"_call_direction": DirectionUserOriginated, "_wait_for_agent": true}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, ReservesAgent(tt.template, func(k string) any { return tt.sp[k] }))
		})
	}
}

func TestParseStateLog(t *testing.T) {
	tests := []struct {
		msg, state, reason string
		ok                 bool
	}{
		{"_callback_state=QUEUED", StateQueued, "", true},
		{"_callback_state=COMPLETED _callback_reason=AGENT_CONNECTED", StateCompleted, "AGENT_CONNECTED", true},
		{"dialling 5551234", "", "", false},
		{"", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.msg, func(t *testing.T) {
			state, reason, ok := ParseStateLog(tt.msg)
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.state, state)
			assert.Equal(t, tt.reason, reason)
		})
	}
}

func TestPushResults(t *testing.T) {
	ev, ok := PushResultEvent(PushDelivered)
	assert.True(t, ok)
	assert.Equal(t, EventPushConfirm, ev)
	ev, ok = PushResultEvent(PushMediaFailed)
	assert.True(t, ok)
	assert.Equal(t, EventMediaFailed, ev)
	_, ok = PushResultEvent("BUSY")
	assert.False(t, ok, "the switch reports BUSY, not the application")

	for _, tt := range List() {
		assert.Equal(t, tt.Name == "callback-user-originated", SendsPush(tt.Name), tt.Name)
	}
	assert.True(t, SendsPush("strategies/own-callback.scxml"), "a strategy of the service's own decides")
}

func TestStatesAreTheLifecycleInOrder(t *testing.T) {
	assert.Equal(t, []string{"SCHEDULED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED"}, States())
	s := States()
	s[0] = "changed"
	assert.Equal(t, StateScheduled, States()[0], "States returns a slice of its own")
}

func TestDesiredDelay(t *testing.T) {
	now := time.Date(2026, 11, 28, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		at   time.Time
		want float64
	}{
		{time.Time{}, 0},
		{now.Add(-time.Minute), 0},
		{now, 0},
		{now.Add(time.Millisecond), 1},
		{now.Add(90 * time.Second), 90},
		{now.Add(90*time.Second + time.Nanosecond), 91},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, DesiredDelay(tt.at, now), "%v", tt.at)
	}
}
