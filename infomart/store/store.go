package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	// The PostgreSQL driver, registered as "pgx".
	_ "github.com/jackc/pgx/v5/stdlib"
	// The pure-Go SQLite driver, registered as "sqlite".
	_ "modernc.org/sqlite"
)

// Dialect is the kind of database a Store is on.
type Dialect uint8

// The dialects.
const (
	SQLite Dialect = iota + 1
	Postgres
)

// String returns the dialect's name.
func (d Dialect) String() string {
	switch d {
	case SQLite:
		return "sqlite"
	case Postgres:
		return "postgres"
	}
	return "Dialect(" + strconv.Itoa(int(d)) + ")"
}

// Store is an opened Info Mart database. It is safe for concurrent use.
type Store struct {
	db      *sql.DB
	dialect Dialect
	where   string
}

// IsURL reports whether dsn names a PostgreSQL database rather than a
// SQLite file.
func IsURL(dsn string) bool {
	return strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://")
}

// Open opens the database dsn names (see the package documentation) and
// brings its schema up to date.
func Open(ctx context.Context, dsn string) (*Store, error) {
	if strings.TrimSpace(dsn) == "" {
		return nil, errors.New("infomart store: no database given (a SQLite file path or a postgres:// URL)")
	}
	s := &Store{where: redact(dsn)}
	var err error
	if IsURL(dsn) {
		s.dialect = Postgres
		s.db, err = sql.Open("pgx", dsn)
		if err == nil {
			s.db.SetMaxOpenConns(8)
			s.db.SetMaxIdleConns(8)
		}
	} else {
		s.dialect = SQLite
		s.db, err = sql.Open("sqlite", sqliteDSN(dsn))
		if err == nil {
			// One writer at a time: BEGIN IMMEDIATE (the DSN's _txlock)
			// waits on the busy timeout instead of failing an upgrade.
			s.db.SetMaxOpenConns(4)
			if isMemory(dsn) {
				s.db.SetMaxOpenConns(1)
			}
		}
	}
	if err != nil {
		return nil, fmt.Errorf("infomart store %s: %w", s.where, err)
	}
	if err := s.db.PingContext(ctx); err != nil {
		s.db.Close()
		return nil, fmt.Errorf("infomart store %s: %w", s.where, err)
	}
	if err := s.Migrate(ctx); err != nil {
		s.db.Close()
		return nil, err
	}
	return s, nil
}

func isMemory(dsn string) bool {
	p := strings.TrimPrefix(dsn, "sqlite:")
	return p == ":memory:" || strings.Contains(p, "mode=memory")
}

// sqliteDSN turns a path into the driver's DSN: WAL, a busy timeout,
// immediate write transactions.
func sqliteDSN(dsn string) string {
	p := strings.TrimPrefix(dsn, "sqlite:")
	opts := "_pragma=busy_timeout(10000)&_pragma=synchronous(NORMAL)&_txlock=immediate"
	if p == ":memory:" {
		return "file::memory:?" + opts
	}
	if !strings.HasPrefix(p, "file:") {
		p = "file:" + (&url.URL{Path: p}).EscapedPath()
	}
	sep := "?"
	if strings.Contains(p, "?") {
		sep = "&"
	}
	return p + sep + opts + "&_pragma=journal_mode(WAL)"
}

// redact drops the password of a URL for messages.
func redact(dsn string) string {
	if !IsURL(dsn) {
		return dsn
	}
	u, err := url.Parse(dsn)
	if err != nil {
		return "postgres://…"
	}
	return u.Redacted()
}

// DB returns the database handle.
func (s *Store) DB() *sql.DB { return s.db }

// Dialect returns the kind of database.
func (s *Store) Dialect() Dialect { return s.dialect }

// String names the database (a URL without its password, or a path).
func (s *Store) String() string { return s.dialect.String() + " " + s.where }

// Close closes the database.
func (s *Store) Close() error { return s.db.Close() }

// Rebind returns query, written with ? placeholders, in the dialect's
// form: unchanged for SQLite, $1, $2 … for PostgreSQL. Question marks in
// quoted strings are left alone.
func (s *Store) Rebind(query string) string {
	if s.dialect != Postgres {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n, quoted := 0, false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			quoted = !quoted
		case c == '?' && !quoted:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteByte(c)
	}
	return b.String()
}

// InTx runs fn in a transaction, committed when fn returns nil and rolled
// back otherwise.
func (s *Store) InTx(ctx context.Context, fn func(*sql.Tx) error) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("infomart store: begin: %w", err)
	}
	if err := fn(tx); err != nil {
		_ = tx.Rollback()
		return err
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("infomart store: commit: %w", err)
	}
	return nil
}

// Keys allocates n consecutive keys of the sequence name (a row of
// ORCA_KEY_SEQUENCE) in tx and returns the first. Keys of a transaction
// rolled back are not handed out again only if another transaction
// allocated after it; gaps are possible, repeats are not.
func (s *Store) Keys(ctx context.Context, tx *sql.Tx, name string, n int) (int64, error) {
	if n <= 0 {
		return 0, fmt.Errorf("infomart store: allocate %d keys of %s", n, name)
	}
	var next int64
	err := tx.QueryRowContext(ctx, s.Rebind(`UPDATE ORCA_KEY_SEQUENCE SET NEXT_KEY = NEXT_KEY + ? WHERE NAME = ? RETURNING NEXT_KEY`),
		n, name).Scan(&next)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("infomart store: no key sequence %s", name)
	}
	if err != nil {
		return 0, fmt.Errorf("infomart store: allocate keys of %s: %w", name, err)
	}
	return next - int64(n), nil
}
