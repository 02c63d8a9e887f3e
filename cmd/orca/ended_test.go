package main

import (
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// get answers GET path of orca serve: its status and body.
func (c *crashEnv) get(path string) (int, string) {
	c.t.Helper()
	resp, err := (&http.Client{Timeout: 5 * time.Second}).Get(c.base() + path)
	require.NoError(c.t, err)
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	require.NoError(c.t, err)
	return resp.StatusCode, string(body)
}

// metric returns the value of one of orca serve's metrics.
func (c *crashEnv) metric(name string) float64 {
	c.t.Helper()
	code, body := c.get("/metrics")
	require.Equal(c.t, http.StatusOK, code, body)
	m := regexp.MustCompile(`(?m)^` + regexp.QuoteMeta(name) + ` ([0-9.e+-]+)$`).FindStringSubmatch(body)
	require.Len(c.t, m, 2, "metric %s in\n%s", name, body)
	v, err := strconv.ParseFloat(m[1], 64)
	require.NoError(c.t, err)
	return v
}

// TestEndedCallbackSurvivesKill9 ends a callback, kills orca serve with
// SIGKILL and starts it again: the GMS API answers the ended callback by
// id and by customer number exactly as before, for sessions.retention
// counted from when it ended; started again with a retention already past,
// it finds it no more.
func TestEndedCallbackSurvivesKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts orca serve processes; not in -short")
	}
	bin := buildOrca(t)
	c := newCrashEnv(t, bin, time.Second)
	c.startOrca()
	const number = "5551234"
	id, ok := c.request("immediate", url.Values{"_customer_number": {number}})
	require.True(t, ok)
	byID := "/genesys/1/service/callback/immediate/" + id
	byNumber := "/genesys/1/service/callback?_customer_number=" + number
	// The session's snapshot is deleted after the record is kept.
	require.Eventually(t, func() bool { return c.metric("orca_snapshots_deleted_total") >= 1 }, 60*time.Second, 20*time.Millisecond,
		"callback %s: its session does not end; state %q", id, c.state("immediate", id))
	code, before := c.get(byID)
	require.Equal(t, http.StatusOK, code, before)
	assert.Contains(t, before, `"_callback_state":"COMPLETED"`)
	code, listBefore := c.get(byNumber)
	require.Equal(t, http.StatusOK, code, listBefore)
	assert.Contains(t, listBefore, id)

	c.kill()
	c.startOrca()
	code, after := c.get(byID)
	assert.Equal(t, http.StatusOK, code, after)
	assert.JSONEq(t, before, after, "GET by id after kill -9")
	code, listAfter := c.get(byNumber)
	assert.Equal(t, http.StatusOK, code, listAfter)
	assert.JSONEq(t, listBefore, listAfter, "query by number after kill -9")

	// Session time runs crashSpeed times faster: a retention of 2s has
	// passed since the callback ended once 100ms have.
	c.kill()
	time.Sleep(100 * time.Millisecond)
	c.retention = "2s"
	c.writeConfig()
	c.startOrca()
	code, gone := c.get(byID)
	assert.Equal(t, http.StatusNotFound, code, gone)
	assert.Contains(t, gone, "CallbackExceptionNotFound")
	code, list := c.get(byNumber)
	assert.Equal(t, http.StatusOK, code, list)
	assert.JSONEq(t, "[]", list, "query by number past the retention")
}
