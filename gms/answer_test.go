package gms

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestAnswersAreTheFieldsAsJSON pins the bytes of the answers, written
// without encoding/json, to encoding/json's of what Fields returns:
// properties that need escapes, and a property named as an
// always-returned key, which the key's own value replaces.
func TestAnswersAreTheFieldsAsJSON(t *testing.T) {
	f := newFixture(t, "callback-immediate")
	params := url.Values{"_customer_number": {"5551234"}, "note": {`<b>"quoted" & \ é` + "\u2028\t"},
		"_url": {"http://elsewhere/"}, "A": {"upper"}}
	resp, err := http.PostForm(f.url+"/callback-immediate", params)
	require.NoError(t, err)
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	var created map[string]string
	require.NoError(t, json.Unmarshal(body, &created))
	id := created["_id"]
	want, err := json.Marshal(map[string]string{"_id": id})
	require.NoError(t, err)
	assert.Equal(t, string(want)+"\n", string(body))
	assert.Equal(t, "application/json", resp.Header.Get("Content-Type"))

	resp, err = http.Get(f.url + "/callback-immediate/" + id)
	require.NoError(t, err)
	body, err = io.ReadAll(resp.Body)
	resp.Body.Close()
	require.NoError(t, err)
	require.Equal(t, http.StatusOK, resp.StatusCode, string(body))
	cb, ok := f.c.Get(id)
	require.True(t, ok)
	fields := f.c.Fields(&cb)
	assert.Equal(t, "http://orca.test"+Path+"/callback-immediate/"+id, fields["_url"], "the callback's own _url wins")
	want, err = json.Marshal(fields)
	require.NoError(t, err)
	assert.Equal(t, string(want)+"\n", string(body))
	assert.True(t, strings.Contains(string(body), `\u003cb\u003e\"quoted\" \u0026 \\ é\u2028\t`), string(body))
}

// BenchmarkCreateGet is a callback's API calls in the end-to-end bench:
// POST (start) and GET (its state) through real HTTP on 127.0.0.1, with
// the host's sessions left out (the fixture's record the starts). The
// allocations are the client's and the server's, net/http's included.
func BenchmarkCreateGet(b *testing.B) {
	f := newFixture(b, "callback-immediate")
	client := &http.Client{Transport: &http.Transport{}}
	defer client.CloseIdleConnections()
	params := url.Values{"_customer_number": {"5551234"}}
	var body []byte
	b.ReportAllocs()
	for b.Loop() {
		resp, err := client.PostForm(f.url+"/callback-immediate", params)
		require.NoError(b, err)
		body, err = io.ReadAll(resp.Body)
		resp.Body.Close()
		require.NoError(b, err)
		require.Equal(b, http.StatusOK, resp.StatusCode, string(body))
		id, ok := strings.CutPrefix(strings.TrimSpace(string(body)), `{"_id":"`)
		id, _ = strings.CutSuffix(id, `"}`)
		require.True(b, ok, string(body))
		resp, err = client.Get(f.url + "/callback-immediate/" + id)
		require.NoError(b, err)
		_, err = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		require.NoError(b, err)
		require.Equal(b, http.StatusOK, resp.StatusCode)
	}
}
