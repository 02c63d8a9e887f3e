package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/orca-scxml/orca/server"
	"github.com/orca-scxml/orca/telephony/sim"
)

// demo is one run of "orca serve --demo": the callbacks it places and
// what it has seen of them.
type demo struct {
	srv  *server.Server
	sim  *sim.Sim
	scfg sim.Config
	cfg  server.Config
	f    serveFlags
	out  io.Writer
	// tty redraws the table in place; otherwise a row is printed again
	// each time it changes (and with --verbose not at all).
	tty   bool
	rows  []demoRow
	drawn int
}

// demoRow is one callback of the demo, as the table shows it.
type demoRow struct {
	number, id    string
	requested     bool
	state, reason string
	// dials are the results of the dial attempts to the customer, in
	// order ("ringing" while one rings).
	dials []string
	// final is set once the callback's final UserEvent has reached the
	// reporting DN.
	final bool
	line  string
}

// demoPoll is how often the table is refreshed.
const demoPoll = 100 * time.Millisecond

// run places the scenario's callbacks on time and shows them progress
// until every one has completed and sent its final UserEvent. It returns
// exitTimeout when --timeout expires first, exitFail when interrupted or
// a request fails.
func (d *demo) run(ctx context.Context) int {
	ctx, cancel := context.WithTimeout(ctx, d.f.timeout)
	defer cancel()
	plan := d.scfg.Plan()
	d.rows = make([]demoRow, len(plan))
	for i, r := range plan {
		d.rows[i].number = r.Params["_customer_number"]
	}
	if !d.f.verbose {
		fmt.Fprintln(d.out, demoHeader)
	}
	begin := time.Now()
	tick := time.NewTicker(demoPoll)
	defer tick.Stop()
	next := 0
	for {
		for next < len(plan) && time.Since(begin) >= time.Duration(float64(plan[next].At)/d.scfg.Speed) {
			r := plan[next]
			form := url.Values{}
			for k, v := range r.Params {
				form.Set(k, v)
			}
			id, err := postCallback(ctx, d.srv.URL(), r.Service, form, d.auth())
			if err != nil {
				d.draw()
				fmt.Fprintf(d.out, "orca serve --demo: callback %d: %v\n", r.Index+1, err)
				return exitFail
			}
			d.rows[next].id, d.rows[next].requested = id, true
			if d.f.verbose {
				fmt.Fprintf(d.out, "# callback %d/%d for %s requested: _id=%s\n", r.Index+1, len(plan), form.Get("_customer_number"), id)
			}
			next++
		}
		d.refresh(ctx)
		d.draw()
		if next == len(plan) && d.done() {
			if d.f.verbose {
				fmt.Fprintln(d.out, "\n"+demoHeader)
				for i := range d.rows {
					fmt.Fprintln(d.out, d.rowLine(i))
				}
			}
			return exitOK
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			completed := 0
			for _, r := range d.rows {
				if r.state == "COMPLETED" {
					completed++
				}
			}
			if ctx.Err() == context.DeadlineExceeded {
				fmt.Fprintf(d.out, "orca serve --demo: %d of %d callbacks completed within --timeout %v\n", completed, len(d.rows), d.f.timeout)
				return exitTimeout
			}
			fmt.Fprintf(d.out, "orca serve --demo: interrupted; %d of %d callbacks completed\n", completed, len(d.rows))
			return exitFail
		}
	}
}

// done reports whether every callback has completed and its final
// UserEvent has arrived.
func (d *demo) done() bool {
	for _, r := range d.rows {
		if r.state != "COMPLETED" || !r.final {
			return false
		}
	}
	return true
}

// refresh reads the callbacks' states from the GMS API, their dial
// attempts from the simulator, and which have sent their final UserEvent
// from the simulator's monitor of the reporting DN.
func (d *demo) refresh(ctx context.Context) {
	var list []map[string]string
	if err := doJSON(ctx, http.MethodGet, d.srv.URL()+"/genesys/1/service/callback/"+url.PathEscape(d.scfg.Requests.Service), nil, d.auth(), &list); err == nil {
		byID := make(map[string]map[string]string, len(list))
		for _, c := range list {
			byID[c["_id"]] = c
		}
		for i := range d.rows {
			if c, ok := byID[d.rows[i].id]; ok {
				d.rows[i].state, d.rows[i].reason = c["_callback_state"], c["_callback_reason"]
			}
		}
	}
	dials := map[string][]string{}
	for _, c := range d.sim.Calls() {
		if c.CallType != "Outbound" {
			continue
		}
		res := dialResult(c.Result)
		if c.State == sim.CallDialing {
			res = "ringing"
		}
		dials[c.DNIS] = append(dials[c.DNIS], res)
	}
	finals := map[string]bool{}
	for _, r := range d.sim.UserEvents() {
		ud := r.Message.UserData
		if ud.String("_CB_FINAL_RECORD") == "1" {
			finals[ud.String("_CB_SERVICE_ID")] = true
		}
	}
	for i := range d.rows {
		r := &d.rows[i]
		if r.requested {
			r.dials = dials[r.number]
			r.final = finals[r.id]
		}
	}
}

// dialResult names a call progress result in the table.
func dialResult(r sim.Result) string {
	switch r {
	case sim.ResultAnswer:
		return "answer"
	case sim.ResultBusy:
		return "busy"
	case sim.ResultNoAnswer:
		return "no answer"
	case sim.ResultAnsweringMachine:
		return "machine"
	case sim.ResultFax:
		return "fax"
	}
	return string(r)
}

// demoHeader is the table's header line.
const demoHeader = "  #  customer  callback  state       attempts               result"

// rowLine formats row i of the table.
func (d *demo) rowLine(i int) string {
	r := d.rows[i]
	state, id := "waiting", "-"
	if r.requested {
		state, id = r.state, r.id
		if state == "" {
			state = "requested"
		}
		if len(id) > 8 {
			id = id[:8]
		}
	}
	attempts := ""
	if len(r.dials) > 0 {
		attempts = fmt.Sprintf("%d: %s", len(r.dials), strings.Join(r.dials, ", "))
	}
	result := r.reason
	if r.state == "COMPLETED" && !r.final {
		result += " (final UserEvent on its way)"
	}
	return strings.TrimRight(fmt.Sprintf("%3d  %-8s  %-8s  %-10s  %-21s  %s", i+1, r.number, id, state, attempts, result), " ")
}

// draw shows the rows that changed: in place on a terminal, as new lines
// otherwise; nothing with --verbose, whose log is the T-Server one.
func (d *demo) draw() {
	if d.f.verbose {
		return
	}
	if !d.tty {
		for i := range d.rows {
			if line := d.rowLine(i); line != d.rows[i].line {
				d.rows[i].line = line
				fmt.Fprintln(d.out, line)
			}
		}
		return
	}
	width := terminalWidth(d.out)
	var b strings.Builder
	if d.drawn > 0 {
		// Back to the first row.
		fmt.Fprintf(&b, "\x1b[%dF", d.drawn)
	}
	for i := range d.rows {
		line := d.rowLine(i)
		if width > 1 && len(line) >= width {
			line = line[:width-1]
		}
		b.WriteString("\x1b[2K")
		b.WriteString(line)
		b.WriteByte('\n')
	}
	d.drawn = len(d.rows)
	io.WriteString(d.out, b.String())
}

// auth is the header the demo's requests carry: the configured API
// credentials, if any.
func (d *demo) auth() http.Header {
	h := http.Header{}
	switch c := d.cfg.HTTP; {
	case c.Token != "":
		h.Set("Authorization", "Bearer "+c.Token)
	case c.User != "":
		r, _ := http.NewRequest(http.MethodGet, "/", nil)
		r.SetBasicAuth(c.User, c.Password)
		h.Set("Authorization", r.Header.Get("Authorization"))
	}
	return h
}

// postCallback requests a callback of service and returns its _id.
func postCallback(ctx context.Context, base, service string, form url.Values, h http.Header) (string, error) {
	var res struct {
		ID string `json:"_id"`
	}
	if err := doJSON(ctx, http.MethodPost, base+"/genesys/1/service/callback/"+url.PathEscape(service), form, h, &res); err != nil {
		return "", err
	}
	if res.ID == "" {
		return "", fmt.Errorf("no _id in the answer")
	}
	return res.ID, nil
}

// doJSON makes a request with an optional form and header and decodes the
// JSON answer into v; an answer other than 200 is an error with its
// message.
func doJSON(ctx context.Context, method, u string, form url.Values, h http.Header, v any) error {
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return err
	}
	for k, vs := range h {
		req.Header[k] = vs
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s %s: %s: %s", method, u, resp.Status, data)
	}
	return json.Unmarshal(data, v)
}
