package telephony_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/telephony"
)

func TestQueueBook(t *testing.T) {
	var b telephony.QueueBook
	at := func(s int) time.Time { return epoch.Add(time.Duration(s) * time.Second) }
	assert.Equal(t, telephony.QueueStat{Queue: "VQ"}, b.QueueStat("VQ", at(0)), "an unknown queue is empty")

	// Three interactions distributed 60s apart: the AQT is 60s.
	b.Enter(1, "VQ", "A", 0, at(0))
	b.Enter(2, "VQ", "B", 0, at(10))
	b.Enter(3, "VQ", "C", 0, at(20))
	require.True(t, b.Distribute(1, at(30)))
	st := b.QueueStat("VQ", at(30))
	assert.Equal(t, 30*time.Second, st.AQT, "one distribution: the time it waited")
	require.True(t, b.Distribute(2, at(90)))
	require.True(t, b.Distribute(3, at(150)))
	assert.False(t, b.Distribute(3, at(150)), "already gone")
	st = b.QueueStat("VQ", at(150))
	assert.Equal(t, telephony.QueueStat{Queue: "VQ", Distributed: 3, AQT: 60 * time.Second, EWT: 60 * time.Second}, st)

	// Priority first, then the earlier submit.
	b.Enter(4, "VQ", "D", 0, at(200))
	b.Enter(5, "VQ", "E", 5, at(210))
	b.Enter(6, "VQ", "F", 0, at(220))
	b.Enter(7, "OTHER", "D", 0, at(200))
	w, ok := b.Waiting("VQ", "F", at(260))
	require.True(t, ok)
	assert.Equal(t, telephony.Waiting{Position: 3, Priority: 0, Waited: 40 * time.Second, EWT: 180 * time.Second}, w)
	w, ok = b.Waiting("VQ", "E", at(260))
	require.True(t, ok)
	assert.Equal(t, 1, w.Position)
	assert.Equal(t, 5, w.Priority)
	st = b.QueueStat("VQ", at(260))
	assert.Equal(t, 3, st.Waiting)
	assert.Equal(t, 4*60*time.Second, st.EWT, "a newcomer stands fourth")

	// Leaving without a target does not count as distributed; a gone call
	// leaves every queue.
	require.True(t, b.Leave(5))
	assert.False(t, b.Leave(5))
	b.Drop("D")
	_, ok = b.Waiting("OTHER", "D", at(260))
	assert.False(t, ok)
	w, _ = b.Waiting("VQ", "F", at(260))
	assert.Equal(t, 1, w.Position)
	assert.Equal(t, 3, b.QueueStat("VQ", at(260)).Distributed)
}

func TestQueueBookWindow(t *testing.T) {
	var b telephony.QueueBook
	// 40 distributions: the first 8 are 10s apart, the last 32 are 100s
	// apart; only the last AQTWindow count.
	at := epoch
	for i := range 40 {
		step := 100 * time.Second
		if i < 8 {
			step = 10 * time.Second
		}
		at = at.Add(step)
		b.Enter(telephony.ReferenceID(i+1), "VQ", "X", 0, at.Add(-time.Second))
		b.Distribute(telephony.ReferenceID(i+1), at)
	}
	st := b.QueueStat("VQ", at)
	assert.Equal(t, 40, st.Distributed)
	assert.Equal(t, 100*time.Second, st.AQT)
}

func TestMemoryStatistics(t *testing.T) {
	m, _ := newPort(t)
	in1 := m.NewCall(telephony.Call{ThisDN: "RP_IN", ANI: "5550001"})
	in2 := m.NewCall(telephony.Call{ThisDN: "RP_IN", ANI: "5550002"})
	in3 := m.NewCall(telephony.Call{ThisDN: "RP_IN", ANI: "5550003"})
	// in1 is served after 60s, in2 waits forever, in3 after 120s.
	m.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: 60 * time.Second}, telephony.Answer{Silent: true}, telephony.Answer{Delay: 120 * time.Second})
	for _, c := range []telephony.ConnID{in1, in2, in3} {
		_, err := m.SubmitToQueue(telephony.QueueSubmit{ConnID: c, Queue: "VQ_In", Targets: []string{"Agent1"}})
		require.NoError(t, err)
		m.Advance(10 * time.Second)
	}
	st, err := m.QueueStat("VQ_In")
	require.NoError(t, err)
	assert.Equal(t, telephony.QueueStat{Queue: "VQ_In", Waiting: 3}, st, "nobody distributed yet")
	w, ok, err := m.Waiting("VQ_In", in3)
	require.NoError(t, err)
	require.True(t, ok)
	assert.Equal(t, telephony.Waiting{Position: 3, Waited: 10 * time.Second}, w)

	m.Advance(40 * time.Second) // in1's answer at 60s
	st, _ = m.QueueStat("VQ_In")
	assert.Equal(t, telephony.QueueStat{Queue: "VQ_In", Waiting: 2, Distributed: 1, AQT: 60 * time.Second, EWT: 180 * time.Second}, st)
	w, ok, _ = m.Waiting("VQ_In", in3)
	require.True(t, ok)
	assert.Equal(t, telephony.Waiting{Position: 2, Waited: 50 * time.Second, EWT: 120 * time.Second}, w)

	// A caller who hangs up leaves the queue.
	require.NoError(t, m.Abandon(in2))
	m.Flush()
	w, _, _ = m.Waiting("VQ_In", in3)
	assert.Equal(t, 1, w.Position)
	_, ok, _ = m.Waiting("VQ_In", in2)
	assert.False(t, ok)

	// in3 is served at 140s: two distributions, 80s apart.
	m.Advance(100 * time.Second)
	st, _ = m.QueueStat("VQ_In")
	assert.Equal(t, telephony.QueueStat{Queue: "VQ_In", Distributed: 2, AQT: 80 * time.Second, EWT: 80 * time.Second}, st)

	// A cancelled submit leaves without counting; one that times out too.
	m.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: time.Hour}, telephony.Answer{Delay: time.Hour})
	ref, err := m.SubmitToQueue(telephony.QueueSubmit{ConnID: in1, Queue: "VQ_In", Targets: []string{"Agent1"}, Timeout: 5 * time.Second})
	require.NoError(t, err)
	ref2, err := m.SubmitToQueue(telephony.QueueSubmit{ConnID: in3, Queue: "VQ_In", Targets: []string{"Agent1"}})
	require.NoError(t, err)
	_, err = m.CancelQueue(telephony.QueueCancel{Submit: ref2, ConnID: in3})
	require.NoError(t, err)
	assert.NotZero(t, ref)
	m.Flush()
	st, _ = m.QueueStat("VQ_In")
	assert.Equal(t, 1, st.Waiting, "the cancelled one left")
	m.Advance(10 * time.Second)
	st, _ = m.QueueStat("VQ_In")
	assert.Equal(t, 0, st.Waiting, "the timed-out one left")
	assert.Equal(t, 2, st.Distributed)
}

// TestQueueBookLine: the line of a queue is in the order Waiting's
// positions give, other queues left out.
func TestQueueBookLine(t *testing.T) {
	var b telephony.QueueBook
	at := func(s int) time.Time { return epoch.Add(time.Duration(s) * time.Second) }
	assert.Empty(t, b.Line(nil, "VQ", at(0)))
	b.Enter(1, "VQ", "A", 1, at(0))
	b.Enter(2, "VQ", "B", 5, at(10))
	b.Enter(3, "OTHER", "X", 9, at(10))
	b.Enter(4, "VQ", "C", 1, at(10))
	b.Enter(5, "VQ", "D", 1, at(10))
	line := b.Line(nil, "VQ", at(30))
	assert.Equal(t, []telephony.Queued{
		{Conn: "B", Priority: 5, Waited: 20 * time.Second},
		{Conn: "A", Priority: 1, Waited: 30 * time.Second},
		{Conn: "C", Priority: 1, Waited: 20 * time.Second},
		{Conn: "D", Priority: 1, Waited: 20 * time.Second},
	}, line)
	for i, q := range line {
		w, ok := b.Waiting("VQ", q.Conn, at(30))
		require.True(t, ok)
		assert.Equal(t, i+1, w.Position, q.Conn)
	}
	assert.Len(t, b.Line(line[:0], "OTHER", at(30)), 1, "appends to dst")
}
