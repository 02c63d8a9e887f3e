package report_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/infomart/internal/dbtest"
	"github.com/orca-scxml/orca/infomart/internal/fixture"
	"github.com/orca-scxml/orca/infomart/report"
	"github.com/orca-scxml/orca/infomart/store"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// loaded returns a store holding two days of callbacks of every template
// path (two runs of each on the first day, one on the second).
func loaded(t *testing.T, backend string) *store.Store {
	t.Helper()
	s := dbtest.Open(t, backend)
	day1, err := fixture.Day(fixture.Epoch, 2)
	require.NoError(t, err)
	day2, err := fixture.Day(fixture.Epoch.Add(24*time.Hour), 1)
	require.NoError(t, err)
	st, err := fixture.Load(context.Background(), s, append(day1, day2...))
	require.NoError(t, err)
	require.Equal(t, 2*18, st.Facts)
	return s
}

// count counts the final records matching cond, independently of the
// report's SQL.
func count(t *testing.T, s *store.Store, cond string, args ...any) int64 {
	t.Helper()
	var n int64
	q := `SELECT COUNT(*) FROM CALLBACK_FACT F, CALLBACK_DIM_1 D1, CALLBACK_DIM_3 D3, CALLBACK_DIM_4 D4, DATE_TIME DT
WHERE F.FINAL_RECORD = 1 AND D1.ID = F.CALLBACK_DIM_1_KEY AND D3.ID = F.CALLBACK_DIM_3_KEY AND D4.ID = F.CALLBACK_DIM_4_KEY
AND DT.DATE_TIME_KEY = F.START_DATE_TIME_KEY AND ` + cond
	require.NoError(t, s.DB().QueryRow(s.Rebind(q), args...).Scan(&n))
	return n
}

func TestSummary(t *testing.T) {
	ctx := context.Background()
	for _, backend := range dbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			s := loaded(t, backend)
			tests := []struct {
				name   string
				f      report.Filter
				cond   string
				args   []any
				groups int
			}{
				// Each day: the agent-first callbacks in the virtual callbacks'
				// queue; the declined in-queue ones in the inbound calls'
				// queue; the others in the outbound calls' queue, by type
				// and channel.
				{name: "all", cond: "1 = 1", groups: 2 * 5},
				{name: "in-queue channel", f: report.Filter{Channel: "IVR"}, cond: "D1.CHANNEL = ?", args: []any{"IVR"}, groups: 2 * 2},
				{name: "scheduled", f: report.Filter{Type: "SCHEDULED"}, cond: "D1.CALLBACK_TYPE = ?", args: []any{"SCHEDULED"}, groups: 2},
				{name: "second day", f: report.Filter{From: "2026-11-22", To: "2026-11-22"}, cond: "DT.LABEL_YYYY_MM_DD = ?", args: []any{"2026-11-22"}, groups: 5},
				{name: "one service", f: report.Filter{Service: "SVC-1121-4"}, cond: "F.SERVICE_ID = ?", args: []any{"SVC-1121-4"}, groups: 1},
				{name: "by hour", f: report.Filter{By: report.ByHour, To: "2026-11-21"}, cond: "DT.LABEL_YYYY_MM_DD <= ?", args: []any{"2026-11-21"}, groups: 10},
				{name: "no such queue", f: report.Filter{Queue: "VQ_None"}, cond: "1 = 0"},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					rows, err := report.Summary(ctx, s, tt.f)
					require.NoError(t, err)
					assert.Len(t, rows, tt.groups)
					got := report.Total(rows)
					c := func(extra string) int64 { return count(t, s, tt.cond+" AND "+extra, tt.args...) }
					want := report.SummaryRow{
						Offered: c("F.CALLBACK_OFFERED = 1"), Accepted: c("F.CALLBACK_ACCEPTED = 1"),
						Declined:  c("F.CALLBACK_OFFERED = 1 AND F.CALLBACK_ACCEPTED = 0 AND D4.ABANDONED_DURING_CB_OFFER = 0"),
						Attempted: c("F.CALLBACK_ATTEMPTS > 0"), Connected: c("F.CUSTOMER_CONNECTED_TS > 0"),
						Cancelled: c("D3.DISPOSITION LIKE '%.CANCELLED'"), Abandoned: c("F.ABANDONED_WAITING = 1"),
						Successful: c("F.AGENT_ADDED_TO_IXN = 1"),
					}
					assert.Equal(t, want, got)
					if tt.name == "all" {
						// Six paths, three runs each: all offered, five of six
						// accepted, one declined, five attempted, four connected
						// and successful.
						assert.Equal(t, report.SummaryRow{Offered: 18, Accepted: 15, Declined: 3, Attempted: 15, Connected: 12, Successful: 12}, got)
						assert.InDelta(t, 100*3/18.0, got.DeclinedPct(), 1e-9)
						assert.InDelta(t, 100*12/15.0, got.ConnectedPct(), 1e-9)
					}
				})
			}
		})
	}
}

func TestDetails(t *testing.T) {
	for _, backend := range dbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			s := loaded(t, backend)
			rows, err := report.Details(context.Background(), s, report.Filter{Service: "SVC-1121-1"})
			require.NoError(t, err)
			require.Len(t, rows, 1)
			r := rows[0]
			// The busy path of the second run: started 20 minutes after
			// the epoch, two busy attempts a minute apart.
			start := int64(fixture.T0 + 20*60)
			assert.Equal(t, report.DetailRow{Day: "2026-11-21", Service: "SVC-1121-1", Tenant: "Environment", Queue: "VQ_Callback_Outbound",
				Type: "IMMEDIATE", Channel: "UNKNOWN", OfferType: "IMMEDIATE", ConnectOrder: "CUSTOMER_FIRST", OfferTiming: "ON-HOURS",
				CallDirection: "CUSTOMER_TERMINATED", ServiceStart: start, Offered: start, Accepted: start, ReadyToStart: start,
				Finished: start + 60, Attempts: 2, DialTimes: [5]int64{start, start + 60},
				DialResults: [5]string{"BUSY", "BUSY", "UNKNOWN", "UNKNOWN", "UNKNOWN"}, FinalDialResult: "BUSY", DialogResult: "UNKNOWN",
				Disposition: "QUEUED.REDIAL_LIMIT_REACHED", FinalTarget: "UNKNOWN", FirstCall: "200001", LastCall: "200002"}, r)
			all, err := report.Details(context.Background(), s, report.Filter{})
			require.NoError(t, err)
			assert.Len(t, all, 18)
			limited, err := report.Details(context.Background(), s, report.Filter{Limit: 5})
			require.NoError(t, err)
			assert.Equal(t, all[:5], limited)
		})
	}
}

func TestFilterErrors(t *testing.T) {
	tests := []struct{ query, want string }{
		{"from=yesterday", `filter from: "yesterday" is not a date`},
		{"from=2026-11-22&to=2026-11-21", "ends (2026-11-21) before it starts (2026-11-22)"},
		{"by=week", `filter by: "week" is neither day nor hour`},
		{"colour=red", `unknown filter "colour"`},
	}
	s := dbtest.Open(t, "sqlite")
	srv := httptest.NewServer(report.Handler(s, report.HandlerOptions{}))
	defer srv.Close()
	for _, tt := range tests {
		q, err := url.ParseQuery(tt.query)
		require.NoError(t, err)
		_, err = report.ParseFilter(q)
		require.ErrorContains(t, err, tt.want)
		for _, page := range []string{"summary", "details.csv"} {
			resp, err := http.Get(srv.URL + "/" + page + "?" + tt.query)
			require.NoError(t, err)
			body, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			assert.Equal(t, http.StatusBadRequest, resp.StatusCode, page)
			assert.Contains(t, string(body), tt.want)
		}
	}
}

func TestPagesAndCSV(t *testing.T) {
	s := loaded(t, "sqlite")
	srv := httptest.NewServer(http.StripPrefix("/infomart", report.Handler(s, report.HandlerOptions{})))
	defer srv.Close()
	get := func(path string) (int, string, string) {
		resp, err := http.Get(srv.URL + "/infomart/" + path)
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
	}
	code, ctype, body := get("summary?channel=IVR")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, ctype, "text/html")
	assert.Contains(t, body, `<svg class="chart"`)
	assert.Contains(t, body, `href="summary.csv?channel=IVR"`)
	code, ctype, body = get("summary.csv?channel=IVR")
	require.Equal(t, http.StatusOK, code)
	assert.Contains(t, ctype, "text/csv")
	recs, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	require.NoError(t, err)
	rows, err := report.Summary(context.Background(), s, report.Filter{Channel: "IVR"})
	require.NoError(t, err)
	var want bytes.Buffer
	require.NoError(t, report.SummaryTable(rows, "").WriteCSV(&want))
	assert.Equal(t, want.String(), body)
	require.Len(t, recs, 1+len(rows)+1)
	assert.Equal(t, "TOTAL", recs[len(recs)-1][0])
	for _, p := range []string{"details", "details.csv", "rejections", "static/style.css", "static/report.js"} {
		code, _, _ := get(p)
		assert.Equal(t, http.StatusOK, code, p)
	}
	code, _, _ = get("")
	assert.Equal(t, http.StatusOK, code) // redirected to the summary
}

func TestText(t *testing.T) {
	tab := report.SummaryTable([]report.SummaryRow{{Tenant: "Environment", Queue: "Callback_VQ", Type: "IMMEDIATE", Channel: "IVR",
		Period: "2014-09-19", Offered: 391, Accepted: 364, Declined: 27, Attempted: 364, Connected: 364, Abandoned: 1, Successful: 363}}, "")
	// The seeds' sample row.
	assert.Equal(t, []string{"Environment", "Callback_VQ", "IMMEDIATE", "IVR", "2014-09-19", "391", "364", "27", "6.91%", "364", "364",
		"100.00%", "0.00%", "0.27%", "363"}, tab.Rows[0])
	var b bytes.Buffer
	require.NoError(t, tab.WriteText(&b))
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	require.Len(t, lines, 3)
	assert.True(t, strings.HasPrefix(lines[0], "Tenant"))
	assert.True(t, strings.HasPrefix(lines[2], "TOTAL"))
}
