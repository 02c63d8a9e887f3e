package server

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/orca-scxml/orca/gms"
	"github.com/orca-scxml/orca/internal/httpapi"
)

// In a cluster every instance answers the HTTP API for every session: a
// request about a session another instance owns is forwarded to it over
// NATS (request-reply), and a GMS query that lists callbacks gathers the
// lists of every instance. Telephony events need no forwarding: every
// instance receives the events of every DN (no queue group) and acts on
// the calls of its own sessions.

// The subjects of the cluster.
const (
	// forwardSubject carries a request about a session to every
	// instance; the one that owns the session answers.
	forwardSubject = "orca.cluster.http"
	// querySubject carries a GMS query to every instance; each answers
	// with its own callbacks.
	querySubject = "orca.cluster.query"
	// forwardedHeader marks a request another instance forwarded: it is
	// answered here, never forwarded again.
	forwardedHeader = "Orca-Forwarded"
)

// forwardedRequest is an HTTP request as it travels between instances.
type forwardedRequest struct {
	Session string              `json:"session,omitempty"`
	Method  string              `json:"method"`
	Path    string              `json:"path"`
	Query   string              `json:"query,omitempty"`
	Header  map[string][]string `json:"header,omitempty"`
	Body    []byte              `json:"body,omitempty"`
}

// forwardedAnswer is the answer.
type forwardedAnswer struct {
	Status int                 `json:"status"`
	Header map[string][]string `json:"header,omitempty"`
	Body   []byte              `json:"body,omitempty"`
}

// startCluster subscribes the instance to the cluster's subjects and
// stops it when it loses its lease.
func (s *Server) startCluster() error {
	if !s.cfg.Cluster.Enable {
		return nil
	}
	s.store.OnLost(s.abandon)
	for subj, f := range map[string]nats.MsgHandler{forwardSubject: s.onForward, querySubject: s.onQuery} {
		sub, err := s.nc.Subscribe(subj, f)
		if err != nil {
			return fmt.Errorf("cluster: subscribe to %s: %w", subj, err)
		}
		s.clusterSubs = append(s.clusterSubs, sub)
	}
	return nil
}

// abandon stops the instance at once when it has lost its lease: its
// sessions are another instance's now, so none may run here, and nothing
// is written or cancelled.
func (s *Server) abandon(err error) {
	s.log.Error("cluster: this instance has lost its lease and stops", "err", err)
	s.stopping.Store(true)
	s.host.Close()
	s.lostOnce.Do(func() { close(s.leaseLost) })
}

// Lost is closed when the instance of a cluster has lost its lease: it
// runs no session any more and should exit (orca serve does, with
// status 1).
func (s *Server) Lost() <-chan struct{} { return s.leaseLost }

// sessionOf returns the id of the session a request of the API is about,
// and whether it lists callbacks (a GMS query).
func sessionOf(r *http.Request) (id string, query bool) {
	if rest, ok := strings.CutPrefix(r.URL.Path, gms.Path); ok && (rest == "" || rest[0] == '/') {
		// POST Path/{service} starts a callback here; Path/{service}/{id}
		// is one; GET Path and Path/{service} are queries.
		parts := strings.Split(strings.Trim(rest, "/"), "/")
		switch {
		case len(parts) == 2:
			return parts[1], false
		case r.Method == http.MethodGet && len(parts) <= 1:
			return "", true
		}
		return "", false
	}
	parts := strings.Split(strings.Trim(r.URL.Path, "/"), "/")
	switch {
	case len(parts) >= 4 && parts[0] == "scxml" && parts[1] == "session" && parts[2] != "start":
		return parts[2], false
	case len(parts) == 2 && parts[0] == "basichttp":
		return parts[1], false
	}
	return "", false
}

// clusterRoute sends a request about a session this instance does not
// have to the one that owns it, and gathers GMS queries from every
// instance; the rest goes to next.
func (s *Server) clusterRoute(next http.Handler) http.Handler {
	if !s.cfg.Cluster.Enable {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get(forwardedHeader) != "" {
			next.ServeHTTP(w, r)
			return
		}
		id, query := sessionOf(r)
		switch {
		case query:
			s.gather(w, r)
		case id != "" && !s.owns(id):
			s.forward(w, r, id)
		default:
			next.ServeHTTP(w, r)
		}
	})
}

// encodeRequest reads r into its traveling form.
func encodeRequest(r *http.Request, id string) ([]byte, error) {
	body, err := io.ReadAll(http.MaxBytesReader(nil, r.Body, maxBodyBytes))
	if err != nil {
		return nil, err
	}
	fr := forwardedRequest{Session: id, Method: r.Method, Path: r.URL.Path, Query: r.URL.RawQuery,
		Header: map[string][]string{}, Body: body}
	for _, k := range []string{"Content-Type", "Accept"} {
		if v := r.Header.Values(k); len(v) > 0 {
			fr.Header[k] = v
		}
	}
	return json.Marshal(fr)
}

// forward asks the instance that owns session id to answer r. Every
// instance answers, the owner with its answer, the others with none, so
// that a session no instance has is known as soon as all have answered.
func (s *Server) forward(w http.ResponseWriter, r *http.Request, id string) {
	data, err := encodeRequest(r, id)
	if err != nil {
		writeAPIError(w, r, httpapi.Errorf(http.StatusBadRequest, "reading the request: %v", err))
		return
	}
	wait := max(s.cfg.Cluster.ForwardTimeout, s.cfg.Sessions.RequestTimeout+2*time.Second)
	ctx, cancel := context.WithTimeout(r.Context(), wait)
	defer cancel()
	var found *forwardedAnswer
	err = s.ask(ctx, forwardSubject, data, func(a *forwardedAnswer) bool {
		if a.Status == 0 {
			return false
		}
		found = a
		return true
	})
	if err != nil {
		writeAPIError(w, r, httpapi.Errorf(http.StatusServiceUnavailable, "forwarding to the instance that owns session %s: %v", id, err))
		return
	}
	if found == nil {
		// No instance has it: it does not exist, or its owner died and
		// its lease has not ended yet.
		s.notOwned(w, r)
		return
	}
	s.metrics.forwarded.Add(1)
	for k, v := range found.Header {
		w.Header()[k] = v
	}
	w.WriteHeader(found.Status)
	_, _ = w.Write(found.Body)
}

// ask publishes a request to every instance of the cluster and hands
// each answer to f, until f reports it has what it wants, every instance
// with a valid lease has answered, or ctx ends.
func (s *Server) ask(ctx context.Context, subject string, data []byte, f func(a *forwardedAnswer) bool) error {
	want, err := s.store.Instances(ctx)
	if err != nil {
		return fmt.Errorf("listing the instances: %w", err)
	}
	inbox := s.nc.NewRespInbox()
	sub, err := s.nc.SubscribeSync(inbox)
	if err != nil {
		return err
	}
	defer func() { _ = sub.Unsubscribe() }()
	if err := s.nc.PublishRequest(subject, inbox, data); err != nil {
		return err
	}
	seen := map[string]bool{}
	for len(seen) < len(want) {
		msg, err := sub.NextMsgWithContext(ctx)
		if err != nil {
			return nil
		}
		var a forwardedAnswer
		if json.Unmarshal(msg.Data, &a) != nil {
			continue
		}
		seen[msg.Header.Get(forwardedHeader)] = true
		if f(&a) {
			return nil
		}
	}
	return nil
}

// notOwned answers a request about a session no instance answered for,
// as the API answers an unknown session.
func (s *Server) notOwned(w http.ResponseWriter, r *http.Request) {
	r.Header.Set(forwardedHeader, "local")
	s.mux().ServeHTTP(w, r)
}

// onForward answers a forwarded request about a session this instance
// owns (or a callback it knows), and says it has none otherwise.
func (s *Server) onForward(msg *nats.Msg) {
	var fr forwardedRequest
	if err := json.Unmarshal(msg.Data, &fr); err != nil || fr.Session == "" {
		return
	}
	var a forwardedAnswer
	if s.owns(fr.Session) {
		a = s.serveForwarded(fr)
	}
	s.reply(msg, a)
}

// owns reports whether this instance answers for session id: it runs it
// (or keeps it), or holds its callback's record.
func (s *Server) owns(id string) bool {
	if s.host.Live(id) {
		return true
	}
	_, ok := s.callbacks.Get(id)
	return ok
}

// reply answers a cluster request, naming this instance.
func (s *Server) reply(msg *nats.Msg, a forwardedAnswer) {
	data, err := json.Marshal(a)
	if err != nil || msg.Reply == "" {
		return
	}
	out := &nats.Msg{Subject: msg.Reply, Data: data, Header: nats.Header{}}
	out.Header.Set(forwardedHeader, s.instance())
	_ = s.nc.PublishMsg(out)
}

// serveForwarded runs a forwarded request through this instance's API.
func (s *Server) serveForwarded(fr forwardedRequest) forwardedAnswer {
	u := &url.URL{Path: fr.Path, RawQuery: fr.Query}
	req, err := http.NewRequest(fr.Method, u.String(), bytes.NewReader(fr.Body))
	if err != nil {
		return forwardedAnswer{Status: http.StatusBadRequest, Body: []byte(`{"error":"bad forwarded request"}`)}
	}
	for k, v := range fr.Header {
		req.Header[k] = v
	}
	req.Header.Set(forwardedHeader, s.instance())
	rec := &recorder{h: http.Header{}}
	s.mux().ServeHTTP(rec, req)
	if rec.status == 0 {
		rec.status = http.StatusOK
	}
	return forwardedAnswer{Status: rec.status, Header: rec.h, Body: rec.buf.Bytes()}
}

// gather answers a GMS query with the callbacks of every instance of the
// cluster, in the order one instance lists its own.
func (s *Server) gather(w http.ResponseWriter, r *http.Request) {
	data, err := encodeRequest(r, "")
	if err != nil {
		gms.WriteError(w, httpapi.Errorf(http.StatusBadRequest, "reading the request: %v", err))
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.Cluster.ForwardTimeout)
	defer cancel()
	var all []map[string]string
	var failed *forwardedAnswer
	err = s.ask(ctx, querySubject, data, func(a *forwardedAnswer) bool {
		if a.Status != http.StatusOK {
			failed = a
			return true
		}
		var list []map[string]string
		if json.Unmarshal(a.Body, &list) == nil {
			all = append(all, list...)
		}
		return false
	})
	if err != nil {
		gms.WriteError(w, httpapi.Errorf(http.StatusServiceUnavailable, "gathering the callbacks: %v", err))
		return
	}
	if failed != nil {
		// A bad query: every instance answers it alike.
		for k, v := range failed.Header {
			w.Header()[k] = v
		}
		w.WriteHeader(failed.Status)
		_, _ = w.Write(failed.Body)
		return
	}
	slices.SortFunc(all, func(a, b map[string]string) int {
		if c := strings.Compare(a["_desired_time"], b["_desired_time"]); c != 0 {
			return c
		}
		return strings.Compare(a["_id"], b["_id"])
	})
	all = slices.CompactFunc(all, func(a, b map[string]string) bool { return a["_id"] == b["_id"] })
	if all == nil {
		all = []map[string]string{}
	}
	httpapi.WriteJSON(w, http.StatusOK, all)
}

// onQuery answers a gathered GMS query with this instance's callbacks.
func (s *Server) onQuery(msg *nats.Msg) {
	var fr forwardedRequest
	if json.Unmarshal(msg.Data, &fr) != nil {
		return
	}
	s.reply(msg, s.serveForwarded(fr))
}

// recorder is the ResponseWriter of a forwarded request.
type recorder struct {
	h      http.Header
	status int
	buf    bytes.Buffer
}

func (r *recorder) Header() http.Header { return r.h }

func (r *recorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
}

func (r *recorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.buf.Write(p)
}

// writeAPIError answers err in the shape of the API r is a request of:
// GMS's on the callback API, Orca's {"error"} elsewhere.
func writeAPIError(w http.ResponseWriter, r *http.Request, err error) {
	if rest, ok := strings.CutPrefix(r.URL.Path, gms.Path); ok && (rest == "" || rest[0] == '/') {
		gms.WriteError(w, err)
		return
	}
	httpapi.WriteError(w, err)
}
