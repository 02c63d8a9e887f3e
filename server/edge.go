package server

import (
	"crypto/sha256"
	"crypto/subtle"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/orca-scxml/orca/egress"
	"github.com/orca-scxml/orca/internal/httpapi"
	"github.com/orca-scxml/orca/sandbox"
)

// makeEgress makes the outbound policies: the configured one (basichttp
// sends), the same plus the URLs the services' options name
// (<session:fetch>: the push notifications of user-originated
// callbacks), and the strategy sandbox's client.
func (s *Server) makeEgress(resolver *net.Resolver) error {
	opts := egress.Options{Resolver: resolver, OnRefuse: s.egressRefused}
	var err error
	if s.egress, err = egress.New(s.cfg.Egress, opts); err != nil {
		return err
	}
	if s.fetch, err = s.egress.With(s.serviceURLs()...); err != nil {
		return err
	}
	if s.docs.sandbox, err = sandbox.New(s.cfg.Strategies.Dirs, s.cfg.Strategies.URLs); err != nil {
		return err
	}
	return s.docs.sandbox.SetNetwork(s.cfg.Egress.AllowNetworks, opts)
}

// serviceURLs returns the http(s) URLs the configured services' options
// name, without query or fragment: the operator wrote them, so sessions
// may fetch them.
func (s *Server) serviceURLs() []string {
	var out []string
	for _, sc := range s.cfg.Services {
		raw, err := optionStrings(sc.Name, sc.Options)
		if err != nil {
			continue // loadServices reports it
		}
		for _, v := range raw {
			u, err := url.Parse(strings.TrimSpace(v))
			if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil {
				continue
			}
			u.RawQuery, u.Fragment, u.RawFragment = "", "", ""
			out = append(out, u.String())
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// egressRefused is the outbound policies' OnRefuse.
func (s *Server) egressRefused(r *egress.Refusal) {
	s.metrics.egressRefused.Add(1)
	s.log.Warn("outbound request refused", "url", r.URL, "addr", r.Addr, "rule", r.Rule)
}

// Auth says how the HTTP API authenticates: "bearer token", "basic",
// "bearer token or basic", or "none (loopback only)".
func (s *Server) Auth() string {
	h := s.cfg.HTTP
	switch {
	case h.Token != "" && h.User != "":
		return "bearer token or basic"
	case h.Token != "":
		return "bearer token"
	case h.User != "":
		return "basic"
	}
	return "none (loopback only)"
}

// authenticate requires the configured credentials on every request but
// /healthz and the Basic HTTP Event I/O Processor's /basichttp/{session}
// (its URL carries the session's unguessable id, and peers that know it
// post events there as SCXML's C.2 says). Without credentials configured
// it lets everything through: New refuses to listen beyond loopback then.
func (s *Server) authenticate(next http.Handler) http.Handler {
	h := s.cfg.HTTP
	if !h.authenticated() {
		return next
	}
	sum := func(v string) [32]byte { return sha256.Sum256([]byte(v)) }
	token, user, pass := sum(h.Token), sum(h.User), sum(h.Password)
	eq := func(a, b [32]byte) bool { return subtle.ConstantTimeCompare(a[:], b[:]) == 1 }
	var challenge []string
	if h.Token != "" {
		challenge = append(challenge, `Bearer realm="orca"`)
	}
	if h.User != "" {
		challenge = append(challenge, `Basic realm="orca", charset="UTF-8"`)
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/healthz" || strings.HasPrefix(r.URL.Path, "/basichttp/") {
			next.ServeHTTP(w, r)
			return
		}
		auth := r.Header.Get("Authorization")
		ok := false
		if t, found := cutPrefixFold(auth, "Bearer "); found && h.Token != "" {
			ok = eq(sum(strings.TrimSpace(t)), token)
		} else if u, p, found := r.BasicAuth(); found && h.User != "" {
			// Both compared, whatever the first gives.
			okUser, okPass := eq(sum(u), user), eq(sum(p), pass)
			ok = okUser && okPass
		}
		if ok {
			next.ServeHTTP(w, r)
			return
		}
		s.metrics.authRefused.Add(1)
		s.metrics.response(http.StatusUnauthorized)
		for _, c := range challenge {
			w.Header().Add("WWW-Authenticate", c)
		}
		msg := "authentication required: send Authorization: Bearer TOKEN, or basic credentials"
		if auth != "" {
			msg = "wrong credentials"
		}
		httpapi.WriteJSON(w, http.StatusUnauthorized, map[string]string{"error": msg})
	})
}

// cutPrefixFold is strings.CutPrefix ignoring the case of prefix.
func cutPrefixFold(s, prefix string) (string, bool) {
	if len(s) < len(prefix) || !strings.EqualFold(s[:len(prefix)], prefix) {
		return s, false
	}
	return s[len(prefix):], true
}

// defaultBaseURL is the base URL of a server without base_url: the
// listener's address, or loopback on its port when it listens on every
// interface (the address clients use is not known then).
func defaultBaseURL(addr net.Addr, log *slog.Logger) string {
	tcp, ok := addr.(*net.TCPAddr)
	if !ok || !tcp.IP.IsUnspecified() {
		return "http://" + addr.String()
	}
	base := "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(tcp.Port))
	log.Warn("listening on every interface without base_url: callback _url fields and basichttp locations name "+base+"; set base_url to the URL clients use", "listen", addr.String())
	return base
}

// pathURL returns the URL of path on the server (its base URL joined with
// path). A plain path on a plain base URL (plainURLPath: the callback
// API's _url of every GET) is the two written one after the other, which
// is what joining them gives.
func (s *Server) pathURL(path string) string {
	if s.plainBase && plainURLPath(path) {
		return s.baseURL + path
	}
	return joinURL(s.baseURL, path)
}

// joinURL joins base and path as URL.JoinPath does.
func joinURL(base, path string) string {
	u, err := url.Parse(base)
	if err != nil {
		return base + path
	}
	return u.JoinPath(path).String()
}

// plainBaseURL reports whether base is written as url.URL writes it back,
// with no query or fragment and a plain path or none: then a plain path
// joined to it is the two written one after the other.
func plainBaseURL(base string) bool {
	u, err := url.Parse(base)
	return err == nil && u.String() == base && u.Opaque == "" && u.RawQuery == "" && !u.ForceQuery &&
		u.Fragment == "" && u.RawPath == "" && (u.Path == "" || plainURLPath(u.Path))
}

// plainURLPath reports whether p is a path that joining leaves as it is:
// slash-separated non-empty segments, none "." or "..", of letters,
// digits, '-', '.', '_' and '~' (no escapes).
func plainURLPath(p string) bool {
	if len(p) < 2 || p[0] != '/' {
		return false
	}
	for seg := range strings.SplitSeq(p[1:], "/") {
		if seg == "" || seg == "." || seg == ".." {
			return false
		}
		for i := range len(seg) {
			c := seg[i]
			if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '.' || c == '_' || c == '~') {
				return false
			}
		}
	}
	return true
}
