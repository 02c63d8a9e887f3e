package server

import (
	"context"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/infomart/report"
	"github.com/orca-scxml/orca/internal/loopback"
)

// TestInfoMartInTheServer runs the Info Mart side in the server: a
// callback's UserEvents reach CALLBACK_FACT in the configured SQLite file,
// and the report pages answer under /infomart/ behind the server's
// authentication.
func TestInfoMartInTheServer(t *testing.T) {
	db := filepath.Join(t.TempDir(), "im.db")
	e := newE2E(t, simConfig(2*time.Second), speed, func(c *Config) {
		c.InfoMart = InfoMartConfig{Enable: true, DB: db, DN: "REPORTING"}
		c.HTTP.Token = "s3cret"
	})
	e.header = http.Header{"Authorization": {"Bearer s3cret"}}
	id := e.request("immediate", url.Values{"_customer_number": {"5551001"}})
	mart := e.srv.InfoMart()
	require.NotNil(t, mart)
	var rows []report.DetailRow
	eventually(t, 30*time.Second, func() bool {
		var err error
		rows, err = report.Details(context.Background(), mart.Store(), report.Filter{Service: id})
		require.NoError(t, err)
		return len(rows) == 1
	}, "no final CALLBACK_FACT row for %s", id)
	assert.Equal(t, int64(1), rows[0].Attempts)
	assert.Equal(t, "PERSON", rows[0].FinalDialResult)
	assert.Equal(t, "COMPLETED.AGENT", rows[0].Disposition)
	assert.FileExists(t, db)

	get := func(path string, auth bool) (int, string) {
		req, err := http.NewRequest(http.MethodGet, e.srv.URL()+path, nil)
		require.NoError(t, err)
		if auth {
			req.Header = e.header
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		body, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, string(body)
	}
	code, body := get("/infomart/details?service="+url.QueryEscape(id), true)
	assert.Equal(t, http.StatusOK, code, body)
	assert.Contains(t, body, id)
	code, _ = get("/infomart/summary", true)
	assert.Equal(t, http.StatusOK, code)
	code, _ = get("/infomart/summary", false)
	assert.Equal(t, http.StatusUnauthorized, code)
}

func TestInfoMartConfig(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "orca.yaml")
	require.NoError(t, os.WriteFile(path, []byte("nats: {data_dir: data}\nreporting: {dn: REP}\ninfomart: {enable: true}\n"), 0o644))
	cfg, err := LoadConfig(path)
	require.NoError(t, err)
	d := cfg.withDefaults().InfoMart
	assert.Equal(t, InfoMartConfig{Enable: true, DB: filepath.Join(dir, "data", "infomart.db"), DN: "REP", TimeZone: "UTC"}, d)

	require.NoError(t, os.WriteFile(path, []byte("infomart: {db: reports/im.db}\n"), 0o644))
	cfg, err = LoadConfig(path)
	require.NoError(t, err)
	assert.Equal(t, filepath.Join(dir, "reports", "im.db"), cfg.InfoMart.DB)

	require.NoError(t, os.WriteFile(path, []byte("infomart: {db: 'postgres://u@h/db'}\n"), 0o644))
	cfg, err = LoadConfig(path)
	require.NoError(t, err)
	assert.Equal(t, "postgres://u@h/db", cfg.InfoMart.DB)

	_, err = New(Config{Listen: "127.0.0.1:0", NATS: NATSConfig{DataDir: filepath.Join(dir, "nats"), Port: loopback.Port(t)},
		InfoMart: InfoMartConfig{Enable: true, TimeZone: "Mars/Olympus"}}, Options{})
	assert.ErrorContains(t, err, "infomart.time_zone")
}
