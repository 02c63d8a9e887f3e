package usertest

import (
	"net/http"
	"net/http/httptest"
	"os"
	"path"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/conformance"
	"github.com/orca-scxml/orca/internal/testenv"
)

// TestMakeW3C runs "make w3c" against a copy of the W3C's site on
// loopback, laid out as https://www.w3.org/Voice/2013/scxml-irp/ is
// (manifest.xml and confEcma.xsl at the top, each test's files under its
// number, as the manifest's URIs say), served from the W3C's own files in
// the suite beside the checkout. The suite it builds must have the
// manifest the converter makes from those files and pass all 200 tests.
func TestMakeW3C(t *testing.T) {
	tool(t, "make", "apt-get install make")
	tool(t, "curl", "apt-get install curl")
	src := testenv.W3C(t, "txml", "manifest.xml")
	var requests atomic.Int64
	site := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		p := strings.TrimPrefix(path.Clean(r.URL.Path), "/")
		switch {
		case p == "manifest.xml":
			http.ServeFile(w, r, filepath.Join(src, "manifest.xml"))
		case p == "confEcma.xsl":
			http.ServeFile(w, r, filepath.Join(src, "txml", "confEcma.xsl"))
		case strings.Count(p, "/") == 1 && strings.HasPrefix(path.Base(p), "test"+path.Dir(p)):
			// NNN/testNNN*.txml and the test's data files.
			http.ServeFile(w, r, filepath.Join(src, "txml", path.Base(p)))
		default:
			http.NotFound(w, r)
		}
	}))
	defer site.Close()

	out := filepath.Join(t.TempDir(), "w3c")
	log, err := shell(t, testenv.Root(t), 5*time.Minute, userEnv(), "make w3c W3C="+out+" W3C_URL="+site.URL)
	require.NoError(t, err, log)
	assert.Contains(t, log, out+": 200 tests in manifest.tsv, their documents in ecma/")
	assert.GreaterOrEqual(t, requests.Load(), int64(2+211), "manifest.xml, confEcma.xsl and every start and dep file")

	got, err := conformance.ReadManifest(out)
	require.NoError(t, err)
	xml, err := os.ReadFile(filepath.Join(src, "manifest.xml"))
	require.NoError(t, err)
	want, err := conformance.BuildManifest(xml, filepath.Join(src, "txml"), filepath.Join(src, "ecma"))
	require.NoError(t, err)
	assert.Equal(t, want, got)

	rep, err := conformance.Run(conformance.Options{Dir: out})
	require.NoError(t, err)
	assert.Empty(t, rep.Failures())
	assert.Len(t, rep.Results, 200)
}
