package strategytest

import (
	"fmt"
	"io"
	"net/http"
	"strings"
)

// stubTransport answers HTTP requests from a test's stubs, so that a
// strategy's <session:fetch> never leaves the process: a request no stub
// answers fails as unreachable.
type stubTransport []HTTPStub

func stubs(s []HTTPStub) http.RoundTripper { return stubTransport(s) }

// RoundTrip answers req from the first stub of its URL (without query)
// and method.
func (t stubTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_ = req.Body.Close()
	}
	u := *req.URL
	u.RawQuery, u.Fragment = "", ""
	for _, s := range t {
		if strings.TrimRight(s.URL, "?") != u.String() || s.Method != "" && !strings.EqualFold(s.Method, req.Method) {
			continue
		}
		status := s.Status
		if status == 0 {
			status = http.StatusOK
		}
		ctype := s.ContentType
		if ctype == "" {
			ctype = "text/plain"
			if b := strings.TrimSpace(s.Body); strings.HasPrefix(b, "{") || strings.HasPrefix(b, "[") {
				ctype = "application/json"
			}
		}
		h := make(http.Header)
		h.Set("Content-Type", ctype)
		return &http.Response{
			Status: fmt.Sprintf("%d %s", status, http.StatusText(status)), StatusCode: status,
			Proto: "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1, Header: h,
			Body: io.NopCloser(strings.NewReader(s.Body)), ContentLength: int64(len(s.Body)), Request: req,
		}, nil
	}
	return nil, fmt.Errorf("unreachable: no http stub of the test answers %s %s", req.Method, u.String())
}
