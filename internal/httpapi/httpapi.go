package httpapi

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

// MaxBodyBytes bounds request bodies.
const MaxBodyBytes = 1 << 20

// Error is an error with the HTTP status it is answered with.
type Error struct {
	Code int
	Msg  string
}

func (e *Error) Error() string { return e.Msg }

// HTTPStatus returns the status the error is answered with.
func (e *Error) HTTPStatus() int { return e.Code }

// Errorf returns an *Error with status code.
func Errorf(code int, format string, args ...any) error {
	return &Error{Code: code, Msg: fmt.Sprintf(format, args...)}
}

// Status returns the status err is answered with: that of the first error
// in its chain with a method HTTPStatus() int (an *Error is one), else 500.
func Status(err error) int {
	var he interface{ HTTPStatus() int }
	if errors.As(err, &he) {
		return he.HTTPStatus()
	}
	return http.StatusInternalServerError
}

// WriteJSON answers code with v as JSON. A map[string]string, the
// answer of most calls, is written without encoding/json (WriteFields).
func WriteJSON(w http.ResponseWriter, code int, v any) {
	if m, ok := v.(map[string]string); ok {
		writeStrings(w, code, m)
		return
	}
	data, err := json.Marshal(v)
	if err != nil {
		code = http.StatusInternalServerError
		data, _ = json.Marshal(map[string]string{"error": "encoding the answer: " + err.Error()})
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(code)
	_, _ = w.Write(append(data, '\n'))
}

// WriteError answers err with Status(err) and the body {"error": TEXT}.
func WriteError(w http.ResponseWriter, err error) {
	WriteFields(w, Status(err), []Field{{"error", err.Error()}})
}

// ReadParams returns the parameters of a request: the URL query, then
// the body (a form or a JSON object) overriding it. Form values are
// strings, or lists of strings for a name given more than once; JSON
// values keep their type.
func ReadParams(w http.ResponseWriter, r *http.Request) (map[string]any, error) {
	params := make(map[string]any)
	for k, vs := range r.URL.Query() {
		params[k] = formValue(vs)
	}
	if r.Body == nil || r.Method == http.MethodGet {
		return params, nil
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, Errorf(http.StatusRequestEntityTooLarge, "body larger than %d bytes", tooBig.Limit)
		}
		return nil, Errorf(http.StatusBadRequest, "reading body: %v", err)
	}
	mediaType := ""
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mediaType, _, err = mime.ParseMediaType(ct); err != nil {
			return nil, Errorf(http.StatusBadRequest, "malformed Content-Type %q: %v", ct, err)
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
			return nil, Errorf(http.StatusBadRequest, "malformed JSON body: want an object: %v", err)
		}
		if dec.More() {
			return nil, Errorf(http.StatusBadRequest, "malformed JSON body: text after the object")
		}
		if obj == nil {
			return nil, Errorf(http.StatusBadRequest, "malformed JSON body: want an object, not null")
		}
		for k, v := range obj {
			params[k] = v
		}
	case mediaType == "application/x-www-form-urlencoded", mediaType == "" && len(trimmed) == 0, mediaType == "text/plain" && len(trimmed) == 0:
		form, err := url.ParseQuery(string(body))
		if err != nil {
			return nil, Errorf(http.StatusBadRequest, "malformed form body: %v", err)
		}
		for k, vs := range form {
			params[k] = formValue(vs)
		}
	default:
		return nil, Errorf(http.StatusUnsupportedMediaType, "unsupported Content-Type %q: send application/x-www-form-urlencoded or application/json", mediaType)
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

// StringParams converts parameters to single strings (ScalarString), as
// the callback API reads them.
func StringParams(params map[string]any) (map[string]string, error) {
	out := make(map[string]string, len(params))
	for k, v := range params {
		s, ok := ScalarString(v)
		if !ok {
			return nil, Errorf(http.StatusBadRequest, "parameter %s: want a single string, number or boolean", k)
		}
		out[k] = s
	}
	return out, nil
}

// ScalarString returns a parameter's value as a string: a string, a
// boolean, a number, or "" for a JSON null. It reports false for lists
// and objects.
func ScalarString(v any) (string, bool) {
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
