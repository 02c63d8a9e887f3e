package server

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// quick is a document whose session ends at once.
const quick = `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0"><final id="f"/></scxml>`

func TestDocumentCacheIsBounded(t *testing.T) {
	var dir string
	s := newTestServer(t, func(c *Config) {
		c.Strategies.CacheSize = 2
		dir = c.Strategies.Dirs[0]
	}, Options{})
	for _, name := range []string{"a", "b", "c"} {
		require.NoError(t, os.WriteFile(filepath.Join(dir, name+".scxml"), []byte(quick), 0o644))
	}
	for _, name := range []string{"a", "b", "a", "c"} {
		startSession(t, s, url.Values{"src": {name + ".scxml"}})
	}
	assert.Equal(t, 2, s.docs.charts.len())
	assert.NotNil(t, s.docs.charts.get(filepath.Join(dir, "a.scxml")), "a was used after b")
	assert.Nil(t, s.docs.charts.get(filepath.Join(dir, "b.scxml")), "b, the least recently used, is out")
	startSession(t, s, url.Values{"src": {"b.scxml"}})
	assert.Equal(t, 2, s.docs.charts.len())
}

func TestDocumentURLsAreCachedWithoutTheirQuery(t *testing.T) {
	var fetches atomic.Int64
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		fetches.Add(1)
		queries = append(queries, r.URL.RawQuery)
		_, _ = io.WriteString(w, quick)
	}))
	t.Cleanup(srv.Close)
	tests := []struct {
		name        string
		cacheQuery  bool
		wantFetches int64
		wantEntries int
	}{
		{"query dropped", false, 1, 1},
		{"query kept when configured", true, 10, 4},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fetches.Store(0)
			queries = nil
			e := newE2E(t, simConfig(5*time.Second), speed, func(c *Config) {
				c.Strategies.URLs = []string{srv.URL + "/strategies/"}
				c.Strategies.CacheQuery = tt.cacheQuery
				c.Strategies.CacheSize = 4
			})
			s := e.srv
			done := e.others(2)
			for i := range 10 {
				startSession(t, s, url.Values{"src": {fmt.Sprintf("%s/strategies/x.scxml?v=%d", srv.URL, i)}})
			}
			assert.Equal(t, tt.wantFetches, fetches.Load())
			assert.Equal(t, tt.wantEntries, s.docs.charts.len())
			if !tt.cacheQuery {
				assert.Equal(t, []string{""}, queries, "the document is fetched without the query")
			}
			done()
		})
	}
}
