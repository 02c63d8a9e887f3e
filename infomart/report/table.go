package report

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"
	"time"
)

// Table is a report as rows of cells, with its header: what the CSV, the
// terminal and the pages show.
type Table struct {
	Header []string
	Rows   [][]string
	// Total is the row of totals (summary only).
	Total []string
}

// Pct formats a percentage as the reports show it: two decimals and %.
func Pct(p float64) string { return strconv.FormatFloat(p, 'f', 2, 64) + "%" }

func itoa(n int64) string { return strconv.FormatInt(n, 10) }

// SummaryTable lays out summary rows; by names the period column.
func SummaryTable(rows []SummaryRow, by string) Table {
	period := "Day"
	if by == ByHour {
		period = "Hour"
	}
	t := Table{Header: []string{"Tenant", "Queue", "Callback Type", "Channel", period, "Offered", "Accepted", "Declined",
		"Declined %", "Attempted", "Customer Connected", "Customer Connected %", "% Cancelled", "% Abandoned", "Success"}}
	cells := func(r SummaryRow) []string {
		return []string{r.Tenant, r.Queue, r.Type, r.Channel, r.Period, itoa(r.Offered), itoa(r.Accepted), itoa(r.Declined),
			Pct(r.DeclinedPct()), itoa(r.Attempted), itoa(r.Connected), Pct(r.ConnectedPct()), Pct(r.CancelledPct()),
			Pct(r.AbandonedPct()), itoa(r.Successful)}
	}
	for _, r := range rows {
		t.Rows = append(t.Rows, cells(r))
	}
	tot := Total(rows)
	tot.Tenant = "TOTAL"
	t.Total = cells(tot)
	return t
}

// DetailsTable lays out detail rows, times in loc.
func DetailsTable(rows []DetailRow, loc *time.Location) Table {
	ts := func(s int64) string {
		if s == 0 {
			return ""
		}
		return time.Unix(s, 0).In(loc).Format("2006-01-02 15:04:05")
	}
	t := Table{Header: []string{"Day", "Service ID", "Tenant", "Queue", "Callback Type", "Channel", "Offer Type", "Connect Order",
		"Offer Timing", "Call Direction", "Service Start", "Offered", "Accepted", "Ready to Start", "Customer Connected", "Service End",
		"Waited Before Offer", "Offer Time", "Waiting Offline", "Establish Time", "Waiting for Agent", "Attempts",
		"Dial 1", "Dial 1 Result", "Dial 2", "Dial 2 Result", "Dial 3", "Dial 3 Result", "Dial 4", "Dial 4 Result", "Dial 5", "Dial 5 Result",
		"Final Dial Result", "Dialog Result", "Disposition", "Final Target", "Agent Added", "Abandoned", "Timed Out",
		"Customer ANI", "First Call", "Last Call"}}
	for _, r := range rows {
		c := []string{r.Day, r.Service, r.Tenant, r.Queue, r.Type, r.Channel, r.OfferType, r.ConnectOrder, r.OfferTiming, r.CallDirection,
			ts(r.ServiceStart), ts(r.Offered), ts(r.Accepted), ts(r.ReadyToStart), ts(r.CustomerConnected), ts(r.Finished),
			itoa(r.WaitedBeforeOffer), itoa(r.OfferTime), itoa(r.WaitOffline), itoa(r.Establish), itoa(r.WaitAgent), itoa(r.Attempts)}
		for i := range 5 {
			res := r.DialResults[i]
			if r.DialTimes[i] == 0 && res == "UNKNOWN" {
				res = ""
			}
			c = append(c, ts(r.DialTimes[i]), res)
		}
		c = append(c, r.FinalDialResult, r.DialogResult, r.Disposition, r.FinalTarget, itoa(r.AgentAdded), itoa(r.Abandoned),
			itoa(r.TimedOut), r.ANI, r.FirstCall, r.LastCall)
		t.Rows = append(t.Rows, c)
	}
	return t
}

// RejectionsTable lays out rejections, times in loc.
func RejectionsTable(rows []Rejection, loc *time.Location) Table {
	t := Table{Header: []string{"Added", "Scope", "Service ID", "Final Record", "KVP", "Value", "Reason", "Message ID"}}
	for _, r := range rows {
		final := ""
		if r.Final.Valid {
			final = itoa(r.Final.Int64)
		}
		t.Rows = append(t.Rows, []string{time.Unix(r.Added, 0).In(loc).Format("2006-01-02 15:04:05"), r.Scope, r.Service, final,
			r.Key, r.Value, r.Reason, r.MsgID})
	}
	return t
}

// WriteCSV writes t as CSV (RFC 4180), the total last.
func (t Table) WriteCSV(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(t.Header); err != nil {
		return err
	}
	for _, r := range t.Rows {
		if err := cw.Write(r); err != nil {
			return err
		}
	}
	if t.Total != nil {
		if err := cw.Write(t.Total); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteText writes t as aligned columns for a terminal.
func (t Table) WriteText(w io.Writer) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	line := func(cells []string) {
		clean := make([]string, len(cells))
		for i, c := range cells {
			clean[i] = strings.NewReplacer("\t", " ", "\n", " ").Replace(c)
			if clean[i] == "" {
				clean[i] = "-"
			}
		}
		fmt.Fprintln(tw, strings.Join(clean, "\t"))
	}
	line(t.Header)
	for _, r := range t.Rows {
		line(r)
	}
	if t.Total != nil {
		line(t.Total)
	}
	return tw.Flush()
}
