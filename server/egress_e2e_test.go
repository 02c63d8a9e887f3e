package server

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/internal/dnstest"
)

// metadataURL is where cloud instance metadata (and credentials) live.
const metadataURL = "http://169.254.169.254/latest/meta-data/iam/security-credentials/"

// secretServer stands for an internal service nobody may reach: it
// counts its requests and answers a secret.
func secretServer(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.WriteString(w, "SECRET-CREDENTIALS")
	}))
	t.Cleanup(s.Close)
	return s, &hits
}

// metric returns the value of a counter of /metrics.
func metric(t *testing.T, s *Server, name string, header http.Header) float64 {
	t.Helper()
	a := callWith(t, http.MethodGet, s.URL()+"/metrics", nil, "", header)
	require.Equal(t, http.StatusOK, a.code, a.raw)
	sc := bufio.NewScanner(strings.NewReader(a.raw))
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), name+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			require.NoError(t, err)
			return f
		}
	}
	t.Fatalf("no metric %s in %s", name, a.raw)
	return 0
}

// TestOutboundRequestsStayInsideTheAllowList probes every way a session
// or a request can name a URL: <session:fetch> and basichttp <send> of a
// strategy, redirects, host names that resolve to the metadata address
// or to loopback, and the push notification URL of a callback request.
// Nothing reaches the internal server or the metadata address, the
// sessions see the refusal, and the other callbacks on the server
// complete meanwhile.
func TestOutboundRequestsStayInsideTheAllowList(t *testing.T) {
	internal, internalHits := secretServer(t)
	internalPort := internal.Listener.Addr().(*net.TCPAddr).Port
	var sinkHits atomic.Int64
	allowed := http.NewServeMux()
	allowed.HandleFunc("/ok", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "fine") })
	allowed.HandleFunc("/sink", func(w http.ResponseWriter, r *http.Request) { sinkHits.Add(1) })
	allowed.HandleFunc("/to-internal", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, internal.URL+"/secret", http.StatusFound)
	})
	allowed.HandleFunc("/to-metadata", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, metadataURL, http.StatusFound)
	})
	allowedSrv := httptest.NewServer(allowed)
	t.Cleanup(allowedSrv.Close)
	dns, err := dnstest.Start(map[string][]netip.Addr{
		"metadata.test": {netip.MustParseAddr("169.254.169.254")},
		"internal.test": {netip.MustParseAddr("127.0.0.1")},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = dns.Close() })
	internalByName := fmt.Sprintf("http://internal.test:%d", internalPort)

	e := newE2E(t, simConfig(5*time.Second), speed, func(c *Config) {
		c.Egress.Allow = []string{allowedSrv.URL + "/", "http://metadata.test/", internalByName + "/"}
		c.Services = append(c.Services, ServiceConfig{Name: "user-originated-open", Template: "callback-user-originated", Options: reportingOptions(
			"_call_direction", "USERORIGINATED", "_push_notification_url", e2ePushPlaceholder, "_push_confirm_timeout", 60,
			"_max_dial_attempts", 1, "_overwritable_options", "_push_notification_url")})
	}, func(o *Options) { o.Resolver = dns.Resolver() })
	done := e.others(3)
	refusedBefore := metric(t, e.srv, "orca_egress_refused_total", nil)

	t.Run("strategies", func(t *testing.T) {
		tests := []struct {
			name, url, target string
			fetched, fetchErr string
			sendErr           string
		}{
			{"allowed fetch and send", allowedSrv.URL + "/ok", allowedSrv.URL + "/sink", "fine", "", ""},
			{"the metadata address", metadataURL, allowedSrv.URL + "/sink", "", metadataURL + ": refused by the outbound policy: no prefix in egress.allow matches it", ""},
			{"an internal service", internal.URL + "/secret", internal.URL + "/basichttp/x", "", "no prefix in egress.allow matches it", "no prefix in egress.allow matches it"},
			{"a name resolving to the metadata address", "http://metadata.test/latest/meta-data/", "http://metadata.test/basichttp/x", "",
				"169.254.169.254 is a link-local address", "169.254.169.254 is a link-local address"},
			{"a name resolving to loopback", internalByName + "/secret", internalByName + "/basichttp/x", "", "127.0.0.1 is a loopback address", "127.0.0.1 is a loopback address"},
			{"a redirect to an internal service", allowedSrv.URL + "/to-internal", allowedSrv.URL + "/sink", "", "no prefix in egress.allow matches it", ""},
			{"a redirect to the metadata address", allowedSrv.URL + "/to-metadata", allowedSrv.URL + "/sink", "", "no prefix in egress.allow matches it", ""},
			{"the metadata address as a send target", allowedSrv.URL + "/ok", metadataURL, "fine", "", "no prefix in egress.allow matches it"},
		}
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				id := startSession(t, e.srv, url.Values{"src": {"reach.scxml"}, "url": {tt.url}, "target": {tt.target}})
				var data map[string]any
				eventually(t, 10*time.Second, func() bool {
					a := call(t, http.MethodGet, e.srv.URL()+"/scxml/session/"+id+"/query", nil, "")
					data, _ = a.obj(t)["data"].(map[string]any)
					return a.code == http.StatusOK && (data["sent"] == "ok" || data["send_error"] != "")
				}, "the strategy never got past its send: %v", data)
				assert.Equal(t, tt.fetched, data["fetched"])
				if tt.fetchErr == "" {
					assert.Empty(t, data["fetch_error"])
				} else {
					assert.Contains(t, data["fetch_error"], tt.fetchErr)
					assert.True(t, strings.HasPrefix(fmt.Sprint(data["fetch_error"]), "forbidden: "), "error.session.fetch says forbidden: %v", data["fetch_error"])
				}
				if tt.sendErr == "" {
					assert.Equal(t, "ok", data["sent"], data["send_error"])
				} else {
					assert.Contains(t, data["send_error"], tt.sendErr)
				}
				assert.NotContains(t, fmt.Sprint(data), "SECRET", "the secret is readable through /query")
				a := call(t, http.MethodPost, e.srv.URL()+"/scxml/session/"+id+"/terminate", nil, "")
				require.Equal(t, http.StatusOK, a.code, a.raw)
			})
		}
	})

	t.Run("push notification URL in a request", func(t *testing.T) {
		// The service does not list it: the request is refused.
		a := call(t, http.MethodPost, e.srv.URL()+"/genesys/1/service/callback/user-originated", url.Values{
			"_customer_number": {"5551001"}, "_push_notification_url": {metadataURL}}, "")
		require.Equal(t, http.StatusBadRequest, a.code, a.raw)
		assert.Contains(t, a.obj(t)["message"], "_push_notification_url")
		assert.Contains(t, a.obj(t)["message"], "_overwritable_options")

		// The service lets requests name it: the policy still refuses to
		// post there, and the callback ends with the push failed.
		for _, target := range []string{metadataURL, internal.URL + "/push", "http://metadata.test/push"} {
			id := e.request("user-originated-open", url.Values{"_customer_number": {"5551002"}, "_push_notification_url": {target}})
			evs := e.waitReports(id, 2, 30*time.Second)
			assert.Equal(t, "PUSH_SEND_ERROR", evs[1]["_CB_DIM_FINAL_DIAL_RESULT"], target)
		}
	})

	assert.Zero(t, internalHits.Load(), "the internal server was reached")
	assert.Positive(t, sinkHits.Load(), "the allowed server was never reached")
	assert.GreaterOrEqual(t, metric(t, e.srv, "orca_egress_refused_total", nil)-refusedBefore, 13.0, "refusals are counted")
	done()
}

// e2ePushPlaceholder is a push URL that only requests replace.
const e2ePushPlaceholder = "http://push.invalid/notify"
