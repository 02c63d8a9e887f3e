package server

import (
	"context"
	"fmt"
	"net/http"
	"path/filepath"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/infomart"
	"github.com/orca-scxml/orca/infomart/store"
	"github.com/orca-scxml/orca/telephony/wire"
)

// InfoMartConfig runs the Info Mart side in the server (package
// infomart): it reads the reporting DN's UserEvents from the bus into a
// database, as ICON and Info Mart do, and serves the callback reports
// under /infomart/. "orca infomart run" is the same as a process of its
// own.
type InfoMartConfig struct {
	// Enable starts it.
	Enable bool `yaml:"enable"`
	// DB is a SQLite file or a postgres:// URL (default: infomart.db in
	// nats.data_dir, else in DefaultDataDir).
	DB string `yaml:"db"`
	// DN is the reporting DN whose UserEvents are stored (default:
	// reporting.dn, else REPORTING); Switch the switch read (default:
	// every switch).
	DN     string `yaml:"dn"`
	Switch string `yaml:"switch"`
	// Durable names the durable consumer of the reporting stream
	// (default "infomart"); instances sharing one database share it.
	Durable string `yaml:"durable"`
	// TimeZone is the zone of the reports' days and hours (default UTC).
	TimeZone string `yaml:"time_zone"`
}

// DefaultInfoMartDB is the file name of the Info Mart database in the
// data directory.
const DefaultInfoMartDB = "infomart.db"

// withDefaults fills the defaults of the Info Mart side from the rest of
// the configuration c.
func (m InfoMartConfig) withDefaults(c Config) InfoMartConfig {
	if m.DB == "" {
		dir := c.NATS.DataDir
		if dir == "" {
			dir = DefaultDataDir
		}
		m.DB = filepath.Join(dir, DefaultInfoMartDB)
	}
	if m.DN == "" {
		m.DN = c.Reporting.DN
	}
	if m.DN == "" {
		m.DN = "REPORTING"
	}
	if m.TimeZone == "" {
		m.TimeZone = "UTC"
	}
	return m
}

// resolvePath makes a relative database file relative to dir.
func (m *InfoMartConfig) resolvePath(dir string) {
	if m.DB != "" && !store.IsURL(m.DB) && !filepath.IsAbs(m.DB) {
		m.DB = filepath.Join(dir, m.DB)
	}
}

// infoMart is the server's Info Mart side, when enabled.
type infoMart struct {
	mart *infomart.Mart
	nc   *nats.Conn
	db   string
}

// startInfoMart opens the Info Mart database and starts reading the bus
// with a connection of its own, as a reader.
func (s *Server) startInfoMart() error {
	c := s.cfg.InfoMart
	if !c.Enable {
		return nil
	}
	loc, err := time.LoadLocation(c.TimeZone)
	if err != nil {
		return fmt.Errorf("config: infomart.time_zone: %w", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	mart, err := infomart.New(ctx, infomart.Options{DB: c.DB, Location: loc, Log: func(err error) {
		s.log.Warn("infomart", "err", err)
	}})
	if err != nil {
		return fmt.Errorf("infomart: %w", err)
	}
	// The reporting stream may not exist yet: the port makes it when it
	// first publishes, and a reader may not. Orca's own connection makes
	// it now if it is missing, and leaves it as it is otherwise.
	if js, err := jetstream.New(s.nc); err != nil {
		mart.Close()
		return fmt.Errorf("infomart: %w", err)
	} else if _, err := wire.OpenStream(ctx, js, wire.StreamOptions{}); err != nil {
		mart.Close()
		return fmt.Errorf("infomart: %w", err)
	}
	nc, err := s.ConnectNATS(bridge.RoleReader, "orca-infomart")
	if err != nil {
		mart.Close()
		return fmt.Errorf("infomart: %w", err)
	}
	// Ingest's errors say "infomart: ..." already.
	if err := mart.Ingest(context.Background(), nc, infomart.BusOptions{Switch: c.Switch, DN: c.DN, Durable: c.Durable}); err != nil {
		nc.Close()
		mart.Close()
		return err
	}
	s.im = &infoMart{mart: mart, nc: nc, db: mart.Store().String()}
	return nil
}

// mountInfoMart serves the report pages under /infomart/.
func (s *Server) mountInfoMart(mux *http.ServeMux) {
	if s.im != nil {
		mux.Handle("/infomart/", http.StripPrefix("/infomart", s.im.mart.Handler()))
	}
}

// InfoMart returns the server's Info Mart side, nil unless
// infomart.enable is set.
func (s *Server) InfoMart() *infomart.Mart {
	if s.im == nil {
		return nil
	}
	return s.im.mart
}

// closeInfoMart stops reading the bus and closes the database.
func (s *Server) closeInfoMart() error {
	if s.im == nil {
		return nil
	}
	err := s.im.mart.Close()
	s.im.nc.Close()
	if err != nil {
		return fmt.Errorf("infomart: %w", err)
	}
	return nil
}
