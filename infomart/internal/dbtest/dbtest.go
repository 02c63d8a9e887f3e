// Package dbtest gives the tests of the Info Mart side their databases:
// a fresh SQLite file, and a fresh schema on PostgreSQL, either the server
// ORCA_PG_URL names or a throw-away cluster the test binary starts itself
// (package pgtest).
//
// A test package calls Main from its TestMain, so that the cluster stops
// when its tests end, and runs a test on both databases with Each.
package dbtest

import (
	"context"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/infomart/store"
	"github.com/orca-scxml/orca/internal/pgtest"
	"github.com/orca-scxml/orca/internal/testenv"
)

var (
	pgOnce    sync.Once
	pgCluster *pgtest.Cluster
	pgURL     string
	pgErr     error
)

// Main runs the tests of m and stops the PostgreSQL cluster they started.
func Main(m *testing.M) {
	code := m.Run()
	if pgCluster != nil {
		pgCluster.Stop()
	}
	os.Exit(code)
}

// PostgresURL returns the URL of a new, empty schema on the PostgreSQL
// server of the tests, or skips t (fails it under ORCA_REQUIRE_ALL) when
// there is none.
func PostgresURL(t testing.TB) string {
	t.Helper()
	pgOnce.Do(func() {
		if u := os.Getenv(pgtest.URLVar); u != "" {
			pgURL = u
			return
		}
		pgCluster, pgErr = pgtest.Start()
		if pgErr == nil {
			pgURL = pgCluster.URL()
		}
	})
	if pgErr != nil {
		testenv.Missing(t, "PostgreSQL: "+pgErr.Error(), "apt-get install postgresql, or set "+pgtest.URLVar+" to a server's URL")
	}
	return pgtest.Schema(t, pgURL)
}

// SQLitePath returns the path of a new SQLite database file.
func SQLitePath(t testing.TB) string {
	return filepath.Join(t.TempDir(), "infomart.db")
}

// DSN returns a fresh database of the named backend ("sqlite" or
// "postgres"): a file path or a URL.
func DSN(t testing.TB, backend string) string {
	t.Helper()
	switch backend {
	case "sqlite":
		return SQLitePath(t)
	case "postgres":
		return PostgresURL(t)
	}
	t.Fatalf("dbtest: unknown backend %q", backend)
	return ""
}

// Open opens a fresh store of the named backend ("sqlite" or "postgres").
func Open(t testing.TB, backend string) *store.Store {
	t.Helper()
	dsn := DSN(t, backend)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	s, err := store.Open(ctx, dsn)
	require.NoError(t, err)
	t.Cleanup(func() { s.Close() })
	return s
}

// Backends are the databases every test runs on.
var Backends = []string{"sqlite", "postgres"}

// Each runs f as a subtest on a fresh store of each backend.
func Each(t *testing.T, f func(t *testing.T, s *store.Store)) {
	t.Helper()
	for _, b := range Backends {
		t.Run(b, func(t *testing.T) { f(t, Open(t, b)) })
	}
}
