package main

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/server"
)

// TestGMSClientRealServer places callbacks on a real server on
// 127.0.0.1 through the bench's client and through net/http, and
// compares what the server answers each: the requests are what a GMS
// client sends, and the client reads the server's answers as net/http
// does.
func TestGMSClientRealServer(t *testing.T) {
	off := false
	cfg := server.Config{
		Listen:   "127.0.0.1:0",
		NATS:     server.NATSConfig{DataDir: t.TempDir()},
		Services: []server.ServiceConfig{{Name: benchService, Template: "callback-immediate", Options: map[string]any{"_target": "Callback_Agents"}}},
	}
	cfg.Console.Enable = &off
	cfg.Persistence.Enable = &off
	// The clock stands still: the callbacks stay as placed while both
	// clients read them.
	clock := interp.NewVirtualClock(time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC))
	srv, err := server.New(cfg, server.Options{Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Clock: clock})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	})
	base := srv.URL() + "/genesys/1/service/callback/" + benchService
	c, err := newGMSClient(context.Background(), base)
	require.NoError(t, err)
	defer c.close()
	std := &http.Client{Transport: &http.Transport{}}
	defer std.CloseIdleConnections()
	stdDo := func(method, u, form string) (int, string) {
		t.Helper()
		req, err := http.NewRequest(method, u, strings.NewReader(form))
		require.NoError(t, err)
		if method == http.MethodPost {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		resp, err := std.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(body)
	}

	for n := int64(1); n <= 3; n++ {
		id, err := c.place(n)
		require.NoError(t, err)
		id = []byte(string(id))
		require.Len(t, id, 32, "the server's id")
		postBody := string(c.http.body)
		code, stdPost := stdDo(http.MethodPost, base, "_customer_number=556"+string(appendPadded(nil, n, 7)))
		require.Equal(t, http.StatusOK, code, stdPost)
		stdID, err := jsonStringMember([]byte(stdPost), "_id")
		require.NoError(t, err)
		assert.Equal(t, strings.Replace(stdPost, string(stdID), string(id), 1), postBody, "the POST's answer")

		require.NoError(t, c.state(id))
		code, stdGet := stdDo(http.MethodGet, base+"/"+string(id), "")
		require.Equal(t, http.StatusOK, code)
		assert.Equal(t, stdGet, string(c.http.body), "the GET's answer")
		assert.Contains(t, stdGet, `"_customer_number":"556000000`+string(rune('0'+n))+`"`, "the form the client sent")
		code, stdOther := stdDo(http.MethodGet, base+"/"+string(stdID), "")
		require.Equal(t, http.StatusOK, code)
		assert.Equal(t, strings.ReplaceAll(stdOther, string(stdID), string(id)), stdGet,
			"the callbacks placed by both clients are alike")
	}

	// Errors: an unknown callback, an unknown service.
	missing := []byte("00000000000000000000000000000000")
	err = c.state(missing)
	require.Error(t, err)
	code, stdBody := stdDo(http.MethodGet, base+"/"+string(missing), "")
	require.Equal(t, http.StatusNotFound, code)
	assert.Equal(t, "GET "+base+"/"+string(missing)+": 404 Not Found: "+stdBody, err.Error())

	u, err := url.JoinPath(srv.URL(), "genesys/1/service/callback/nosuch")
	require.NoError(t, err)
	other, err := newGMSClient(context.Background(), u)
	require.NoError(t, err)
	defer other.close()
	_, err = other.place(1)
	require.Error(t, err)
	code, stdBody = stdDo(http.MethodPost, u, "_customer_number=5560000001")
	require.Equal(t, http.StatusNotFound, code)
	assert.Equal(t, "POST "+u+": 404 Not Found: "+stdBody, err.Error())
	assert.Equal(t, 7, c.http.served, "one connection carried every request")
}
