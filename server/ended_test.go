package server

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEndedCallbackAfterRestartAndOnAnotherInstance ends a callback on
// one instance of a cluster: another instance, started after it ended,
// answers it by id and by customer number as the first does, and so does
// the first after a graceful restart.
func TestEndedCallbackAfterRestartAndOnAnotherInstance(t *testing.T) {
	e := newE2E(t, simConfig(50*time.Millisecond), speed, func(c *Config) {
		c.Cluster = ClusterConfig{Enable: true, Instance: "a"}
	})
	const number = "5557001"
	id := e.request("immediate", url.Values{"_customer_number": {number}})
	eventually(t, 30*time.Second, func() bool {
		cb, ok := e.srv.callbacks.Get(id)
		return ok && !cb.Ended.IsZero()
	}, "callback %s does not end: %v", id, e.state(id))
	byID := "/genesys/1/service/callback/immediate/" + id
	byNumber := "/genesys/1/service/callback?_customer_number=" + number
	get := func(base, path string) answer {
		a := call(t, http.MethodGet, base+path, nil, "")
		require.Equal(t, http.StatusOK, a.code, a.raw)
		return a
	}
	one, list := get(e.srv.URL(), byID), get(e.srv.URL(), byNumber)
	assert.Equal(t, "COMPLETED", one.obj(t)["_callback_state"])
	require.Len(t, list.body, 1, list.raw)
	// The _url names the instance that answers; the rest is the same.
	same := func(a answer, msg string) {
		t.Helper()
		want, _ := json.Marshal(withoutURL(one.body))
		if _, isList := a.body.([]any); isList {
			want, _ = json.Marshal(withoutURL(list.body))
		}
		have, _ := json.Marshal(withoutURL(a.body))
		assert.JSONEq(t, string(want), string(have), msg)
	}

	cfg := e.srv.cfg
	cfg.Listen, cfg.Cluster.Instance = "127.0.0.1:0", "b"
	cfg.NATS.DataDir, cfg.NATS.OutboxDir = t.TempDir(), ""
	b, err := New(cfg, Options{Clock: e.clock, Logger: slog.New(slog.NewTextHandler(&e.log, nil))})
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = b.Shutdown(ctx)
	})
	same(get(b.URL(), byID), "GET by id on another instance")
	same(get(b.URL(), byNumber), "query by number on another instance")

	e.restart(t)
	same(get(e.srv.URL(), byID), "GET by id after a graceful restart")
	same(get(e.srv.URL(), byNumber), "query by number after a graceful restart")
}

// withoutURL returns a GMS answer (a callback or a list of them) without
// their _url.
func withoutURL(body any) any {
	switch b := body.(type) {
	case map[string]any:
		delete(b, "_url")
	case []any:
		for _, x := range b {
			withoutURL(x)
		}
	}
	return body
}
