package server

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestPathURL checks that a server's URL of a path is the base URL joined
// with the path, whether written at once (plain) or joined.
func TestPathURL(t *testing.T) {
	bases := []string{"http://127.0.0.1:8080", "https://orca.example.com/orca", "https://orca.example.com/a/b-c.d_e~f",
		"http://h/a%20b", "http://h/x?y=1", "http://h#f", "http://user:p@h", "http://h/a/../b", "http://h/a//b", "http://[::1]:9", "relative/base"}
	paths := []string{"/genesys/1/service/callback/bench/0194d1c2-a8f3.7b_4e~9", "/a b", "/a/../b", "/a/./b", "/a//b", "/a/",
		"/ü", "/a%2Fb", "/a?b", "", "/", "a", "/.."}
	plain := 0
	for _, base := range bases {
		s := &Server{baseURL: base, plainBase: plainBaseURL(base)}
		if s.plainBase {
			plain++
		}
		for _, p := range paths {
			assert.Equal(t, joinURL(base, p), s.pathURL(p), "base %q, path %q", base, p)
		}
	}
	assert.Equal(t, 5, plain, "the bases written at once")
	assert.True(t, plainURLPath(paths[0]))
}
