package basichttp

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/orca-scxml/orca/egress"
	"github.com/orca-scxml/orca/interp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// sink records delivered events.
type sink struct {
	mu  sync.Mutex
	ids []string
	evs []interp.Event
}

func (k *sink) put(id string, ev *interp.Event) {
	k.mu.Lock()
	defer k.mu.Unlock()
	k.ids = append(k.ids, id)
	k.evs = append(k.evs, *ev)
}

func newTestProcessor(t *testing.T, opts Options) (*Processor, *sink) {
	t.Helper()
	k := &sink{}
	opts.Deliver = k.put
	p, err := New(opts)
	require.NoError(t, err)
	t.Cleanup(func() { assert.NoError(t, p.Close()) })
	return p, k
}

func TestNewRequiresDeliver(t *testing.T) {
	_, err := New(Options{})
	require.ErrorContains(t, err, "Deliver")
}

func TestLocationAndRegister(t *testing.T) {
	p, _ := newTestProcessor(t, Options{})
	assert.True(t, strings.HasPrefix(p.URL(), "http://127.0.0.1:"), p.URL())
	assert.Equal(t, p.URL()+"/basichttp/a%2Fb", p.sessionURL("a/b"))

	procs := p.Register(nil)
	assert.Same(t, p, procs[Type])
	assert.Same(t, p, procs["basichttp"])

	q, _ := newTestProcessor(t, Options{BaseURL: "http://orca.example/"})
	assert.Equal(t, "http://orca.example/basichttp/x", q.sessionURL("x"))
}

func TestHandler(t *testing.T) {
	form := "application/x-www-form-urlencoded"
	cases := []struct {
		name     string
		method   string
		path     string
		ctype    string
		header   map[string]string
		body     string
		code     int
		msg      string
		evName   string
		data     any
		origin   string
		rawParts []string
	}{
		{name: "form with name", method: "POST", path: "/basichttp/s1", ctype: form,
			body: "_scxmleventname=test&a=1&b=two%20words", code: 200, evName: "test",
			data: map[string]any{"a": "1", "b": "two words"}, rawParts: []string{"POST /basichttp/s1 HTTP/1.1", "_scxmleventname=test&a=1"}},
		{name: "repeated keys", method: "POST", path: "/basichttp/s1", ctype: form,
			body: "k=1&k=2&j=x&k=3", code: 200, evName: "HTTP.POST",
			data: map[string]any{"k": []any{"1", "2", "3"}, "j": "x"}},
		{name: "name in query", method: "POST", path: "/basichttp/s1?_scxmleventname=q.ev&extra=1", ctype: form,
			body: "a=b", code: 200, evName: "q.ev", data: map[string]any{"a": "b", "extra": "1"}},
		{name: "name in header (test 513)", method: "POST", path: "/basichttp/s1", ctype: form,
			header: map[string]string{"_scxmleventname": "test"}, body: "key1=value1&key2=value2", code: 200,
			evName: "test", data: map[string]any{"key1": "value1", "key2": "value2"}},
		{name: "first of several names", method: "POST", path: "/basichttp/s1", ctype: form,
			body: "_scxmleventname=one&_scxmleventname=two", code: 200, evName: "one"},
		{name: "empty name is absent", method: "POST", path: "/basichttp/s1", ctype: form,
			body: "_scxmleventname=&x=1", code: 200, evName: "HTTP.POST", data: map[string]any{"x": "1"}},
		{name: "no body", method: "POST", path: "/basichttp/s1", code: 200, evName: "HTTP.POST"},
		{name: "text body", method: "POST", path: "/basichttp/s1", ctype: "text/plain; charset=utf-8",
			body: "some content", code: 200, evName: "HTTP.POST", data: "some content"},
		{name: "JSON body", method: "POST", path: "/basichttp/s1?_scxmleventname=j", ctype: "application/json",
			body: `{"a":[1,"x"],"b":null}`, code: 200, evName: "j", data: map[string]any{"a": []any{1.0, "x"}, "b": nil}},
		{name: "XML body", method: "POST", path: "/basichttp/s1", ctype: "application/xml",
			body: `<a><b/></a>`, code: 200, evName: "HTTP.POST", data: &interp.XMLNode{Text: `<a><b/></a>`}},
		{name: "origin", method: "POST", path: "/basichttp/s1", ctype: form,
			header: map[string]string{OriginHeader: "http://127.0.0.1:1/basichttp/peer"}, body: "_scxmleventname=e",
			code: 200, evName: "e", origin: "http://127.0.0.1:1/basichttp/peer"},
		{name: "GET", method: "GET", path: "/basichttp/s1", code: 405, msg: "POST"},
		{name: "PUT", method: "PUT", path: "/basichttp/s1", body: "x=1", code: 405, msg: "POST"},
		{name: "unknown session", method: "POST", path: "/basichttp/nobody", ctype: form, body: "a=1", code: 404, msg: `no session "nobody"`},
		{name: "outside the prefix", method: "POST", path: "/elsewhere", code: 404},
		{name: "bad form", method: "POST", path: "/basichttp/s1", ctype: form, body: "a=%zz", code: 400, msg: "malformed form body"},
		{name: "bad query", method: "POST", path: "/basichttp/s1?a=%zz", ctype: form, code: 400, msg: "malformed query"},
		{name: "bad JSON", method: "POST", path: "/basichttp/s1", ctype: "application/json", body: "{", code: 400, msg: "malformed JSON"},
		{name: "bad XML", method: "POST", path: "/basichttp/s1", ctype: "text/xml", body: "<a>", code: 400, msg: "malformed XML"},
		{name: "bad content type", method: "POST", path: "/basichttp/s1", ctype: "text/plain; =", body: "x", code: 400, msg: "Content-Type"},
		{name: "bad event name", method: "POST", path: "/basichttp/s1", ctype: form, body: "_scxmleventname=a%20b", code: 400, msg: "event name"},
		{name: "bad origin", method: "POST", path: "/basichttp/s1", ctype: form, header: map[string]string{OriginHeader: "#_scxml_x"},
			body: "_scxmleventname=e", code: 400, msg: OriginHeader},
		{name: "body too large", method: "POST", path: "/basichttp/s1", ctype: form, body: "a=" + strings.Repeat("x", 100), code: 413, msg: "larger than"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			p, k := newTestProcessor(t, Options{MaxBodyBytes: 64})
			p.addSession("s1")
			req, err := http.NewRequest(tc.method, p.URL()+tc.path, strings.NewReader(tc.body))
			require.NoError(t, err)
			if tc.ctype != "" {
				req.Header.Set("Content-Type", tc.ctype)
			}
			for h, v := range tc.header {
				req.Header.Set(h, v)
			}
			resp, err := http.DefaultClient.Do(req)
			require.NoError(t, err)
			msg := readAll(t, resp)
			assert.Equal(t, tc.code, resp.StatusCode, msg)
			assert.Contains(t, msg, tc.msg)
			if tc.code != http.StatusOK {
				assert.Empty(t, k.evs)
				return
			}
			require.Len(t, k.evs, 1)
			ev := k.evs[0]
			assert.Equal(t, "s1", k.ids[0])
			assert.Equal(t, tc.evName, ev.Name)
			assert.Equal(t, interp.External, ev.Type)
			assert.Equal(t, Type, ev.OriginType)
			assert.Equal(t, tc.origin, ev.Origin)
			if tc.data != nil {
				assert.Equal(t, tc.data, ev.Data)
			}
			for _, part := range tc.rawParts {
				assert.Contains(t, ev.Raw, part)
			}
			assert.True(t, strings.HasSuffix(ev.Raw, "\r\n\r\n"+tc.body), ev.Raw)
		})
	}
}

func readAll(t *testing.T, resp *http.Response) string {
	t.Helper()
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return string(b)
}

func TestForget(t *testing.T) {
	p, k := newTestProcessor(t, Options{})
	p.addSession("s1")
	post := func() int {
		rec := httptest.NewRecorder()
		req := httptest.NewRequest(http.MethodPost, "/basichttp/s1", strings.NewReader("_scxmleventname=e"))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		p.ServeHTTP(rec, req)
		return rec.Code
	}
	assert.Equal(t, http.StatusOK, post())
	p.Forget("s1")
	assert.Equal(t, http.StatusNotFound, post())
	assert.Len(t, k.evs, 1)
}

// TestShutdownAnswersTheRequestInProgress shuts the processor down as
// soon as an event is delivered, as a run that the event ends does: the
// request that carried it is still answered.
func TestShutdownAnswersTheRequestInProgress(t *testing.T) {
	delivered := make(chan struct{}, 1)
	p, err := New(Options{Deliver: func(string, *interp.Event) {
		delivered <- struct{}{}
		// The run ends meanwhile.
		time.Sleep(50 * time.Millisecond)
	}})
	require.NoError(t, err)
	p.addSession("s1")
	shut := make(chan error, 1)
	go func() {
		<-delivered
		shut <- p.Shutdown(context.Background())
	}()
	resp, err := http.Post(p.sessionURL("s1"), "application/x-www-form-urlencoded", strings.NewReader("_scxmleventname=e"))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	require.NoError(t, <-shut)
	_, err = http.Post(p.sessionURL("s1"), "application/x-www-form-urlencoded", strings.NewReader("_scxmleventname=e"))
	assert.Error(t, err, "the listener is closed")
	assert.NoError(t, p.Close(), "closing again is harmless")
}

func TestEncodeEvent(t *testing.T) {
	cases := []struct {
		name string
		ev   interp.Event
		want string
	}{
		{"name only", interp.Event{Name: "test"}, "_scxmleventname=test"},
		{"no name, no data", interp.Event{}, ""},
		{"pairs in name order", interp.Event{Name: "e", Data: map[string]any{"b": 1.0, "a": "x y+z", "c": true}},
			"_scxmleventname=e&a=x%20y%2Bz&b=1&c=true"},
		{"repeated names", interp.Event{Name: "e", Data: map[string]any{"k": []any{"1", 2.0}}}, "_scxmleventname=e&k=1&k=2"},
		{"object value as JSON", interp.Event{Data: map[string]any{"o": map[string]any{"n": 1.0}}}, "o=%7B%22n%22%3A1%7D"},
		{"string content", interp.Event{Data: "this is some content"}, "content=this%20is%20some%20content"},
		{"XML content", interp.Event{Name: "x", Data: &interp.XMLNode{Text: "<a/>"}}, "_scxmleventname=x&content=%3Ca%2F%3E"},
		{"number content", interp.Event{Data: 3.5}, "content=3.5"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := encodeEvent(&tc.ev)
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

func TestSendErrors(t *testing.T) {
	// A listener that is closed again: nothing answers on its port.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	dead := "http://" + ln.Addr().String() + "/basichttp/x"
	require.NoError(t, ln.Close())

	refuse := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		http.Error(w, "go away", http.StatusForbidden)
	}))
	t.Cleanup(refuse.Close)
	other := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {
		t.Error("a server outside the allowed prefixes was reached")
	}))
	t.Cleanup(other.Close)

	policy, err := egress.New(egress.Config{Allow: []string{dead, refuse.URL}}, egress.Options{})
	require.NoError(t, err)
	p, _ := newTestProcessor(t, Options{Egress: policy})
	p.addSession("s1")

	cases := []struct {
		name, target, msg string
	}{
		{"no target", "", "no target"},
		{"not a URL", "::", "not an http or https URL"},
		{"SCXML target", "#_parent", "not an http or https URL"},
		{"other scheme", "ftp://127.0.0.1/x", "not an http or https URL"},
		{"unreachable", dead, "sending to " + dead},
		{"unknown session", p.URL() + "/basichttp/nobody", "404"},
		{"refused", refuse.URL, "403 Forbidden: go away"},
		{"not allowed", other.URL, "no prefix in egress.allow"},
		{"metadata address", "http://169.254.169.254/latest/meta-data/", "refused by the outbound policy"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := p.Send(nil, tc.target, &interp.Event{Name: "e"})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

func TestSendDelivers(t *testing.T) {
	p, k := newTestProcessor(t, Options{})
	p.addSession("s1")
	ev := &interp.Event{Name: "e.f", Data: map[string]any{"a": "b"}}
	require.NoError(t, p.Send(nil, p.sessionURL("s1"), ev))
	require.Len(t, k.evs, 1, "Send returns after the receiver has queued the event")
	assert.Equal(t, "e.f", k.evs[0].Name)
	assert.Equal(t, map[string]any{"a": "b"}, k.evs[0].Data)
}

func TestNoListenMountsOnTheHostsServer(t *testing.T) {
	_, err := New(Options{NoListen: true, Deliver: func(string, *interp.Event) {}})
	require.ErrorContains(t, err, "BaseURL is required")

	mux := http.NewServeMux()
	srv := httptest.NewServer(mux)
	defer srv.Close()
	p, k := newTestProcessor(t, Options{NoListen: true, BaseURL: srv.URL})
	mux.Handle(pathPrefix+"{session}", p)
	p.addSession("abc")
	loc := p.sessionURL("abc")
	assert.Equal(t, srv.URL+"/basichttp/abc", loc)

	resp, err := http.Post(loc, "application/x-www-form-urlencoded", strings.NewReader("_scxmleventname=hello&a=1"))
	require.NoError(t, err)
	require.NoError(t, resp.Body.Close())
	assert.Equal(t, http.StatusOK, resp.StatusCode)
	require.Len(t, k.evs, 1)
	assert.Equal(t, "hello", k.evs[0].Name)
	assert.Equal(t, []string{"abc"}, k.ids)
}
