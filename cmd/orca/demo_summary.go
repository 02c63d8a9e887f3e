package main

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/orca-scxml/orca/infomart/report"
	"github.com/orca-scxml/orca/infomart/store"
	"github.com/orca-scxml/orca/server"
	"github.com/orca-scxml/orca/telephony/sim"
)

// demoReasons explain the _callback_reason values a demo's callbacks end
// with (the templates' lifecycle, docs/reporting.md).
var demoReasons = map[string]string{
	"AGENT_CONNECTED":          "the customer answered and was connected to an agent",
	"FAIL_CALL_TO_CUSTOMER":    "no dial attempt reached the customer within _max_dial_attempts",
	"CANCELLED":                "the callback was cancelled (DELETE, or the server stopped)",
	"FAIL_TIMEOUT_TTL":         "_ttl passed before an agent was found",
	"FAIL_QUEUEING":            "the queue refused the callback",
	"FAIL_INTERACTION_DELETED": "the customer's interaction ended before the callback",
}

// martCounts is what the Info Mart side holds of the demo's callbacks.
type martCounts struct {
	facts, finals, rejections int
	// details are the final CALLBACK_FACT rows, by service id.
	details map[string]report.DetailRow
}

// waitInfoMart waits until the Info Mart side has a final CALLBACK_FACT
// row for every callback, at most demoInfoMartWait, and counts what it
// holds of them.
func (d *demo) waitInfoMart(ctx context.Context) (martCounts, error) {
	st := d.srv.InfoMart().Store()
	ids := make([]string, len(d.rows))
	for i, r := range d.rows {
		ids[i] = r.id
	}
	ctx, cancel := context.WithTimeout(ctx, demoInfoMartWait)
	defer cancel()
	c := martCounts{details: map[string]report.DetailRow{}}
	for {
		for _, id := range ids {
			if _, ok := c.details[id]; ok {
				continue
			}
			rows, err := report.Details(ctx, st, report.Filter{Service: id})
			if err != nil {
				return c, err
			}
			if len(rows) > 0 {
				c.details[id] = rows[len(rows)-1]
			}
		}
		if len(c.details) == len(ids) || ctx.Err() != nil {
			break
		}
		select {
		case <-ctx.Done():
		case <-time.After(demoPoll):
		}
	}
	in := strings.TrimSuffix(strings.Repeat("?,", len(ids)), ",")
	args := make([]any, len(ids))
	for i, id := range ids {
		args[i] = id
	}
	q := func(sql string, into *int) error {
		return st.DB().QueryRowContext(context.WithoutCancel(ctx), st.Rebind(sql), args...).Scan(into)
	}
	if err := q("SELECT COUNT(*) FROM CALLBACK_FACT WHERE SERVICE_ID IN ("+in+")", &c.facts); err != nil {
		return c, err
	}
	if err := q("SELECT COUNT(*) FROM CALLBACK_FACT WHERE FINAL_RECORD = 1 AND SERVICE_ID IN ("+in+")", &c.finals); err != nil {
		return c, err
	}
	if err := q("SELECT COUNT(*) FROM ORCA_REJECTION WHERE SERVICE_ID IN ("+in+")", &c.rejections); err != nil {
		return c, err
	}
	return c, nil
}

// summary explains how the callbacks ended, what reporting sent and what
// the Info Mart side made of it.
func (d *demo) summary(ctx context.Context) {
	w := d.out
	reasons := map[string]int{}
	dials := map[string]int{}
	attempts := 0
	ours := map[string]bool{}
	for _, r := range d.rows {
		reasons[r.reason]++
		attempts += len(r.dials)
		for _, res := range r.dials {
			dials[res]++
		}
		ours[r.id] = true
	}
	fmt.Fprintf(w, "\n%s to service %s completed (GMS _callback_state), by _callback_reason:\n",
		plural(len(d.rows), "callback"), d.scfg.Requests.Service)
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	for _, r := range slices.Sorted(maps.Keys(reasons)) {
		fmt.Fprintf(tw, "  %d\t%s\t%s\n", reasons[r], r, demoReasons[r])
	}
	tw.Flush()
	var parts []string
	for _, res := range slices.Sorted(maps.Keys(dials)) {
		parts = append(parts, fmt.Sprintf("%s %d", res, dials[res]))
	}
	o := d.scfg.Customers.Odds
	var odds []string
	for _, w := range []struct {
		res sim.Result
		w   float64
	}{{sim.ResultAnswer, o.Answer}, {sim.ResultBusy, o.Busy}, {sim.ResultNoAnswer, o.NoAnswer},
		{sim.ResultAnsweringMachine, o.AnsweringMachine}, {sim.ResultFax, o.Fax}, {sim.ResultErrorTone, o.ErrorTone}} {
		if w.w > 0 {
			odds = append(odds, fmt.Sprintf("%s %g", dialResult(w.res), w.w))
		}
	}
	fmt.Fprintf(w, "Dial attempts: %d (%s); the simulated customers' odds: %s\n",
		attempts, strings.Join(parts, ", "), strings.Join(odds, ", "))
	events := 0
	for _, r := range d.sim.UserEvents() {
		if ours[r.Message.UserData.String("_CB_SERVICE_ID")] {
			events++
		}
	}
	st := d.srv.Stats()
	fmt.Fprintf(w, "Reporting: %d UserEvents at the reporting DN %s, a start and a final one per\n", events, d.scfg.Switch.ReportingDN)
	fmt.Fprintf(w, "  callback; JetStream stored %d messages (UserEvents and attached data), %d pending, %d failed\n",
		st.Published, st.Pending, st.Failed)

	c, err := d.waitInfoMart(ctx)
	fmt.Fprintf(w, "Info Mart (%s):\n", d.srv.InfoMart().Store())
	if err != nil {
		fmt.Fprintf(w, "  cannot read it: %v\n", err)
		return
	}
	fmt.Fprintf(w, "  CALLBACK_FACT   %d rows, one per UserEvent; %d final records, one per callback:\n", c.facts, c.finals)
	counts := map[string]int{}
	for _, r := range c.details {
		counts[fmt.Sprintf("%s after %s (%s)", r.Disposition, plural(int(r.Attempts), "attempt"), r.FinalDialResult)]++
	}
	for _, k := range slices.Sorted(maps.Keys(counts)) {
		fmt.Fprintf(w, "                  %d %s\n", counts[k], k)
	}
	if n := len(d.rows) - len(c.details); n > 0 {
		fmt.Fprintf(w, "                  %d not there yet: the Info Mart side reads the bus on its own\n", n)
	}
	if c.rejections == 0 {
		fmt.Fprintln(w, "  ORCA_REJECTION  0 rows: nothing of these callbacks was refused")
	} else {
		fmt.Fprintf(w, "  ORCA_REJECTION  %d rows: UserEvents or KVPs the transform refused\n", c.rejections)
	}
}

// infoMartFlags are the flags with which "orca infomart" reads the demo's
// database.
func (d *demo) infoMartFlags() string {
	db := d.cfg.InfoMart.DB
	if store.IsURL(db) {
		return "--db '" + db + "'"
	}
	return "--db " + db
}

// busFlags are the flags with which "orca events" finds the demo's bus.
func (d *demo) busFlags() string {
	if dir := d.cfg.NATS.DataDir; dir != "" && dir != server.DefaultDataDir {
		return " --data " + dir
	}
	return ""
}

// next says where to look once the demo has ended.
func (d *demo) next() {
	db := d.infoMartFlags()
	fmt.Fprintf(d.out, `
Where to look next:
  orca infomart report summary %[1]s
      the Callback Summary report; "report details" lists every callback
  orca infomart rejections %[1]s
      what the Info Mart side refused, and why
  the demo's command with --stay
      keeps serving after the callbacks: the console at %[2]s/ (every
      callback's session, its statechart and history), the reports at
      %[2]s/infomart/summary, and "orca events --replay%[3]s" in another
      terminal shows the UserEvents
`, db, d.srv.URL(), d.busFlags())
}

// staying says what can be looked at while --stay keeps the server up.
func (d *demo) staying() {
	fmt.Fprintf(d.out, `
Serving until interrupted (Ctrl-C). Meanwhile:
  %[2]s/
      the console: the sessions, each callback's statechart and history
  %[2]s/infomart/summary
      the Callback Summary report (details and rejections beside it)
  orca events --replay%[3]s
      every UserEvent on the bus, as it was sent
  orca infomart report summary %[1]s
      the same report on the terminal
  curl %[2]s/genesys/1/service/callback/%[4]s
      the callbacks, as the GMS API answers
`, d.infoMartFlags(), d.srv.URL(), d.busFlags(), d.scfg.Requests.Service)
}

// plural returns "n word" or "n words".
func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}
