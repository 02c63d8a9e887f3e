package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/orca-scxml/orca/bridge"

	"github.com/orca-scxml/orca/infomart"
	"github.com/orca-scxml/orca/infomart/report"
	"github.com/orca-scxml/orca/infomart/store"
)

// defaultInfoMartDB is the database of "orca infomart" without --db or
// ORCA_INFOMART_DB.
const defaultInfoMartDB = "infomart.db"

// infoMartDBVar names the Info Mart database of "orca infomart" and
// "orca serve" (infomart.db).
const infoMartDBVar = "ORCA_INFOMART_DB"

// runInfoMart is "orca infomart": the Info Mart side (run), its reports
// and its rejections.
func runInfoMart(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	usage := func() {
		fmt.Fprint(stderr, `usage: orca infomart COMMAND [flags]

commands:
  run          read the reporting DN's events from NATS into the database and transform them; serve the reports
  report       print the Callback Summary or Callback Details report (report summary|details [filters] [--csv])
  rejections   print the UserEvents and KVPs the transform refused

run "orca infomart COMMAND -h" for the flags of a command
`)
	}
	if len(args) == 0 {
		fmt.Fprintln(stderr, "orca infomart: missing command: run, report or rejections")
		usage()
		return exitUsage
	}
	switch args[0] {
	case "run":
		return infoMartRun(ctx, args[1:], stdout, stderr)
	case "report":
		return infoMartReport(ctx, args[1:], stdout, stderr)
	case "rejections":
		return infoMartRejections(ctx, args[1:], stdout, stderr)
	case "help", "-h", "-help", "--help":
		usage()
		return exitOK
	}
	if strings.HasPrefix(args[0], "-") {
		fmt.Fprintf(stderr, "orca infomart: %s before the command: flags go after run, report or rejections\n", args[0])
		usage()
		return exitUsage
	}
	fmt.Fprintf(stderr, "orca infomart: unknown command %q\n", args[0])
	usage()
	return exitUsage
}

// dbFlag is the --db flag: a path or URL, ORCA_INFOMART_DB by default.
func dbFlag(fs interface {
	StringVar(*string, string, string, string)
}, p *string) {
	def := os.Getenv(infoMartDBVar)
	if def == "" {
		def = defaultInfoMartDB
	}
	fs.StringVar(p, "db", def, "database: a SQLite file path or a postgres:// URL (env ORCA_INFOMART_DB)")
}

func infoMartRun(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("infomart run", "--db URL|PATH [--server URL] [--listen ADDR] [--switch S] [--dn DN] [--duration DUR]", stderr)
	var db string
	dbFlag(fs, &db)
	var bf busFlags
	bf.register(fs)
	listen := fs.String("listen", "127.0.0.1:8090", "address of the report pages (empty: none)")
	sw := fs.String("switch", "", "only events of this switch (default: every switch)")
	dn := fs.String("dn", "REPORTING", "the reporting DN whose UserEvents are stored (empty: every DN)")
	durable := fs.String("durable", "infomart", "name of the durable consumer of the reporting stream")
	tz := fs.String("tz", "UTC", "time zone of the reports' days and hours")
	duration := fs.Duration("duration", 0, "stop after this long (0: run until interrupted)")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, stderr, "infomart run", "unexpected argument %q: it takes flags only", pos[0])
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		fmt.Fprintf(stderr, "orca infomart run: --tz: %v\n", err)
		return exitUsage
	}
	if *duration > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, *duration)
		defer stop()
	}
	logf := func(err error) { fmt.Fprintf(stderr, "orca infomart run: %v\n", err) }
	mart, err := infomart.New(ctx, infomart.Options{DB: db, Location: loc, Log: logf})
	if err != nil {
		fmt.Fprintf(stderr, "orca infomart run: %v\n", err)
		return exitFail
	}
	defer mart.Close()
	nc, _, err := bf.connect(bridge.RoleReader, "orca-infomart")
	if err != nil {
		fmt.Fprintf(stderr, "orca infomart run: %v\n", err)
		return exitFail
	}
	defer nc.Close()
	if err := mart.Ingest(ctx, nc, infomart.BusOptions{Switch: *sw, DN: *dn, Durable: *durable}); err != nil {
		fmt.Fprintf(stderr, "orca infomart run: %v\n", err)
		return exitFail
	}
	fmt.Fprintf(stderr, "orca infomart run: %s; reading %s (switch %s, dn %s)\n", mart.Store(), nc.ConnectedUrlRedacted(), orAny(*sw), orAny(*dn))
	if *listen != "" {
		ln, err := net.Listen("tcp", *listen)
		if err != nil {
			fmt.Fprintf(stderr, "orca infomart run: --listen: %v\n", err)
			return exitFail
		}
		mux := http.NewServeMux()
		mux.Handle("/infomart/", http.StripPrefix("/infomart", mart.Handler()))
		mux.Handle("/{$}", http.RedirectHandler("/infomart/summary", http.StatusFound))
		hs := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
		go func() {
			if err := hs.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				logf(err)
			}
		}()
		defer func() {
			sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = hs.Shutdown(sctx)
		}()
		fmt.Fprintf(stdout, "reports: http://%s/infomart/summary\n", ln.Addr())
	}
	<-ctx.Done()
	return exitOK
}

// infoMartReport is "orca infomart report": a report on the terminal.
func infoMartReport(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("infomart report", "summary|details [--db URL|PATH] [--from DATE] [--to DATE] [--service ID] [--queue VQ] [--channel C] [--type T] [--tenant T] [--by day|hour] [--csv]", stderr)
	var db string
	dbFlag(fs, &db)
	var f report.Filter
	fs.StringVar(&f.From, "from", "", "first day the services started (YYYY-MM-DD)")
	fs.StringVar(&f.To, "to", "", "last day the services started (YYYY-MM-DD)")
	fs.StringVar(&f.Service, "service", "", "only this service id")
	fs.StringVar(&f.Queue, "queue", "", "only this virtual queue")
	fs.StringVar(&f.Channel, "channel", "", "only this channel (IVR, WEB, MOBILE, UNKNOWN)")
	fs.StringVar(&f.Type, "type", "", "only this callback type (IMMEDIATE, WAIT_FOR_AGENT, SCHEDULED, UNKNOWN)")
	fs.StringVar(&f.Tenant, "tenant", "", "only this tenant")
	fs.StringVar(&f.By, "by", "day", "summary period: day or hour")
	fs.IntVar(&f.Limit, "limit", 1000, "most rows of the details")
	tz := fs.String("tz", "UTC", "time zone of the details' times")
	asCSV := fs.Bool("csv", false, "print CSV")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	switch {
	case len(pos) == 0:
		return usageError(fs, stderr, "infomart report", "missing the report: summary or details")
	case pos[0] != "summary" && pos[0] != "details":
		return usageError(fs, stderr, "infomart report", "unknown report %q: want summary or details", pos[0])
	case len(pos) > 1:
		return usageError(fs, stderr, "infomart report", "unexpected argument %q after %s", pos[1], pos[0])
	}
	if err := f.Check(); err != nil {
		fmt.Fprintf(stderr, "orca infomart report: %v\n", err)
		return exitUsage
	}
	loc, err := time.LoadLocation(*tz)
	if err != nil {
		fmt.Fprintf(stderr, "orca infomart report: --tz: %v\n", err)
		return exitUsage
	}
	st, code := openInfoMart(ctx, db, stderr)
	if st == nil {
		return code
	}
	defer st.Close()
	var t report.Table
	if pos[0] == "summary" {
		rows, err := report.Summary(ctx, st, f)
		if err != nil {
			fmt.Fprintf(stderr, "orca infomart report: %v\n", err)
			return exitFail
		}
		t = report.SummaryTable(rows, f.By)
	} else {
		rows, err := report.Details(ctx, st, f)
		if err != nil {
			fmt.Fprintf(stderr, "orca infomart report: %v\n", err)
			return exitFail
		}
		t = report.DetailsTable(rows, loc)
	}
	return writeTable(t, *asCSV, stdout, stderr)
}

func infoMartRejections(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("infomart rejections", "[--db URL|PATH] [--limit N] [--csv]", stderr)
	var db string
	dbFlag(fs, &db)
	limit := fs.Int("limit", 100, "most rejections, newest first")
	asCSV := fs.Bool("csv", false, "print CSV")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, stderr, "infomart rejections", "unexpected argument %q: it takes flags only", pos[0])
	}
	st, code := openInfoMart(ctx, db, stderr)
	if st == nil {
		return code
	}
	defer st.Close()
	rows, err := report.Rejections(ctx, st, *limit)
	if err != nil {
		fmt.Fprintf(stderr, "orca infomart rejections: %v\n", err)
		return exitFail
	}
	return writeTable(report.RejectionsTable(rows, time.UTC), *asCSV, stdout, stderr)
}

// openInfoMart opens an existing database for reading reports.
func openInfoMart(ctx context.Context, db string, stderr io.Writer) (*store.Store, int) {
	if !store.IsURL(db) {
		if _, err := os.Stat(db); err != nil {
			fmt.Fprintf(stderr, "orca infomart: %s: no such database (give --db, or run \"orca infomart run\" first)\n", db)
			return nil, exitFail
		}
	}
	st, err := store.Open(ctx, db)
	if err != nil {
		fmt.Fprintf(stderr, "orca infomart: %v\n", err)
		return nil, exitFail
	}
	return st, exitOK
}

func writeTable(t report.Table, asCSV bool, stdout, stderr io.Writer) int {
	var err error
	if asCSV {
		err = t.WriteCSV(stdout)
	} else {
		err = t.WriteText(stdout)
	}
	if err != nil {
		fmt.Fprintf(stderr, "orca infomart: %v\n", err)
		return exitFail
	}
	return exitOK
}
