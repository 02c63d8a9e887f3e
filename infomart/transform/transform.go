package transform

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"strings"
	"sync"
	"time"

	"github.com/orca-scxml/orca/infomart/icon"
	"github.com/orca-scxml/orca/infomart/store"
	"github.com/orca-scxml/orca/templates/reporting"
)

// Options configure a Transformer.
type Options struct {
	// Catalogue is the KVP catalogue (reporting.Default when nil).
	Catalogue *reporting.Catalogue
	// Location is the time zone of the DATE_TIME labels (UTC when nil).
	Location *time.Location
	// Batch is how many events one transaction takes (500 when zero).
	Batch int
	// Now is the clock of the audit log (time.Now when nil).
	Now func() time.Time
}

// Transformer turns pending callback UserEvents into CALLBACK_FACT rows.
// It is safe for concurrent use; runs are serialised.
type Transformer struct {
	st *store.Store
	o  Options
	m  *mapping

	mu sync.Mutex
	// keys caches dimension rows by table and attribute values; it only
	// takes rows of committed transactions.
	keys map[string]int64
}

// New returns a Transformer on st.
func New(st *store.Store, o Options) (*Transformer, error) {
	if o.Catalogue == nil {
		o.Catalogue = reporting.Default()
	}
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Batch <= 0 {
		o.Batch = 500
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	m, err := newMapping(o.Catalogue)
	if err != nil {
		return nil, err
	}
	return &Transformer{st: st, o: o, m: m, keys: map[string]int64{}}, nil
}

// Stats counts what a Run did.
type Stats struct {
	// Facts is the number of CALLBACK_FACT rows inserted, Rejected the
	// callback UserEvents that made none, Skipped the user events that
	// are no callback events.
	Facts, Rejected, Skipped int
	// Issues is the number of KVPs replaced by their column's default.
	Issues int
}

func (s *Stats) add(o Stats) {
	s.Facts += o.Facts
	s.Rejected += o.Rejected
	s.Skipped += o.Skipped
	s.Issues += o.Issues
}

// Run transforms every pending user event and returns what it did.
func (t *Transformer) Run(ctx context.Context) (Stats, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	var total Stats
	for {
		n, st, err := t.batch(ctx)
		total.add(st)
		if err != nil || n < t.o.Batch {
			return total, err
		}
	}
}

// pending is one user event to transform.
type pending struct {
	id, audit, first int64
	msg, customer    string
	ts               int64
	count            int
	kvs              []kv
}

type kv struct{ key, value string }

// batch transforms up to o.Batch events in one transaction and returns
// how many it took.
func (t *Transformer) batch(ctx context.Context) (int, Stats, error) {
	var st Stats
	var n int
	staged := map[string]int64{}
	err := t.st.InTx(ctx, func(tx *sql.Tx) error {
		st, n = Stats{}, 0
		clear(staged)
		if t.st.Dialect() == store.Postgres {
			var ok bool
			if err := tx.QueryRowContext(ctx, `SELECT pg_try_advisory_xact_lock(7320462)`).Scan(&ok); err != nil {
				return fmt.Errorf("transform: lock: %w", err)
			}
			if !ok {
				return nil // another transformer is at work
			}
		}
		evs, err := t.pending(ctx, tx)
		if err != nil || len(evs) == 0 {
			return err
		}
		n = len(evs)
		w := writer{t: t, tx: tx, ctx: ctx, staged: staged}
		if w.audit, err = icon.NewAudit(ctx, t.st, tx, "TRANSFORM", t.o.Now().UTC()); err != nil {
			return err
		}
		states := map[int][]int64{}
		for i := range evs {
			state, err := w.event(&evs[i], &st)
			if err != nil {
				return err
			}
			states[state] = append(states[state], evs[i].id)
		}
		if err := t.st.Insert(ctx, tx, FactTable, factColumns, w.facts); err != nil {
			return err
		}
		if err := t.st.Insert(ctx, tx, "ORCA_REJECTION", rejectionCols, w.rejections); err != nil {
			return err
		}
		for state, ids := range states {
			if err := t.mark(ctx, tx, state, ids); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return 0, Stats{}, err
	}
	maps.Copy(t.keys, staged)
	return n, st, nil
}

// pending reads the next pending user events and their KVPs.
func (t *Transformer) pending(ctx context.Context, tx *sql.Tx) ([]pending, error) {
	rows, err := tx.QueryContext(ctx, t.st.Rebind(`SELECT ID, MSG_ID, CUSTOMER_ID, EVENT_TS, DS_AUDIT_KEY, FIRST_ROW_ID, ROW_COUNT
FROM ORCA_EVENT WHERE STATE = ? ORDER BY ID LIMIT ?`), icon.StatePending, t.o.Batch)
	if err != nil {
		return nil, fmt.Errorf("transform: pending events: %w", err)
	}
	var evs []pending
	lo, hi := int64(-1), int64(-1)
	for rows.Next() {
		var p pending
		var customer sql.NullString
		var first sql.NullInt64
		if err := rows.Scan(&p.id, &p.msg, &customer, &p.ts, &p.audit, &first, &p.count); err != nil {
			rows.Close()
			return nil, err
		}
		p.customer, p.first = customer.String, first.Int64
		if p.count > 0 {
			last := p.first + int64(p.count) - 1
			if lo < 0 || p.first < lo {
				lo = p.first
			}
			hi = max(hi, last)
		}
		evs = append(evs, p)
	}
	rows.Close()
	if err := rows.Err(); err != nil || lo < 0 {
		return evs, err
	}
	// The KVPs of the batch, by their id ranges.
	kvRows, err := tx.QueryContext(ctx, t.st.Rebind(`SELECT ID, KEYNAME, VALUE FROM G_CUSTOM_DATA_S WHERE ID >= ? AND ID <= ? ORDER BY ID`), lo, hi)
	if err != nil {
		return nil, fmt.Errorf("transform: KVPs: %w", err)
	}
	defer kvRows.Close()
	byRow := map[int64]int{}
	for i, p := range evs {
		for r := p.first; r < p.first+int64(p.count); r++ {
			byRow[r] = i
		}
	}
	for kvRows.Next() {
		var id int64
		var k string
		var v sql.NullString
		if err := kvRows.Scan(&id, &k, &v); err != nil {
			return nil, err
		}
		if i, ok := byRow[id]; ok {
			evs[i].kvs = append(evs[i].kvs, kv{k, v.String})
		}
	}
	return evs, kvRows.Err()
}

// mark sets the state of the events ids, which must all be pending.
func (t *Transformer) mark(ctx context.Context, tx *sql.Tx, state int, ids []int64) error {
	for start := 0; start < len(ids); start += 500 {
		chunk := ids[start:min(len(ids), start+500)]
		args := []any{state}
		for _, id := range chunk {
			args = append(args, id)
		}
		args = append(args, icon.StatePending)
		q := "UPDATE ORCA_EVENT SET STATE = ? WHERE ID IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(chunk)), ", ") + ") AND STATE = ?"
		r, err := tx.ExecContext(ctx, t.st.Rebind(q), args...)
		if err != nil {
			return fmt.Errorf("transform: mark events: %w", err)
		}
		if n, _ := r.RowsAffected(); n != int64(len(chunk)) {
			return fmt.Errorf("transform: %d of %d events were transformed concurrently", int64(len(chunk))-n, len(chunk))
		}
	}
	return nil
}
