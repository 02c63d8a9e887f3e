package bridge

import (
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// After a connection to the bus was lost, the events published meanwhile
// are gone: core NATS keeps nothing for a subscriber that is away. As a
// T-Server client re-registers and queries after reconnecting, a Port
// keeps the calls its user holds (the ConnIDs of its requests and of the
// events it delivered, until EventReleased or EventAbandoned) with the
// Seq of the last event about each, and the make calls still unanswered.
// Once connected again it sends RequestQueryCall for each: the switch
// sends again the events about the call after that Seq (the port delivers
// those it had not, by Seq) and answers with EventPartyInfo. When that
// says the call has ended, or the switch knows no such call, the port
// delivers the EventReleased (or EventAbandoned) its user waits for; a make
// call the switch never saw is answered with EventError. Queries not
// answered are sent again, less and less often, until they are.

// trackMax bounds how many calls a port keeps for resynchronisation.
const trackMax = 1 << 20

// Query retry pauses: the first, and the longest.
const (
	queryRetryMin = 500 * time.Millisecond
	queryRetryMax = 8 * time.Second
)

type callKey struct{ sw, conn string }

// heldCall is what a port knows of a call its user holds.
type heldCall struct {
	dn  string
	seq uint64
}

// callQuery is a RequestQueryCall waiting for its answer.
type callQuery struct {
	key     callKey // the call, or {switch, ""} for a make call
	callRef uint64  // the make call's ReferenceID
	next    time.Time
	wait    time.Duration
}

// tracker keeps the calls and make calls of a port, and its queries.
type tracker struct {
	mu      sync.Mutex
	calls   map[callKey]*heldCall
	makes   map[uint64]string // make call ReferenceID -> switch
	queries map[uint64]*callQuery

	queried, recovered atomic.Uint64
}

func newTracker() *tracker {
	return &tracker{calls: make(map[callKey]*heldCall), makes: make(map[uint64]string),
		queries: make(map[uint64]*callQuery)}
}

// sent notes a request the port sent.
func (t *tracker) sent(m *wire.Message) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if m.Name == wire.RequestMakeCall {
		t.makes[m.ReferenceID] = m.Switch
	}
	if m.ConnID != "" {
		t.hold(callKey{m.Switch, m.ConnID})
	}
}

// hold returns the call, keeping it when it is new; t.mu is held.
func (t *tracker) hold(k callKey) *heldCall {
	c := t.calls[k]
	if c == nil && len(t.calls) < trackMax {
		c = &heldCall{}
		t.calls[k] = c
	}
	return c
}

// received notes an event for the port's user and says whether to
// deliver it (false for one delivered before). own is set for events on
// the port's reply subjects; extra are events to deliver after it.
func (t *tracker) received(m *wire.Message, own bool, now time.Time) (deliver bool, extra []telephony.Event) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if m.Name == string(wire.EventPartyInfo) || m.Name == string(telephony.EventError) && m.Request == wire.RequestQueryCall {
		// The answer to a query of the port, never of its user: handled
		// here, or dropped when it answers a query asked again since.
		q, ok := t.queries[m.ReferenceID]
		if !ok || !own {
			return false, nil
		}
		delete(t.queries, m.ReferenceID)
		return false, t.answered(q, m, now)
	}
	if own && (m.Name == string(telephony.EventDialing) || m.Name == string(telephony.EventError)) {
		delete(t.makes, m.ReferenceID)
	}
	if m.ConnID == "" || !own && m.Origin != "" {
		return true, nil
	}
	k := callKey{m.Switch, m.ConnID}
	c := t.calls[k]
	if c != nil && m.Seq != 0 && m.Seq <= c.seq {
		return false, nil
	}
	if c == nil {
		c = t.hold(k)
	}
	if c != nil {
		c.seq = max(c.seq, m.Seq)
		if m.ThisDN != "" {
			c.dn = m.ThisDN
		}
	}
	if m.Name == string(telephony.EventReleased) || m.Name == string(telephony.EventAbandoned) {
		t.drop(k)
	}
	return true, nil
}

// drop forgets a call and its queries; t.mu is held.
func (t *tracker) drop(k callKey) {
	delete(t.calls, k)
	for ref, q := range t.queries {
		if q.key == k {
			delete(t.queries, ref)
		}
	}
}

// answered handles the answer to a query and returns the events the
// port's user missed that the answer tells; t.mu is held.
func (t *tracker) answered(q *callQuery, m *wire.Message, now time.Time) []telephony.Event {
	var out []telephony.Event
	ev := func(typ telephony.EventType, ref uint64, conn, dn string) telephony.Event {
		return telephony.Event{Type: typ, ReferenceID: telephony.ReferenceID(ref), ConnID: telephony.ConnID(conn),
			ThisDN: dn, Switch: q.key.sw, Time: now}
	}
	if m.Name == string(telephony.EventError) && m.ErrorCode != telephony.ErrCodeNoSuchCall {
		// A switch that cannot answer queries tells nothing.
		return nil
	}
	k := q.key
	if q.callRef != 0 {
		if _, pending := t.makes[q.callRef]; !pending {
			return nil
		}
		delete(t.makes, q.callRef)
		if m.Name == string(telephony.EventError) {
			e := ev(telephony.EventError, q.callRef, "", "")
			e.ErrorCode = telephony.ErrCodeNoSuchCall
			e.ErrorMessage = "the make call was lost while the connection to the bus was down: the switch made no call for it"
			return []telephony.Event{e}
		}
		// The switch's events about the call were forgotten: what the
		// answer says stands for them.
		d := ev(telephony.EventDialing, q.callRef, m.ConnID, m.ThisDN)
		d.CallID, d.OtherDN, d.CallResult, d.UserData = m.CallID, m.OtherDN, m.CallResult, m.UserData
		out = append(out, d)
		k = callKey{q.key.sw, m.ConnID}
		if c := t.hold(k); c != nil {
			c.dn, c.seq = m.ThisDN, m.Seq
		}
	}
	c := t.calls[k]
	if c == nil {
		return out
	}
	if m.Name == string(wire.EventPartyInfo) && !wire.CallEnded(m.CallState) {
		return out
	}
	typ := telephony.EventReleased
	if m.CallState == "abandoned" {
		typ = telephony.EventAbandoned
	}
	r := ev(typ, 0, k.conn, c.dn)
	if m.Name == string(wire.EventPartyInfo) {
		r.CallResult, r.UserData, r.OtherDN = m.CallResult, m.UserData, m.OtherDN
	}
	t.drop(k)
	return append(out, r)
}

// outQuery is a RequestQueryCall to send.
type outQuery struct {
	ref, callRef, afterSeq uint64
	key                    callKey
}

// due returns the queries to send now: every held call and unanswered
// make call after a reconnection (all), else those whose retry is due.
func (t *tracker) due(all bool, now time.Time, newRef func() uint64) []outQuery {
	t.mu.Lock()
	defer t.mu.Unlock()
	if all {
		clear(t.queries)
		for k := range t.calls {
			t.queries[newRef()] = &callQuery{key: k, wait: queryRetryMin}
		}
		for ref, sw := range t.makes {
			t.queries[newRef()] = &callQuery{key: callKey{sw: sw}, callRef: ref, wait: queryRetryMin}
		}
	}
	var out []outQuery
	for ref, q := range t.queries {
		if q.next.After(now) {
			continue
		}
		if !q.next.IsZero() {
			// Unanswered: ask again under a new reference, later.
			delete(t.queries, ref)
			ref = newRef()
			t.queries[ref] = q
			q.wait = min(2*q.wait, queryRetryMax)
		}
		q.next = now.Add(q.wait)
		o := outQuery{ref: ref, callRef: q.callRef, key: q.key}
		if c := t.calls[q.key]; c != nil && q.key.conn != "" {
			o.afterSeq = c.seq
		}
		out = append(out, o)
	}
	return out
}

// Resync holds call conn of switch sw (on dn) as if the port had
// delivered its events up to seq, and asks the switch about it at the
// next tick: a host restoring a session that owns the call gets the
// events it missed and, when the call has ended, its EventReleased. It
// implements telephony.Resyncer.
func (p *Port) Resync(sw string, conn telephony.ConnID, dn string, seq uint64) {
	if sw == "" {
		sw = p.o.Switch
	}
	k := callKey{sw, string(conn)}
	t := p.tr
	t.mu.Lock()
	defer t.mu.Unlock()
	c := t.hold(k)
	if c == nil {
		return
	}
	c.seq = max(c.seq, seq)
	if dn != "" {
		c.dn = dn
	}
	for _, q := range t.queries {
		if q.key == k {
			return
		}
	}
	t.queries[p.ref.Add(1)] = &callQuery{key: k, wait: queryRetryMin}
}

var _ telephony.Resyncer = (*Port)(nil)

// pending reports whether queries wait for their answers.
func (t *tracker) pending() bool {
	t.mu.Lock()
	defer t.mu.Unlock()
	return len(t.queries) > 0
}

// resync runs until the port closes: after every (re)connection it asks
// the switch about the calls the port holds, and asks again while
// answers are missing.
func (p *Port) resync(connected <-chan nats.Status) {
	defer close(p.resyncDone)
	tick := time.NewTicker(queryRetryMin / 2)
	defer tick.Stop()
	for {
		all := false
		select {
		case <-p.stop:
			return
		case <-connected:
			all = true
			p.sweepStats(true)
		case <-tick.C:
			p.sweepStats(false)
			if !p.tr.pending() || !p.nc.IsConnected() {
				continue
			}
		}
		for _, q := range p.tr.due(all, time.Now(), func() uint64 { return p.ref.Add(1) }) {
			p.query(q)
		}
	}
}

// query sends one RequestQueryCall.
func (p *Port) query(q outQuery) {
	m := wire.Message{Name: wire.RequestQueryCall, Switch: q.key.sw, ConnID: q.key.conn, CallRef: q.callRef,
		AfterSeq: q.afterSeq, ReferenceID: q.ref, Origin: p.inst, Seq: p.seq.Add(1), CustomerID: p.o.CustomerID}
	m.SetTime(p.o.Now())
	buf, err := p.pool.Encode(&m)
	if err == nil {
		err = p.nc.Publish(p.reqSubj.of(m.Switch, m.Name), buf.Bytes)
		buf.Release()
	}
	if err != nil {
		p.report(fmt.Errorf("bridge port: %s %s (call ref %d): %w", m.Name, m.ConnID, m.CallRef, err))
		return
	}
	p.tr.queried.Add(1)
}
