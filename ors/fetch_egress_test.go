package ors_test

import (
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/egress"
	"github.com/orca-scxml/orca/ors"
)

func TestFetchFollowsTheOutboundPolicy(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"v":"ok"}`)
	}))
	defer srv.Close()
	policy, err := egress.New(egress.Config{Allow: []string{srv.URL + "/allowed/"}}, egress.Options{})
	require.NoError(t, err)
	tests := []struct {
		name, url, final, log string
		client                *http.Client
	}{
		{"allowed", srv.URL + "/allowed/x", "pass", `200 ({v:"ok"})`, policy.Client()},
		{"outside the prefixes", srv.URL + "/other", "failed", "forbidden undefined", policy.Client()},
		{"metadata address", "http://169.254.169.254/latest/meta-data/", "failed", "forbidden undefined", policy.Client()},
		{"deny policy", srv.URL + "/allowed/x", "failed", "forbidden undefined", egress.Deny().Client()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, func(o *ors.Options) { o.HTTPClient = tt.client })
			s := h.start("fetch.scxml", map[string]any{"url": tt.url, "method": "get"})
			require.Equal(t, tt.final, final(s), "logs %v errors %v", h.logs, h.errs)
			assert.Equal(t, []string{tt.log}, h.logs)
			if tt.final == "failed" {
				assert.Contains(t, h.event(s.ID(), "error.session.fetch")["description"], "refused by the outbound policy")
			}
		})
	}
}
