package infomart

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/orca-scxml/orca/infomart/icon"
	"github.com/orca-scxml/orca/infomart/report"
	"github.com/orca-scxml/orca/infomart/store"
	"github.com/orca-scxml/orca/infomart/transform"
	"github.com/orca-scxml/orca/templates/reporting"
)

// Options configure a Mart.
type Options struct {
	// DB is the database: a SQLite file path or a postgres:// URL.
	DB string
	// Location is the time zone of the days and hours of the reports
	// (UTC when nil).
	Location *time.Location
	// Catalogue is the KVP catalogue (reporting.Default when nil).
	Catalogue *reporting.Catalogue
	// HistoryKeys and AllHistory choose the attached-data keys whose
	// changes are kept (see icon.Options).
	HistoryKeys []string
	AllHistory  bool
	// Log receives what goes wrong in the background (nothing when nil).
	Log func(error)
}

// Mart is the Info Mart side on one database.
type Mart struct {
	st *store.Store
	o  Options
	w  *icon.Writer
	tr *transform.Transformer

	mu     sync.Mutex
	stops  []func()
	closed bool
	wg     sync.WaitGroup
}

// New opens (and migrates) the database and returns a Mart on it.
func New(ctx context.Context, o Options) (*Mart, error) {
	if o.Location == nil {
		o.Location = time.UTC
	}
	if o.Catalogue == nil {
		o.Catalogue = reporting.Default()
	}
	st, err := store.Open(ctx, o.DB)
	if err != nil {
		return nil, err
	}
	tr, err := transform.New(st, transform.Options{Catalogue: o.Catalogue, Location: o.Location})
	if err != nil {
		st.Close()
		return nil, err
	}
	return &Mart{st: st, o: o, tr: tr, w: icon.New(st, icon.Options{HistoryKeys: o.HistoryKeys, AllHistory: o.AllHistory})}, nil
}

// Store returns the database.
func (m *Mart) Store() *store.Store { return m.st }

// Write stores events as ICON does, then transforms what they brought.
func (m *Mart) Write(ctx context.Context, evs []icon.Event) (icon.Result, error) {
	res, err := m.w.Write(ctx, evs)
	if err != nil {
		return res, err
	}
	if res.Stored > 0 {
		if _, err := m.tr.Run(ctx); err != nil {
			m.log(fmt.Errorf("infomart: transform: %w", err))
		}
	}
	return res, nil
}

// Transform transforms the pending user events (those another process
// stored, or that a failed run left).
func (m *Mart) Transform(ctx context.Context) (transform.Stats, error) { return m.tr.Run(ctx) }

// Handler serves the report pages (see package report).
func (m *Mart) Handler() http.Handler {
	return report.Handler(m.st, report.HandlerOptions{Location: m.o.Location, Log: m.log})
}

// Close stops reading the bus and closes the database.
func (m *Mart) Close() error {
	m.mu.Lock()
	if m.closed {
		m.mu.Unlock()
		return nil
	}
	m.closed = true
	stops := m.stops
	m.mu.Unlock()
	for _, stop := range stops {
		stop()
	}
	m.wg.Wait()
	return m.st.Close()
}

// background runs f on a goroutine until stop; f must return when its
// context ends.
func (m *Mart) background(ctx context.Context, f func(ctx context.Context)) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.closed {
		return errors.New("infomart: closed")
	}
	ctx, cancel := context.WithCancel(ctx)
	m.stops = append(m.stops, cancel)
	m.wg.Add(1)
	go func() {
		defer m.wg.Done()
		f(ctx)
	}()
	return nil
}

func (m *Mart) log(err error) {
	if m.o.Log != nil && err != nil {
		m.o.Log(err)
	}
}
