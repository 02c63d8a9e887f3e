package report_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/infomart/internal/dbtest"
	"github.com/orca-scxml/orca/infomart/report"
	"github.com/orca-scxml/orca/internal/testenv"
)

// TestBrowser loads both report pages in headless Chromium, applies a
// filter with the form, and checks the figures shown, the chart and the
// CSV export against SQL over the rows in the database.
func TestBrowser(t *testing.T) {
	exec := testenv.Chromium(t)
	for _, backend := range dbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			s := loaded(t, backend)
			srv := httptest.NewServer(http.StripPrefix("/infomart", report.Handler(s, report.HandlerOptions{})))
			defer srv.Close()

			opts := append(chromedp.DefaultExecAllocatorOptions[:], chromedp.ExecPath(exec), chromedp.NoSandbox,
				chromedp.Headless, chromedp.DisableGPU, chromedp.Flag("disable-dev-shm-usage", true))
			actx, cancel := chromedp.NewExecAllocator(context.Background(), opts...)
			defer cancel()
			ctx, cancel := chromedp.NewContext(actx)
			defer cancel()
			ctx, cancel = context.WithTimeout(ctx, 60*time.Second)
			defer cancel()

			// The summary, filtered on the IVR channel with the form.
			require.NoError(t, chromedp.Do(ctx,
				chromedp.Navigate(srv.URL+"/infomart/"),
				chromedp.WaitVisible(`table#summary`),
				chromedp.SetValue(`input[name=to]`, "2026-11-21"),
				chromedp.Click(`#apply`),
			))
			// The filtered page replaced the first; a list applies as soon
			// as it changes.
			waitPage(t, ctx, "to=2026-11-21")
			require.NoError(t, chromedp.Do(ctx, chromedp.SetValue(`select[name=channel]`, "IVR")))
			waitPage(t, ctx, "channel=IVR", "to=2026-11-21")
			require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(`table#summary tbody td[data-col="Offered"]`)))
			location, err := chromedp.Run(ctx, chromedp.Location())
			require.NoError(t, err)
			cells, err := chromedp.Run(ctx, chromedp.Evaluate[[]map[string]string](tableJS("summary")))
			require.NoError(t, err)
			bars, err := chromedp.Run(ctx, chromedp.Evaluate[map[string]string](`Object.fromEntries(Array.from(
				document.querySelectorAll("svg.chart rect[data-series]")).map(r => [r.dataset.period + "/" + r.dataset.series, r.dataset.value]))`))
			require.NoError(t, err)
			href, err := chromedp.Run(ctx, chromedp.AttributeValue(`#csv`, "href"))
			require.NoError(t, err)
			csvHref := href.Value
			u, err := url.Parse(location)
			require.NoError(t, err)
			assert.Equal(t, "/infomart/summary", u.Path)
			assert.Equal(t, "IVR", u.Query().Get("channel"))
			cond, args := "D1.CHANNEL = ? AND DT.LABEL_YYYY_MM_DD <= ?", []any{"IVR", "2026-11-21"}
			// The in-queue callbacks of the day: the accepted ones in the
			// outbound calls' queue, the declined ones in the inbound calls'.
			require.Len(t, cells, 2, "two queues, one type, channel and day")
			byQueue := map[string]map[string]string{}
			for _, c := range cells {
				byQueue[c["Queue"]] = c
			}
			n := func(queue, extra string) string {
				return strconv.FormatInt(count(t, s, cond+" AND F.RESOURCE_KEY IN (SELECT RESOURCE_KEY FROM RESOURCE_ WHERE RESOURCE_NAME = ?) AND "+extra,
					append(slices.Clone(args), queue)...), 10)
			}
			for queue, pcts := range map[string][3]string{
				"VQ_Callback_Outbound": {"0.00%", "100.00%", "0.00%"},
				"VQ_Callback_Inbound":  {"100.00%", "0.00%", "0.00%"},
			} {
				row := byQueue[queue]
				require.NotNil(t, row, queue)
				assert.Equal(t, map[string]string{
					"Tenant": "Environment", "Queue": queue, "Callback Type": "IMMEDIATE", "Channel": "IVR", "Day": "2026-11-21",
					"Offered": n(queue, "F.CALLBACK_OFFERED = 1"), "Accepted": n(queue, "F.CALLBACK_ACCEPTED = 1"),
					"Declined":   n(queue, "F.CALLBACK_OFFERED = 1 AND F.CALLBACK_ACCEPTED = 0 AND D4.ABANDONED_DURING_CB_OFFER = 0"),
					"Declined %": pcts[0], "Attempted": n(queue, "F.CALLBACK_ATTEMPTS > 0"), "Customer Connected": n(queue, "F.CUSTOMER_CONNECTED_TS > 0"),
					"Customer Connected %": pcts[1], "% Cancelled": "0.00%", "% Abandoned": pcts[2], "Success": n(queue, "F.AGENT_ADDED_TO_IXN = 1"),
				}, row, queue)
				assert.Equal(t, "2", row["Offered"], "%s: two in-queue runs that day", queue)
			}
			assert.Equal(t, "4", bars["2026-11-21/Offered"])
			assert.Equal(t, byQueue["VQ_Callback_Outbound"]["Success"], bars["2026-11-21/Success"])

			// The CSV export of the same filter.
			resp, err := http.Get(srv.URL + "/infomart/" + csvHref)
			require.NoError(t, err)
			recs, err := csv.NewReader(resp.Body).ReadAll()
			resp.Body.Close()
			require.NoError(t, err)
			require.Len(t, recs, 4, "the header, the two rows and the total")
			for _, rec := range recs[1:3] {
				row := map[string]string{}
				for i, h := range recs[0] {
					row[h] = rec[i]
				}
				assert.Equal(t, byQueue[row["Queue"]], row, "CSV row of %s", row["Queue"])
			}

			// The details, filtered on scheduled callbacks.
			require.NoError(t, chromedp.Do(ctx,
				chromedp.Navigate(srv.URL+"/infomart/details"),
				chromedp.WaitVisible(`table#details`),
				chromedp.SetValue(`select[name=type]`, "SCHEDULED"),
			))
			waitPage(t, ctx, "type=SCHEDULED")
			require.NoError(t, chromedp.Do(ctx, chromedp.WaitVisible(`table#details tbody td[data-col="Callback Type"]`)))
			details, err := chromedp.Run(ctx, chromedp.Evaluate[[]map[string]string](tableJS("details")))
			require.NoError(t, err)
			rows, err := s.DB().Query(`SELECT F.SERVICE_ID, F.WAIT_AGENT_OFFLINE_TIME, F.CALLBACK_ATTEMPTS FROM CALLBACK_FACT F
JOIN CALLBACK_DIM_1 D1 ON D1.ID = F.CALLBACK_DIM_1_KEY WHERE F.FINAL_RECORD = 1 AND D1.CALLBACK_TYPE = 'SCHEDULED'
ORDER BY F.SERVICE_START_TS, F.SERVICE_ID`)
			require.NoError(t, err)
			var want [][3]string
			for rows.Next() {
				var id string
				var wait, attempts int64
				require.NoError(t, rows.Scan(&id, &wait, &attempts))
				want = append(want, [3]string{id, strconv.FormatInt(wait, 10), strconv.FormatInt(attempts, 10)})
			}
			rows.Close()
			require.Len(t, want, 3)
			var got [][3]string
			for _, d := range details {
				assert.Equal(t, "SCHEDULED", d["Callback Type"])
				assert.Equal(t, "COMPLETED.AGENT", d["Disposition"])
				got = append(got, [3]string{d["Service ID"], d["Waiting Offline"], d["Attempts"]})
			}
			assert.Equal(t, want, got)
		})
	}
}

// tableJS reads the body rows of table#id as objects keyed by column.
func tableJS(id string) string {
	return `Array.from(document.querySelectorAll("table#` + id + ` tbody tr")).map(tr =>
		Object.fromEntries(Array.from(tr.children).map(td => [td.dataset.col, td.textContent])))`
}

// waitPage waits until the browser shows a loaded page whose URL has
// every part of want: the page a form submitted. Evaluations fail while
// the page navigates; they are tried again.
func waitPage(t *testing.T, ctx context.Context, want ...string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for {
		loc, err := chromedp.Run(ctx, chromedp.Location())
		done := err == nil
		for _, w := range want {
			done = done && strings.Contains(loc, w)
		}
		if done {
			state, err := chromedp.Run(ctx, chromedp.Evaluate[string](`document.readyState`))
			if err == nil && state == "complete" {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the browser never showed a page with %v (at %s, %v)", want, loc, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
