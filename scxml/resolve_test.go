package scxml

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestResolve(t *testing.T) {
	tests := []struct {
		base, ref, want string
	}{
		{"w3c/ecma/test216.scxml", "file:test216sub1.scxml", filepath.FromSlash("w3c/ecma/test216sub1.scxml")},
		{"w3c/ecma/test216.scxml", "test216sub1.scxml", filepath.FromSlash("w3c/ecma/test216sub1.scxml")},
		{"w3c/ecma/test216.scxml", "sub/../x.scxml", filepath.FromSlash("w3c/ecma/x.scxml")},
		{"/srv/docs/main.scxml", "file:lib/a.js", filepath.FromSlash("/srv/docs/lib/a.js")},
		{"/srv/docs/main.scxml", "file:///abs/a.js", filepath.FromSlash("/abs/a.js")},
		{"/srv/docs/main.scxml", "file:/abs/a.js", filepath.FromSlash("/abs/a.js")},
		{"/srv/docs/main.scxml", "file://localhost/abs/a.js", filepath.FromSlash("/abs/a.js")},
		{"/srv/docs/main.scxml", "file:my%20file.txt", filepath.FromSlash("/srv/docs/my file.txt")},
		{"/srv/docs/main.scxml", "/abs/a.js", "/abs/a.js"},
		{"file:///srv/docs/main.scxml", "a.js", filepath.FromSlash("/srv/docs/a.js")},
		{"main.scxml", "file:a.js", "a.js"},
		{"", "file:a.js", "a.js"},
		{"http://example.com/d/main.scxml", "sub.scxml", "http://example.com/d/sub.scxml"},
		{"http://example.com/d/main.scxml", "/x.scxml", "http://example.com/x.scxml"},
		{"/srv/main.scxml", "http://example.com/x.scxml", "http://example.com/x.scxml"},
		{"/srv/main.scxml", `D:\foo`, filepath.Join("/srv", `D:\foo`)},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, Resolve(tt.base, tt.ref), "Resolve(%q, %q)", tt.base, tt.ref)
	}
}
