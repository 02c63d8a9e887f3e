package conformance

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPostEvent(t *testing.T) {
	cases := []struct {
		name   string
		status int
		err    string
	}{
		{"200 passes", http.StatusOK, ""},
		{"204 is not the 200 test513 asks for", http.StatusNoContent, "answered 204 No Content, want 200 OK"},
		{"404 fails", http.StatusNotFound, "answered 404 Not Found"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			var got *http.Request
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				require.NoError(t, r.ParseForm())
				got = r
				w.WriteHeader(tc.status)
			}))
			defer srv.Close()
			err := postEvent(srv.URL+"/basichttp/s1", time.Second)
			if tc.err != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tc.err)
			} else {
				require.NoError(t, err)
			}
			require.NotNil(t, got)
			assert.Equal(t, http.MethodPost, got.Method)
			assert.Equal(t, "test", got.Header.Get("_scxmleventname"))
			assert.Equal(t, "value1", got.PostForm.Get("key1"))
			assert.Equal(t, "value2", got.PostForm.Get("key2"))
		})
	}
	require.ErrorContains(t, postEvent("", time.Second), "no basichttp location")
}

// TestPostCheck runs test 513 against the real processor: the POST is
// answered 200 and the session receives the event.
func TestPostCheck(t *testing.T) {
	o := Options{Dir: t.TempDir()}.withDefaults()
	tr, err := runPostCheck(o)
	require.NoError(t, err)
	st, reason := judge(Test{ID: "513", Manual: true, Needs: []string{"basichttp"}}, []Trace{tr})
	assert.Equal(t, Pass, st, reason)
	assert.Equal(t, []string{"test"}, tr.Top().EventNames())
}
