package telephony_test

import (
	"testing"
	"time"

	"github.com/orca-scxml/orca/telephony"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var epoch = time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

// recorder collects the events a port delivers.
type recorder struct{ evs []telephony.Event }

func (r *recorder) types() []telephony.EventType {
	var out []telephony.EventType
	for _, ev := range r.evs {
		out = append(out, ev.Type)
	}
	return out
}

func newPort(t *testing.T) (*telephony.Memory, *recorder) {
	m := telephony.NewMemory(telephony.MemoryOptions{Start: epoch})
	r := &recorder{}
	unsub := m.Subscribe(func(ev telephony.Event) { r.evs = append(r.evs, ev) })
	t.Cleanup(unsub)
	return m, r
}

func TestMemoryNaturalAnswers(t *testing.T) {
	tests := []struct {
		name string
		req  func(m *telephony.Memory, conn telephony.ConnID) (telephony.ReferenceID, error)
		want []telephony.EventType
	}{
		{"attach", func(m *telephony.Memory, c telephony.ConnID) (telephony.ReferenceID, error) {
			return m.UpdateUserData(telephony.UserDataChange{Op: telephony.Attach, ConnID: c, UserData: telephony.UserData{{Key: "a", Value: 1}}})
		}, []telephony.EventType{telephony.EventAttachedDataChanged}},
		{"user event", func(m *telephony.Memory, c telephony.ConnID) (telephony.ReferenceID, error) {
			return m.DistributeUserEvent(telephony.UserEvent{ThisDN: "7000", UserData: telephony.UserData{{Key: "_CB_FINAL_RECORD", Value: "0"}}})
		}, []telephony.EventType{telephony.EventACK, telephony.EventUserEvent}},
		{"route", func(m *telephony.Memory, c telephony.ConnID) (telephony.ReferenceID, error) {
			return m.Route(telephony.Route{ConnID: c, To: "7002"})
		}, []telephony.EventType{telephony.EventRouteUsed}},
		{"release", func(m *telephony.Memory, c telephony.ConnID) (telephony.ReferenceID, error) {
			return m.Release(telephony.Release{ConnID: c})
		}, []telephony.EventType{telephony.EventReleased}},
		{"make call", func(m *telephony.Memory, c telephony.ConnID) (telephony.ReferenceID, error) {
			return m.MakeCall(telephony.MakeCall{ThisDN: "7001", Destination: "555"})
		}, []telephony.EventType{telephony.EventDialing, telephony.EventEstablished}},
		{"submit", func(m *telephony.Memory, c telephony.ConnID) (telephony.ReferenceID, error) {
			return m.SubmitToQueue(telephony.QueueSubmit{ConnID: c, Targets: []string{"Agent1"}})
		}, []telephony.EventType{telephony.EventTargetSelected}},
		{"unknown call", func(m *telephony.Memory, c telephony.ConnID) (telephony.ReferenceID, error) {
			return m.Release(telephony.Release{ConnID: "nope"})
		}, []telephony.EventType{telephony.EventError}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, rec := newPort(t)
			conn := m.NewCall(telephony.Call{ThisDN: "RP_1"})
			require.Equal(t, 1, m.Flush())
			rec.evs = nil
			ref, err := tt.req(m, conn)
			require.NoError(t, err)
			assert.Empty(t, rec.evs, "nothing is delivered before Flush")
			m.Flush()
			assert.Equal(t, tt.want, rec.types())
			assert.Equal(t, ref, rec.evs[0].ReferenceID)
			assert.Len(t, m.Requests(), 1)
		})
	}
}

func TestMemoryScriptsAndTime(t *testing.T) {
	m, rec := newPort(t)
	conn := m.NewCall(telephony.Call{ThisDN: "RP_1", UserData: telephony.UserData{{Key: "k", Value: "v"}}})
	m.Script(telephony.KindRoute, telephony.Answer{Delay: 2 * time.Second, ErrorCode: 50, ErrorMessage: "bad DN"})
	m.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: time.Minute})
	_, err := m.Route(telephony.Route{ConnID: conn, To: "x"})
	require.NoError(t, err)
	sub, err := m.SubmitToQueue(telephony.QueueSubmit{ConnID: conn, Targets: []string{"A"}, Timeout: 10 * time.Second})
	require.NoError(t, err)
	assert.Equal(t, 1, m.Advance(time.Second))
	assert.Equal(t, 1, m.Advance(time.Second))
	assert.Equal(t, telephony.EventError, rec.evs[1].Type)
	assert.Equal(t, "bad DN", rec.evs[1].ErrorMessage)
	assert.Equal(t, epoch.Add(2*time.Second), rec.evs[1].Time)
	m.Advance(10 * time.Second)
	last := rec.evs[len(rec.evs)-1]
	assert.Equal(t, sub, last.ReferenceID)
	assert.Equal(t, telephony.ErrCodeTimeout, last.ErrorCode)

	// A cancelled submit fails with ErrCodeCancelled.
	m.Script(telephony.KindQueueSubmit, telephony.Answer{Silent: false, Delay: time.Hour})
	sub, _ = m.SubmitToQueue(telephony.QueueSubmit{ConnID: conn, Targets: []string{"A"}})
	cancel, _ := m.CancelQueue(telephony.QueueCancel{Submit: sub, ConnID: conn})
	rec.evs = nil
	m.Flush()
	require.Len(t, rec.evs, 2)
	assert.Equal(t, telephony.ErrCodeCancelled, rec.evs[0].ErrorCode)
	assert.Equal(t, cancel, rec.evs[1].ReferenceID)
	assert.Equal(t, 0, m.Pending())

	// Call events injected by the test.
	rec.evs = nil
	require.NoError(t, m.ChangeUserData(conn, telephony.UserData{{Key: "k", Value: "w"}}))
	require.NoError(t, m.ChangeParty(conn, "7002"))
	require.NoError(t, m.Abandon(conn))
	assert.Error(t, m.Hangup(conn))
	m.Flush()
	assert.Equal(t, []telephony.EventType{telephony.EventAttachedDataChanged, telephony.EventPartyChanged, telephony.EventAbandoned}, rec.types())
	assert.Equal(t, "w", rec.evs[0].UserData.String("k"))
	_, ok := m.Call(conn)
	assert.False(t, ok)
}

func TestUserData(t *testing.T) {
	u, err := telephony.FromNeutral(map[string]any{"b": 2.0, "a": "x", "n": map[string]any{"c": 1.5}, "t": true})
	require.NoError(t, err)
	assert.Equal(t, telephony.UserData{{Key: "a", Value: "x"}, {Key: "b", Value: 2}, {Key: "n", Value: telephony.UserData{{Key: "c", Value: "1.5"}}}, {Key: "t", Value: "true"}}, u)
	assert.Equal(t, map[string]any{"a": "x", "b": 2.0, "n": map[string]any{"c": "1.5"}, "t": "true"}, u.Neutral())
	u.Update(telephony.UserData{{Key: "a", Value: "y"}, {Key: "z", Value: 0}})
	assert.Equal(t, []string{"a", "b", "n", "t", "z"}, u.Keys())
	assert.True(t, u.Delete("n"))
	assert.False(t, u.Delete("n"))
	assert.Equal(t, "y", u.String("a"))
	_, err = telephony.FromNeutral(map[string]any{"l": []any{1.0}})
	assert.ErrorContains(t, err, `key "l"`)
	_, err = telephony.FromNeutral("x")
	assert.Error(t, err)
}
