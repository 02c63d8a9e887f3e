package server

import (
	"bytes"
	"fmt"
	"net/http"
	"strings"

	"github.com/orca-scxml/orca/internal/httpapi"
)

// maxBodyBytes bounds request bodies.
const maxBodyBytes = httpapi.MaxBodyBytes

// validName checks an event name from a URL path.
func validName(name string) error {
	if name == "" {
		return httpapi.Errorf(http.StatusBadRequest, "no event name")
	}
	if len(name) > 256 {
		return httpapi.Errorf(http.StatusBadRequest, "event name longer than 256 bytes")
	}
	for _, r := range name {
		if r <= ' ' || r == 0x7f || r == '*' {
			return httpapi.Errorf(http.StatusBadRequest, "event name %q: no spaces, control characters or '*' allowed", name)
		}
	}
	if strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, "..") {
		return httpapi.Errorf(http.StatusBadRequest, "event name %q: empty token", name)
	}
	return nil
}

// statusWriter records the status of an answer. With r set, it also
// turns the plain-text 404 and 405 answers of the mux into JSON ones: the
// mux sets r.Pattern before it calls the handler, and leaves it empty
// when it answers itself, no pattern matching (matching the request
// once more beforehand to know that cost the wildcards' allocations of
// the match again).
type statusWriter struct {
	http.ResponseWriter
	code int
	r    *http.Request
	// muxAnswer is set when the answer is the mux's own, written in
	// JSON: what the mux writes is dropped.
	muxAnswer bool
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 && w.r != nil && w.r.Pattern == "" {
		w.code, w.muxAnswer = code, true
		w.writeMuxAnswer(code)
		return
	}
	if w.muxAnswer {
		return
	}
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 && w.r != nil && w.r.Pattern == "" {
		w.WriteHeader(http.StatusOK)
	}
	if w.muxAnswer {
		return len(b), nil
	}
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// writeMuxAnswer writes the mux's answer code in JSON.
func (w *statusWriter) writeMuxAnswer(code int) {
	msg := fmt.Sprintf("no such resource: %s %s", w.r.Method, w.r.URL.Path)
	if code == http.StatusMethodNotAllowed {
		msg = fmt.Sprintf("method %s not allowed on %s (allowed: %s)", w.r.Method, w.r.URL.Path, w.Header().Get("Allow"))
	}
	w.Header().Del("X-Content-Type-Options")
	writeAPIError(w.ResponseWriter, w.r, httpapi.Errorf(code, "%s", msg))
}

// textErrors turns the plain-text error answers (4xx, 5xx) of a handler
// into JSON ones; other answers pass through.
func textErrors(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tw := &textErrorWriter{ResponseWriter: w}
		h.ServeHTTP(tw, r)
		if tw.code >= 400 {
			msg := strings.TrimSpace(tw.buf.String())
			if msg == "" {
				msg = http.StatusText(tw.code)
			}
			w.Header().Del("X-Content-Type-Options")
			httpapi.WriteJSON(w, tw.code, map[string]string{"error": msg})
		}
	})
}

type textErrorWriter struct {
	http.ResponseWriter
	code int
	buf  bytes.Buffer
}

func (w *textErrorWriter) WriteHeader(code int) {
	if w.code != 0 {
		return
	}
	w.code = code
	if code < 400 {
		w.ResponseWriter.WriteHeader(code)
	}
}

func (w *textErrorWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.WriteHeader(http.StatusOK)
	}
	if w.code >= 400 {
		return w.buf.Write(b)
	}
	return w.ResponseWriter.Write(b)
}
