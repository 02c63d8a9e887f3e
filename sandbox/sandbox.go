package sandbox

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"path"
	"path/filepath"
	"strings"
	"time"

	"github.com/orca-scxml/orca/egress"
)

// ErrForbidden is wrapped by the errors about documents outside the
// sandbox.
var ErrForbidden = errors.New("outside the directories and URLs strategies may be loaded from")

// maxFetchBytes bounds a document fetched over HTTP.
const maxFetchBytes = 4 << 20

// Sandbox says where strategies may be loaded from: a set of directories
// (symbolic links resolved) and of http(s) URL prefixes. Its methods are
// safe for concurrent use.
type Sandbox struct {
	dirs   []string // as configured, cleaned and absolute
	real   []string // the same with symbolic links resolved
	urls   []*url.URL
	client *http.Client
}

// New returns a sandbox of dirs and URL prefixes. Every directory must
// exist. Its client fetches documents from the URL prefixes only, with no
// check on the addresses their hosts resolve to until SetNetwork is
// called.
func New(dirs, urls []string) (*Sandbox, error) {
	b := &Sandbox{}
	for _, d := range dirs {
		abs, err := filepath.Abs(d)
		if err != nil {
			return nil, fmt.Errorf("strategies.dirs %q: %w", d, err)
		}
		real, err := filepath.EvalSymlinks(abs)
		if err != nil {
			return nil, fmt.Errorf("strategies.dirs %q: %w", d, err)
		}
		if fi, err := os.Stat(real); err != nil || !fi.IsDir() {
			return nil, fmt.Errorf("strategies.dirs %q: not a directory", d)
		}
		b.dirs = append(b.dirs, filepath.Clean(abs))
		b.real = append(b.real, real)
	}
	for _, u := range urls {
		p, err := ParsePrefix(u)
		if err != nil {
			return nil, fmt.Errorf("strategies.urls: %w", err)
		}
		b.urls = append(b.urls, p)
	}
	if err := b.SetNetwork(nil, egress.Options{}); err != nil {
		return nil, err
	}
	return b, nil
}

// SetNetwork makes the client documents are fetched with: it goes only to
// the URL prefixes, and its connections get the outbound policy's
// dial-time check (a strategy host whose name resolves to a metadata
// address is refused), with allowNets let through. It is called before
// the sandbox is shared.
func (b *Sandbox) SetNetwork(allowNets []string, opts egress.Options) error {
	urls := make([]string, len(b.urls))
	for i, u := range b.urls {
		urls[i] = u.String() + "/"
	}
	policy, err := egress.New(egress.Config{Allow: urls, AllowNetworks: allowNets, Timeout: 10 * time.Second}, opts)
	if err != nil {
		return fmt.Errorf("strategies.urls: %w", err)
	}
	b.client = policy.Client()
	b.client.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 5 {
			return errors.New("too many redirects")
		}
		_, err := b.checkURL(req.URL)
		return err
	}
	return nil
}

// ParsePrefix checks a URL prefix of a sandbox, as configured in
// strategies.urls, and returns it with its path cleaned.
func ParsePrefix(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.User != nil || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("%q: want an http(s) URL prefix without user, query or fragment", s)
	}
	u.Path = strings.TrimSuffix(path.Clean("/"+u.Path), "/")
	u.RawPath = ""
	return u, nil
}

// Resolve turns the src of a start request or a service into the path or
// URL of a document inside the sandbox: a relative path is taken relative
// to the first directory, "file:" URLs name files, http(s) URLs must start
// with one of the prefixes. Anything else wraps ErrForbidden.
func (b *Sandbox) Resolve(src string) (string, error) {
	if strings.TrimSpace(src) == "" {
		return "", errors.New("no document: src is empty")
	}
	if strings.ContainsRune(src, 0) {
		return "", fmt.Errorf("src %q: contains NUL", src)
	}
	if u, ok := webURL(src); ok {
		return b.checkURL(u)
	}
	p := src
	if rest, ok := strings.CutPrefix(src, "file:"); ok {
		p = strings.TrimPrefix(rest, "//")
		if q, err := url.PathUnescape(p); err == nil {
			p = q
		}
	} else if i := strings.Index(src, ":"); i > 1 && !strings.ContainsAny(src[:i], `/\`) {
		return "", fmt.Errorf("src %q: %w (scheme %q)", src, ErrForbidden, src[:i])
	}
	if !filepath.IsAbs(p) {
		if len(b.dirs) == 0 {
			return "", fmt.Errorf("src %q: %w (no strategy directory is configured)", src, ErrForbidden)
		}
		p = filepath.Join(b.dirs[0], p)
	}
	return b.checkFile(filepath.Clean(p), src)
}

// ReadFile reads a document or one of its parts (scripts, data, XInclude
// files) after checking that it is inside the sandbox. It matches
// scxml.Options.ReadFile.
func (b *Sandbox) ReadFile(p string) ([]byte, error) {
	if u, ok := webURL(p); ok {
		s, err := b.checkURL(u)
		if err != nil {
			return nil, err
		}
		return b.fetch(s)
	}
	if rest, ok := strings.CutPrefix(p, "file:"); ok {
		p = strings.TrimPrefix(rest, "//")
	}
	if !filepath.IsAbs(p) {
		return nil, fmt.Errorf("%q: %w (relative path)", p, ErrForbidden)
	}
	real, err := b.checkFile(filepath.Clean(p), p)
	if err != nil {
		return nil, err
	}
	return os.ReadFile(real)
}

// webURL parses s when it is an http or https URL.
func webURL(s string) (*url.URL, bool) {
	lower := strings.ToLower(s)
	if !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "https://") {
		return nil, false
	}
	u, err := url.Parse(s)
	if err != nil {
		return &url.URL{Scheme: "invalid", Opaque: s}, true
	}
	return u, true
}

// checkURL checks u against the URL prefixes and returns it normalised.
func (b *Sandbox) checkURL(u *url.URL) (string, error) {
	if u.Scheme != "http" && u.Scheme != "https" || u.Host == "" {
		return "", fmt.Errorf("src %q: not a valid http(s) URL", u.String())
	}
	if u.User != nil {
		return "", fmt.Errorf("src %q: %w (URL with user information)", u.Redacted(), ErrForbidden)
	}
	clean := path.Clean("/" + u.Path)
	if clean != "/"+strings.TrimPrefix(u.Path, "/") && clean+"/" != "/"+strings.TrimPrefix(u.Path, "/") {
		return "", fmt.Errorf("src %q: %w (path is not clean)", u.String(), ErrForbidden)
	}
	for _, p := range b.urls {
		if !strings.EqualFold(p.Scheme, u.Scheme) || !strings.EqualFold(p.Host, u.Host) {
			continue
		}
		if clean == p.Path || strings.HasPrefix(clean, p.Path+"/") {
			v := *u
			v.Path, v.RawPath, v.Fragment = clean, "", ""
			return v.String(), nil
		}
	}
	return "", fmt.Errorf("src %q: %w", u.String(), ErrForbidden)
}

// checkFile checks that p (absolute and clean) lies in one of the
// directories, both as written and with symbolic links resolved, and
// returns the resolved path.
func (b *Sandbox) checkFile(p, src string) (string, error) {
	inside := false
	for _, d := range b.dirs {
		if within(d, p) {
			inside = true
			break
		}
	}
	if !inside {
		return "", fmt.Errorf("src %q: %w", src, ErrForbidden)
	}
	real, err := filepath.EvalSymlinks(p)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return "", fmt.Errorf("src %q: no such document", src)
		}
		return "", fmt.Errorf("src %q: %w", src, err)
	}
	for _, d := range b.real {
		if within(d, real) {
			return real, nil
		}
	}
	return "", fmt.Errorf("src %q: %w (a symbolic link leads outside)", src, ErrForbidden)
}

// within reports whether p is dir or below it.
func within(dir, p string) bool {
	rel, err := filepath.Rel(dir, p)
	if err != nil {
		return false
	}
	return rel == "." || (rel != ".." && !strings.HasPrefix(rel, ".."+string(filepath.Separator)) && !filepath.IsAbs(rel))
}

// fetch GETs a document.
func (b *Sandbox) fetch(u string) ([]byte, error) {
	ctx, cancel := context.WithTimeout(context.Background(), b.client.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", u, err)
	}
	resp, err := b.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", u, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return nil, fmt.Errorf("fetching %s: %s", u, resp.Status)
	}
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxFetchBytes+1))
	if err != nil {
		return nil, fmt.Errorf("fetching %s: %w", u, err)
	}
	if len(data) > maxFetchBytes {
		return nil, fmt.Errorf("fetching %s: larger than %d bytes", u, maxFetchBytes)
	}
	return data, nil
}
