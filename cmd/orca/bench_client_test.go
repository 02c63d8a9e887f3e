package main

import (
	"bufio"
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestQuantile(t *testing.T) {
	seq := func(n int) []time.Duration {
		out := make([]time.Duration, n)
		for i := range out {
			out[i] = time.Duration(i + 1)
		}
		return out
	}
	tests := []struct {
		n    int
		q    float64
		want time.Duration
	}{
		{0, 0.5, 0},
		{1, 0.5, 1},
		{1, 0.99, 1},
		{2, 0.5, 1},
		{100, 0.5, 50},
		{100, 0.99, 99}, // not the maximum
		{2000, 0.5, 1000},
		{2000, 0.99, 1980},
		{2001, 0.99, 1981},
		{10, 1, 10},
		{10, 0, 1},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, quantile(seq(tt.n), tt.q), "n=%d q=%g", tt.n, tt.q)
	}
}

func TestAppendPadded(t *testing.T) {
	assert.Equal(t, "5560000042", string(appendPadded([]byte("556"), 42, 7)))
	assert.Equal(t, "55612345678", string(appendPadded([]byte("556"), 12345678, 7)))
	for _, n := range []int64{0, 9, 10, 9999999, 10000000, 123456789} {
		assert.Len(t, appendPadded(nil, n, 7), max(7, decimalDigits(n)), "the form's length, n=%d", n)
	}
}

func TestJSONStringMember(t *testing.T) {
	tests := []struct {
		obj, want, err string
	}{
		{`{"_id":"ABC"}` + "\n", "ABC", ""},
		{` { "a" : 1 , "_id" : "X\"Y" , "b" : {"_id":"no"} }`, `X"Y`, ""},
		{`{"b":[1,{"c":"}"}],"_id":"Z","d":null}`, "Z", ""},
		{`{"_id":"A","_id":"B"}`, "B", ""},
		{`{"\u005fid":"E"}`, "E", ""},
		{`{"_id":"\u00e9"}`, "é", ""},
		{`{"_id":""}`, "", ""},
		{`{}`, "", `no member "_id"`},
		{`{"_idx":"A"}`, "", `no member "_id"`},
		{`{"_id":12}`, "", `member "_id" is not a string`},
		{`["_id","A"]`, "", "not a JSON object"},
		{`{"_id":"A"`, "", "not JSON"},
		{``, "", "not JSON"},
	}
	for _, tt := range tests {
		got, err := jsonStringMember([]byte(tt.obj), "_id")
		if tt.err != "" {
			assert.EqualError(t, err, tt.err, tt.obj)
			continue
		}
		require.NoError(t, err, tt.obj)
		assert.Equal(t, tt.want, string(got), tt.obj)
	}
}

// TestGMSClient checks what the bench's client sends, request after
// request on its connection, and what it makes of the answers.
func TestGMSClient(t *testing.T) {
	var mu sync.Mutex
	var got []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		mu.Lock()
		got = append(got, r.Method+" "+r.URL.Path+" "+r.Header.Get("Content-Type")+" "+string(body))
		mu.Unlock()
		switch {
		case r.Method == http.MethodPost && string(body) == "_customer_number=5560000003":
			http.Error(w, `{"message":"busy"}`, http.StatusServiceUnavailable)
		case r.Method == http.MethodPost && string(body) == "_customer_number=5560000004":
			_, _ = io.WriteString(w, `{"error":"x"}`)
		case r.Method == http.MethodPost:
			_, _ = io.WriteString(w, `{"_id":"id-`+string(body[len(body)-1:])+`"}`+"\n")
		case r.URL.Path == "/svc/id-2":
			w.WriteHeader(http.StatusNotFound)
		case r.URL.Path == "/svc/id-5":
			_, _ = io.WriteString(w, `{"_id":"id-6"}`)
		default:
			_, _ = io.WriteString(w, `{"_callback_state":"SCHEDULED","_id":"`+strings.TrimPrefix(r.URL.Path, "/svc/")+`"}`)
		}
	}))
	defer srv.Close()
	c, err := newGMSClient(context.Background(), srv.URL+"/svc")
	require.NoError(t, err)
	defer c.close()

	id, err := c.place(1)
	require.NoError(t, err)
	assert.Equal(t, "id-1", string(id))
	require.NoError(t, c.state(id))
	id, err = c.place(2)
	require.NoError(t, err)
	assert.Equal(t, "id-2", string(id))
	err = c.state(id)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "GET "+srv.URL+"/svc/id-2: 404 Not Found")
	_, err = c.place(3)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `503 Service Unavailable: {"message":"busy"}`)
	_, err = c.place(4)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `no _id in the answer "{\"error\":\"x\"}"`)
	err = c.state([]byte("id-5"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `the answer "{\"_id\":\"id-6\"}" is not the callback's`)
	require.NoError(t, c.state([]byte("a b/c")), "an id is one segment of the path, escaped")

	form := " application/x-www-form-urlencoded _customer_number=55600000"
	assert.Equal(t, []string{"POST /svc" + form + "01", "GET /svc/id-1  ", "POST /svc" + form + "02", "GET /svc/id-2  ",
		"POST /svc" + form + "03", "POST /svc" + form + "04", "GET /svc/id-5  ", "GET /svc/a b/c  "}, got)
	assert.Equal(t, 8, c.http.served, "one connection carried every request")

	ctx, cancel := context.WithCancel(context.Background())
	c, err = newGMSClient(ctx, srv.URL+"/svc")
	require.NoError(t, err)
	cancel()
	_, err = c.place(5)
	assert.ErrorIs(t, err, context.Canceled, "the run's end ends its requests")

	_, err = newGMSClient(context.Background(), "https://127.0.0.1/svc")
	assert.ErrorContains(t, err, "is not an http:// URL")
}

// TestGMSClientFraming checks that the client reads the answers a
// server may frame otherwise than with a Content-Length: chunked,
// delimited by the connection's end, after an interim answer; and that
// it dials again after a connection the server closed.
func TestGMSClientFraming(t *testing.T) {
	big := `{"_id":"chunked","pad":"` + strings.Repeat("A", 10000) + `"}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/svc/chunked": // more than net/http buffers before chunking
			_, _ = io.WriteString(w, big[:5000])
			w.(http.Flusher).Flush()
			_, _ = io.WriteString(w, big[5000:])
		case "/svc/close":
			w.Header().Set("Connection", "close")
			_, _ = io.WriteString(w, `{"_id":"close"}`)
		default:
			_, _ = io.WriteString(w, `{"_id":"`+strings.TrimPrefix(r.URL.Path, "/svc/")+`"}`)
		}
	}))
	defer srv.Close()
	c, err := newGMSClient(context.Background(), srv.URL+"/svc")
	require.NoError(t, err)
	defer c.close()

	require.NoError(t, c.state([]byte("chunked")))
	assert.Len(t, c.http.body, len(big))
	require.NoError(t, c.state([]byte("one")))
	require.Equal(t, 2, c.http.served)
	require.NoError(t, c.state([]byte("close")))
	assert.Nil(t, c.http.conn, "closed as the server said")
	require.NoError(t, c.state([]byte("two")))
	srv.CloseClientConnections()
	require.NoError(t, c.state([]byte("three")), "a connection closed while idle is dialled again")
	assert.Equal(t, 1, c.http.served)
}

// rawServer answers each request on a connection with the next of
// answers, written as is, and closes the connection after the last; an
// answer "" closes the connection without one, "stall" never answers.
func rawServer(t *testing.T, answers ...string) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := func() (string, bool) {
		mu.Lock()
		defer mu.Unlock()
		if len(answers) == 0 {
			return "", false
		}
		a := answers[0]
		answers = answers[1:]
		return a, true
	}
	t.Cleanup(func() {
		ln.Close()
		wg.Wait()
	})
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			conn, err := ln.Accept()
			if err != nil {
				return
			}
			wg.Add(1)
			go func() {
				defer wg.Done()
				defer conn.Close()
				br := bufio.NewReader(conn)
				for {
					req, err := http.ReadRequest(br)
					if err != nil {
						return
					}
					_, _ = io.Copy(io.Discard, req.Body)
					a, ok := next()
					if !ok {
						return
					}
					switch a {
					case "":
						return
					case "stall":
						_, _ = io.Copy(io.Discard, br)
						return
					}
					if _, err := io.WriteString(conn, a); err != nil {
						return
					}
					mu.Lock()
					last := len(answers) == 0
					mu.Unlock()
					if last {
						return // an answer cut short ends here
					}
				}
			}()
		}
	}()
	return "http://" + ln.Addr().String() + "/svc"
}

func TestGMSClientAnswers(t *testing.T) {
	const ok = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"_id\":\"A\"}"
	tests := []struct {
		name   string
		answer string
		err    string // "" when the answer is right
		kept   bool   // the connection stays open after the error
	}{
		{"content length", "HTTP/1.1 200 OK\r\ncontent-length: 11\r\nContent-Type: application/json\r\n\r\n{\"_id\":\"A\"}", "", false},
		{"chunked", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4;x=y\r\n{\"_i\r\n7\r\nd\":\"A\"}\r\n0\r\nT: v\r\n\r\n", "", false},
		{"interim answer", "HTTP/1.1 100 Continue\r\n\r\n" + ok, "", false},
		{"to the end", "HTTP/1.0 200 OK\r\n\r\n{\"_id\":\"A\"}", "", false},
		{"bare LF", "HTTP/1.1 200 OK\nContent-Length: 11\n\n{\"_id\":\"A\"}", "", false},
		{"not 2xx", "HTTP/1.1 500 Internal Server Error\r\nContent-Length: 4\r\n\r\noops", "500 Internal Server Error: oops", true},
		{"bad status line", "HTTP/2 200 OK\r\n\r\n", `malformed status line "HTTP/2 200 OK"`, false},
		{"bad code", "HTTP/1.1 2x0 OK\r\n\r\n", "malformed status line", false},
		{"bad header", "HTTP/1.1 200 OK\r\nContent-Length 10\r\n\r\n", `malformed header field "Content-Length 10"`, false},
		{"folded header", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\n\r\n", `malformed header field " b"`, false},
		{"bad length", "HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n", `bad Content-Length "-1"`, false},
		{"two lengths", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n", `bad Content-Length "2"`, false},
		{"gzip", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip\r\n\r\n", `unsupported Transfer-Encoding "gzip"`, false},
		{"bad chunk", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", `bad chunk size "zz"`, false},
		{"chunk without CRLF", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nab\r\n", "chunk data not followed by CRLF", false},
		{"too long", "HTTP/1.1 200 OK\r\nContent-Length: 2000000\r\n\r\n", "answer of 2000000 bytes", false},
		{"cut short", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n{\"_id\"", "reading the answer: unexpected EOF", false},
		{"cut in the head", "HTTP/1.1 200 OK\r\nContent-Len", "reading the answer: unexpected EOF", false},
		{"no answer", "", "EOF", false},
		{"not JSON", "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{]", "no _id in the answer \"{]\" (not JSON)", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := newGMSClient(context.Background(), rawServer(t, tt.answer))
			require.NoError(t, err)
			defer c.close()
			id, err := c.place(1)
			if tt.err != "" {
				assert.ErrorContains(t, err, tt.err)
				assert.Equal(t, tt.kept, c.http.conn != nil, "a connection that failed is closed")
				return
			}
			require.NoError(t, err)
			assert.Equal(t, "A", string(id))
		})
	}
}

// TestGMSClientAnswerAfterClose checks that a GET sent on a connection
// the server closed after an answer is sent again on a new one, once;
// that a connection closed on a request it got twice is an error; and
// that a POST, which the server may have acted on, is never sent again.
func TestGMSClientAnswerAfterClose(t *testing.T) {
	const ok = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\n\r\n{\"_id\":\"A\"}"
	t.Run("GET", func(t *testing.T) {
		c, err := newGMSClient(context.Background(), rawServer(t, ok, "", ok, "", ""))
		require.NoError(t, err)
		defer c.close()
		require.NoError(t, c.state([]byte("A")))               // answered
		require.NoError(t, c.state([]byte("A")), "sent again") // closed without an answer, then answered on a new connection
		assert.ErrorContains(t, c.state([]byte("A")), "EOF")   // closed without an answer twice
	})
	t.Run("POST", func(t *testing.T) {
		var got atomic.Int64
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if got.Add(1) == 2 {
				panic(http.ErrAbortHandler) // acted on, then the connection is closed
			}
			_, _ = io.WriteString(w, `{"_id":"A"}`)
		}))
		defer srv.Close()
		c, err := newGMSClient(context.Background(), srv.URL+"/svc")
		require.NoError(t, err)
		defer c.close()
		_, err = c.place(1)
		require.NoError(t, err)
		_, err = c.place(2)
		require.ErrorContains(t, err, `"POST /svc HTTP/1.1"`)
		assert.ErrorContains(t, err, "not sent again")
		assert.Equal(t, int64(2), got.Load(), "the callback placed once")
	})
}

// TestGMSClientStall checks that a request the server never answers
// ends with the client's context.
func TestGMSClientStall(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	c, err := newGMSClient(ctx, rawServer(t, "stall"))
	require.NoError(t, err)
	defer c.close()
	time.AfterFunc(50*time.Millisecond, cancel)
	_, err = c.place(1)
	assert.ErrorIs(t, err, context.Canceled)
}

// BenchmarkGMSClient is a callback's two API calls, a POST and a GET,
// through the bench's client and through net/http's Transport, to a
// net/http server on 127.0.0.1 answering as the GMS API does: the
// allocations per call pair are the server's and the client's, the
// difference between the two the clients'.
func BenchmarkGMSClient(b *testing.B) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.Method == http.MethodPost {
			_, _ = io.WriteString(w, `{"_id":"6C0E3E4B8F0A4F8B9C5D1E2F3A4B5C6D"}`+"\n")
			return
		}
		_, _ = io.WriteString(w, `{"_callback_state":"SCHEDULED","_id":"6C0E3E4B8F0A4F8B9C5D1E2F3A4B5C6D"}`+"\n")
	}))
	defer srv.Close()
	b.Run("client=orca-bench", func(b *testing.B) {
		c, err := newGMSClient(context.Background(), srv.URL+"/svc")
		require.NoError(b, err)
		defer c.close()
		b.ReportAllocs()
		for i := 0; b.Loop(); i++ {
			id, err := c.place(int64(i))
			if err == nil {
				err = c.state(id)
			}
			if err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("client=net/http", func(b *testing.B) {
		tr := &http.Transport{DisableCompression: true}
		defer tr.CloseIdleConnections()
		do := func(method, u, form string) []byte {
			req, err := http.NewRequest(method, u, strings.NewReader(form))
			if err != nil {
				b.Fatal(err)
			}
			if form != "" {
				req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
			}
			resp, err := tr.RoundTrip(req)
			if err != nil {
				b.Fatal(err)
			}
			defer resp.Body.Close()
			body, err := io.ReadAll(resp.Body)
			if err != nil || resp.StatusCode != http.StatusOK {
				b.Fatal(resp.StatusCode, err)
			}
			return body
		}
		b.ReportAllocs()
		for b.Loop() {
			id, err := jsonStringMember(do(http.MethodPost, srv.URL+"/svc", "_customer_number=5560000001"), "_id")
			if err != nil {
				b.Fatal(err)
			}
			do(http.MethodGet, srv.URL+"/svc/"+string(id), "")
		}
	})
}
