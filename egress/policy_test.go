package egress

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/internal/dnstest"
)

func TestCheckURL(t *testing.T) {
	p, err := New(Config{Allow: []string{
		"https://push.example.com/notify/",
		"http://127.0.0.1:9000",
		"http://Api.Example.com:8080/v1",
	}}, Options{})
	require.NoError(t, err)
	tests := []struct {
		url  string
		rule string // "" when allowed
	}{
		{"https://push.example.com/notify/x", ""},
		{"https://push.example.com/notify", ""},
		{"https://push.example.com:443/notify/a/b?q=1#f", ""},
		{"https://user:pw@push.example.com/notify/x", ""},
		{"https://push.example.com/notifyx", "no prefix in egress.allow"},
		{"https://push.example.com/other", "no prefix in egress.allow"},
		{"http://push.example.com/notify/x", "no prefix in egress.allow"},
		{"https://push.example.com:8443/notify/x", "no prefix in egress.allow"},
		{"https://push.example.com/notify/../admin", "not clean"},
		{"https://push.example.com/notify/%2e%2e/admin", "not clean"},
		{"https://push.example.com/notify//x", "not clean"},
		{"https://push.example.com.evil.io/notify/x", "no prefix in egress.allow"},
		{"https://push.example.com@169.254.169.254/notify/x", "no prefix in egress.allow"},
		{"http://127.0.0.1:9000/anything", ""},
		{"http://127.0.0.1:9001/anything", "no prefix in egress.allow"},
		{"http://api.example.com:8080/v1/items", ""},
		{"http://169.254.169.254/latest/meta-data/", "no prefix in egress.allow"},
		{"ftp://push.example.com/notify/x", "only http and https"},
		{"file:///etc/passwd", "only http and https"},
		{"/relative", "only http and https"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			u, err := url.Parse(tt.url)
			require.NoError(t, err)
			err = p.CheckURL(u)
			if tt.rule == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorIs(t, err, ErrRefused)
			assert.Contains(t, err.Error(), tt.rule)
			assert.NotContains(t, err.Error(), "pw@", "credentials stay out of messages")
		})
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
		msg  string
	}{
		{"not a URL prefix", Config{Allow: []string{"push.example.com"}}, `egress.allow: "push.example.com"`},
		{"other scheme", Config{Allow: []string{"ftp://x/"}}, "want an http(s) URL prefix"},
		{"query", Config{Allow: []string{"http://x/?a=1"}}, "without user, query or fragment"},
		{"user", Config{Allow: []string{"http://u:p@x/"}}, "without user"},
		{"unclean path", Config{Allow: []string{"http://x/a/../b"}}, "not clean"},
		{"bad network", Config{AllowNetworks: []string{"169.254.0.0/99"}}, "egress.allow_networks"},
		{"negative timeout", Config{Timeout: -1}, "egress.timeout"},
		{"bad redirects", Config{MaxRedirects: -2}, "egress.max_redirects"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg, Options{})
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
}

func TestRefusedKind(t *testing.T) {
	tests := []struct {
		ip   string
		want string // a part of the kind; "" when not refused
	}{
		{"169.254.169.254", "link-local"},
		{"169.254.170.2", "link-local"},
		{"fd00:ec2::254", "metadata"},
		{"100.100.100.200", "Alibaba"},
		{"168.63.129.16", "Azure"},
		{"127.0.0.1", "loopback"},
		{"127.8.9.10", "loopback"},
		{"::1", "loopback"},
		{"0.0.0.0", "unspecified"},
		{"::", "unspecified"},
		{"fe80::1", "link-local"},
		{"::ffff:169.254.169.254", "link-local"},
		{"64:ff9b::a9fe:a9fe", "NAT64"},
		{"2002:a9fe:a9fe::1", "6to4"},
		{"10.1.2.3", ""},
		{"192.168.1.1", ""},
		{"93.184.216.34", ""},
		{"2606:4700::1111", ""},
	}
	for _, tt := range tests {
		t.Run(tt.ip, func(t *testing.T) {
			got := refusedKind(netip.MustParseAddr(tt.ip).Unmap())
			if tt.want == "" {
				assert.Empty(t, got)
			} else {
				assert.Contains(t, got, tt.want)
			}
		})
	}
}

// target is an HTTP server on loopback that answers "ok" and counts its
// requests.
func target(t *testing.T) (*httptest.Server, *atomic.Int64) {
	var hits atomic.Int64
	s := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		_, _ = io.WriteString(w, "ok")
	}))
	t.Cleanup(s.Close)
	return s, &hits
}

func get(c *http.Client, u string) (string, error) {
	resp, err := c.Get(u)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	return string(b), err
}

func TestClientOverLoopback(t *testing.T) {
	srv, hits := target(t)
	port := srv.Listener.Addr().(*net.TCPAddr).Port
	dns, err := dnstest.Start(map[string][]netip.Addr{
		"meta.test":     {netip.MustParseAddr("169.254.169.254")},
		"meta6.test":    {netip.MustParseAddr("fd00:ec2::254")},
		"nat64.test":    {netip.MustParseAddr("64:ff9b::a9fe:a9fe")},
		"rebind.test":   {netip.MustParseAddr("127.0.0.1")},
		"loopback.test": {netip.MustParseAddr("127.0.0.1")},
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = dns.Close() })
	at := func(host string) string { return fmt.Sprintf("http://%s:%d/", host, port) }

	tests := []struct {
		name  string
		cfg   Config
		url   string
		rule  string // "" when the request must reach the server
		onURL bool   // refused on its URL, before any connection
	}{
		{"prefix naming the address", Config{Allow: []string{srv.URL}}, srv.URL + "/x", "", false},
		{"localhost names loopback", Config{Allow: []string{at("localhost")}}, at("localhost") + "x", "", false},
		{"not allowed", Config{Allow: []string{"http://127.0.0.1:1/"}}, srv.URL, "no prefix in egress.allow", true},
		{"any URL but loopback", Config{Allow: []string{"*"}}, srv.URL, "a loopback address", false},
		{"any URL, loopback listed", Config{Allow: []string{"*"}, AllowNetworks: []string{"127.0.0.0/8"}}, srv.URL, "", false},
		{"name rebound to loopback", Config{Allow: []string{at("rebind.test")}}, at("rebind.test"), "a loopback address", false},
		{"name rebound to loopback, listed", Config{Allow: []string{at("loopback.test")}, AllowNetworks: []string{"127.0.0.1"}}, at("loopback.test"), "", false},
		{"name resolving to the metadata address", Config{Allow: []string{at("meta.test")}}, at("meta.test") + "latest/meta-data/", "link-local", false},
		{"name resolving to the IPv6 metadata address", Config{Allow: []string{at("meta6.test")}}, at("meta6.test"), "metadata", false},
		{"name resolving to NAT64 metadata", Config{Allow: []string{"*"}}, at("nat64.test"), "NAT64", false},
		{"metadata literal under any", Config{Allow: []string{"*"}}, "http://169.254.169.254/latest/meta-data/", "link-local", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var refusals []*Refusal
			p, err := New(tt.cfg, Options{Resolver: dns.Resolver(), OnRefuse: func(r *Refusal) { refusals = append(refusals, r) }})
			require.NoError(t, err)
			before := hits.Load()
			body, err := get(p.Client(), tt.url)
			if tt.rule == "" {
				require.NoError(t, err)
				assert.Equal(t, "ok", body)
				assert.Equal(t, before+1, hits.Load())
				assert.Empty(t, refusals)
				return
			}
			require.Error(t, err)
			r, ok := AsRefusal(err)
			require.True(t, ok, "want a *Refusal, got %v", err)
			assert.Contains(t, r.Rule, tt.rule)
			assert.ErrorIs(t, err, ErrRefused)
			assert.Equal(t, tt.onURL, r.Addr == "", "refused on the URL, not the connection: %v", r)
			assert.Equal(t, before, hits.Load(), "the server was reached")
			require.NotEmpty(t, refusals)
		})
	}
}

func TestClientRedirects(t *testing.T) {
	srv, hits := target(t)
	mux := http.NewServeMux()
	mux.HandleFunc("/to-metadata", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "http://169.254.169.254/latest/meta-data/iam/security-credentials/", http.StatusFound)
	})
	mux.HandleFunc("/to-other-port", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, srv.URL+"/x", http.StatusFound)
	})
	mux.HandleFunc("/to-self", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/end", http.StatusFound)
	})
	mux.HandleFunc("/loop", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/loop", http.StatusFound)
	})
	mux.HandleFunc("/end", func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, "end") })
	front := httptest.NewServer(mux)
	t.Cleanup(front.Close)
	p, err := New(Config{Allow: []string{front.URL}}, Options{})
	require.NoError(t, err)
	c := p.Client()

	body, err := get(c, front.URL+"/to-self")
	require.NoError(t, err)
	assert.Equal(t, "end", body)

	for _, path := range []string{"/to-metadata", "/to-other-port"} {
		_, err = get(c, front.URL+path)
		r, ok := AsRefusal(err)
		require.True(t, ok, "%s: want a refusal, got %v", path, err)
		assert.Contains(t, r.Rule, "no prefix in egress.allow", path)
	}
	assert.Zero(t, hits.Load())

	_, err = get(c, front.URL+"/loop")
	require.Error(t, err)
	assert.Contains(t, err.Error(), "egress.max_redirects")
}

func TestWith(t *testing.T) {
	srv, _ := target(t)
	base := Deny()
	_, err := get(base.Client(), srv.URL)
	require.ErrorIs(t, err, ErrRefused)
	p, err := base.With(srv.URL + "/")
	require.NoError(t, err)
	body, err := get(p.Client(), srv.URL+"/a")
	require.NoError(t, err)
	assert.Equal(t, "ok", body)
	assert.Equal(t, []string{srv.URL + "/"}, p.Allowed())
	assert.Empty(t, base.Allowed(), "With leaves the original alone")
	_, err = base.With("gopher://x")
	require.Error(t, err)
}

func TestDialerAlone(t *testing.T) {
	p := Deny()
	_, err := p.Dialer().DialContext(context.Background(), "tcp", "169.254.169.254:80")
	require.Error(t, err)
	assert.True(t, errors.Is(err, ErrRefused), "%v", err)
}

func ExamplePolicy_Client() {
	p, err := New(Config{Allow: []string{"https://push.example.com/notify/"}}, Options{})
	if err != nil {
		panic(err)
	}
	_, err = p.Client().Get("http://169.254.169.254/latest/meta-data/")
	r, _ := AsRefusal(err)
	fmt.Println(r.Rule)
	// Output: no prefix in egress.allow matches it
}

func TestRefusalMessage(t *testing.T) {
	r := &Refusal{URL: "http://x/", Addr: "169.254.169.254:80", Rule: "rule"}
	assert.True(t, strings.Contains(r.Error(), "connection to 169.254.169.254:80"))
}
