// Package store is the database of the Info Mart side: the Interaction
// Database tables that the ICON stage writes (G_CUSTOM_DATA_S,
// G_USERDATA_HISTORY), the Info Mart tables that the transform stage
// writes (CALLBACK_FACT and its dimensions) and the control tables both
// share, on embedded SQLite or on PostgreSQL.
//
// Open takes a path or URL: "postgres://…" and "postgresql://…" open
// PostgreSQL through pgx; anything else is a SQLite database file (the
// pure-Go modernc.org/sqlite driver, so no cgo), "sqlite:PATH" included,
// ":memory:" for a private in-memory database. Open applies the pending
// migrations before it returns.
//
// # One schema
//
// Both databases run the same SQL: the migrations (migrations/NNNN_name.sql,
// embedded) and every query of the stages. They keep to what both accept:
// integer, numeric(19), varchar(n) and timestamp columns, INSERT … ON
// CONFLICT DO NOTHING, RETURNING, no auto-numbered columns. Keys are
// allocated by the application from the ORCA_KEY_SEQUENCE table (Keys), in
// blocks, as Genesys Info Mart's ETL assigns its surrogate keys itself.
// Queries are written with ? placeholders; Rebind turns them into $1, $2 …
// for PostgreSQL.
//
// # Migrations
//
// The schema_migrations table records each applied migration (version,
// name, UTC time applied). Migrate applies the embedded migrations above
// the recorded version in order, each in its own transaction (PostgreSQL
// and SQLite both roll DDL back), and refuses a database whose recorded
// version is newer than the program knows.
package store
