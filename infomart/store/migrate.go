package store

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"
)

//go:embed migrations/*.sql
var migrationFiles embed.FS

// Migration is one schema change: migrations/NNNN_name.sql.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// Migrations returns the embedded migrations in version order.
func Migrations() ([]Migration, error) {
	entries, err := fs.ReadDir(migrationFiles, "migrations")
	if err != nil {
		return nil, fmt.Errorf("infomart store: migrations: %w", err)
	}
	var out []Migration
	for _, e := range entries {
		name := e.Name()
		num, rest, ok := strings.Cut(strings.TrimSuffix(name, ".sql"), "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("infomart store: migration file %s: want NNNN_name.sql", name)
		}
		b, err := migrationFiles.ReadFile(path.Join("migrations", name))
		if err != nil {
			return nil, fmt.Errorf("infomart store: migration %s: %w", name, err)
		}
		if n := len(out); n > 0 && out[n-1].Version == v {
			return nil, fmt.Errorf("infomart store: two migrations numbered %d", v)
		}
		out = append(out, Migration{Version: v, Name: rest, SQL: string(b)})
	}
	slices.SortFunc(out, func(a, b Migration) int { return a.Version - b.Version })
	for i, m := range out {
		if m.Version != i+1 {
			return nil, fmt.Errorf("infomart store: migration %d is missing (next is %04d_%s)", i+1, m.Version, m.Name)
		}
	}
	return out, nil
}

// Statements splits a migration into its statements: they end with a
// semicolon at the end of a line; lines starting with -- are comments.
func Statements(sqlText string) []string {
	var out []string
	var cur strings.Builder
	for line := range strings.SplitSeq(sqlText, "\n") {
		t := strings.TrimSpace(line)
		if t == "" || strings.HasPrefix(t, "--") {
			continue
		}
		cur.WriteString(line)
		cur.WriteByte('\n')
		if strings.HasSuffix(t, ";") {
			out = append(out, strings.TrimSuffix(strings.TrimSpace(cur.String()), ";"))
			cur.Reset()
		}
	}
	if s := strings.TrimSpace(cur.String()); s != "" {
		out = append(out, s)
	}
	return out
}

// Version returns the schema version recorded in schema_migrations (0 for
// a new database).
func (s *Store) Version(ctx context.Context) (int, error) {
	if _, err := s.db.ExecContext(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
    version    integer      NOT NULL PRIMARY KEY,
    name       varchar(255) NOT NULL,
    applied    timestamp    NOT NULL,
    applied_ts integer      NOT NULL
)`); err != nil {
		return 0, fmt.Errorf("infomart store %s: schema_migrations: %w", s.where, err)
	}
	var v sql.NullInt64
	if err := s.db.QueryRowContext(ctx, `SELECT MAX(version) FROM schema_migrations`).Scan(&v); err != nil {
		return 0, fmt.Errorf("infomart store %s: schema version: %w", s.where, err)
	}
	return int(v.Int64), nil
}

// Migrate applies the migrations above the database's version, each in
// its own transaction.
func (s *Store) Migrate(ctx context.Context) error {
	ms, err := Migrations()
	if err != nil {
		return err
	}
	have, err := s.Version(ctx)
	if err != nil {
		return err
	}
	if have > len(ms) {
		return fmt.Errorf("infomart store %s: schema version %d is newer than this program's %d", s.where, have, len(ms))
	}
	for _, m := range ms[have:] {
		err := s.InTx(ctx, func(tx *sql.Tx) error {
			if s.dialect == Postgres {
				// Serialise concurrent migrations of one database.
				if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock(7320461)`); err != nil {
					return err
				}
			}
			// A concurrent Open may have applied it meanwhile.
			var done int
			if err := tx.QueryRowContext(ctx, s.Rebind(`SELECT COUNT(*) FROM schema_migrations WHERE version = ?`), m.Version).Scan(&done); err != nil {
				return err
			}
			if done > 0 {
				return nil
			}
			for _, st := range Statements(m.SQL) {
				if _, err := tx.ExecContext(ctx, st); err != nil {
					return fmt.Errorf("%w\n%s", err, st)
				}
			}
			now := time.Now().UTC()
			_, err := tx.ExecContext(ctx, s.Rebind(`INSERT INTO schema_migrations (version, name, applied, applied_ts) VALUES (?, ?, ?, ?)`),
				m.Version, m.Name, now, now.Unix())
			return err
		})
		if err != nil {
			return fmt.Errorf("infomart store %s: migration %04d_%s: %w", s.where, m.Version, m.Name, err)
		}
	}
	return nil
}
