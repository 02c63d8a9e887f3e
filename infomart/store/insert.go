package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"unicode/utf8"
)

// maxParams bounds the parameters of one statement (SQLite allows 32766,
// PostgreSQL 65535).
const maxParams = 30000

// Insert inserts rows (each a value per column of cols) into table in tx,
// several rows per statement.
func (s *Store) Insert(ctx context.Context, tx *sql.Tx, table string, cols []string, rows [][]any) error {
	if len(rows) == 0 {
		return nil
	}
	per := max(1, min(500, maxParams/len(cols)))
	args := make([]any, 0, per*len(cols))
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(len(rows), start+per)]
		args = args[:0]
		for _, r := range chunk {
			if len(r) != len(cols) {
				return fmt.Errorf("infomart store: insert into %s: %d values for %d columns", table, len(r), len(cols))
			}
			args = append(args, r...)
		}
		if _, err := tx.ExecContext(ctx, s.insertSQL(table, cols, len(chunk)), args...); err != nil {
			return fmt.Errorf("infomart store: insert into %s: %w", table, err)
		}
	}
	return nil
}

// insertSQL returns the INSERT statement of n rows.
func (s *Store) insertSQL(table string, cols []string, n int) string {
	var b strings.Builder
	b.WriteString("INSERT INTO ")
	b.WriteString(table)
	b.WriteString(" (")
	b.WriteString(strings.Join(cols, ", "))
	b.WriteString(") VALUES ")
	row := "(" + strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ")"
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	return s.Rebind(b.String())
}

// Clip returns s cut to at most n characters, for a varchar(n) column
// (PostgreSQL refuses longer values; SQLite would keep them).
func Clip(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j]
		}
		i++
	}
	return s
}

// NullString is s, or NULL when s is empty.
func NullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}
