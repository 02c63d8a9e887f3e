package sim

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// ResponderOptions configure a Responder.
type ResponderOptions struct {
	// Switch is the switch the responder serves (required).
	Switch string
	// CustomerID is the tenant of events whose request names none.
	CustomerID string
	// Durable names the durable consumer of reporting requests
	// ("tserver_<switch>" when empty).
	Durable string
	// Stream configures the reporting stream.
	Stream wire.StreamOptions
	// Now is the clock for event times (time.Now when nil).
	Now func() time.Time
	// OnError is called for requests that cannot be decoded or handled,
	// and reporting events that could not be stored; never once Stop
	// has returned (what fails then fails because of the stop: the
	// requests are delivered again to the next responder). It must not
	// call Stop.
	OnError func(error)
	// PublishTimeout bounds how long a reporting event is retried
	// (5s when zero); then the request is delivered again later.
	PublishTimeout time.Duration
	// Requests are the names of the requests the responder receives
	// from core NATS (every request of wire.Requests that is not a
	// reporting one when empty). The responder subscribes to each
	// request's subject, so that the server does not send it the
	// reporting requests, which it reads from the reporting stream; a
	// reporting name here is ignored for the same reason.
	Requests []string
	// Schema is the wire schema version the responder writes
	// (wire.Pool.Schema; 0: wire.SchemaVersion): 1 while Orca instances
	// or Info Mart readers older than version 2 read its events.
	Schema int
}

// RequestHandler handles one request on the T-Server side. It answers
// with Responder.Answer, now or later. For a reporting request, returning
// an error has the request delivered again; the request is acknowledged
// to JetStream only after the handler returns nil.
type RequestHandler func(req wire.Message) error

// Responder is the switch (T-Server) side of the wire's subjects: it
// receives the requests of one switch (reporting requests from a durable
// JetStream consumer, so that none is lost, the others from core NATS) and
// sends answers and events. The simulator builds on it.
type Responder struct {
	nc   *nats.Conn
	js   jetstream.JetStream
	pub  *wire.Publisher
	o    ResponderOptions
	seq  atomic.Uint64
	pool wire.Pool
	// subj keeps the subjects events are published on.
	subj subjects

	mu   sync.Mutex
	subs []*nats.Subscription
	stop func()
	seen map[string]struct{}
	ring []string
	logs callLogs
	// stores are the reporting events waiting for JetStream, in order;
	// inflight those of each reporting request being handled, by its
	// message id.
	stores       []*store
	storesClosed bool
	// storeSeq numbers the reporting events in the order they are
	// stored; stored is the number of the last one whose outcome is
	// known, storedCond signals its changes (under mu).
	storeSeq   uint64
	stored     uint64
	storedCond sync.Cond
	inflight   map[string]stores
	// handled are the reporting requests handled, in order, waiting for
	// their events to be stored before they are acknowledged.
	handled  chan handled
	wake     chan struct{}
	quit     chan struct{}
	quitOnce sync.Once
	// loops are storeLoop and ackLoop, which Stop waits for.
	loops sync.WaitGroup
}

// store is a reporting event on its way to JetStream: its subject, its
// encoding, and what names it in errors.
type store struct {
	subj  string
	data  []byte
	name  string
	dn    string
	msgID string
	// seq numbers the event in the order of the stores (0: failed at
	// once); err is its outcome, set under mu once stored >= seq.
	seq uint64
	err error
}

// handled is a reporting request handled: err is its handler's, sts the
// reporting events answering it, done acknowledges it.
type handled struct {
	msgID string
	name  string
	ref   uint64
	err   error
	sts   stores
	done  func(error)
}

// stores are the reporting events answering one request: a request's
// first (in practice its only one) costs no allocation of its own.
type stores struct {
	first *store
	more  []*store
}

func (s *stores) add(st *store) {
	if s.first == nil {
		s.first = st
		return
	}
	s.more = append(s.more, st)
}

// len is the number of stores.
func (s *stores) len() int {
	if s.first == nil {
		return 0
	}
	return 1 + len(s.more)
}

// at returns the i-th store.
func (s *stores) at(i int) *store {
	if i == 0 {
		return s.first
	}
	return s.more[i-1]
}

// maxHandled bounds the reporting requests handled and not acknowledged
// yet; the next waits for room.
const maxHandled = 1024

// storeWindow bounds the reporting events sent to JetStream at once.
const storeWindow = 256

// seenMax bounds how many message ids of handled reporting requests a
// Responder remembers to recognise redeliveries.
const seenMax = 100000

// NewResponder returns a Responder on a NATS connection.
func NewResponder(nc *nats.Conn, o ResponderOptions) (*Responder, error) {
	if o.Switch == "" {
		return nil, fmt.Errorf("sim responder: no switch")
	}
	if o.Durable == "" {
		o.Durable = wire.DurableName("tserver_" + o.Switch)
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	if o.PublishTimeout <= 0 {
		o.PublishTimeout = 5 * time.Second
	}
	if err := wire.CheckSchema(o.Schema); err != nil {
		return nil, fmt.Errorf("sim responder: %w", err)
	}
	js, err := jetstream.New(nc)
	if err != nil {
		return nil, fmt.Errorf("sim responder: jetstream: %w", err)
	}
	pub, err := wire.NewPublisher(nc)
	if err != nil {
		return nil, fmt.Errorf("sim responder: %w", err)
	}
	r := &Responder{nc: nc, js: js, pub: pub, o: o, seen: make(map[string]struct{}), logs: newCallLogs(),
		inflight: make(map[string]stores), handled: make(chan handled, maxHandled),
		wake: make(chan struct{}, 1), quit: make(chan struct{})}
	r.pool.Schema = o.Schema
	r.storedCond.L = &r.mu
	r.loops.Add(2)
	go func() { defer r.loops.Done(); r.storeLoop() }()
	go func() { defer r.loops.Done(); r.ackLoop() }()
	return r, nil
}

// Start subscribes to the switch's requests and calls h with each.
// Reporting requests are handled in stream order, at least once: a request
// is acknowledged once h has returned and the reporting events answering
// it are stored, and one whose message id was already handled is
// acknowledged without calling h again. The next request is handled
// without waiting for the events of the previous to be stored: they are
// stored in order, many at once.
func (r *Responder) Start(ctx context.Context, h RequestHandler) error {
	// One subscription per request name, all feeding one channel read by
	// one goroutine: requests are handled in the order the server sent
	// them, whatever their subjects, and the reporting requests, read
	// from the durable consumer below, are not sent here at all (a
	// wildcard subscription would receive each, to drop it).
	reqs := make(chan *nats.Msg, requestBuffer)
	var subs []*nats.Subscription
	unsubscribe := func() {
		for _, sub := range subs {
			_ = sub.Unsubscribe()
		}
	}
	for _, name := range r.coreRequests() {
		sub, err := r.nc.ChanSubscribe(wire.RequestSubject(r.o.Switch, name), reqs)
		if err != nil {
			unsubscribe()
			return fmt.Errorf("responder %s: subscribe: %w", r.o.Switch, err)
		}
		subs = append(subs, sub)
	}
	var subjects []string
	for _, n := range []string{wire.RequestDistributeUserEvent, wire.RequestAttachUserData, wire.RequestUpdateUserData, wire.RequestDeleteUserData} {
		subjects = append(subjects, wire.RequestSubjectFilter(r.o.Switch, n))
	}
	stop, err := wire.ConsumeReportingLater(ctx, r.js, wire.ConsumeOptions{Stream: r.o.Stream, Durable: r.o.Durable, Subjects: subjects,
		OnError: r.report, AckEvery: ackEvery},
		func(m wire.Message, done func(error)) {
			if m.MsgID != "" && r.wasSeen(m.MsgID) {
				done(nil)
				return
			}
			err := h(m)
			hd := handled{msgID: m.MsgID, name: m.Name, ref: m.ReferenceID, err: err, sts: r.takeStores(m.MsgID), done: done}
			select {
			case r.handled <- hd:
			case <-r.quit:
				// Not acknowledged: delivered again to the next
				// responder.
			}
		})
	if err != nil {
		unsubscribe()
		return fmt.Errorf("responder %s: %w", r.o.Switch, err)
	}
	r.mu.Lock()
	r.subs, r.stop = subs, stop
	r.mu.Unlock()
	go r.readRequests(reqs, h)
	return nil
}

// requestBuffer bounds the requests received from core NATS and not yet
// handled, as the pending limit of a NATS subscription does: beyond it
// nats.go drops them and reports ErrSlowConsumer to the connection's
// error handler.
const requestBuffer = 1 << 16

// ackEvery is how long the responder's and the monitor's reporting
// consumers gather acknowledgements before sending one for all the
// messages handled (wire.ConsumeOptions.AckEvery).
const ackEvery = 20 * time.Millisecond

// coreRequests returns the names of the requests received from core NATS.
func (r *Responder) coreRequests() []string {
	names := r.o.Requests
	if len(names) == 0 {
		names = wire.Requests()
	}
	var out []string
	for _, n := range names {
		if !wire.IsReporting(n) && !slices.Contains(out, n) {
			out = append(out, n)
		}
	}
	return out
}

// readRequests handles the requests received from core NATS, in order,
// until Stop.
func (r *Responder) readRequests(reqs chan *nats.Msg, h RequestHandler) {
	for {
		select {
		case msg := <-reqs:
			m, err := wire.DecodeOwned(msg.Data)
			if err != nil {
				r.report(fmt.Errorf("responder %s: %s: %w", r.o.Switch, msg.Subject, err))
				continue
			}
			if wire.IsReporting(m.Name) {
				// Read from the reporting stream, whatever subject
				// it came on.
				continue
			}
			if err := h(m); err != nil {
				r.report(fmt.Errorf("responder %s: %s ref %d: %w", r.o.Switch, m.Name, m.ReferenceID, err))
			}
		case <-r.quit:
			return
		}
	}
}

// Stop ends the subscriptions; reporting events not stored yet are
// dropped (their requests are delivered again to the next responder).
// It returns once the responder's own goroutines, which store reporting
// events and acknowledge their requests, are done: OnError is not called
// after.
func (r *Responder) Stop() {
	r.mu.Lock()
	subs, stop := r.subs, r.stop
	r.subs, r.stop = nil, nil
	r.mu.Unlock()
	for _, sub := range subs {
		_ = sub.Unsubscribe()
	}
	if stop != nil {
		stop()
	}
	r.quitOnce.Do(func() {
		close(r.quit)
		r.pub.Close()
	})
	r.loops.Wait()
}

// report tells OnError, unless the responder is stopping.
func (r *Responder) report(err error) {
	if r.o.OnError == nil || r.stopping() {
		return
	}
	r.o.OnError(err)
}

func (r *Responder) stopping() bool {
	select {
	case <-r.quit:
		return true
	default:
		return false
	}
}

func (r *Responder) wasSeen(id string) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	_, ok := r.seen[id]
	return ok
}

func (r *Responder) markSeen(id string) {
	if id == "" {
		return
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if _, ok := r.seen[id]; ok {
		return
	}
	// The id is cut from the decoded message: a copy keeps the rest of
	// the message from being held as long as the id is remembered.
	id = strings.Clone(id)
	r.seen[id] = struct{}{}
	r.ring = append(r.ring, id)
	if len(r.ring) > seenMax {
		delete(r.seen, r.ring[0])
		r.ring = r.ring[1:]
	}
}

// Answer sends events in answer to req. Each event gets the request's
// Origin and ReferenceID (unless it has its own), Switch and CustomerID
// when it names none, the responder's next sequence number, and the
// current time when it has none; an EventACK or EventError names the
// request. Events with an Origin go to that instance's reply subject;
// every event but EventACK and EventError is also broadcast on its DN,
// through JetStream for reporting events, with a message id derived from
// the request's, so that a request handled twice reports once.
func (r *Responder) Answer(req wire.Message, evs ...wire.Message) error {
	for i, ev := range evs {
		if ev.ReferenceID == 0 && ev.Origin == "" {
			ev.ReferenceID, ev.Origin = req.ReferenceID, req.Origin
		}
		if ev.Switch == "" {
			ev.Switch = req.Switch
		}
		if ev.CustomerID == "" {
			ev.CustomerID = req.CustomerID
		}
		if ev.Name == "" {
			ev.Name = string(telephony.EventACK)
		}
		if ev.Name == string(telephony.EventACK) || ev.Name == string(telephony.EventError) {
			ev.Request = req.Name
		}
		if req.MsgID != "" && wire.IsReporting(ev.Name) {
			ev.MsgID = req.MsgID + "/" + ev.Name + "/" + strconv.Itoa(i)
		}
		st, err := r.publish(ev)
		if err != nil {
			return err
		}
		if st != nil && req.MsgID != "" {
			r.mu.Lock()
			sts := r.inflight[req.MsgID]
			sts.add(st)
			r.inflight[req.MsgID] = sts
			r.mu.Unlock()
		}
	}
	return nil
}

// Publish sends one event: to the reply subject of its Origin when it has
// one (but for an EventUserEvent: see wire.BroadcastOnly), and, unless it
// is an answer only (EventACK, EventError, EventPartyInfo, EventInfo,
// EventStatisticOpened, EventStatisticClosed), broadcast on its ThisDN (reporting events through
// JetStream, with MsgID as message id). Switch, CustomerID, Seq and time
// are filled in when missing. Events about a call are kept for Resend.
// Reporting events are stored in order by a goroutine of the responder,
// retried while the server cannot be reached, so that Publish never waits
// for JetStream.
func (r *Responder) Publish(ev wire.Message) error {
	_, err := r.publish(ev)
	return err
}

// Notify publishes ev on subject subj only (the notifications of opened
// statistics: wire.StatSubject), with Switch, CustomerID, Seq and time
// filled in when missing.
func (r *Responder) Notify(subj string, ev wire.Message) error {
	r.fill(&ev)
	buf, err := r.pool.Encode(&ev)
	if err != nil {
		return err
	}
	defer buf.Release()
	return r.nc.Publish(subj, buf.Bytes)
}

// fill sets the Switch, CustomerID, Seq and time of ev when missing.
func (r *Responder) fill(ev *wire.Message) {
	if ev.Switch == "" {
		ev.Switch = r.o.Switch
	}
	if ev.CustomerID == "" {
		ev.CustomerID = r.o.CustomerID
	}
	if ev.Seq == 0 {
		ev.Seq = r.seq.Add(1)
	}
	if ev.TimeinSecs == 0 {
		ev.SetTime(r.o.Now())
	}
}

// publish is Publish; it returns the store of a reporting event.
func (r *Responder) publish(ev wire.Message) (*store, error) {
	r.fill(&ev)
	answerOnly := wire.AnswerOnly(ev.Name)
	logged := ev.ConnID != "" && !answerOnly
	var data []byte
	switch {
	case logged:
		// Kept for Resend (and until JetStream stores it): copied into
		// the call's log, shared by the log and the store, never
		// changed.
		buf, err := r.pool.Encode(&ev)
		if err != nil {
			return nil, err
		}
		r.mu.Lock()
		data = r.logs.add(ev.ConnID, ev.Name, ev.Seq, buf.Bytes)
		r.mu.Unlock()
		buf.Release()
	case !answerOnly && wire.IsReporting(ev.Name):
		// Kept until JetStream stores it: a copy of its own.
		b, err := r.pool.Clone(&ev)
		if err != nil {
			return nil, err
		}
		data = b
	default:
		buf, err := r.pool.Encode(&ev)
		if err != nil {
			return nil, err
		}
		defer buf.Release()
		data = buf.Bytes
	}
	if ev.Origin != "" && !wire.BroadcastOnly(ev.Name) {
		if err := r.nc.Publish(r.subj.reply(ev.Switch, ev.Origin, ev.Name), data); err != nil {
			return nil, fmt.Errorf("answer %s ref %d to %s: %w", ev.Name, ev.ReferenceID, ev.Origin, err)
		}
	}
	if answerOnly {
		return nil, nil
	}
	subj := r.subj.event(ev.Switch, ev.ThisDN, ev.Name)
	if !wire.IsReporting(ev.Name) {
		if err := r.nc.Publish(subj, data); err != nil {
			return nil, fmt.Errorf("broadcast %s on %s: %w", ev.Name, ev.ThisDN, err)
		}
		return nil, nil
	}
	st := &store{subj: subj, data: data, name: ev.Name, dn: ev.ThisDN, msgID: ev.MsgID}
	r.mu.Lock()
	if r.storesClosed {
		st.err = ErrStopped
		r.mu.Unlock()
		return st, nil
	}
	r.storeSeq++
	st.seq = r.storeSeq
	r.stores = append(r.stores, st)
	r.mu.Unlock()
	select {
	case r.wake <- struct{}{}:
	default:
	}
	return st, nil
}

// takeStores returns the reporting events answering the request with
// message id id.
func (r *Responder) takeStores(id string) stores {
	r.mu.Lock()
	defer r.mu.Unlock()
	sts := r.inflight[id]
	delete(r.inflight, id)
	return sts
}

// ackLoop acknowledges the reporting requests handled, in order, once
// their events are stored, until Stop.
func (r *Responder) ackLoop() {
	for {
		var hd handled
		select {
		case hd = <-r.handled:
		case <-r.quit:
			return
		}
		err := hd.err
		for i := range hd.sts.len() {
			if serr := r.storeOutcome(hd.sts.at(i)); serr != nil && err == nil {
				err = serr
			}
		}
		if err != nil {
			r.report(fmt.Errorf("responder %s: %s ref %d: %w", r.o.Switch, hd.name, hd.ref, err))
			hd.done(err)
			continue
		}
		r.markSeen(hd.msgID)
		hd.done(nil)
	}
}

// storeLoop stores the reporting events, in order, up to storeWindow at
// once, until Stop.
func (r *Responder) storeLoop() {
	for {
		r.mu.Lock()
		n := min(len(r.stores), storeWindow)
		batch := slices.Clone(r.stores[:n])
		r.stores = r.stores[n:]
		if len(r.stores) == 0 {
			r.stores = nil // let the array go
		}
		r.mu.Unlock()
		if n == 0 {
			select {
			case <-r.wake:
				continue
			case <-r.quit:
				r.dropStores()
				return
			}
		}
		select {
		case <-r.quit:
			r.settleStores(batch, nil)
			r.dropStores()
			return
		default:
		}
		errs := r.publishReporting(batch)
		for _, err := range errs {
			if err != nil {
				r.report(fmt.Errorf("responder %s: %w", r.o.Switch, err))
			}
		}
		r.settleStores(batch, errs)
	}
}

// dropStores fails the events still waiting once the responder stops.
func (r *Responder) dropStores() {
	r.mu.Lock()
	sts := r.stores
	r.stores, r.storesClosed = nil, true
	r.mu.Unlock()
	r.settleStores(sts, nil)
}

// settleStores sets the outcome of a run of stores, in order (ErrStopped
// for each when errs is nil).
func (r *Responder) settleStores(sts []*store, errs []error) {
	if len(sts) == 0 {
		return
	}
	r.mu.Lock()
	for i, st := range sts {
		st.err = ErrStopped
		if errs != nil {
			st.err = errs[i]
		}
	}
	r.stored = max(r.stored, sts[len(sts)-1].seq)
	r.mu.Unlock()
	r.storedCond.Broadcast()
}

// storeOutcome waits for the outcome of st.
func (r *Responder) storeOutcome(st *store) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	for r.stored < st.seq {
		r.storedCond.Wait()
	}
	return st.err
}

// publishReporting publishes reporting events to JetStream, all at once
// and in order, and waits for their acknowledgements; those not stored
// are sent again, in order (and after a reconnect), after a pause that
// doubles from 10ms to 250ms, for up to PublishTimeout. It returns the error of each event (nil once stored).
// JetStream stores the events of one connection in the order they are
// sent, so they are stored in order unless one is sent again after later
// ones were stored.
func (r *Responder) publishReporting(batch []*store) []error {
	errs := make([]error, len(batch))
	todo := make([]int, len(batch))
	for i := range todo {
		todo[i] = i
	}
	msgs := make([]wire.Outgoing, 0, len(batch))
	acks := make([]wire.Stored, len(batch))
	deadline := time.Now().Add(r.o.PublishTimeout)
	// pause is the wait before the next try of events JetStream refused
	// (at once when no stream takes their subject): doubled each time.
	pause := 10 * time.Millisecond
	for len(todo) > 0 && time.Now().Before(deadline) {
		if r.stopping() {
			for _, i := range todo {
				errs[i] = ErrStopped
			}
			return errs
		}
		if !r.nc.IsConnected() {
			for _, i := range todo {
				errs[i] = nats.ErrDisconnected
			}
			select {
			case <-time.After(20 * time.Millisecond):
			case <-r.quit:
			}
			continue
		}
		msgs = msgs[:0]
		for _, i := range todo {
			st := batch[i]
			msgs = append(msgs, wire.Outgoing{Subject: st.subj, MsgID: st.msgID, Data: st.data})
		}
		r.pub.Store(msgs, min(500*time.Millisecond, time.Until(deadline)), acks)
		left := todo[:0]
		for k, i := range todo {
			if errs[i] = acks[k].Err; errs[i] != nil {
				left = append(left, i)
			}
		}
		todo = left
		if len(todo) > 0 {
			select {
			case <-time.After(min(pause, time.Until(deadline))):
			case <-r.quit:
			}
			pause = min(2*pause, 250*time.Millisecond)
		}
	}
	for _, i := range todo {
		st := batch[i]
		errs[i] = fmt.Errorf("broadcast %s on %s (msg id %s): %w", st.name, st.dn, st.msgID, errs[i])
	}
	return errs
}

// Resend sends the events about the call connID whose Seq is above
// afterSeq again, in order, to the reply subject of Orca instance origin:
// what an instance that lost its connection to the bus missed meanwhile
// (RequestQueryCall). It returns how many it sent; the events of the
// oldest calls are forgotten after a while.
func (r *Responder) Resend(origin, connID string, afterSeq uint64) (int, error) {
	r.mu.Lock()
	evs := r.logs.after(connID, afterSeq)
	r.mu.Unlock()
	for _, ev := range evs {
		if err := r.nc.Publish(r.subj.reply(r.o.Switch, origin, ev.name), ev.data); err != nil {
			return 0, fmt.Errorf("resend %s of %s to %s: %w", ev.name, connID, origin, err)
		}
	}
	return len(evs), nil
}
