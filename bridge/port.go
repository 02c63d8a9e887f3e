package bridge

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/nats-io/nuid"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// ErrClosed is returned by the requests of a closed Port.
var ErrClosed = errors.New("bridge: port closed")

// ErrCodeNotDelivered is the ErrorCode of the EventError a Port delivers
// when a reporting request could not be stored by JetStream within the
// outbox's time bound.
const ErrCodeNotDelivered = 1010

// PortOptions configure a Port.
type PortOptions struct {
	// Switch is the switch of requests that name none ("SIP_Switch"
	// when empty); DNs are registered on it.
	Switch string
	// CustomerID is the tenant every request carries.
	CustomerID string
	// Instance names this Orca instance ("orca" when empty). The port
	// adds a random suffix, so two ports never share reply subjects.
	Instance string
	// DNs are the DNs of Switch whose broadcast events the port
	// delivers, as T-Server clients register DNs; "*" is every DN.
	DNs []string
	// QueueGroup, when set, shares the broadcast events of DNs among the
	// ports of the same group (several Orca instances on one cluster):
	// each event reaches one of them.
	QueueGroup string
	// Outbox bounds the reporting outbox.
	Outbox OutboxOptions
	// Stream configures the reporting stream the port creates or
	// updates.
	Stream wire.StreamOptions
	// OnFail is called for every reporting message that fails: refused
	// because the outbox is full (m as sent), or not stored within
	// Outbox.MaxAge (m read back from the bytes kept for it, as the bus
	// shows it: V set, integer values of its user data as int).
	OnFail func(m wire.Message, err error)
	// OnError is called for messages the port cannot decode.
	OnError func(err error)
	// Now is the clock for message times (time.Now when nil).
	Now func() time.Time
	// Statistics configure the port as a statistic source (see
	// Port.QueueStat).
	Statistics StatOptions
	// Schema is the wire schema version the port writes (wire.Pool.Schema;
	// 0: wire.SchemaVersion). 1 keeps the messages readable by switch
	// sides and Info Mart readers older than version 2, until every
	// reader is upgraded (docs/bridge.md, "Versions").
	Schema int
}

// Port is the telephony.Port over NATS. Requests are published on
// RequestSubject; reporting requests (user events and attached data) go
// through an outbox to JetStream with a message id. Answers come back on
// the port's reply subjects, broadcast events of the registered DNs on
// their event subjects; both are delivered to the handlers on one
// goroutine, in the order they arrive, never from inside a request.
type Port struct {
	nc   *nats.Conn
	o    PortOptions
	inst string
	ref  atomic.Uint64
	seq  atomic.Uint64
	reqs atomic.Uint64
	// reg is the port's subscriptions to the events of its DNs.
	reg  registration
	ob   *outbox
	subs []*nats.Subscription
	d    *dispatcher
	pool wire.Pool
	// replyMemo gives the events on the reply subject the user data
	// decoded before; onReply is its one goroutine.
	replyMemo wire.UserDataMemo
	// reqSubj are the subjects of the requests to the port's switch.
	reqSubj requestSubjects
	tr      *tracker
	// stats is the port as a statistic source.
	stats *stats

	connected  chan nats.Status
	stop       chan struct{}
	resyncDone chan struct{}

	mu     sync.Mutex
	closed bool
}

var (
	_ telephony.Port      = (*Port)(nil)
	_ telephony.Selective = (*Port)(nil)
)

// NewPort starts a Port on a NATS connection, which the caller keeps
// owning. The connection may still be connecting: reporting waits in the
// outbox, other requests in the connection's reconnect buffer.
func NewPort(nc *nats.Conn, o PortOptions) (*Port, error) {
	if o.Switch == "" {
		o.Switch = "SIP_Switch"
	}
	if o.Instance == "" {
		o.Instance = "orca"
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	o.Outbox = o.Outbox.withDefaults()
	if err := wire.CheckSchema(o.Schema); err != nil {
		return nil, fmt.Errorf("bridge port: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("bridge port: jetstream: %w", err)
	}
	p := &Port{nc: nc, o: o, inst: o.Instance + "-" + nuid.Next(), d: newDispatcher(), tr: newTracker(),
		stats: newStats(o.Statistics), stop: make(chan struct{}), resyncDone: make(chan struct{})}
	// ReferenceIDs start from the time, so that those of a port started
	// again (after a crash) are not those its sessions, restored from
	// their snapshots, still wait for answers to.
	p.ref.Store(uint64(o.Now().Unix()) << refTimeShift)
	p.pool.Schema = o.Schema
	p.reqSubj = newRequestSubjects(o.Switch)
	if p.ob, err = newOutbox(nc, js, o.Outbox, o.Stream, o.Schema, p.reqSubj, p.failed); err != nil {
		return nil, fmt.Errorf("bridge port: %w", err)
	}
	sub, err := nc.Subscribe(wire.ReplyFilter(p.inst), p.onReply)
	if err != nil {
		p.ob.discard()
		return nil, fmt.Errorf("bridge port: subscribe to answers: %w", err)
	}
	p.subs = append(p.subs, sub)
	if !o.Statistics.Ask {
		if sub, err = nc.Subscribe(wire.StatSubject(o.Switch, "", wire.EventStatServerStarted), p.onStatServerStarted); err != nil {
			p.unsubscribe()
			p.ob.discard()
			return nil, fmt.Errorf("bridge port: subscribe to the statistics: %w", err)
		}
		p.subs = append(p.subs, sub)
	}
	p.reg.ch = make(chan *nats.Msg, eventBuffer)
	if err = p.register(); err != nil {
		p.unregister()
		p.unsubscribe()
		p.ob.discard()
		return nil, fmt.Errorf("bridge port: %w", err)
	}
	if nc.IsConnected() {
		// The server has registered the subscriptions once a flush
		// returns, so events published after NewPort returns reach the
		// port, as a T-Server client's DN is registered once confirmed. A
		// connection lost meanwhile registers them again on reconnection,
		// so a failed flush is no error.
		_ = nc.FlushTimeout(registerWait)
	}
	p.connected = nc.StatusChanged(nats.CONNECTED)
	go p.d.run()
	go p.readEvents()
	go p.ob.run()
	go p.resync(p.connected)
	return p, nil
}

// refTimeShift leaves a port about a million ReferenceIDs per second of
// its start time before they reach those of a port started a second
// later; ReferenceIDs stay below 2^53, exact in JSON numbers.
const refTimeShift = 20

// registerWait bounds how long NewPort waits for the server to confirm its
// subscriptions.
const registerWait = 5 * time.Second

// Instance returns the port's instance id, the token of its reply
// subjects and the Origin of its requests.
func (p *Port) Instance() string { return p.inst }

// Subscribe adds a handler for every event the port delivers.
func (p *Port) Subscribe(h telephony.Handler) func() {
	return p.subscribe(h, eventTypes{all: true})
}

// SubscribeEvents adds a handler for the answers to the port's requests
// and the events of the registered DNs whose type is one of types. The
// port subscribes to the DNs' events of the types its handlers take (and
// those it reads itself: see portTakes) only, so the server does not send
// it the others. A change of the types taken that removes a subscription
// (a handler taking every type added after selective ones, or the last
// handler of a type removed) may lose the events the server sent through
// it before the new registration took effect: subscribe handlers before
// events flow, as orca serve does.
func (p *Port) SubscribeEvents(h telephony.Handler, types []telephony.EventType) func() {
	return p.subscribe(h, eventTypes{types: types})
}

func (p *Port) subscribe(h telephony.Handler, types eventTypes) func() {
	unsub := p.d.subscribe(h, types)
	if !p.isClosed() {
		p.registered()
	}
	return func() {
		unsub()
		if !p.isClosed() {
			p.registered()
		}
	}
}

// MakeCall publishes RequestMakeCall.
func (p *Port) MakeCall(r telephony.MakeCall) (telephony.ReferenceID, error) { return p.send(r, "") }

// UpdateUserData sends RequestAttachUserData, RequestUpdateUserData or
// RequestDeleteUserData through the reporting outbox, with a message id
// unique to this request.
func (p *Port) UpdateUserData(r telephony.UserDataChange) (telephony.ReferenceID, error) {
	return p.send(r, r.Key)
}

// DistributeUserEvent sends RequestDistributeUserEvent through the
// reporting outbox. Its message id is r.Key when set (see ReportKey), so
// that the same user event sent again, even after a restart, is stored
// once; otherwise an id unique to this request.
func (p *Port) DistributeUserEvent(r telephony.UserEvent) (telephony.ReferenceID, error) {
	return p.send(r, r.Key)
}

// Route publishes RequestRouteCall or RequestRedirectCall.
func (p *Port) Route(r telephony.Route) (telephony.ReferenceID, error) { return p.send(r, "") }

// Release publishes RequestReleaseCall.
func (p *Port) Release(r telephony.Release) (telephony.ReferenceID, error) { return p.send(r, "") }

// PlayTreatment publishes RequestApplyTreatment.
func (p *Port) PlayTreatment(r telephony.Treatment) (telephony.ReferenceID, error) {
	return p.send(r, "")
}

// SubmitToQueue publishes RequestQueueSubmit.
func (p *Port) SubmitToQueue(r telephony.QueueSubmit) (telephony.ReferenceID, error) {
	return p.send(r, "")
}

// CancelQueue publishes RequestQueueCancel.
func (p *Port) CancelQueue(r telephony.QueueCancel) (telephony.ReferenceID, error) {
	return p.send(r, "")
}

// ReportKey is the message id of the seq-th reporting message of a
// session: stable across retries and restarts, so JetStream stores it
// once.
func ReportKey(session string, seq uint64) string {
	return session + "-" + strconv.FormatUint(seq, 10)
}

// Stats returns the port's counters.
func (p *Port) Stats() Stats {
	s := p.ob.stats()
	s.Requests = p.reqs.Load()
	s.Queried, s.Recovered = p.tr.queried.Load(), p.tr.recovered.Load()
	s.StatRequests, s.StatAnswers = p.stats.asked.Load(), p.stats.answered.Load()
	s.StatOpens, s.StatNotices = p.stats.openings.Load(), p.stats.notices.Load()
	return s
}

// Flush waits until the outbox is empty or ctx is done.
func (p *Port) Flush(ctx context.Context) error { return p.ob.flush(ctx) }

// Close flushes the outbox (until ctx is done), stops the port and
// removes its subscriptions. It returns an error when reporting messages
// were left undelivered (an outbox on disk keeps them for the next port
// on its directory). The connection stays open.
func (p *Port) Close(ctx context.Context) error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	err := p.ob.flush(ctx)
	p.ob.close()
	close(p.stop)
	<-p.resyncDone
	p.closeAllStats()
	p.nc.RemoveStatusListener(p.connected)
	p.unregister()
	p.unsubscribe()
	p.d.close()
	if err != nil {
		return fmt.Errorf("bridge port close: %w", err)
	}
	return nil
}

func (p *Port) unsubscribe() {
	for _, s := range p.subs {
		_ = s.Unsubscribe()
	}
	p.subs = nil
}

func (p *Port) send(req any, key string) (telephony.ReferenceID, error) {
	if p.isClosed() {
		return 0, ErrClosed
	}
	m, err := wire.RequestMessage(req)
	if err != nil {
		return 0, err
	}
	ref := p.ref.Add(1)
	m.ReferenceID, m.Origin, m.Seq, m.CustomerID = ref, p.inst, p.seq.Add(1), p.o.CustomerID
	if m.Switch == "" {
		m.Switch = p.o.Switch
	}
	m.SetTime(p.o.Now())
	p.reqs.Add(1)
	p.tr.sent(&m)
	if wire.IsReporting(m.Name) {
		if key == "" {
			// "<instance>-<ref>", in one allocation.
			var b [64]byte
			key = string(strconv.AppendUint(append(append(b[:0], p.inst...), '-'), ref, 10))
		}
		m.MsgID = key
		if err := p.ob.add(m); err != nil {
			if p.o.OnFail != nil {
				p.o.OnFail(m, err)
			}
			return 0, err
		}
		return telephony.ReferenceID(ref), nil
	}
	if m.Name == wire.RequestQueueSubmit {
		p.submitSent(&m)
	}
	buf, err := p.pool.Encode(&m)
	if err != nil {
		return 0, err
	}
	err = p.nc.Publish(p.reqSubj.of(m.Switch, m.Name), buf.Bytes)
	buf.Release()
	// After the request is on its way: a statistic asked before cannot
	// be reused once it has changed the queues.
	p.queuesChanged(&m)
	if err != nil {
		if m.Name == wire.RequestQueueSubmit {
			p.submitDone(ref)
		}
		return 0, fmt.Errorf("%s ref %d: publish: %w", m.Name, ref, err)
	}
	return telephony.ReferenceID(ref), nil
}

// failed reports a reporting message the outbox gave up on: an EventError
// to the handlers and the OnFail hook.
func (p *Port) failed(m wire.Message, err error) {
	if p.o.OnFail != nil {
		p.o.OnFail(m, err)
	}
	p.d.put(telephony.Event{Type: telephony.EventError, ReferenceID: telephony.ReferenceID(m.ReferenceID),
		ConnID: telephony.ConnID(m.ConnID), ThisDN: m.ThisDN, Switch: m.Switch,
		ErrorCode: ErrCodeNotDelivered, ErrorMessage: err.Error(), Time: p.o.Now()})
}

func (p *Port) report(err error) {
	if p.o.OnError != nil {
		p.o.OnError(err)
	}
}

// decode decodes a delivered message, which it owns, with memo's user
// data when memo is not nil; it reports an error and false when the
// message is not one.
func (p *Port) decode(msg *nats.Msg, memo *wire.UserDataMemo) (wire.Message, bool) {
	m, err := wire.DecodeOwnedMemo(msg.Data, memo)
	if err != nil {
		p.report(fmt.Errorf("bridge port: %s: %w", msg.Subject, err))
		return wire.Message{}, false
	}
	return m, true
}

func (p *Port) onReply(msg *nats.Msg) {
	m, ok := p.decode(msg, &p.replyMemo)
	switch {
	case !ok:
	case isStatAnswer(&m):
		// The answer to a question of the port, not an event of its
		// user.
		p.statAnswered(&m)
	default:
		p.deliver(&m, true)
	}
}

// deliver hands an event to the handlers, unless the port delivered it
// before, followed by the events an answer to a query tells were missed.
func (p *Port) deliver(m *wire.Message, own bool) {
	ok, extra := p.tr.received(m, own, p.o.Now())
	p.queuesChanged(m)
	if own {
		p.submitEnded(m)
	}
	switch {
	case !ok:
	case own:
		p.d.put(wire.TelephonyEvent(*m))
	default:
		p.d.putUnasked(wire.TelephonyEvent(*m))
	}
	for _, ev := range extra {
		if ev.Type == telephony.EventTargetSelected {
			// A missed answer to a submit, told by the switch side.
			p.submitsEnded(ev.ConnID)
		}
		p.d.put(ev)
	}
	p.tr.recovered.Add(uint64(len(extra)))
}

// onEvent delivers a broadcast event. One that neither a handler nor the
// port takes (sent before a handler went away) is dropped by the name its
// subject ends with, unread. Answers to this port's own requests arrive on its reply subjects, so
// their broadcast copies are skipped (but for the events only broadcast:
// wire.BroadcastOnly); another instance's ReferenceID means nothing here
// and is cleared.
func (p *Port) onEvent(msg *nats.Msg) {
	name := wire.SubjectEventName(msg.Subject)
	if !p.d.takes(name) && !portTakes(name) {
		return
	}
	if wire.FromOrigin(msg.Data, p.inst) && !wire.BroadcastOnly(name) {
		return
	}
	m, ok := p.decode(msg, nil)
	if !ok {
		return
	}
	if m.Origin != "" && m.Origin != p.inst {
		m.ReferenceID = 0
	}
	p.deliver(&m, false)
}
