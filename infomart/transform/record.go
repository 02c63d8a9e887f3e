package transform

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/orca-scxml/orca/infomart/icon"
	"github.com/orca-scxml/orca/infomart/store"
)

// Rejection scopes.
const (
	// ScopeEvent: the UserEvent made no CALLBACK_FACT row.
	ScopeEvent = "EVENT"
	// ScopeKVP: one KVP fed no column, or its column's default.
	ScopeKVP = "KVP"
)

var rejectionCols = []string{"ID", "EVENT_ID", "MSG_ID", "SERVICE_ID", "FINAL_RECORD", "ADDED_TS", "SCOPE", "KEYNAME", "VALUE", "REASON", "CREATE_AUDIT_KEY"}

// writer is the state of one batch.
type writer struct {
	t          *Transformer
	tx         *sql.Tx
	ctx        context.Context
	audit      int64
	staged     map[string]int64
	facts      [][]any
	rejections [][]any
}

// issue is a KVP the transform could not take.
type issue struct{ key, value, reason string }

// event transforms one user event and returns its new state.
func (w *writer) event(p *pending, st *Stats) (int, error) {
	m := w.t.m
	values := make(map[string]string, len(p.kvs))
	callback := false
	var issues []issue
	for _, kv := range p.kvs {
		if strings.HasPrefix(kv.key, "_CB_") {
			callback = true
		}
		if _, dup := values[kv.key]; dup {
			continue // the first value of a repeated key counts
		}
		values[kv.key] = kv.value
		if _, mapped := m.byKey[kv.key]; mapped || !strings.HasPrefix(kv.key, "_CB_") {
			continue
		}
		if key, ok := m.aliases[kv.key]; ok {
			issues = append(issues, issue{kv.key, kv.value, "spelled as the PDF copy of the seeds misprints it; Info Mart reads " + key + ": not taken"})
		} else if _, known := w.t.o.Catalogue.Lookup(kv.key); !known {
			issues = append(issues, issue{kv.key, kv.value, "not a KVP of the catalogue: not taken"})
		}
	}
	if !callback {
		st.Skipped++
		return icon.StateSkipped, nil
	}
	service := values["_CB_SERVICE_ID"]
	var final any
	if n, err := strconv.Atoi(strings.TrimSpace(values["_CB_FINAL_RECORD"])); err == nil {
		final = n
	}
	if reason := w.mandatory(values); reason != "" {
		st.Rejected++
		return icon.StateRejected, w.reject(p, service, final, ScopeEvent, issue{reason: reason})
	}

	cols := map[string]any{}
	dims := map[string]any{}
	vq := map[string]any{}
	for i := range m.targets {
		t := &m.targets[i]
		raw, ok := values[t.Key]
		if !ok {
			continue
		}
		v, err := t.read(raw)
		if err != nil {
			def := "0"
			switch {
			case t.Column == "RESOURCE_KEY":
				def = "not used to find the virtual queue"
			case t.Column == "TENANT_KEY":
				def = "-1"
			case t.Table != FactTable && !dimNumeric(t.Table):
				def = Unknown
			case factText[t.Column]:
				def = "NULL"
			}
			issues = append(issues, issue{t.Key, raw, fmt.Sprintf("%s.%s: %v; %s instead", t.Table, t.Column, err, def)})
			continue
		}
		switch {
		case t.Table != FactTable:
			dims[t.Table+"."+t.Column] = v
		case t.Column == "RESOURCE_KEY":
			vq[t.Key] = v
		default:
			cols[t.Column] = v
		}
	}
	for _, is := range issues {
		if err := w.reject(p, service, final, ScopeKVP, is); err != nil {
			return 0, err
		}
	}
	st.Issues += len(issues)

	tenant := int64(-1)
	if dbid, ok := cols["TENANT_KEY"].(int64); ok {
		name := p.customer
		if name == "" {
			name = "Tenant " + strconv.FormatInt(dbid, 10)
		}
		var err error
		if tenant, err = w.key("TENANT", "TENANT", "TENANT_KEY", []string{"TENANT_CFG_DBID"}, []any{dbid},
			[]string{"TENANT_NAME"}, []any{store.Clip(name, 255)}); err != nil {
			return 0, err
		}
	}
	resource, err := w.resource(tenant, vq)
	if err != nil {
		return 0, err
	}
	start := cols["SERVICE_START_TS"].(int64)
	dateKey, err := w.dateTime(start)
	if err != nil {
		return 0, err
	}
	keys := map[string]any{"ADDED_TS": p.ts, "DS_AUDIT_KEY": p.audit, "EVENT_SEQUENCE": p.first, "CREATE_AUDIT_KEY": w.audit,
		"UPDATE_AUDIT_KEY": w.audit, "TENANT_KEY": tenant, "RESOURCE_KEY": resource, "START_DATE_TIME_KEY": dateKey}
	for _, d := range dimTables {
		vals := make([]any, len(d.cols))
		for i, c := range d.cols {
			v, ok := dims[d.name+"."+c]
			switch {
			case ok && d.numeric:
				vals[i] = v
			case ok:
				vals[i] = store.Clip(v.(string), 255)
			case d.numeric:
				vals[i] = int64(0)
			default:
				vals[i] = Unknown
			}
		}
		k, err := w.key(d.name, d.name, "ID", d.cols, vals, nil, nil)
		if err != nil {
			return 0, err
		}
		keys[d.factKey] = k
	}
	row := make([]any, len(factColumns))
	for i, c := range factColumns {
		if v, ok := keys[c]; ok {
			row[i] = v
			continue
		}
		v, ok := cols[c]
		switch {
		case ok && factText[c]:
			row[i] = store.NullString(store.Clip(v.(string), 255))
		case ok:
			row[i] = v
		case factText[c]:
			row[i] = nil
		default:
			row[i] = int64(0)
		}
	}
	w.facts = append(w.facts, row)
	st.Facts++
	return icon.StateFact, nil
}

// mandatory returns why values lack what Info Mart needs to make a
// record, or "".
func (w *writer) mandatory(values map[string]string) string {
	m := w.t.m
	var missing, bad []string
	for _, k := range m.mandatory {
		raw, ok := values[k]
		if !ok {
			missing = append(missing, k)
			continue
		}
		for _, i := range m.byKey[k] {
			if _, err := m.targets[i].read(raw); err != nil {
				bad = append(bad, fmt.Sprintf("%s: %v", k, err))
				break
			}
		}
	}
	var parts []string
	if len(missing) > 0 {
		parts = append(parts, "missing mandatory KVP "+strings.Join(missing, ", "))
	}
	if len(bad) > 0 {
		parts = append(parts, "mandatory KVP "+strings.Join(bad, "; "))
	}
	if len(parts) == 0 {
		return ""
	}
	return strings.Join(parts, "; ") + " (Genesys Info Mart makes no record without it)"
}

func dimNumeric(table string) bool {
	for _, d := range dimTables {
		if d.name == table {
			return d.numeric
		}
	}
	return false
}

// reject records a rejection of event p.
func (w *writer) reject(p *pending, service string, final any, scope string, is issue) error {
	id, err := w.t.st.Keys(w.ctx, w.tx, "ORCA_REJECTION", 1)
	if err != nil {
		return err
	}
	var key, value any
	if is.key != "" {
		key, value = store.Clip(is.key, 64), store.Clip(is.value, 255)
	}
	w.rejections = append(w.rejections, []any{id, p.id, p.msg, store.NullString(store.Clip(service, 255)), final, p.ts, scope,
		key, value, store.Clip(is.reason, 1024), w.audit})
	return nil
}

// resource returns the RESOURCE_ row of the virtual queue the KVPs name.
func (w *writer) resource(tenant int64, vq map[string]any) (int64, error) {
	if len(vq) == 0 {
		return -1, nil
	}
	name, _ := vq["_CB_DIM_VQ"].(string)
	if name == "" {
		name = Unknown
	}
	subtype, _ := vq["VQ_CFG_TYPE"].(string)
	if subtype == "" {
		subtype = "VirtualQueue"
	}
	dbid, ok := vq["_CB_DIM_VQ_DBID"].(int64)
	if !ok {
		dbid = -1
	}
	typeID, ok := vq["VQ_CFG_TYPE_ID"].(int64)
	if !ok {
		typeID = -1
	}
	return w.key("RESOURCE_", "RESOURCE_", "RESOURCE_KEY",
		[]string{"TENANT_KEY", "RESOURCE_CFG_TYPE_ID", "RESOURCE_CFG_DBID", "RESOURCE_NAME"}, []any{tenant, typeID, dbid, store.Clip(name, 255)},
		[]string{"RESOURCE_TYPE", "RESOURCE_TYPE_CODE", "RESOURCE_SUBTYPE"}, []any{"Queue", "QUEUE", store.Clip(subtype, 255)})
}

// DateTimeKey returns the DATE_TIME_KEY of UTC second ts: the start of its
// 15-minute interval.
func DateTimeKey(ts int64) int64 { return ts - ((ts%900)+900)%900 }

// dateTime returns the DATE_TIME row of ts, inserting it if needed.
func (w *writer) dateTime(ts int64) (int64, error) {
	k := DateTimeKey(ts)
	ck := "DATE_TIME\x00" + strconv.FormatInt(k, 10)
	if _, ok := w.t.keys[ck]; ok {
		return k, nil
	}
	if _, ok := w.staged[ck]; ok {
		return k, nil
	}
	at := time.Unix(k, 0).In(w.t.o.Location)
	_, err := w.tx.ExecContext(w.ctx, w.t.st.Rebind(`INSERT INTO DATE_TIME (DATE_TIME_KEY, LABEL_YYYY_MM_DD, LABEL_HH24, LABEL_YYYY_MM_DD_HH24, CREATE_AUDIT_KEY)
VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING`), k, at.Format("2006-01-02"), at.Format("15"), at.Format("2006-01-02 15"), w.audit)
	if err != nil {
		return 0, fmt.Errorf("transform: DATE_TIME %d: %w", k, err)
	}
	w.staged[ck] = k
	return k, nil
}

// key returns the key of the row of table whose match columns hold
// matchVals, inserting one (with extra columns) under a new key of
// sequence seq if there is none.
func (w *writer) key(table, seq, idCol string, match []string, matchVals []any, extra []string, extraVals []any) (int64, error) {
	var ck strings.Builder
	ck.WriteString(table)
	for _, v := range matchVals {
		ck.WriteByte(0)
		fmt.Fprint(&ck, v)
	}
	if k, ok := w.t.keys[ck.String()]; ok {
		return k, nil
	}
	if k, ok := w.staged[ck.String()]; ok {
		return k, nil
	}
	where := strings.Join(match, " = ? AND ") + " = ?"
	find := w.t.st.Rebind("SELECT " + idCol + " FROM " + table + " WHERE " + where)
	var k int64
	err := w.tx.QueryRowContext(w.ctx, find, matchVals...).Scan(&k)
	if err == sql.ErrNoRows {
		if k, err = w.t.st.Keys(w.ctx, w.tx, seq, 1); err != nil {
			return 0, err
		}
		cols := append(append([]string{idCol, "CREATE_AUDIT_KEY"}, match...), extra...)
		args := append(append([]any{k, w.audit}, matchVals...), extraVals...)
		q := "INSERT INTO " + table + " (" + strings.Join(cols, ", ") + ") VALUES (" +
			strings.TrimSuffix(strings.Repeat("?, ", len(cols)), ", ") + ") ON CONFLICT DO NOTHING"
		var r sql.Result
		if r, err = w.tx.ExecContext(w.ctx, w.t.st.Rebind(q), args...); err == nil {
			if n, _ := r.RowsAffected(); n == 0 {
				err = w.tx.QueryRowContext(w.ctx, find, matchVals...).Scan(&k)
			}
		}
	}
	if err != nil {
		return 0, fmt.Errorf("transform: %s row: %w", table, err)
	}
	w.staged[ck.String()] = k
	return k, nil
}
