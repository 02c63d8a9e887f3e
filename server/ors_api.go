package server

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/internal/httpapi"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/templates"
)

// mux returns the server's routes.
func (s *Server) mux() http.Handler {
	mux := http.NewServeMux()
	handle := func(pattern string, h func(http.ResponseWriter, *http.Request) error) {
		mux.HandleFunc(pattern, func(w http.ResponseWriter, r *http.Request) {
			if err := h(w, r); err != nil {
				httpapi.WriteError(w, err)
			}
		})
	}
	handle("POST /scxml/session/start", s.handleStart)
	handle("POST /scxml/session/{id}/event/{name}", s.handleEvent)
	handle("POST /scxml/session/{id}/request/{name}", s.handleRequest)
	handle("GET /scxml/session/{id}/query", s.handleQuery)
	handle("POST /scxml/session/{id}/terminate", s.handleTerminate)
	s.callbacks.Register(mux)
	mux.Handle("/basichttp/{session}", textErrors(s.basic))
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) {
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"status": "ok", "sessions": s.host.Len()})
	})
	mux.HandleFunc("GET /metrics", s.handleMetrics)
	s.mountInfoMart(mux)
	// After the Info Mart pages: the console links them when they are
	// there.
	if s.console != nil {
		s.console.mount(mux)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		sw := &statusWriter{ResponseWriter: w, r: r}
		defer func() {
			if p := recover(); p != nil {
				s.metrics.errors.Add(1)
				s.log.Error("handler panic", "method", r.Method, "path", r.URL.Path, "panic", p)
				if sw.code == 0 {
					httpapi.WriteJSON(sw, http.StatusInternalServerError, map[string]string{"error": "internal error"})
				}
			}
			s.metrics.response(sw.code)
		}()
		mux.ServeHTTP(sw, r)
	})
}

// handleStart is POST /scxml/session/start.
func (s *Server) handleStart(w http.ResponseWriter, r *http.Request) error {
	params, err := httpapi.ReadParams(w, r)
	if err != nil {
		return err
	}
	src, ok := params["src"].(string)
	if !ok || strings.TrimSpace(src) == "" {
		return httpapi.Errorf(http.StatusBadRequest, "src is mandatory: the URL or path of the document to run")
	}
	delete(params, "src")
	var at time.Time
	if v, ok := params["idealtime"]; ok {
		delete(params, "idealtime")
		if at, err = s.idealTime(v); err != nil {
			return err
		}
	}
	path, err := s.docs.sandbox.Resolve(src)
	if err != nil {
		return sandboxError(err)
	}
	chart, err := s.docs.chart(path)
	if err != nil {
		return err
	}
	id := templates.NewID()
	err = s.startSession(chart, interp.StartOptions{ID: id, Params: params}, at)
	if err != nil {
		return err
	}
	s.durable(r.Context(), id)
	httpapi.WriteJSON(w, http.StatusOK, map[string]string{"sessionid": id})
	return nil
}

// idealTime parses idealtime, epoch milliseconds.
func (s *Server) idealTime(v any) (time.Time, error) {
	str, _ := httpapi.ScalarString(v)
	ms, err := strconv.ParseFloat(strings.TrimSpace(str), 64)
	if err != nil || ms < 0 || math.IsInf(ms, 0) || math.IsNaN(ms) {
		return time.Time{}, httpapi.Errorf(http.StatusBadRequest, "idealtime %q: want milliseconds since 1970", str)
	}
	t := time.UnixMilli(int64(ms))
	if t.Sub(s.clock.Now()) > s.cfg.Sessions.MaxIdealDelay {
		return time.Time{}, httpapi.Errorf(http.StatusBadRequest, "idealtime %q: more than %v in the future", str, s.cfg.Sessions.MaxIdealDelay)
	}
	return t, nil
}

// session returns the id of the live session the path names.
func (s *Server) session(r *http.Request) (string, error) {
	id := r.PathValue("id")
	if !s.host.Live(id) {
		return id, httpapi.Errorf(http.StatusNotFound, "no session %q", id)
	}
	return id, nil
}

// sessionEvent reads what /event/{name} and /request/{name} share: the
// event name, the live session and the parameters.
func (s *Server) sessionEvent(w http.ResponseWriter, r *http.Request) (id, name string, params map[string]any, err error) {
	name = r.PathValue("name")
	if err := validName(name); err != nil {
		return "", "", nil, err
	}
	if id, err = s.session(r); err != nil {
		return "", "", nil, err
	}
	if params, err = httpapi.ReadParams(w, r); err != nil {
		return "", "", nil, err
	}
	return id, name, params, nil
}

// handleEvent is POST /scxml/session/{id}/event/{name}.
func (s *Server) handleEvent(w http.ResponseWriter, r *http.Request) error {
	id, name, params, err := s.sessionEvent(w, r)
	if err != nil {
		return err
	}
	s.deliver(id, &interp.Event{Name: name, Type: interp.External, Data: params})
	httpapi.WriteJSON(w, http.StatusOK, map[string]string{"sessionid": id, "event": name, "status": "queued"})
	return nil
}

// handleRequest is POST /scxml/session/{id}/request/{name}: the event
// carries a request id as _event.sendid, and the session's <ws:response>
// to it is the answer.
func (s *Server) handleRequest(w http.ResponseWriter, r *http.Request) error {
	id, name, params, err := s.sessionEvent(w, r)
	if err != nil {
		return err
	}
	reqID := newRequestID()
	p := s.requests.add(reqID, id)
	defer s.requests.remove(reqID)
	s.deliver(id, &interp.Event{Name: name, Type: interp.External, SendID: reqID, Data: params})
	timer := time.NewTimer(s.cfg.Sessions.RequestTimeout)
	defer timer.Stop()
	select {
	case res := <-p.ch:
		if res.gone {
			return httpapi.Errorf(http.StatusGone, "session %q ended without answering request %s", id, name)
		}
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{
			"requestid": reqID, "type": res.resp.Type, "resultcode": res.resp.Code, "params": jsonSafe(res.resp.Params),
		})
		return nil
	case <-timer.C:
		return httpapi.Errorf(http.StatusGatewayTimeout, "session %q did not answer request %s within %v", id, name, s.cfg.Sessions.RequestTimeout)
	case <-r.Context().Done():
		return httpapi.Errorf(http.StatusRequestTimeout, "request cancelled by the client")
	}
}

// handleQuery is GET /scxml/session/{id}/query.
func (s *Server) handleQuery(w http.ResponseWriter, r *http.Request) error {
	id, err := s.session(r)
	if err != nil {
		return err
	}
	if at, ok := s.host.Pending(id); ok {
		httpapi.WriteJSON(w, http.StatusOK, map[string]any{"sessionid": id, "state": "pending", "idealtime": at.UnixMilli()})
		return nil
	}
	var out map[string]any
	err = s.host.Do(r.Context(), id, func(sess *interp.Session) { out = snapshot(sess) })
	switch {
	case errors.Is(err, host.ErrNoSession):
		return httpapi.Errorf(http.StatusNotFound, "no session %q", id)
	case err != nil:
		return httpapi.Errorf(http.StatusServiceUnavailable, "query: %v", err)
	}
	httpapi.WriteJSON(w, http.StatusOK, out)
	return nil
}

// snapshot is the state of a session as /query shows it.
func snapshot(sess *interp.Session) map[string]any {
	data := map[string]any{}
	if dm := sess.Datamodel(); dm != nil {
		for _, st := range sess.Chart().Document().States {
			for _, d := range st.Data {
				v, err := dm.Eval(&scxml.Expr{Kind: scxml.ValueExpr, Src: d.ID, Index: -1})
				if err == nil {
					data[d.ID] = v
				}
			}
		}
	}
	params := sess.Params()
	if params == nil {
		params = map[string]any{}
	}
	state := "running"
	if !sess.Running() {
		state = "ending"
	}
	return map[string]any{
		"sessionid": sess.ID(), "name": sess.Name(), "state": state,
		"active": nonNil(sess.Active()), "atomic": nonNil(sess.Atomic()),
		"data": jsonSafe(data), "params": jsonSafe(params),
	}
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// jsonSafe returns v when it encodes as JSON, otherwise its values one by
// one, those that do not encode as text.
func jsonSafe[M ~map[string]any](m M) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		if _, err := json.Marshal(v); err != nil {
			out[k] = fmt.Sprint(v)
			continue
		}
		out[k] = v
	}
	return out
}

// handleTerminate is POST /scxml/session/{id}/terminate.
func (s *Server) handleTerminate(w http.ResponseWriter, r *http.Request) error {
	id, err := s.session(r)
	if err != nil {
		return err
	}
	err = s.host.Cancel(r.Context(), id)
	switch {
	case errors.Is(err, host.ErrNoSession):
		return httpapi.Errorf(http.StatusNotFound, "no session %q", id)
	case err != nil:
		return httpapi.Errorf(http.StatusServiceUnavailable, "terminate: %v", err)
	}
	httpapi.WriteJSON(w, http.StatusOK, map[string]any{"sessionid": id, "terminated": true})
	return nil
}

// requestTable holds the HTTP requests waiting for a <ws:response>.
type requestTable struct {
	mu sync.Mutex
	m  map[string]*pendingRequest
}

type pendingRequest struct {
	session string
	ch      chan requestResult
}

type requestResult struct {
	resp ors.Response
	gone bool
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return "req-" + hex.EncodeToString(b[:])
}

func (t *requestTable) add(id, session string) *pendingRequest {
	p := &pendingRequest{session: session, ch: make(chan requestResult, 1)}
	t.mu.Lock()
	t.m[id] = p
	t.mu.Unlock()
	return p
}

func (t *requestTable) remove(id string) {
	t.mu.Lock()
	delete(t.m, id)
	t.mu.Unlock()
}

// sessionEnded answers the requests waiting for session id.
func (t *requestTable) sessionEnded(id string) {
	t.mu.Lock()
	defer t.mu.Unlock()
	for k, p := range t.m {
		if p.session == id {
			p.ch <- requestResult{gone: true}
			delete(t.m, k)
		}
	}
}

// respond is ors.Options.Respond: it hands a <ws:response> to the HTTP
// request waiting for it.
func (s *Server) respond(_ *interp.Session, resp ors.Response) error {
	s.requests.mu.Lock()
	p := s.requests.m[resp.RequestID]
	delete(s.requests.m, resp.RequestID)
	s.requests.mu.Unlock()
	if p == nil {
		return fmt.Errorf("no HTTP request %q is waiting for an answer (it timed out or was answered)", resp.RequestID)
	}
	p.ch <- requestResult{resp: resp}
	return nil
}
