// Package pgtest starts throw-away PostgreSQL clusters for tests: initdb
// and pg_ctl in a temporary directory, listening on a free loopback port,
// run as the unprivileged user nobody when the tests run as root. Tests
// that can use a server of the developer's instead read its URL from
// ORCA_PG_URL (URLVar).
//
// The Info Mart tests (infomart/internal/dbtest) and the deployment test
// of the compose topology use it.
package pgtest

// The environment variables of the package.
const (
	// URLVar names a PostgreSQL server to use instead of a throw-away
	// cluster.
	URLVar = "ORCA_PG_URL"
	// BinVar names the directory of initdb and pg_ctl when they are not
	// on PATH or under /usr/lib/postgresql/*/bin.
	BinVar = "ORCA_PG_BIN"
)
