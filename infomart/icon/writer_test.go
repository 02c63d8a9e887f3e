package icon_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/infomart/icon"
	"github.com/orca-scxml/orca/infomart/internal/dbtest"
	"github.com/orca-scxml/orca/infomart/store"
	"github.com/orca-scxml/orca/telephony"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

var at = time.Date(2026, 11, 21, 10, 0, 0, 250000000, time.UTC)

func userEvent(id string, kv ...any) icon.Event {
	e := icon.Event{MsgID: id, Name: icon.EventUserEvent, Switch: "SIP_Switch", ThisDN: "REPORTING", CustomerID: "Environment", Seq: 7, Time: at}
	for i := 0; i+1 < len(kv); i += 2 {
		e.UserData = append(e.UserData, telephony.KV{Key: kv[i].(string), Value: kv[i+1]})
	}
	return e
}

func attached(id, conn string, kv ...any) icon.Event {
	e := userEvent(id, kv...)
	e.Name, e.ConnID, e.ThisDN = icon.EventAttachedDataChanged, conn, "RP_CB"
	return e
}

type row struct {
	Call, DN, Key string
	Value         *string
	Change        int
	AddedTS       int64
	Msg, Conn     string
}

func rows(t *testing.T, s *store.Store, table string) []row {
	t.Helper()
	rs, err := s.DB().Query(`SELECT CALLID, ENDPOINTDN, KEYNAME, VALUE, CHANGETYPE, ADDED_TS, GSYS_EXT_VCH1, GSYS_EXT_VCH2 FROM ` + table + ` ORDER BY ID`)
	require.NoError(t, err)
	defer rs.Close()
	var out []row
	for rs.Next() {
		var r row
		var call, dn, v, conn sql.NullString
		require.NoError(t, rs.Scan(&call, &dn, &r.Key, &v, &r.Change, &r.AddedTS, &r.Msg, &conn))
		r.Call, r.DN, r.Conn = call.String, dn.String, conn.String
		if v.Valid {
			r.Value = &v.String
		}
		out = append(out, r)
	}
	require.NoError(t, rs.Err())
	return out
}

func str(s string) *string { return &s }

func TestUserEventKVPs(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		w := icon.New(s, icon.Options{})
		ctx := context.Background()
		ev := userEvent("m1", "_CB_SERVICE_ID", "SVC-1", "_CB_T_SERVICE_START", 1795255200,
			"nested", telephony.UserData{{Key: "k", Value: "v"}}, "_CB_FINAL_RECORD", 0, "empty", "")
		res, err := w.Write(ctx, []icon.Event{ev, userEvent("m2")})
		require.NoError(t, err)
		assert.Equal(t, icon.Result{Stored: 2, CustomRows: 4}, res)
		ts := at.Unix()
		assert.Equal(t, []row{
			{DN: "REPORTING", Key: "_CB_SERVICE_ID", Value: str("SVC-1"), Change: icon.ChangeAdded, AddedTS: ts, Msg: "m1"},
			{DN: "REPORTING", Key: "_CB_T_SERVICE_START", Value: str("1795255200"), Change: icon.ChangeAdded, AddedTS: ts, Msg: "m1"},
			{DN: "REPORTING", Key: "_CB_FINAL_RECORD", Value: str("0"), Change: icon.ChangeAdded, AddedTS: ts, Msg: "m1"},
			{DN: "REPORTING", Key: "empty", Value: str(""), Change: icon.ChangeAdded, AddedTS: ts, Msg: "m1"},
		}, rows(t, s, "G_CUSTOM_DATA_S"))

		// The event rows: consecutive G_CUSTOM_DATA_S ids; an event
		// without KVPs is skipped by the transform.
		type evRow struct {
			Msg                  string
			First                sql.NullInt64
			Count, State, Usec   int
			Seq, TS              int64
			Switch, DN, Customer string
		}
		rs, err := s.DB().Query(`SELECT MSG_ID, FIRST_ROW_ID, ROW_COUNT, STATE, EVENT_USEC, EVENT_SEQ, EVENT_TS, SWITCH_NAME, THIS_DN, CUSTOMER_ID FROM ORCA_EVENT ORDER BY ID`)
		require.NoError(t, err)
		var got []evRow
		for rs.Next() {
			var r evRow
			require.NoError(t, rs.Scan(&r.Msg, &r.First, &r.Count, &r.State, &r.Usec, &r.Seq, &r.TS, &r.Switch, &r.DN, &r.Customer))
			got = append(got, r)
		}
		rs.Close()
		assert.Equal(t, []evRow{
			{Msg: "m1", First: sql.NullInt64{Int64: 1, Valid: true}, Count: 4, State: icon.StatePending, Usec: 250000, Seq: 7, TS: ts, Switch: "SIP_Switch", DN: "REPORTING", Customer: "Environment"},
			{Msg: "m2", Count: 0, State: icon.StateSkipped, Usec: 250000, Seq: 7, TS: ts, Switch: "SIP_Switch", DN: "REPORTING", Customer: "Environment"},
		}, got)
	})
}

func TestRedelivery(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		w := icon.New(s, icon.Options{})
		ctx := context.Background()
		a := userEvent("m1", "_CB_SERVICE_ID", "SVC-1")
		b := attached("m2", "CONN1", "_CB_SERVICE_ID", "SVC-1")
		res, err := w.Write(ctx, []icon.Event{a, b, a})
		require.NoError(t, err)
		assert.Equal(t, icon.Result{Stored: 2, Duplicates: 1, CustomRows: 1, HistoryRows: 1}, res)
		res, err = w.Write(ctx, []icon.Event{b, a})
		require.NoError(t, err)
		assert.Equal(t, icon.Result{Duplicates: 2}, res)
		assert.Len(t, rows(t, s, "G_CUSTOM_DATA_S"), 1)
		assert.Len(t, rows(t, s, "G_USERDATA_HISTORY"), 1)
	})
}

func TestAttachedDataHistory(t *testing.T) {
	tests := []struct {
		name   string
		opts   icon.Options
		events []icon.Event
		want   []row
	}{
		{
			name: "the call-attached KVPs: added, changed, kept, deleted",
			events: []icon.Event{
				attached("a1", "C1", "_CB_SERVICE_ID", "SVC-1", "other", "x"),
				attached("a2", "C1", "_CB_SERVICE_ID", "SVC-1", "_CB_T_CUSTOMER_CONNECTED", 1795255300, "other", "y"),
				attached("a3", "C1", "_CB_SERVICE_ID", "SVC-2", "_CB_T_CUSTOMER_CONNECTED", 1795255300),
				attached("a4", "C1", "_CB_T_CUSTOMER_CONNECTED", 1795255300),
				attached("a5", "C2", "_CB_SERVICE_ID", "SVC-1"),
			},
			want: []row{
				{Call: "C1", DN: "RP_CB", Key: "_CB_SERVICE_ID", Value: str("SVC-1"), Change: icon.ChangeAdded, Msg: "a1", Conn: "C1"},
				{Call: "C1", DN: "RP_CB", Key: "_CB_T_CUSTOMER_CONNECTED", Value: str("1795255300"), Change: icon.ChangeAdded, Msg: "a2", Conn: "C1"},
				{Call: "C1", DN: "RP_CB", Key: "_CB_SERVICE_ID", Value: str("SVC-2"), Change: icon.ChangeUpdated, Msg: "a3", Conn: "C1"},
				{Call: "C1", DN: "RP_CB", Key: "_CB_SERVICE_ID", Change: icon.ChangeDeleted, Msg: "a4", Conn: "C1"},
				{Call: "C2", DN: "RP_CB", Key: "_CB_SERVICE_ID", Value: str("SVC-1"), Change: icon.ChangeAdded, Msg: "a5", Conn: "C2"},
			},
		},
		{
			name: "every key",
			opts: icon.Options{AllHistory: true},
			events: []icon.Event{
				attached("a1", "C1", "other", "x"),
				attached("a2", "C1", "other", "y"),
			},
			want: []row{
				{Call: "C1", DN: "RP_CB", Key: "other", Value: str("x"), Change: icon.ChangeAdded, Msg: "a1", Conn: "C1"},
				{Call: "C1", DN: "RP_CB", Key: "other", Value: str("y"), Change: icon.ChangeUpdated, Msg: "a2", Conn: "C1"},
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dbtest.Each(t, func(t *testing.T, s *store.Store) {
				ctx := context.Background()
				// One batch, then one event per batch: the same history.
				for _, split := range []bool{false, true} {
					_, err := s.DB().Exec(`DELETE FROM G_USERDATA_HISTORY`)
					require.NoError(t, err)
					_, err = s.DB().Exec(`DELETE FROM ORCA_EVENT`)
					require.NoError(t, err)
					w := icon.New(s, tt.opts)
					if split {
						for _, e := range tt.events {
							_, err := w.Write(ctx, []icon.Event{e})
							require.NoError(t, err)
						}
					} else {
						_, err := w.Write(ctx, tt.events)
						require.NoError(t, err)
					}
					got := rows(t, s, "G_USERDATA_HISTORY")
					for i := range got {
						got[i].AddedTS = 0
					}
					assert.Equal(t, tt.want, got, "split %v", split)
				}
			})
		})
	}
}

// TestCallEventsHistory: the data a call carries in its TEvents is its
// history too, from the data it was created with (EventDialing); an
// EventAttachedDataChanged stored after a later call event (as the bus
// stores it, a moment later) changes nothing.
func TestCallEventsHistory(t *testing.T) {
	event := func(id, name string, seq uint64, after time.Duration, kv ...any) icon.Event {
		e := attached(id, "C1", kv...)
		e.Name, e.Seq, e.Time = name, seq, at.Add(after)
		return e
	}
	evs := []icon.Event{
		event("d1", "EventDialing", 10, 0, "_CB_SERVICE_ID", "SVC-1", "other", "x"),
		event("e1", "EventEstablished", 11, time.Second, "_CB_SERVICE_ID", "SVC-1", "other", "x"),
		event("r1", "EventReleased", 13, 3*time.Second, "_CB_SERVICE_ID", "SVC-1", "_CB_T_CUSTOMER_CONNECTED", 1795255300),
		event("a1", icon.EventAttachedDataChanged, 12, 2*time.Second, "_CB_SERVICE_ID", "SVC-1"),
	}
	want := []row{
		{Call: "C1", DN: "RP_CB", Key: "_CB_SERVICE_ID", Value: str("SVC-1"), Change: icon.ChangeAdded, Msg: "d1", Conn: "C1"},
		{Call: "C1", DN: "RP_CB", Key: "_CB_T_CUSTOMER_CONNECTED", Value: str("1795255300"), Change: icon.ChangeAdded, Msg: "r1", Conn: "C1"},
	}
	dbtest.Each(t, func(t *testing.T, s *store.Store) {
		for _, split := range []bool{false, true} {
			for _, table := range []string{"G_USERDATA_HISTORY", "ORCA_EVENT"} {
				_, err := s.DB().Exec(`DELETE FROM ` + table)
				require.NoError(t, err)
			}
			w := icon.New(s, icon.Options{})
			if split {
				for _, e := range evs {
					_, err := w.Write(context.Background(), []icon.Event{e})
					require.NoError(t, err)
				}
			} else {
				res, err := w.Write(context.Background(), evs)
				require.NoError(t, err)
				assert.Equal(t, 4, res.Stored)
			}
			got := rows(t, s, "G_USERDATA_HISTORY")
			for i := range got {
				got[i].AddedTS = 0
			}
			assert.Equal(t, want, got, "split %v", split)
		}
	})
}

func TestWriteErrors(t *testing.T) {
	s := dbtest.Open(t, "sqlite")
	w := icon.New(s, icon.Options{})
	tests := []struct {
		ev   icon.Event
		want string
	}{
		{icon.Event{Name: icon.EventUserEvent}, "has no message id"},
		{icon.Event{MsgID: "x", Name: "EventTreatmentEnd", ConnID: "C1"}, `not "EventTreatmentEnd"`},
		{icon.Event{MsgID: "x", Name: icon.EventAttachedDataChanged}, "names no call"},
		{icon.Event{MsgID: "x", Name: "EventDialing"}, "names no call"},
	}
	for _, tt := range tests {
		_, err := w.Write(context.Background(), []icon.Event{userEvent("ok", "k", "v"), tt.ev})
		require.ErrorContains(t, err, tt.want)
	}
	// Nothing of a failed batch is stored.
	assert.Empty(t, rows(t, s, "G_CUSTOM_DATA_S"))
}
