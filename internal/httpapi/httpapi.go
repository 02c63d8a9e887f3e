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
	if m, ok := v.(map[string]string); ok && m != nil {
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
	body, mediaType, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	return parseParams(r, body, mediaType)
}

// ReadStringParams returns the parameters of a request as single strings:
// StringParams of ReadParams. A form without a query, what clients of the
// callback API send, is read straight into the map; anything else (and a
// form that has an error) goes the way of ReadParams.
func ReadStringParams(w http.ResponseWriter, r *http.Request) (map[string]string, error) {
	body, mediaType, err := readBody(w, r)
	if err != nil {
		return nil, err
	}
	if r.URL.RawQuery == "" && isForm(mediaType, body) {
		if out, ok := plainForm(body); ok {
			return out, nil
		}
	}
	params, err := parseParams(r, body, mediaType)
	if err != nil {
		return nil, err
	}
	return StringParams(params)
}

// readBody reads the body of a request that has one (not a GET), at most
// MaxBodyBytes, and its media type.
func readBody(w http.ResponseWriter, r *http.Request) (body []byte, mediaType string, err error) {
	if r.Body == nil || r.Method == http.MethodGet {
		return nil, "", nil
	}
	body, err = io.ReadAll(http.MaxBytesReader(w, r.Body, MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, "", Errorf(http.StatusRequestEntityTooLarge, "body larger than %d bytes", tooBig.Limit)
		}
		return nil, "", Errorf(http.StatusBadRequest, "reading body: %v", err)
	}
	switch ct := r.Header.Get("Content-Type"); ct {
	case "":
	case formType:
		mediaType = formType // what ParseMediaType returns, without its map
	default:
		if mediaType, _, err = mime.ParseMediaType(ct); err != nil {
			return nil, "", Errorf(http.StatusBadRequest, "malformed Content-Type %q: %v", ct, err)
		}
	}
	return body, mediaType, nil
}

const formType = "application/x-www-form-urlencoded"

// isJSON reports whether a body of mediaType is a JSON object.
func isJSON(mediaType string, trimmed []byte) bool {
	return mediaType == "application/json" || strings.HasSuffix(mediaType, "+json") ||
		mediaType == "" && len(trimmed) > 0 && trimmed[0] == '{'
}

// isForm reports whether a body of mediaType is read as a form.
func isForm(mediaType string, body []byte) bool {
	trimmed := bytes.TrimSpace(body)
	if isJSON(mediaType, trimmed) {
		return false
	}
	return mediaType == formType || (mediaType == "" || mediaType == "text/plain") && len(trimmed) == 0
}

// parseParams returns the parameters of r with its body (ReadParams).
func parseParams(r *http.Request, body []byte, mediaType string) (map[string]any, error) {
	params := make(map[string]any)
	for k, vs := range r.URL.Query() {
		params[k] = formValue(vs)
	}
	if r.Body == nil || r.Method == http.MethodGet {
		return params, nil
	}
	trimmed := bytes.TrimSpace(body)
	switch {
	case isJSON(mediaType, trimmed):
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
	case isForm(mediaType, body):
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

// plainForm reads a form body as url.ParseQuery does, each name once
// (the values share one string); it reports false for a form with an
// error, a name given twice or more than maxPlainParts parts, whose
// answer ReadParams writes (url.ParseQuery's own limit on the count of
// parameters included).
func plainForm(body []byte) (map[string]string, bool) {
	text := string(body)
	if strings.Count(text, "&") >= maxPlainParts {
		return nil, false
	}
	out := make(map[string]string, min(strings.Count(text, "&")+1, 16))
	for text != "" {
		var pair string
		pair, text, _ = strings.Cut(text, "&")
		if pair == "" {
			continue
		}
		if strings.Contains(pair, ";") {
			return nil, false
		}
		k, v, _ := strings.Cut(pair, "=")
		k, ok1 := unescape(k)
		v, ok2 := unescape(v)
		if !ok1 || !ok2 {
			return nil, false
		}
		if _, dup := out[k]; dup {
			return nil, false
		}
		out[k] = v
	}
	return out, true
}

// maxPlainParts is the most "&"-separated parts plainForm reads itself,
// well below url.ParseQuery's limit (10,000 by default, GODEBUG
// urlmaxqueryparams), so that a form beyond it is refused as ReadParams
// refuses it.
const maxPlainParts = 1000

// unescape is url.QueryUnescape, which only allocates for text that has
// escapes.
func unescape(s string) (string, bool) {
	if !strings.ContainsAny(s, "%+") {
		return s, true
	}
	u, err := url.QueryUnescape(s)
	return u, err == nil
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
