package basichttp

import (
	"bytes"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"unicode"

	"github.com/orca-scxml/orca/interp"
)

// ServeHTTP receives a message for the session its path names (C.2.1):
// it answers 200 once the event has been handed to Options.Deliver, 405 to
// methods other than POST, 404 for unknown sessions and 400 or 413 for
// messages that cannot become an event.
func (p *Processor) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		httpError(w, http.StatusMethodNotAllowed, "method %s not allowed: send events with POST", r.Method)
		return
	}
	id := r.PathValue("session")
	if id == "" {
		id = strings.TrimPrefix(r.URL.Path, pathPrefix)
	}
	if id == "" || !p.known(id) {
		httpError(w, http.StatusNotFound, "no session %q", id)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, p.maxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			httpError(w, http.StatusRequestEntityTooLarge, "body larger than %d bytes", tooBig.Limit)
			return
		}
		httpError(w, http.StatusBadRequest, "reading body: %v", err)
		return
	}
	ev, err := buildEvent(r, body)
	if err != nil {
		httpError(w, http.StatusBadRequest, "%v", err)
		return
	}
	if !p.handBack(r.Header.Get(tokenHeader), ev) {
		p.deliver(id, ev)
	}
	w.WriteHeader(http.StatusOK)
}

func httpError(w http.ResponseWriter, code int, format string, args ...any) {
	http.Error(w, "basichttp: "+fmt.Sprintf(format, args...), code)
}

// buildEvent turns a request and its body into an external event.
func buildEvent(r *http.Request, body []byte) (*interp.Event, error) {
	var err error
	mediaType := ""
	if ct := r.Header.Get("Content-Type"); ct != "" {
		if mediaType, _, err = mime.ParseMediaType(ct); err != nil {
			return nil, fmt.Errorf("malformed Content-Type %q: %v", ct, err)
		}
	}
	var params []field
	var data any
	switch {
	case mediaType == "application/x-www-form-urlencoded", mediaType == "" && len(bytes.TrimSpace(body)) == 0:
		if params, err = parseForm(string(body)); err != nil {
			return nil, fmt.Errorf("malformed form body: %v", err)
		}
	case mediaType == "application/json" || strings.HasSuffix(mediaType, "+json"):
		if err := json.Unmarshal(body, &data); err != nil {
			return nil, fmt.Errorf("malformed JSON body: %v", err)
		}
	case mediaType == "application/xml" || mediaType == "text/xml" || strings.HasSuffix(mediaType, "+xml"):
		if err := checkXML(body); err != nil {
			return nil, fmt.Errorf("malformed XML body: %v", err)
		}
		data = &interp.XMLNode{Text: string(body)}
	default:
		data = string(body)
	}
	qparams, err := parseForm(r.URL.RawQuery)
	if err != nil {
		return nil, fmt.Errorf("malformed query: %v", err)
	}
	params = append(params, qparams...)

	name := ""
	rest := params[:0:0]
	for _, f := range params {
		if f.name == EventNameParam {
			if name == "" {
				name = f.value
			}
			continue
		}
		rest = append(rest, f)
	}
	if name == "" {
		name = r.Header.Get(EventNameParam)
	}
	if name == "" {
		name = "HTTP." + r.Method
	}
	if err := checkEventName(name); err != nil {
		return nil, err
	}
	if data == nil && len(rest) > 0 {
		data = fieldMap(rest)
	}
	ev := &interp.Event{
		Name:       name,
		Type:       interp.External,
		OriginType: Type,
		Data:       data,
		Raw:        rawRequest(r, body),
	}
	if o := r.Header.Get(OriginHeader); o != "" {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return nil, fmt.Errorf("%s header %q is not an http or https URL", OriginHeader, o)
		}
		ev.Origin = o
	}
	return ev, nil
}

// field is one name and value of a form.
type field struct {
	name, value string
}

// parseForm decodes an application/x-www-form-urlencoded text, keeping
// the order of its fields.
func parseForm(s string) ([]field, error) {
	var fields []field
	for part := range strings.SplitSeq(s, "&") {
		if part == "" {
			continue
		}
		k, v, _ := strings.Cut(part, "=")
		name, err := url.QueryUnescape(k)
		if err != nil {
			return nil, fmt.Errorf("field %q: %v", k, err)
		}
		value, err := url.QueryUnescape(v)
		if err != nil {
			return nil, fmt.Errorf("value of %q: %v", name, err)
		}
		fields = append(fields, field{name, value})
	}
	return fields, nil
}

// fieldMap folds fields into event data: a name given once maps to its
// value, a name given more than once to the list of its values in order.
func fieldMap(fields []field) map[string]any {
	m := make(map[string]any, len(fields))
	for _, f := range fields {
		switch old := m[f.name].(type) {
		case nil:
			m[f.name] = f.value
		case string:
			m[f.name] = []any{old, f.value}
		case []any:
			m[f.name] = append(old, f.value)
		}
	}
	return m
}

// checkEventName rejects names no transition could match.
func checkEventName(name string) error {
	for _, r := range name {
		if unicode.IsSpace(r) || unicode.IsControl(r) {
			return fmt.Errorf("event name %q contains white space or control characters", name)
		}
	}
	return nil
}

// checkXML reports whether body is well-formed XML with one root element.
func checkXML(body []byte) error {
	dec := xml.NewDecoder(bytes.NewReader(body))
	depth, roots := 0, 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return err
		}
		switch tok.(type) {
		case xml.StartElement:
			if depth == 0 {
				roots++
			}
			depth++
		case xml.EndElement:
			depth--
		}
	}
	if roots != 1 {
		return fmt.Errorf("want one root element, found %d", roots)
	}
	return nil
}

// rawRequest is the request as it arrived: request line, headers, blank
// line, body.
func rawRequest(r *http.Request, body []byte) string {
	var b strings.Builder
	uri := r.RequestURI
	if uri == "" {
		uri = r.URL.RequestURI()
	}
	fmt.Fprintf(&b, "%s %s %s\r\n", r.Method, uri, r.Proto)
	if r.Host != "" {
		fmt.Fprintf(&b, "Host: %s\r\n", r.Host)
	}
	_ = r.Header.Write(&b)
	b.WriteString("\r\n")
	b.Write(body)
	return b.String()
}
