package wire

import (
	"time"

	"github.com/orca-scxml/orca/telephony"
)

// StatisticRequest is the RequestGetStatistic for virtual queue queue
// and, when conn is not empty, for the place of interaction conn in it.
// ReferenceID, Origin, Switch and CustomerID are left to the sender.
func StatisticRequest(queue string, conn telephony.ConnID) Message {
	return Message{Name: RequestGetStatistic, Queue: queue, ConnID: string(conn)}
}

// InfoMessage is the EventInfo that reports st and, when ok, the place w
// of an interaction in the queue.
func InfoMessage(st telephony.QueueStat, w telephony.Waiting, ok bool) Message {
	m := Message{Name: EventInfo, Queue: st.Queue, Waiting: st.Waiting, Distributed: st.Distributed,
		AQTMs: st.AQT.Milliseconds(), EWTMs: st.EWT.Milliseconds()}
	if ok {
		m.Position, m.Priority, m.WaitedMs, m.IxnEWTMs = w.Position, w.Priority, w.Waited.Milliseconds(), w.EWT.Milliseconds()
	}
	return m
}

// Statistics returns what an EventInfo reports: the queue's state and,
// when ok, the place of the interaction it names (a Position of 1 or
// more).
func (m *Message) Statistics() (st telephony.QueueStat, w telephony.Waiting, ok bool) {
	ms := func(n int64) time.Duration { return time.Duration(n) * time.Millisecond }
	st = telephony.QueueStat{Queue: m.Queue, Waiting: m.Waiting, Distributed: m.Distributed, AQT: ms(m.AQTMs), EWT: ms(m.EWTMs)}
	if m.Position > 0 {
		w, ok = telephony.Waiting{Position: m.Position, Priority: m.Priority, Waited: ms(m.WaitedMs), EWT: ms(m.IxnEWTMs)}, true
	}
	return st, w, ok
}

// QueueMessage is the message named name (EventStatisticOpened, or the
// EventInfo notification of an opened statistic) that reports the state
// st of a virtual queue and its line, in the order it is served, as the
// switch side's state number version.
func QueueMessage(name string, st telephony.QueueStat, line []telephony.Queued, version uint64) Message {
	m := InfoMessage(st, telephony.Waiting{}, false)
	m.Name, m.Version = name, version
	if len(line) > 0 {
		m.Queued = make([]Queued, len(line))
		for i, q := range line {
			m.Queued[i] = Queued{ConnID: string(q.Conn), Priority: q.Priority, WaitedMs: q.Waited.Milliseconds()}
		}
	}
	return m
}
