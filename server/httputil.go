package server

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxBodyBytes bounds request bodies.
const maxBodyBytes = 1 << 20

// httpError is an error with the HTTP status it is answered with, and,
// for the GMS API, the exception GMS names in its error bodies ("" for
// the one of the status).
type httpError struct {
	code      int
	msg       string
	exception string
}

func (e *httpError) Error() string { return e.msg }

// errorf returns an *httpError.
func errorf(code int, format string, args ...any) error {
	return &httpError{code: code, msg: fmt.Sprintf(format, args...)}
}

// writeJSON answers code with v as JSON.
func writeJSON(w http.ResponseWriter, code int, v any) {
	data, err := json.Marshal(v)
	if err != nil {
		code = http.StatusInternalServerError
		data, _ = json.Marshal(map[string]string{"error": "encoding the answer: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(data, '\n'))
}

// writeError answers err: an *httpError with its code, anything else 500.
func writeError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	var he *httpError
	if errors.As(err, &he) {
		code = he.code
	}
	writeJSON(w, code, map[string]string{"error": err.Error()})
}

// The exceptions GMS names in the error bodies of its callback API
// ({"message": ..., "exception": ...}).
const (
	exceptionPrefix      = "com.genesyslab.gsg.services.callback.exceptions."
	exceptionCallback    = exceptionPrefix + "CallbackException"
	exceptionNumber      = exceptionPrefix + "CallbackExceptionNumber"
	exceptionNotFound    = exceptionPrefix + "CallbackExceptionNotFound"
	exceptionUnavailable = exceptionPrefix + "CallbackExceptionServiceUnavailable"
)

// writeGMSError answers err as the GMS callback API does:
// {"message": TEXT, "exception": CLASS}, plus the "error" field every
// Orca error answer has.
func writeGMSError(w http.ResponseWriter, err error) {
	code := http.StatusInternalServerError
	exception := ""
	var he *httpError
	if errors.As(err, &he) {
		code, exception = he.code, he.exception
	}
	if exception == "" {
		switch code {
		case http.StatusNotFound:
			exception = exceptionNotFound
		case http.StatusServiceUnavailable, http.StatusTooManyRequests:
			exception = exceptionUnavailable
		default:
			exception = exceptionCallback
		}
	}
	writeJSON(w, code, map[string]string{"message": err.Error(), "exception": exception, "error": err.Error()})
}

// gms makes a handler answer its errors as writeGMSError does.
func gms(h func(http.ResponseWriter, *http.Request) error) func(http.ResponseWriter, *http.Request) error {
	return func(w http.ResponseWriter, r *http.Request) error {
		if err := h(w, r); err != nil {
			writeGMSError(w, err)
		}
		return nil
	}
}

// readParams returns the parameters of a request: the URL query, then
// the body (a form or a JSON object) overriding it. Form values are
// strings, or lists of strings for a name given more than once; JSON
// values keep their type.
func readParams(w http.ResponseWriter, r *http.Request) (map[string]any, error) {
	params := make(map[string]any)
	for k, vs := range r.URL.Query() {
		params[k] = formValue(vs)
	}
	if r.Body == nil || r.Method == http.MethodGet {
		return params, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, errorf(http.StatusRequestEntityTooLarge, "body larger than %d bytes", tooBig.Limit)
		}
		return nil, errorf(http.StatusBadRequest, "reading body: %v", err)
	}
	mediaType := ""
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mediaType, _, err = mime.ParseMediaType(ct); err != nil {
			return nil, errorf(http.StatusBadRequest, "malformed Content-Type %q: %v", ct, err)
		}
	}
	trimmed := bytes.TrimSpace(body)
	switch {
	case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"),
		mediaType == "" && len(trimmed) > 0 && trimmed[0] == '{':
		if len(trimmed) == 0 {
			return params, nil
		}
		var obj map[string]any
		dec := json.NewDecoder(bytes.NewReader(trimmed))
		if err := dec.Decode(&obj); err != nil {
			return nil, errorf(http.StatusBadRequest, "malformed JSON body: want an object: %v", err)
		}
		if dec.More() {
			return nil, errorf(http.StatusBadRequest, "malformed JSON body: text after the object")
		}
		if obj == nil {
			return nil, errorf(http.StatusBadRequest, "malformed JSON body: want an object, not null")
		}
		for k, v := range obj {
			params[k] = v
		}
	case mediaType == "application/x-www-form-urlencoded", mediaType == "" && len(trimmed) == 0, mediaType == "text/plain" && len(trimmed) == 0:
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "malformed form body: %v", err)
		}
		for k, vs := range form {
			params[k] = formValue(vs)
		}
	default:
		return nil, errorf(http.StatusUnsupportedMediaType, "unsupported Content-Type %q: send application/x-www-form-urlencoded or application/json", mediaType)
	}
	return params, nil
}

func formValue(vs []string) any {
	if len(vs) == 1 {
		return vs[0]
	}
	list := make([]any, len(vs))
	for i, v := range vs {
		list[i] = v
	}
	return list
}

// stringParams converts parameters to single strings, as the callback
// API reads them.
func stringParams(params map[string]any) (map[string]string, error) {
	out := make(map[string]string, len(params))
	for k, v := range params {
		s, ok := scalarString(v)
		if !ok {
			return nil, errorf(http.StatusBadRequest, "parameter %s: want a single string, number or boolean", k)
		}
		out[k] = s
	}
	return out, nil
}

func scalarString(v any) (string, bool) {
	switch x := v.(type) {
	case nil:
		return "", true
	case string:
		return x, true
	case bool:
		return strconv.FormatBool(x), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case json.Number:
		return x.String(), true
	}
	return "", false
}

// validName checks an event name from a URL path.
func validName(name string) error {
	if name == "" {
		return errorf(http.StatusBadRequest, "no event name")
	}
	if len(name) > 256 {
		return errorf(http.StatusBadRequest, "event name longer than 256 bytes")
	}
	for _, r := range name {
		if r <= ' ' || r == 0x7f || r == '*' {
			return errorf(http.StatusBadRequest, "event name %q: no spaces, control characters or '*' allowed", name)
		}
	}
	if strings.HasPrefix(name, ".") || strings.HasSuffix(name, ".") || strings.Contains(name, "..") {
		return errorf(http.StatusBadRequest, "event name %q: empty token", name)
	}
	return nil
}

// statusWriter records the status of an answer.
type statusWriter struct {
	http.ResponseWriter
	code int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.code == 0 {
		w.code = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.code == 0 {
		w.code = http.StatusOK
	}
	return w.ResponseWriter.Write(b)
}

// jsonErrorWriter turns the plain-text 404 and 405 answers of the mux into
// JSON ones.
type jsonErrorWriter struct {
	http.ResponseWriter
	r       *http.Request
	written bool
}

func (w *jsonErrorWriter) WriteHeader(code int) {
	if w.written {
		return
	}
	w.written = true
	msg := fmt.Sprintf("no such resource: %s %s", w.r.Method, w.r.URL.Path)
	if code == http.StatusMethodNotAllowed {
		msg = fmt.Sprintf("method %s not allowed on %s (allowed: %s)", w.r.Method, w.r.URL.Path, w.Header().Get("Allow"))
	}
	w.Header().Del("X-Content-Type-Options")
	writeJSON(w.ResponseWriter, code, map[string]string{"error": msg})
}

func (w *jsonErrorWriter) Write(b []byte) (int, error) {
	if !w.written {
		w.WriteHeader(http.StatusOK)
	}
	return len(b), nil
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
			writeJSON(w, tw.code, map[string]string{"error": msg})
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
