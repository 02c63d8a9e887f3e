package egress

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"syscall"
	"time"
)

// listedKey is the context key of the addresses the prefix that allowed
// a request lists.
type listedKey struct{}

// urlKey is the context key of the URL a connection is dialed for.
type urlKey struct{}

// Dialer returns a dialer that applies the dial-time check. Connections
// made with it outside Client are checked as for a "*" prefix: only
// AllowNetworks lets a refused range through.
func (p *Policy) Dialer() *net.Dialer {
	return &net.Dialer{Timeout: 10 * time.Second, KeepAlive: 30 * time.Second, Resolver: p.resolver, ControlContext: p.control}
}

// control is the dialer's ControlContext: it runs after name resolution,
// once for every address tried, before the connection is made.
func (p *Policy) control(ctx context.Context, network, address string, _ syscall.RawConn) error {
	ap, err := netip.ParseAddrPort(address)
	if err != nil {
		return fmt.Errorf("egress: unexpected dial address %q: %w", address, err)
	}
	listed, _ := ctx.Value(listedKey{}).([]netip.Prefix)
	if rule := p.checkAddr(ap.Addr(), listed); rule != "" {
		u, _ := ctx.Value(urlKey{}).(string)
		r := &Refusal{URL: u, Addr: address, Rule: rule}
		p.refused(r)
		return r
	}
	return nil
}

// Client returns an HTTP client that sends requests only where p allows:
// every request and redirect is checked against the prefixes, every
// connection against the refused networks. Its timeout is the policy's;
// it uses no proxy. Make one client per policy and share it.
func (p *Policy) Client() *http.Client {
	tr := &http.Transport{
		Proxy:                  nil,
		DialContext:            p.Dialer().DialContext,
		ForceAttemptHTTP2:      true,
		MaxIdleConns:           100,
		IdleConnTimeout:        90 * time.Second,
		TLSHandshakeTimeout:    10 * time.Second,
		ExpectContinueTimeout:  time.Second,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{
		Transport: &transport{p: p, next: tr},
		Timeout:   p.timeout,
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if p.maxRedirects < 0 || len(via) > p.maxRedirects {
				return fmt.Errorf("stopped after %d redirects (%s.max_redirects)", len(via)-1, p.name)
			}
			return nil
		},
	}
}

// transport checks each request's URL, then hands it to the underlying
// transport with the addresses its prefix lists in the context, for the
// dialer.
type transport struct {
	p    *Policy
	next *http.Transport
}

func (t *transport) RoundTrip(req *http.Request) (*http.Response, error) {
	pre, r := t.p.match(req.URL)
	if r != nil {
		t.p.refused(r)
		if req.Body != nil {
			_ = req.Body.Close()
		}
		return nil, r
	}
	ctx := context.WithValue(req.Context(), listedKey{}, pre.listed)
	ctx = context.WithValue(ctx, urlKey{}, req.URL.Redacted())
	return t.next.RoundTrip(req.WithContext(ctx))
}

// CloseIdleConnections closes the idle connections of the underlying
// transport (http.Client.CloseIdleConnections calls it).
func (t *transport) CloseIdleConnections() { t.next.CloseIdleConnections() }

// AsRefusal returns the *Refusal in err's chain, if there is one.
func AsRefusal(err error) (*Refusal, bool) {
	var r *Refusal
	ok := errors.As(err, &r)
	return r, ok
}
