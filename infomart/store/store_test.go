package store_test

import (
	"context"
	"database/sql"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/infomart/internal/dbtest"
	"github.com/orca-scxml/orca/infomart/store"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

func TestMigrations(t *testing.T) {
	ms, err := store.Migrations()
	require.NoError(t, err)
	require.NotEmpty(t, ms)
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		v, err := s.Version(ctx)
		require.NoError(t, err)
		assert.Equal(t, len(ms), v)
		// Applying again changes nothing.
		require.NoError(t, s.Migrate(ctx))
		var n int
		require.NoError(t, s.DB().QueryRowContext(ctx, `SELECT COUNT(*) FROM schema_migrations`).Scan(&n))
		assert.Equal(t, len(ms), n)
		for _, table := range []string{"G_CUSTOM_DATA_S", "G_USERDATA_HISTORY", "CALLBACK_FACT", "CALLBACK_DIM_1", "CALLBACK_DIM_2",
			"CALLBACK_DIM_3", "CALLBACK_DIM_4", "CALLBACK_DIAL_RESULTS", "TENANT", "RESOURCE_", "DATE_TIME", "ORCA_REJECTION", "CTL_AUDIT_LOG"} {
			require.NoError(t, s.DB().QueryRowContext(ctx, "SELECT COUNT(*) FROM "+table).Scan(&n), table)
			assert.Zero(t, n, table)
		}
	})
}

func TestNewerSchemaRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		_, err := s.DB().ExecContext(ctx, s.Rebind(`INSERT INTO schema_migrations (version, name, applied, applied_ts) VALUES (?, 'future', CURRENT_TIMESTAMP, 0)`), 999)
		require.NoError(t, err)
		err = s.Migrate(ctx)
		require.ErrorContains(t, err, "schema version 999 is newer")
	})
}

func TestKeys(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		ctx := context.Background()
		var got []int64
		for _, n := range []int{1, 5, 2} {
			require.NoError(t, s.InTx(ctx, func(tx *sql.Tx) error {
				k, err := s.Keys(ctx, tx, "EVENT", n)
				got = append(got, k)
				return err
			}))
		}
		assert.Equal(t, []int64{1, 2, 7}, got)
		// A rolled-back allocation is handed out again.
		_ = s.InTx(ctx, func(tx *sql.Tx) error {
			_, err := s.Keys(ctx, tx, "EVENT", 3)
			require.NoError(t, err)
			return sql.ErrTxDone
		})
		require.NoError(t, s.InTx(ctx, func(tx *sql.Tx) error {
			k, err := s.Keys(ctx, tx, "EVENT", 1)
			assert.Equal(t, int64(9), k)
			return err
		}))
		err := s.InTx(ctx, func(tx *sql.Tx) error {
			_, err := s.Keys(ctx, tx, "NO_SUCH", 1)
			return err
		})
		require.ErrorContains(t, err, "no key sequence NO_SUCH")
	})
}

func TestRebind(t *testing.T) {
	tests := []struct{ in, sqlite, postgres string }{
		{"SELECT 1", "SELECT 1", "SELECT 1"},
		{"a = ? AND b = ?", "a = ? AND b = ?", "a = $1 AND b = $2"},
		{"x = '?' OR y = ?", "x = '?' OR y = ?", "x = '?' OR y = $1"},
	}
	lite := dbtest.Open(t, "sqlite")
	for _, tt := range tests {
		assert.Equal(t, tt.sqlite, lite.Rebind(tt.in))
	}
	pg := dbtest.Open(t, "postgres")
	for _, tt := range tests {
		assert.Equal(t, tt.postgres, pg.Rebind(tt.in))
	}
}

func TestOpenErrors(t *testing.T) {
	ctx := context.Background()
	_, err := store.Open(ctx, "")
	require.ErrorContains(t, err, "no database given")
	_, err = store.Open(ctx, "/nonexistent-dir/sub/infomart.db")
	require.Error(t, err)
	_, err = store.Open(ctx, "postgres://nobody:secret@127.0.0.1:1/none?sslmode=disable&connect_timeout=2")
	require.Error(t, err)
	assert.NotContains(t, err.Error(), "secret")
}

func TestStatements(t *testing.T) {
	got := store.Statements("-- c\nCREATE TABLE A (X integer);\n\nINSERT INTO A VALUES (1);\n")
	assert.Equal(t, []string{"CREATE TABLE A (X integer)", "INSERT INTO A VALUES (1)"}, got)
}
