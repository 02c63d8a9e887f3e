package icon

import (
	"context"
	"database/sql"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/orca-scxml/orca/infomart/store"
	"github.com/orca-scxml/orca/templates/reporting"
)

// Change types of G_CUSTOM_DATA_S and G_USERDATA_HISTORY rows.
const (
	ChangeAdded   = 1
	ChangeUpdated = 2
	ChangeDeleted = 3
)

// Event states in ORCA_EVENT.STATE.
const (
	StatePending  = 0 // a user event the transform has not seen
	StateFact     = 1 // made a CALLBACK_FACT row
	StateRejected = 2 // made an ORCA_REJECTION row instead
	StateSkipped  = 3 // a user event without callback KVPs
	StateStored   = 4 // attached data: nothing to transform
)

// Options configure a Writer.
type Options struct {
	// HistoryKeys are the attached-data keys whose changes go to
	// G_USERDATA_HISTORY (the attached-data specification); nil means
	// the call-attached KVPs of the reporting catalogue.
	HistoryKeys []string
	// AllHistory records the changes of every key instead.
	AllHistory bool
	// Now is the clock of RECEIVED_TS (time.Now when nil).
	Now func() time.Time
}

// Writer stores events. It is safe for concurrent use; each Write is one
// transaction.
type Writer struct {
	st      *store.Store
	o       Options
	tracked map[string]bool

	// applied is, for each call, the latest event whose data the history
	// took (committed ones): the switch's events arrive nearly, not
	// exactly, in order (EventAttachedDataChanged is stored a moment
	// after the call events that follow it are captured), and an event
	// older than the call's state in the history changes nothing.
	mu      sync.Mutex
	applied map[string]moment
}

// moment is when an event happened, by the switch's clock and sequence.
type moment struct {
	t   time.Time
	seq uint64
}

// maxApplied bounds the calls a Writer remembers the latest event of.
const maxApplied = 1 << 16

// New returns a Writer on st.
func New(st *store.Store, o Options) *Writer {
	if o.HistoryKeys == nil {
		o.HistoryKeys = reporting.Default().CallAttached()
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	w := &Writer{st: st, o: o, tracked: map[string]bool{}, applied: map[string]moment{}}
	for _, k := range o.HistoryKeys {
		w.tracked[k] = true
	}
	return w
}

// Result counts what a Write did.
type Result struct {
	// Stored events are new; Duplicates were stored before (or twice in
	// the batch) and were skipped.
	Stored, Duplicates int
	// CustomRows and HistoryRows are the G_CUSTOM_DATA_S and
	// G_USERDATA_HISTORY rows written.
	CustomRows, HistoryRows int
}

var customCols = []string{"ID", "CALLID", "PSEQ", "ENDPOINTDN", "CHANGETYPE", "KEYNAME", "VALUE", "ADDED", "ADDED_TS",
	"GSYS_EXT_VCH1", "GSYS_EXT_VCH2"}

// Write stores evs, in order, in one transaction. An event whose message
// id is already stored is skipped. It fails, storing nothing, when an
// event cannot be stored (no message id, another event type, attached
// data of no call) or the database fails.
func (w *Writer) Write(ctx context.Context, evs []Event) (Result, error) {
	var res Result
	for i := range evs {
		if err := evs[i].Check(); err != nil {
			return res, err
		}
	}
	var applied map[string]moment
	err := w.st.InTx(ctx, func(tx *sql.Tx) error {
		res = Result{}
		b := batch{w: w, tx: tx, ctx: ctx, now: w.o.Now().UTC(), calls: map[string]map[string]string{}, applied: map[string]moment{}}
		applied = b.applied
		var err error
		if b.seen, err = w.stored(ctx, tx, evs); err != nil {
			return err
		}
		if b.audit, err = NewAudit(ctx, w.st, tx, "ICON", b.now); err != nil {
			return err
		}
		for i := range evs {
			if err := b.event(&evs[i], &res); err != nil {
				return err
			}
		}
		if err := w.st.Insert(ctx, tx, "G_CUSTOM_DATA_S", customCols, b.custom); err != nil {
			return err
		}
		return w.st.Insert(ctx, tx, "G_USERDATA_HISTORY", customCols, b.history)
	})
	if err == nil {
		w.mu.Lock()
		if len(w.applied)+len(applied) > maxApplied {
			clear(w.applied)
		}
		maps.Copy(w.applied, applied)
		w.mu.Unlock()
	}
	return res, err
}

// latest returns the latest event of call whose data the history took, in
// this batch or committed.
func (b *batch) latest(call string) (moment, bool) {
	if m, ok := b.applied[call]; ok {
		return m, true
	}
	b.w.mu.Lock()
	defer b.w.mu.Unlock()
	m, ok := b.w.applied[call]
	return m, ok
}

// NewAudit allocates an audit key for a run of job at now and records it
// in CTL_AUDIT_LOG.
func NewAudit(ctx context.Context, st *store.Store, tx *sql.Tx, job string, now time.Time) (int64, error) {
	k, err := st.Keys(ctx, tx, "AUDIT", 1)
	if err != nil {
		return 0, err
	}
	_, err = tx.ExecContext(ctx, st.Rebind(`INSERT INTO CTL_AUDIT_LOG (AUDIT_KEY, JOB_NAME, CREATED, CREATED_TS) VALUES (?, ?, ?, ?)`),
		k, job, now, now.Unix())
	if err != nil {
		return 0, fmt.Errorf("icon: audit log: %w", err)
	}
	return k, nil
}

// batch is one Write's transaction.
type batch struct {
	w      *Writer
	tx     *sql.Tx
	ctx    context.Context
	now    time.Time
	audit  int64
	custom [][]any
	// history rows, and the data of each call as its history says.
	history [][]any
	calls   map[string]map[string]string
	// applied is the latest event of each call the batch's history took.
	applied map[string]moment
	// seen are the message ids stored before or earlier in the batch.
	seen map[string]bool
}

// stored returns which of the events' message ids are stored already.
func (w *Writer) stored(ctx context.Context, tx *sql.Tx, evs []Event) (map[string]bool, error) {
	seen := map[string]bool{}
	for start := 0; start < len(evs); start += 500 {
		chunk := evs[start:min(len(evs), start+500)]
		args := make([]any, len(chunk))
		for i := range chunk {
			args[i] = store.Clip(chunk[i].MsgID, 255)
		}
		q := "SELECT MSG_ID FROM ORCA_EVENT WHERE MSG_ID IN (" + strings.TrimSuffix(strings.Repeat("?, ", len(args)), ", ") + ")"
		rows, err := tx.QueryContext(ctx, w.st.Rebind(q), args...)
		if err != nil {
			return nil, fmt.Errorf("icon: stored events: %w", err)
		}
		for rows.Next() {
			var id string
			if err := rows.Scan(&id); err != nil {
				rows.Close()
				return nil, err
			}
			seen[id] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	return seen, nil
}

type kvRow struct {
	key, value string
	change     int
	deleted    bool
}

func (b *batch) event(e *Event, res *Result) error {
	id := store.Clip(e.MsgID, 255)
	if b.seen[id] {
		res.Duplicates++
		return nil
	}
	b.seen[id] = true
	at := e.Time.UTC()
	if e.Time.IsZero() {
		at = b.now
	}
	var rows []kvRow
	state := StateStored
	if e.Name == EventUserEvent {
		state = StatePending
		for _, kv := range e.UserData {
			if v, ok := valueString(kv.Value); ok {
				rows = append(rows, kvRow{key: kv.Key, value: v, change: ChangeAdded})
			}
		}
		if len(rows) == 0 {
			state = StateSkipped
		}
	} else {
		var err error
		if rows, err = b.changes(e); err != nil {
			return err
		}
	}
	seqName := "G_CUSTOM_DATA_S"
	if e.Name != EventUserEvent {
		seqName = "G_USERDATA_HISTORY"
	}
	var first int64
	ids, err := b.w.st.Keys(b.ctx, b.tx, "EVENT", 1)
	if err != nil {
		return err
	}
	if len(rows) > 0 {
		if first, err = b.w.st.Keys(b.ctx, b.tx, seqName, len(rows)); err != nil {
			return err
		}
	}
	var seq any
	if e.Seq != 0 {
		seq = int64(e.Seq)
	}
	var firstRow any
	if first != 0 {
		firstRow = first
	}
	r, err := b.tx.ExecContext(b.ctx, b.w.st.Rebind(`INSERT INTO ORCA_EVENT (ID, MSG_ID, EVENT_NAME, SWITCH_NAME, THIS_DN, CONN_ID, CALL_ID,
    CUSTOMER_ID, EVENT_SEQ, EVENT_TS, EVENT_USEC, RECEIVED_TS, DS_AUDIT_KEY, FIRST_ROW_ID, ROW_COUNT, STATE)
VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (MSG_ID) DO NOTHING`),
		ids, id, e.Name, store.NullString(store.Clip(e.Switch, 255)), store.NullString(store.Clip(e.ThisDN, 255)),
		store.NullString(store.Clip(e.ConnID, 64)), store.NullString(store.Clip(e.CallID, 64)), store.NullString(store.Clip(e.CustomerID, 255)),
		seq, at.Unix(), at.Nanosecond()/1000, b.now.Unix(), b.audit, firstRow, len(rows), state)
	if err != nil {
		return fmt.Errorf("icon: event %s: %w", e.MsgID, err)
	}
	if n, _ := r.RowsAffected(); n == 0 {
		// Another writer stored it since the batch began: retry the batch,
		// which will skip it.
		return fmt.Errorf("icon: event %s was stored concurrently; write the batch again", e.MsgID)
	}
	res.Stored++
	for i, kv := range rows {
		var v any = store.Clip(kv.value, 255)
		if kv.deleted {
			v = nil
		}
		row := []any{first + int64(i), store.NullString(store.Clip(e.callID(), 50)), 0, store.NullString(store.Clip(e.ThisDN, 255)),
			kv.change, store.Clip(kv.key, 64), v, at, at.Unix(), store.Clip(e.MsgID, 255), store.NullString(store.Clip(e.ConnID, 255))}
		if e.Name == EventUserEvent {
			// A user event's KVPs belong to no call unless it names one.
			row[1] = store.NullString(store.Clip(e.CallID, 50))
			b.custom = append(b.custom, row)
			res.CustomRows++
		} else {
			b.history = append(b.history, row)
			res.HistoryRows++
		}
	}
	return nil
}

// changes compares the call's attached data in e with its history and
// returns the changes of the tracked keys, and records the new state. An
// event older than the latest one taken for the call changes nothing.
func (b *batch) changes(e *Event) ([]kvRow, error) {
	call := e.callID()
	if last, ok := b.latest(call); ok && !e.Time.IsZero() && !last.t.IsZero() && e.before(last.t, last.seq) {
		return nil, nil
	}
	b.applied[call] = moment{t: e.Time, seq: e.Seq}
	have, ok := b.calls[call]
	if !ok {
		var err error
		if have, err = b.callState(call); err != nil {
			return nil, err
		}
	}
	now := map[string]string{}
	var order []string
	for _, kv := range e.UserData {
		if !b.w.o.AllHistory && !b.w.tracked[kv.Key] {
			continue
		}
		v, ok := valueString(kv.Value)
		if !ok {
			continue
		}
		if _, seen := now[kv.Key]; !seen {
			order = append(order, kv.Key)
		}
		now[kv.Key] = v
	}
	var rows []kvRow
	for _, k := range order {
		old, had := have[k]
		switch {
		case !had:
			rows = append(rows, kvRow{key: k, value: now[k], change: ChangeAdded})
		case old != now[k]:
			rows = append(rows, kvRow{key: k, value: now[k], change: ChangeUpdated})
		}
	}
	var gone []string
	for k := range have {
		if _, still := now[k]; !still {
			gone = append(gone, k)
		}
	}
	slices.Sort(gone)
	for _, k := range gone {
		rows = append(rows, kvRow{key: k, change: ChangeDeleted, deleted: true})
	}
	b.calls[call] = now
	return rows, nil
}

// callState returns the call's tracked data as its G_USERDATA_HISTORY rows
// so far say.
func (b *batch) callState(call string) (map[string]string, error) {
	rows, err := b.tx.QueryContext(b.ctx, b.w.st.Rebind(`SELECT KEYNAME, VALUE, CHANGETYPE FROM G_USERDATA_HISTORY WHERE CALLID = ? ORDER BY ID`),
		store.Clip(call, 50))
	if err != nil {
		return nil, fmt.Errorf("icon: history of call %s: %w", call, err)
	}
	defer rows.Close()
	have := map[string]string{}
	for rows.Next() {
		var k string
		var v sql.NullString
		var ch int
		if err := rows.Scan(&k, &v, &ch); err != nil {
			return nil, err
		}
		if ch == ChangeDeleted {
			delete(have, k)
		} else {
			have[k] = v.String
		}
	}
	return have, rows.Err()
}
