package egress

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"path"
	"slices"
	"strings"
	"time"
)

// Config is the outbound policy as configured (the egress section of
// orca.yaml). The zero Config allows nothing.
type Config struct {
	// Allow are the URL prefixes requests may go to: scheme, host, an
	// optional port and an optional path prefix, such as
	// "https://push.example.com/notify/". "*" allows every http(s) URL;
	// the dial-time check still applies.
	Allow []string `yaml:"allow"`
	// AllowNetworks are addresses or CIDR networks the dial-time check
	// lets through although they are loopback, link-local or metadata
	// addresses ("10.0.0.0/8" needs no listing: only the ranges the
	// package doc names are refused).
	AllowNetworks []string `yaml:"allow_networks"`
	// Timeout bounds one request, redirects and body included
	// (DefaultTimeout when 0).
	Timeout time.Duration `yaml:"timeout"`
	// MaxRedirects bounds the redirects one request follows
	// (DefaultMaxRedirects when 0; -1 follows none).
	MaxRedirects int `yaml:"max_redirects"`
}

// Defaults of Config.
const (
	DefaultTimeout      = 30 * time.Second
	DefaultMaxRedirects = 5
)

// Options are the settings of a Policy that do not come from
// configuration.
type Options struct {
	// Name is the configuration section the policy's messages name
	// ("egress" when empty): a refusal says "no prefix in egress.allow".
	Name string
	// AllowKey and NetworksKey replace Name+".allow" and
	// Name+".allow_networks" in messages, for policies configured
	// otherwise (command-line flags).
	AllowKey, NetworksKey string
	// Resolver resolves host names; nil means the system's.
	Resolver *net.Resolver
	// OnRefuse is called for every refused request or connection, from
	// the goroutine making the request.
	OnRefuse func(*Refusal)
}

// Policy is an outbound policy: the allowed URL prefixes and the networks
// the dial-time check lets through. A Policy is immutable and safe for
// concurrent use.
type Policy struct {
	name         string
	allowKey     string
	netsKey      string
	any          bool
	prefixes     []prefix
	allowNets    []netip.Prefix
	timeout      time.Duration
	maxRedirects int
	resolver     *net.Resolver
	onRefuse     func(*Refusal)
}

// prefix is one allowed URL prefix.
type prefix struct {
	text   string
	scheme string
	host   string // lower case, no port
	port   string // explicit or the scheme's default
	path   string // clean, no trailing slash ("" for the whole host)
	// listed are the addresses the prefix names itself (an IP literal,
	// or loopback for "localhost"): the dial-time check lets them through.
	listed []netip.Prefix
}

// Refusal is the error of a request or connection the policy refused.
type Refusal struct {
	// URL is the request's URL (credentials removed).
	URL string
	// Addr is the address a refused connection went to ("" when the URL
	// itself was refused).
	Addr string
	// Rule says which rule refused it and how to allow it.
	Rule string
}

// ErrRefused is matched by every *Refusal (errors.Is).
var ErrRefused = errors.New("refused by the outbound policy")

// Error returns "URL: refused by the outbound policy: RULE".
func (r *Refusal) Error() string {
	if r.Addr != "" {
		return fmt.Sprintf("%s: connection to %s %v: %s", r.URL, r.Addr, ErrRefused, r.Rule)
	}
	return fmt.Sprintf("%s: %v: %s", r.URL, ErrRefused, r.Rule)
}

// Is reports whether target is ErrRefused.
func (r *Refusal) Is(target error) bool { return target == ErrRefused }

// New returns the policy of c. Every prefix and network is checked; the
// error lists every bad one.
func New(c Config, opts Options) (*Policy, error) {
	p := &Policy{name: opts.Name, timeout: c.Timeout, maxRedirects: c.MaxRedirects, resolver: opts.Resolver, onRefuse: opts.OnRefuse}
	if p.name == "" {
		p.name = "egress"
	}
	p.allowKey, p.netsKey = opts.AllowKey, opts.NetworksKey
	if p.allowKey == "" {
		p.allowKey = p.name + ".allow"
	}
	if p.netsKey == "" {
		p.netsKey = p.name + ".allow_networks"
	}
	if p.timeout == 0 {
		p.timeout = DefaultTimeout
	}
	if p.maxRedirects == 0 {
		p.maxRedirects = DefaultMaxRedirects
	}
	var errs []error
	if c.Timeout < 0 {
		errs = append(errs, fmt.Errorf("%s.timeout %v: must not be negative", p.name, c.Timeout))
	}
	if c.MaxRedirects < -1 {
		errs = append(errs, fmt.Errorf("%s.max_redirects %d: want -1 (none) or more", p.name, c.MaxRedirects))
	}
	for _, s := range c.Allow {
		if strings.TrimSpace(s) == "*" {
			p.any = true
			continue
		}
		pre, err := parsePrefix(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.allowKey, err))
			continue
		}
		p.prefixes = append(p.prefixes, pre)
	}
	for _, s := range c.AllowNetworks {
		n, err := parseNetwork(s)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", p.netsKey, err))
			continue
		}
		p.allowNets = append(p.allowNets, n)
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return p, nil
}

// Deny returns a policy that allows nothing: the default of hosts that
// are given none.
func Deny() *Policy {
	p, _ := New(Config{}, Options{})
	return p
}

// With returns a copy of p that also allows prefixes, for the URLs a host
// trusts without configuration (its own listener, the URLs an operator
// wrote into a service's options).
func (p *Policy) With(prefixes ...string) (*Policy, error) {
	q := *p
	q.prefixes = slices.Clone(p.prefixes)
	for _, s := range prefixes {
		pre, err := parsePrefix(s)
		if err != nil {
			return nil, err
		}
		q.prefixes = append(q.prefixes, pre)
	}
	return &q, nil
}

// Allowed returns the allowed prefixes, as configured.
func (p *Policy) Allowed() []string {
	out := make([]string, 0, len(p.prefixes)+1)
	if p.any {
		out = append(out, "*")
	}
	for _, pre := range p.prefixes {
		out = append(out, pre.text)
	}
	return out
}

// parsePrefix checks an allowed URL prefix.
func parsePrefix(s string) (prefix, error) {
	u, err := url.Parse(strings.TrimSpace(s))
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return prefix{}, fmt.Errorf("%q: want an http(s) URL prefix without user, query or fragment", s)
	}
	if !cleanPath(u.Path) {
		return prefix{}, fmt.Errorf("%q: the path is not clean (a \".\" or \"..\" segment, or \"//\")", s)
	}
	pre := prefix{text: s, scheme: u.Scheme, host: strings.ToLower(u.Hostname()), port: portOf(u)}
	pre.path = strings.TrimSuffix(path.Clean("/"+u.Path), "/")
	if ip, err := netip.ParseAddr(pre.host); err == nil {
		pre.listed = []netip.Prefix{netip.PrefixFrom(ip.Unmap(), ip.Unmap().BitLen())}
	} else if pre.host == "localhost" {
		pre.listed = []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	}
	return pre, nil
}

// cleanPath reports whether p (a URL path) has no "." or ".." segment
// and no empty segment but a trailing one.
func cleanPath(p string) bool {
	segs := strings.Split(strings.TrimPrefix(p, "/"), "/")
	for i, seg := range segs {
		if seg == "." || seg == ".." || (seg == "" && i < len(segs)-1) {
			return false
		}
	}
	return true
}

// parseNetwork parses an address or a CIDR network.
func parseNetwork(s string) (netip.Prefix, error) {
	s = strings.TrimSpace(s)
	if n, err := netip.ParsePrefix(s); err == nil {
		return n.Masked(), nil
	}
	if ip, err := netip.ParseAddr(s); err == nil {
		ip = ip.Unmap()
		return netip.PrefixFrom(ip, ip.BitLen()), nil
	}
	return netip.Prefix{}, fmt.Errorf("%q: want an IP address or a CIDR network", s)
}

// portOf returns the port of u, or its scheme's default.
func portOf(u *url.URL) string {
	if p := u.Port(); p != "" {
		return p
	}
	if u.Scheme == "https" {
		return "443"
	}
	return "80"
}

// match returns the prefix that allows u, or a refusal.
func (p *Policy) match(u *url.URL) (*prefix, *Refusal) {
	redacted := u.Redacted()
	if u.Scheme != "http" && u.Scheme != "https" || u.Hostname() == "" {
		return nil, &Refusal{URL: redacted, Rule: "only http and https URLs with a host are allowed"}
	}
	if !cleanPath(u.Path) {
		return nil, &Refusal{URL: redacted, Rule: "the path is not clean (a \".\" or \"..\" segment, or \"//\")"}
	}
	clean := path.Clean("/" + u.Path)
	if p.any {
		return &prefix{}, nil
	}
	host, port := strings.ToLower(u.Hostname()), portOf(u)
	for i := range p.prefixes {
		pre := &p.prefixes[i]
		if pre.scheme != u.Scheme || pre.host != host || pre.port != port {
			continue
		}
		if pre.path == "" || clean == pre.path || strings.HasPrefix(clean, pre.path+"/") {
			return pre, nil
		}
	}
	return nil, &Refusal{URL: redacted, Rule: fmt.Sprintf("no prefix in %s matches it", p.allowKey)}
}

// CheckURL returns a *Refusal when the policy does not allow a request to
// u (the dial-time check comes on top).
func (p *Policy) CheckURL(u *url.URL) error {
	if _, r := p.match(u); r != nil {
		p.refused(r)
		return r
	}
	return nil
}

// checkAddr applies the dial-time check to a connection to ip that the
// prefix listing listed allowed.
func (p *Policy) checkAddr(ip netip.Addr, listed []netip.Prefix) string {
	ip = ip.Unmap()
	for _, n := range listed {
		if n.Contains(ip) {
			return ""
		}
	}
	for _, n := range p.allowNets {
		if n.Contains(ip) {
			return ""
		}
	}
	what := refusedKind(ip)
	if what == "" {
		return ""
	}
	return fmt.Sprintf("%s is %s; only a prefix naming that address, or %s, allows it", ip, what, p.netsKey)
}

func (p *Policy) refused(r *Refusal) {
	if p.onRefuse != nil {
		p.onRefuse(r)
	}
}

// refusedKind says why ip is refused unless listed, or "" when it is not.
func refusedKind(ip netip.Addr) string {
	if ip.Is6() {
		b := ip.As16()
		switch {
		case netip.MustParsePrefix("64:ff9b::/96").Contains(ip):
			if k := refusedKind(netip.AddrFrom4([4]byte(b[12:16]))); k != "" {
				return "the NAT64 form of an address that " + strings.TrimPrefix(k, "a ")
			}
		case netip.MustParsePrefix("2002::/16").Contains(ip):
			if k := refusedKind(netip.AddrFrom4([4]byte(b[2:6]))); k != "" {
				return "the 6to4 form of an address that " + strings.TrimPrefix(k, "a ")
			}
		}
	}
	for _, n := range refusedNetworks() {
		if n.net.Contains(ip) {
			return n.what
		}
	}
	return ""
}

// refusedNetwork is a range the dial-time check refuses unless listed.
type refusedNetwork struct {
	net  netip.Prefix
	what string
}

// refusedNetworks returns the ranges connections are refused to unless
// listed.
func refusedNetworks() []refusedNetwork {
	return []refusedNetwork{
		{netip.MustParsePrefix("0.0.0.0/8"), "an unspecified address (it reaches this host)"},
		{netip.MustParsePrefix("::/128"), "an unspecified address (it reaches this host)"},
		{netip.MustParsePrefix("127.0.0.0/8"), "a loopback address"},
		{netip.MustParsePrefix("::1/128"), "a loopback address"},
		{netip.MustParsePrefix("169.254.0.0/16"), "a link-local address (cloud metadata services answer there)"},
		{netip.MustParsePrefix("fe80::/10"), "a link-local address"},
		{netip.MustParsePrefix("fd00:ec2::254/128"), "a cloud metadata address (AWS, IPv6)"},
		{netip.MustParsePrefix("100.100.100.200/32"), "a cloud metadata address (Alibaba Cloud)"},
		{netip.MustParsePrefix("168.63.129.16/32"), "a cloud host address (Azure WireServer)"},
	}
}
