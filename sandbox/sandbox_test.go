package sandbox

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// strategyDir makes a directory with one document, echo.scxml, and two
// symbolic links that lead outside it: escape.scxml to a document next
// to the directory, up to the directory's parent.
func strategyDir(t testing.TB) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "strategies")
	require.NoError(t, os.MkdirAll(dir, 0o755))
	doc := `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" name="Echo"><final id="f"/></scxml>`
	require.NoError(t, os.WriteFile(filepath.Join(dir, "echo.scxml"), []byte(doc), 0o644))
	outside := filepath.Join(filepath.Dir(dir), "outside.scxml")
	require.NoError(t, os.WriteFile(outside, []byte(doc), 0o644))
	require.NoError(t, os.Symlink(outside, filepath.Join(dir, "escape.scxml")))
	require.NoError(t, os.Symlink(filepath.Dir(dir), filepath.Join(dir, "up")))
	return dir
}

func TestSandboxResolve(t *testing.T) {
	dir := strategyDir(t)
	b, err := New([]string{dir}, []string{"http://127.0.0.1:9000/strategies/"})
	require.NoError(t, err)
	tests := []struct {
		src, want, err string
	}{
		{src: "echo.scxml", want: filepath.Join(dir, "echo.scxml")},
		{src: "./sub/../echo.scxml", want: filepath.Join(dir, "echo.scxml")},
		{src: filepath.Join(dir, "echo.scxml"), want: filepath.Join(dir, "echo.scxml")},
		{src: "file://" + filepath.Join(dir, "echo.scxml"), want: filepath.Join(dir, "echo.scxml")},
		{src: "../../etc/passwd", err: "outside"},
		{src: "/etc/passwd", err: "outside"},
		{src: "file:../outside.scxml", err: "outside"},
		{src: "escape.scxml", err: "symbolic link"},
		{src: "up/outside.scxml", err: "symbolic link"},
		{src: "", err: "empty"},
		{src: "a\x00b", err: "NUL"},
		{src: "data:text/xml,<scxml/>", err: "outside"},
		{src: "http://127.0.0.1:9000/strategies/a.scxml", want: "http://127.0.0.1:9000/strategies/a.scxml"},
		{src: "http://127.0.0.1:9000/strategies/x/a.scxml#frag", want: "http://127.0.0.1:9000/strategies/x/a.scxml"},
		{src: "http://127.0.0.1:9000/strategies/../secret.scxml", err: "not clean"},
		{src: "http://127.0.0.1:9000/strategies/%2e%2e/secret.scxml", err: "not clean"},
		{src: "http://127.0.0.1:9000/strategiesX/a.scxml", err: "outside"},
		{src: "http://127.0.0.1:9001/strategies/a.scxml", err: "outside"},
		{src: "https://127.0.0.1:9000/strategies/a.scxml", err: "outside"},
		{src: "http://user:pw@127.0.0.1:9000/strategies/a.scxml", err: "user information"},
	}
	for _, tc := range tests {
		t.Run(tc.src, func(t *testing.T) {
			got, err := b.Resolve(tc.src)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			if strings.HasPrefix(tc.want, "http") {
				assert.Equal(t, tc.want, got)
				return
			}
			real, _ := filepath.EvalSymlinks(tc.want)
			assert.Equal(t, real, got)
		})
	}
	_, err = b.ReadFile("/etc/hostname")
	assert.ErrorIs(t, err, ErrForbidden)
	_, err = b.ReadFile("relative.js")
	assert.ErrorIs(t, err, ErrForbidden)
	data, err := b.ReadFile(filepath.Join(dir, "echo.scxml"))
	require.NoError(t, err)
	assert.Contains(t, string(data), "Echo")
}

func TestReadFileOverHTTP(t *testing.T) {
	mux := http.NewServeMux()
	mux.HandleFunc("/strategies/a.scxml", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "<scxml/>")
	})
	mux.HandleFunc("/strategies/big.scxml", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, strings.Repeat("x", maxFetchBytes+1))
	})
	mux.HandleFunc("/strategies/away.scxml", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/secret.scxml", http.StatusFound)
	})
	mux.HandleFunc("/strategies/missing.scxml", http.NotFound)
	mux.HandleFunc("/secret.scxml", func(w http.ResponseWriter, r *http.Request) {
		fmt.Fprint(w, "secret")
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	b, err := New(nil, []string{srv.URL + "/strategies/"})
	require.NoError(t, err)
	tests := []struct {
		path, want, err string
	}{
		{path: srv.URL + "/strategies/a.scxml", want: "<scxml/>"},
		{path: srv.URL + "/secret.scxml", err: "outside"},
		{path: srv.URL + "/strategies/away.scxml", err: "outside"},
		{path: srv.URL + "/strategies/big.scxml", err: "larger than"},
		{path: srv.URL + "/strategies/missing.scxml", err: "404"},
		{path: "echo.scxml", err: "relative path"},
	}
	for _, tc := range tests {
		t.Run(tc.path, func(t *testing.T) {
			data, err := b.ReadFile(tc.path)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, string(data))
		})
	}
}

func TestParsePrefix(t *testing.T) {
	tests := []struct {
		in, want, err string
	}{
		{in: "http://strategies.example.com/s/", want: "http://strategies.example.com/s"},
		{in: "https://strategies.example.com/a/../b", want: "https://strategies.example.com/b"},
		{in: "ftp://strategies.example.com/s/", err: "want an http(s) URL prefix"},
		{in: "http://user:pw@strategies.example.com/s/", err: "want an http(s) URL prefix"},
		{in: "http://strategies.example.com/s/?q=1", err: "want an http(s) URL prefix"},
		{in: "/s/", err: "want an http(s) URL prefix"},
	}
	for _, tc := range tests {
		t.Run(tc.in, func(t *testing.T) {
			u, err := ParsePrefix(tc.in)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, u.String())
		})
	}
}

func TestNewRefusesWhatIsNotADirectory(t *testing.T) {
	dir := strategyDir(t)
	_, err := New([]string{filepath.Join(dir, "echo.scxml")}, nil)
	assert.ErrorContains(t, err, "not a directory")
	_, err = New([]string{filepath.Join(dir, "absent")}, nil)
	assert.ErrorContains(t, err, "strategies.dirs")
	_, err = New(nil, []string{"ftp://example.com/"})
	assert.ErrorContains(t, err, "strategies.urls")
}
