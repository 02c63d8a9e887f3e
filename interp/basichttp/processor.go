package basichttp

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/orca-scxml/orca/egress"
	"github.com/orca-scxml/orca/interp"
)

// Type is the type URI of the Basic HTTP Event I/O Processor (C.2).
const Type = "http://www.w3.org/TR/scxml/#BasicHTTPEventProcessor"

// ShortName is the short name the processor also answers to in <send type>
// and _ioprocessors.
const ShortName = "basichttp"

// EventNameParam is the parameter (and request header) that names the
// event of a message.
const EventNameParam = "_scxmleventname"

// OriginHeader is the request header that carries the sender's access URI;
// the receiver uses it as _event.origin.
const OriginHeader = "SCXML-Origin"

// ContentParam is the form field that carries a <send>'s <content>.
const ContentParam = "content"

// pathPrefix is the path under which session access URIs live.
const pathPrefix = "/basichttp/"

// Defaults of Options.
const (
	DefaultAddr         = "127.0.0.1:0"
	DefaultTimeout      = 10 * time.Second
	DefaultMaxBodyBytes = 1 << 20
)

// Options configure a Processor.
type Options struct {
	// Addr is the TCP address to listen on; "" means DefaultAddr.
	Addr string
	// BaseURL is the URL other entities reach the listener at, without a
	// trailing slash; "" means http://<the listener's address>.
	BaseURL string
	// Deliver receives every event that arrives for a known session. It
	// is called from HTTP handler goroutines, so it must be safe for
	// concurrent use and must not touch the engine: hosts pass an
	// interp.Inbox's Put. Required.
	Deliver func(sessionID string, ev *interp.Event)
	// Egress says where <send> may POST: its allowed prefixes, plus the
	// processor's own access URIs, which are always allowed. Nil means
	// egress.Deny(): a session can then send only to sessions of this
	// processor. Ignored when Client is set.
	Egress *egress.Policy
	// Client sends events instead of a client made from Egress; the
	// caller then owns the outbound policy.
	Client *http.Client
	// MaxBodyBytes bounds the body of an incoming request; 0 means
	// DefaultMaxBodyBytes.
	MaxBodyBytes int64
	// NoListen makes a processor without a listener of its own, for a
	// host that mounts it (ServeHTTP) on its own server under
	// /basichttp/{session}; BaseURL is then required and Addr ignored.
	NoListen bool
}

// Processor is a Basic HTTP Event I/O Processor: an interp.IOProcessor
// for <send> and an HTTP listener for the sessions of one host.
type Processor struct {
	deliver  func(string, *interp.Event)
	client   *http.Client
	ownsCli  bool
	maxBody  int64
	base     string
	ln       net.Listener
	srv      *http.Server
	served   chan struct{}
	mu       sync.Mutex
	sessions map[string]struct{}
	pending  map[string]chan *interp.Event
	closed   bool
}

// tokenHeader carries the token of a Send to a session of the sender's
// own engine; the handler hands the event back to that Send.
const tokenHeader = "SCXML-Send-Token"

// New starts a processor listening on opts.Addr.
func New(opts Options) (*Processor, error) {
	if opts.Deliver == nil {
		return nil, errors.New("basichttp: Options.Deliver is required")
	}
	addr := opts.Addr
	if addr == "" {
		addr = DefaultAddr
	}
	p := &Processor{
		deliver:  opts.Deliver,
		client:   opts.Client,
		maxBody:  opts.MaxBodyBytes,
		sessions: make(map[string]struct{}),
		pending:  make(map[string]chan *interp.Event),
		served:   make(chan struct{}),
	}
	if p.maxBody <= 0 {
		p.maxBody = DefaultMaxBodyBytes
	}
	p.base = strings.TrimSuffix(opts.BaseURL, "/")
	if opts.NoListen {
		if p.base == "" {
			return nil, errors.New("basichttp: Options.BaseURL is required with NoListen")
		}
		if err := p.makeClient(opts); err != nil {
			return nil, err
		}
		close(p.served)
		return p, nil
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("basichttp: listening on %s: %w", addr, err)
	}
	p.ln = ln
	if p.base == "" {
		p.base = "http://" + ln.Addr().String()
	}
	if err := p.makeClient(opts); err != nil {
		ln.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.Handle(pathPrefix+"{session}", p)
	p.srv = &http.Server{Handler: mux, ReadHeaderTimeout: DefaultTimeout}
	go func() {
		defer close(p.served)
		_ = p.srv.Serve(ln)
	}()
	return p, nil
}

// makeClient makes the client <send> uses, once the processor's base URL
// is known: opts.Client, or one from opts.Egress that also allows the
// processor's own access URIs.
func (p *Processor) makeClient(opts Options) error {
	if opts.Client != nil {
		p.client = opts.Client
		return nil
	}
	policy := opts.Egress
	if policy == nil {
		policy = egress.Deny()
	}
	policy, err := policy.With(p.base + pathPrefix)
	if err != nil {
		return fmt.Errorf("basichttp: base URL %q: %w", p.base, err)
	}
	p.client = policy.Client()
	// A <send> blocks its session's macrostep: keep it short.
	p.client.Timeout = min(p.client.Timeout, DefaultTimeout)
	p.ownsCli = true
	return nil
}

// URL returns the URL of the listener, without a trailing slash.
func (p *Processor) URL() string { return p.base }

// Shutdown stops the listener and waits, until ctx is done, for the
// requests in progress to be answered (an event delivered by a request is
// answered even when it ends the run that waits for it); then it closes
// the processor as Close does.
func (p *Processor) Shutdown(ctx context.Context) error {
	p.mu.Lock()
	closed := p.closed
	p.mu.Unlock()
	if !closed && p.srv != nil {
		if err := p.srv.Shutdown(ctx); err != nil && !errors.Is(err, context.DeadlineExceeded) && !errors.Is(err, context.Canceled) {
			_ = p.Close()
			return fmt.Errorf("basichttp: shutting down: %w", err)
		}
	}
	return p.Close()
}

// Close stops the listener, closing open connections, and releases the
// idle connections of the processor's own client.
func (p *Processor) Close() error {
	p.mu.Lock()
	if p.closed {
		p.mu.Unlock()
		return nil
	}
	p.closed = true
	p.mu.Unlock()
	var err error
	if p.srv != nil {
		err = p.srv.Close()
	}
	<-p.served
	if p.ownsCli {
		p.client.CloseIdleConnections()
	}
	if err != nil {
		return fmt.Errorf("basichttp: closing listener: %w", err)
	}
	return nil
}

// Register adds p to procs under Type and ShortName and returns procs,
// which it makes if nil. The result is meant for
// interp.Options.IOProcessors.
func (p *Processor) Register(procs map[string]interp.IOProcessor) map[string]interp.IOProcessor {
	if procs == nil {
		procs = make(map[string]interp.IOProcessor, 2)
	}
	procs[Type] = p
	procs[ShortName] = p
	return procs
}

// Accept marks s as a session the listener accepts events for, until
// Forget. Engines call it for every session they create
// (interp.Acceptor).
func (p *Processor) Accept(s *interp.Session) { p.addSession(s.ID()) }

// Location returns the access URI of session s and marks s as a session
// the listener accepts events for, until Forget.
func (p *Processor) Location(s *interp.Session) string {
	id := s.ID()
	p.addSession(id)
	return p.sessionURL(id)
}

// Forget stops accepting events for session id; hosts call it when the
// session ends (interp.Options.OnDone).
func (p *Processor) Forget(id string) {
	p.mu.Lock()
	delete(p.sessions, id)
	p.mu.Unlock()
}

func (p *Processor) addSession(id string) {
	p.mu.Lock()
	p.sessions[id] = struct{}{}
	p.mu.Unlock()
}

func (p *Processor) known(id string) bool {
	p.mu.Lock()
	_, ok := p.sessions[id]
	p.mu.Unlock()
	return ok
}

// localSession returns the session u addresses when u is an access URI
// on this processor's listener.
func (p *Processor) localSession(u *url.URL) (string, bool) {
	base, err := url.Parse(p.base)
	if err != nil || !strings.EqualFold(u.Scheme, base.Scheme) || !strings.EqualFold(u.Host, base.Host) {
		return "", false
	}
	id, ok := strings.CutPrefix(u.Path, base.Path+pathPrefix)
	if !ok || id == "" || strings.Contains(id, "/") {
		return "", false
	}
	return id, true
}

// expect registers a Send waiting for the event of its own request.
func (p *Processor) expect() (string, chan *interp.Event) {
	var b [16]byte
	_, _ = rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	ch := make(chan *interp.Event, 1)
	p.mu.Lock()
	p.pending[token] = ch
	p.mu.Unlock()
	return token, ch
}

func (p *Processor) unexpect(token string) {
	p.mu.Lock()
	delete(p.pending, token)
	p.mu.Unlock()
}

// handBack gives ev to the Send waiting for token and reports whether
// there was one.
func (p *Processor) handBack(token string, ev *interp.Event) bool {
	if token == "" {
		return false
	}
	p.mu.Lock()
	ch := p.pending[token]
	delete(p.pending, token)
	p.mu.Unlock()
	if ch == nil {
		return false
	}
	ch <- ev
	return true
}

func (p *Processor) sessionURL(id string) string {
	return p.base + pathPrefix + url.PathEscape(id)
}

// Send POSTs ev to target (C.2.2) and waits for the answer. A missing or
// non-HTTP target, a failed request and a non-2xx answer are errors.
//
// When target is the access URI of a live session of the sender's own
// engine on this processor's listener, the event the listener builds is
// put on that session's external queue before Send returns, instead of
// going through Options.Deliver: events a session sends keep their order
// whatever processor carries them (W3C test 201).
func (p *Processor) Send(s *interp.Session, target string, ev *interp.Event) error {
	if target == "" {
		return errors.New("basichttp: <send> has no target")
	}
	u, err := url.Parse(target)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return fmt.Errorf("basichttp: target %q is not an http or https URL", target)
	}
	body, err := encodeEvent(ev)
	if err != nil {
		return fmt.Errorf("basichttp: encoding event %q: %w", ev.Name, err)
	}
	req, err := http.NewRequestWithContext(context.Background(), http.MethodPost, target, strings.NewReader(body))
	if err != nil {
		return fmt.Errorf("basichttp: sending to %s: %w", target, err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if s != nil {
		req.Header.Set(OriginHeader, p.Location(s))
	}
	if s != nil {
		if id, ok := p.localSession(u); ok && s.Engine().Session(id) != nil {
			token, ch := p.expect()
			defer p.unexpect(token)
			req.Header.Set(tokenHeader, token)
			defer func() {
				select {
				case ev := <-ch:
					if t := s.Engine().Session(id); t != nil {
						t.Enqueue(ev)
					}
				default:
				}
			}()
		}
	}
	resp, err := p.client.Do(req)
	if err != nil {
		return fmt.Errorf("basichttp: sending to %s: %w", target, err)
	}
	defer resp.Body.Close()
	msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	if resp.StatusCode/100 != 2 {
		text := strings.TrimSpace(string(msg))
		if text == "" {
			return fmt.Errorf("basichttp: sending to %s: %s", target, resp.Status)
		}
		return fmt.Errorf("basichttp: sending to %s: %s: %s", target, resp.Status, text)
	}
	return nil
}

// encodeEvent is the form body of an outgoing event: its name, then its
// data. Data that is a map (namelist and <param> values) becomes one field
// per entry, in name order; other data (<content>) the field ContentParam.
func encodeEvent(ev *interp.Event) (string, error) {
	var f form
	if ev.Name != "" {
		f.add(EventNameParam, ev.Name)
	}
	data := ev.Data
	if d, ok := data.(interp.SendIDData); ok {
		data = d.Map()
	}
	switch d := data.(type) {
	case nil:
	case map[string]any:
		keys := make([]string, 0, len(d))
		for k := range d {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			if list, ok := d[k].([]any); ok {
				for _, v := range list {
					if err := f.addValue(k, v); err != nil {
						return "", err
					}
				}
				continue
			}
			if err := f.addValue(k, d[k]); err != nil {
				return "", err
			}
		}
	default:
		if err := f.addValue(ContentParam, d); err != nil {
			return "", err
		}
	}
	return f.String(), nil
}

// form builds an application/x-www-form-urlencoded body, keeping the
// order of its fields and encoding spaces as %20.
type form struct {
	b strings.Builder
}

func (f *form) add(name, value string) {
	if f.b.Len() > 0 {
		f.b.WriteByte('&')
	}
	f.b.WriteString(formEscape(name))
	f.b.WriteByte('=')
	f.b.WriteString(formEscape(value))
}

func (f *form) addValue(name string, v any) error {
	s, err := valueText(v)
	if err != nil {
		return fmt.Errorf("value of %q: %w", name, err)
	}
	f.add(name, s)
	return nil
}

func (f *form) String() string { return f.b.String() }

// formEscape percent-encodes s for a form field. QueryEscape encodes a
// literal '+' as %2B, so every '+' it leaves stands for a space.
func formEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// valueText is the wire form of one value: strings as they are, XML as its
// markup, anything else as JSON.
func valueText(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case *interp.XMLNode:
		if x == nil {
			return "null", nil
		}
		return x.Text, nil
	case interp.XMLNode:
		return x.Text, nil
	}
	b, err := json.Marshal(v)
	if err != nil {
		return "", err
	}
	return string(b), nil
}
