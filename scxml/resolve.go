package scxml

import (
	"net/url"
	"path/filepath"
	"strings"
)

// Resolve resolves the src reference ref of a document read from base. A
// "file:" reference ("file:name", "file:/abs", "file:///abs") or a plain
// path names a file: a relative one is taken relative to the directory of
// base. When base is a URL with a scheme other than file (http://...), a
// relative ref is resolved against it as a URL. A ref with another scheme
// is returned unchanged.
func Resolve(base, ref string) string {
	if rest, ok := cutScheme(ref, "file"); ok {
		return resolvePath(base, filePath(rest))
	}
	if hasURLScheme(ref) {
		return ref
	}
	if hasURLScheme(base) {
		if _, ok := cutScheme(base, "file"); !ok {
			b, err1 := url.Parse(base)
			r, err2 := url.Parse(ref)
			if err1 == nil && err2 == nil {
				return b.ResolveReference(r).String()
			}
			return ref
		}
	}
	return resolvePath(base, ref)
}

// resolvePath joins a relative path p to the directory of base.
func resolvePath(base, p string) string {
	if p == "" || filepath.IsAbs(p) || strings.HasPrefix(p, "/") {
		return p
	}
	if rest, ok := cutScheme(base, "file"); ok {
		base = filePath(rest)
	}
	if base == "" {
		return filepath.Clean(p)
	}
	return filepath.Join(filepath.Dir(base), p)
}

// filePath turns the part of a file URL after "file:" into a path.
func filePath(rest string) string {
	if strings.HasPrefix(rest, "//") {
		// file://host/path or file:///path: drop the (empty or local) host.
		rest = rest[2:]
		if i := strings.IndexByte(rest, '/'); i >= 0 {
			rest = rest[i:]
		} else {
			rest = "/"
		}
	}
	if u, err := url.PathUnescape(rest); err == nil {
		rest = u
	}
	return filepath.FromSlash(rest)
}

// cutScheme reports whether s starts with scheme followed by ':' (case
// insensitive) and returns the rest.
func cutScheme(s, scheme string) (string, bool) {
	if len(s) > len(scheme) && s[len(scheme)] == ':' && strings.EqualFold(s[:len(scheme)], scheme) {
		return s[len(scheme)+1:], true
	}
	return "", false
}

// hasURLScheme reports whether s starts with a URL scheme of two or more
// characters (so that a Windows drive letter "D:\x" is not a scheme).
func hasURLScheme(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z':
		case i > 0 && ('0' <= c && c <= '9' || c == '+' || c == '-' || c == '.'):
		case c == ':':
			return i >= 2
		default:
			return false
		}
	}
	return false
}
