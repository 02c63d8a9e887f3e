package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
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
}

// TestGMSClient checks what the bench's client sends, request after
// request on its reused requests, and what it makes of the answers.
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
		default:
			_, _ = io.WriteString(w, `{"_callback_state":"SCHEDULED"}`)
		}
	}))
	defer srv.Close()
	tr := &http.Transport{}
	defer tr.CloseIdleConnections()
	c, err := newGMSClient(context.Background(), tr, srv.URL+"/svc")
	require.NoError(t, err)

	id, err := c.place(1)
	require.NoError(t, err)
	assert.Equal(t, "id-1", id)
	require.NoError(t, c.state(id))
	id, err = c.place(2)
	require.NoError(t, err)
	assert.Equal(t, "id-2", id)
	err = c.state(id)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "GET "+srv.URL+"/svc/id-2: 404 Not Found")
	_, err = c.place(3)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `503 Service Unavailable: {"message":"busy"}`)
	_, err = c.place(4)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `no _id in the answer "{\"error\":\"x\"}"`)

	form := " application/x-www-form-urlencoded _customer_number=55600000"
	assert.Equal(t, []string{"POST /svc" + form + "01", "GET /svc/id-1  ", "POST /svc" + form + "02", "GET /svc/id-2  ",
		"POST /svc" + form + "03", "POST /svc" + form + "04"}, got)

	ctx, cancel := context.WithCancel(context.Background())
	c, err = newGMSClient(ctx, tr, srv.URL+"/svc")
	require.NoError(t, err)
	cancel()
	_, err = c.place(5)
	assert.ErrorIs(t, err, context.Canceled, "the run's end ends its requests")
}
