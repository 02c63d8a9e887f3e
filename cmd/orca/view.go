package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"github.com/orca-scxml/orca/console"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/templates"
	"github.com/orca-scxml/orca/trace"
)

// runView implements "orca view TRACE": the trace in the console's session
// page, served on the loopback interface until interrupted.
func runView(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("view", "[--listen ADDR] [--open] [--doc FILE] TRACE", stderr)
	listen := fs.String("listen", "127.0.0.1:0", "address to serve the page on")
	open := fs.Bool("open", false, "open the page in the desktop's browser (xdg-open)")
	docFlag := fs.String("doc", "", "the document the trace ran (default: the one its header names; a trace of the first format has none)")
	files, status, ok := parseFlags(fs, args)
	if !ok {
		return status
	}
	switch len(files) {
	case 0:
		return usageError(fs, stderr, "view", "missing the TRACE file to show (what orca run --trace prints; - for standard input)")
	case 1:
	default:
		return usageError(fs, stderr, "view", "one TRACE at a time, not %d", len(files))
	}
	f, err := readTrace(files[0])
	if err != nil {
		fmt.Fprintf(stderr, "orca view: %v\n", err)
		return exitFail
	}
	for _, l := range f.Other {
		fmt.Fprintf(stderr, "orca view: %s:%s (not a trace line, skipped)\n", files[0], l)
	}
	docPath := *docFlag
	if docPath == "" {
		docPath = f.Header.Document
	}
	var doc *scxml.Document
	if docPath != "" {
		if doc, err = loadViewDoc(docPath, filepath.Dir(files[0])); err != nil {
			fmt.Fprintf(stderr, "orca view: %v\n", err)
			return exitFail
		}
	} else {
		fmt.Fprintln(stderr, "orca view: the trace names no document (give --doc FILE): the page shows no chart")
	}
	m := console.NewMemory(console.MemoryOptions{})
	id := f.Header.Session
	if id == "" {
		id = "trace"
	}
	sum := console.Summary{ID: id, State: "stopped", Document: docPath, Started: f.Header.Started}
	if doc != nil && doc.Name != "" {
		sum.Document = doc.Name
	}
	if n := len(f.Steps); n > 0 {
		last := f.Steps[n-1]
		if sum.Started.IsZero() {
			sum.Started = f.Steps[0].Time
		}
		sum.Atomic, sum.Steps = last.Atomic, last.Index+1
		if last.Final {
			sum.State, sum.Ended = console.StateEnded, last.Time
		}
		for _, st := range f.Steps {
			sum.UserEvents += len(st.UserEvents)
		}
	}
	m.Load(sum, doc, f.Steps)
	ln, err := net.Listen("tcp", *listen)
	if err != nil {
		fmt.Fprintf(stderr, "orca view: %v\n", err)
		return exitFail
	}
	srv := &http.Server{
		Handler: console.NewHandler(console.Options{Source: m, ReadOnly: true, Title: "orca view · " + filepath.Base(files[0]),
			CallbackStates: templates.States()}),
		ReadHeaderTimeout: 10 * time.Second,
	}
	url := fmt.Sprintf("http://%s/session/%s", ln.Addr(), id)
	fmt.Fprintln(stdout, url)
	if *open {
		if err := exec.Command("xdg-open", url).Start(); err != nil {
			fmt.Fprintf(stderr, "orca view: --open: %v (open the URL yourself)\n", err)
		}
	}
	go func() {
		<-ctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		srv.Shutdown(sctx)
	}()
	if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
		fmt.Fprintf(stderr, "orca view: %v\n", err)
		return exitFail
	}
	return exitOK
}

// readTrace reads a trace file ("-" is standard input).
func readTrace(path string) (*trace.File, error) {
	if path == "-" {
		return trace.Read(os.Stdin)
	}
	fh, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer fh.Close()
	f, err := trace.Read(fh)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return f, nil
}

// loadViewDoc loads the document a trace ran: a file (a relative path is
// tried as given, then beside the trace), or the name of a callback
// template.
func loadViewDoc(path, traceDir string) (*scxml.Document, error) {
	rt := ors.New(ors.Options{})
	defer rt.Close()
	if _, err := os.Stat(path); err != nil && !filepath.IsAbs(path) {
		if _, err2 := os.Stat(filepath.Join(traceDir, path)); err2 == nil {
			path = filepath.Join(traceDir, path)
		} else if _, ok := templates.Lookup(path); ok {
			return templates.Load(path, rt.LoadOptions())
		}
	}
	return scxml.Load(path, rt.LoadOptions())
}
