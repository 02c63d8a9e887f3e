package report

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"

	"github.com/orca-scxml/orca/infomart/store"
)

// DetailRow is one callback of the Callback Details report: the columns
// of its final CALLBACK_FACT row and dimensions. Timestamps are UTC
// seconds, 0 when the callback never got there; durations are seconds.
type DetailRow struct {
	Day, Service, Tenant, Queue               string
	Type, Channel, OfferType, ConnectOrder    string
	OfferTiming, CallDirection                string
	ServiceStart, Offered, Accepted           int64
	ReadyToStart, CustomerConnected, Finished int64
	WaitedBeforeOffer, OfferTime              int64
	WaitOffline, Establish, WaitAgent         int64
	Attempts                                  int64
	DialTimes                                 [5]int64
	DialResults                               [5]string
	FinalDialResult, DialogResult             string
	Disposition, FinalTarget                  string
	AgentAdded, Abandoned, TimedOut           int64
	ANI, FirstCall, LastCall                  string
}

// Details computes the Callback Details report, in order of service
// start, at most f.Limit rows (1000 when zero).
func Details(ctx context.Context, st *store.Store, f Filter) ([]DetailRow, error) {
	if err := f.Check(); err != nil {
		return nil, err
	}
	limit := f.Limit
	if limit == 0 {
		limit = 1000
	}
	where, args := f.where()
	q := `SELECT DT.LABEL_YYYY_MM_DD, F.SERVICE_ID, COALESCE(T.TENANT_NAME, 'UNKNOWN'), COALESCE(R.RESOURCE_NAME, 'UNKNOWN'),
    D1.CALLBACK_TYPE, D1.CHANNEL, D1.CALLBACK_OFFER_TYPE, D1.CONNECT_ORDER, D2.OFFER_TIMING, D2.CALL_DIRECTION,
    F.SERVICE_START_TS, F.CALLBACK_OFFERED_TS, F.CALLBACK_ACCEPTED_TS, F.READY_START_MEDIA_IXN_TS, F.CUSTOMER_CONNECTED_TS, F.SERVICE_END_TS,
    F.WAITED_BEFORE_OFFER_TIME, F.CALLBACK_OFFER_TIME, F.WAIT_AGENT_OFFLINE_TIME, F.ESTABLISH_MEDIA_IXN_TIME, F.CONN_WAITING_AGENT_TIME,
    F.CALLBACK_ATTEMPTS, F.DIAL_1_TS, F.DIAL_2_TS, F.DIAL_3_TS, F.DIAL_4_TS, F.DIAL_5_TS,
    DR.DIAL_1_RESULT, DR.DIAL_2_RESULT, DR.DIAL_3_RESULT, DR.DIAL_4_RESULT, DR.DIAL_5_RESULT,
    D2.FINAL_DIAL_RESULT, D2.DIAL_DIALOG_RESULT, D3.DISPOSITION, D3.FINAL_TARGET,
    F.AGENT_ADDED_TO_IXN, F.ABANDONED_WAITING, F.TIMEOUT_WAITING, F.CUSTOMER_ANI, F.FIRST_OUT_IXN_ID, F.LAST_OUT_IXN_ID
` + joins + `
WHERE ` + where + `
ORDER BY F.SERVICE_START_TS, F.SERVICE_ID, F.EVENT_SEQUENCE
LIMIT ` + strconv.Itoa(limit)
	rows, err := st.DB().QueryContext(ctx, st.Rebind(q), args...)
	if err != nil {
		return nil, fmt.Errorf("callback details: %w", err)
	}
	defer rows.Close()
	var out []DetailRow
	for rows.Next() {
		var r DetailRow
		var ani, first, last sql.NullString
		if err := rows.Scan(&r.Day, &r.Service, &r.Tenant, &r.Queue, &r.Type, &r.Channel, &r.OfferType, &r.ConnectOrder,
			&r.OfferTiming, &r.CallDirection, &r.ServiceStart, &r.Offered, &r.Accepted, &r.ReadyToStart, &r.CustomerConnected,
			&r.Finished, &r.WaitedBeforeOffer, &r.OfferTime, &r.WaitOffline, &r.Establish, &r.WaitAgent, &r.Attempts,
			&r.DialTimes[0], &r.DialTimes[1], &r.DialTimes[2], &r.DialTimes[3], &r.DialTimes[4],
			&r.DialResults[0], &r.DialResults[1], &r.DialResults[2], &r.DialResults[3], &r.DialResults[4],
			&r.FinalDialResult, &r.DialogResult, &r.Disposition, &r.FinalTarget, &r.AgentAdded, &r.Abandoned, &r.TimedOut,
			&ani, &first, &last); err != nil {
			return nil, fmt.Errorf("callback details: %w", err)
		}
		r.ANI, r.FirstCall, r.LastCall = ani.String, first.String, last.String
		out = append(out, r)
	}
	return out, rows.Err()
}

// Rejection is a row of ORCA_REJECTION.
type Rejection struct {
	Added          int64
	Scope, Service string
	Final          sql.NullInt64
	Key, Value     string
	Reason, MsgID  string
}

// Rejections returns the latest rejections, newest first, at most limit
// (100 when zero).
func Rejections(ctx context.Context, st *store.Store, limit int) ([]Rejection, error) {
	if limit <= 0 {
		limit = 100
	}
	rows, err := st.DB().QueryContext(ctx, `SELECT ADDED_TS, SCOPE, SERVICE_ID, FINAL_RECORD, KEYNAME, VALUE, REASON, MSG_ID
FROM ORCA_REJECTION ORDER BY ID DESC LIMIT `+strconv.Itoa(limit))
	if err != nil {
		return nil, fmt.Errorf("rejections: %w", err)
	}
	defer rows.Close()
	var out []Rejection
	for rows.Next() {
		var r Rejection
		var svc, key, val sql.NullString
		if err := rows.Scan(&r.Added, &r.Scope, &svc, &r.Final, &key, &val, &r.Reason, &r.MsgID); err != nil {
			return nil, fmt.Errorf("rejections: %w", err)
		}
		r.Service, r.Key, r.Value = svc.String, key.String, val.String
		out = append(out, r)
	}
	return out, rows.Err()
}

// Options lists the values the filters can take: the distinct queues,
// channels, callback types and tenants of the final records.
type Options struct {
	Queues, Channels, Types, Tenants []string
}

// FilterOptions returns the values of the filters.
func FilterOptions(ctx context.Context, st *store.Store) (Options, error) {
	var o Options
	for _, q := range []struct {
		dst *[]string
		sql string
	}{
		{&o.Queues, `SELECT DISTINCT COALESCE(R.RESOURCE_NAME, 'UNKNOWN') ` + joins + ` WHERE F.FINAL_RECORD = 1 ORDER BY 1`},
		{&o.Channels, `SELECT DISTINCT D1.CHANNEL ` + joins + ` WHERE F.FINAL_RECORD = 1 ORDER BY 1`},
		{&o.Types, `SELECT DISTINCT D1.CALLBACK_TYPE ` + joins + ` WHERE F.FINAL_RECORD = 1 ORDER BY 1`},
		{&o.Tenants, `SELECT DISTINCT COALESCE(T.TENANT_NAME, 'UNKNOWN') ` + joins + ` WHERE F.FINAL_RECORD = 1 ORDER BY 1`},
	} {
		rows, err := st.DB().QueryContext(ctx, q.sql)
		if err != nil {
			return o, fmt.Errorf("filter values: %w", err)
		}
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				rows.Close()
				return o, err
			}
			*q.dst = append(*q.dst, s)
		}
		rows.Close()
	}
	return o, nil
}
