package server

import (
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/templates"
	"github.com/orca-scxml/orca/templates/reporting"
)

// chartCache holds the compiled charts of documents, shared by every
// actor. A file's entry is reloaded when its modification time or size
// changes; a URL's is kept.
type chartCache struct {
	mu sync.Mutex
	m  map[string]*chartEntry
}

type chartEntry struct {
	mod   time.Time
	size  int64
	chart *interp.Chart
}

// chart returns the compiled chart of the document at path (a path or URL
// Sandbox.Resolve returned).
func (s *Server) chart(path string) (*interp.Chart, error) {
	var mod time.Time
	var size int64
	isFile := !strings.Contains(path, "://")
	if isFile {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, errorf(http.StatusBadRequest, "src: %v", err)
		}
		mod, size = fi.ModTime(), fi.Size()
	}
	s.charts.mu.Lock()
	if s.charts.m == nil {
		s.charts.m = make(map[string]*chartEntry)
	}
	e := s.charts.m[path]
	s.charts.mu.Unlock()
	if e != nil && (!isFile || (e.mod.Equal(mod) && e.size == size)) {
		return e.chart, nil
	}
	doc, err := s.loadDocument(path)
	if err != nil {
		return nil, loadError(err)
	}
	c, err := interp.Compile(doc, s.engineOpts.Datamodels)
	if err != nil {
		return nil, loadError(err)
	}
	s.charts.mu.Lock()
	s.charts.m[path] = &chartEntry{mod: mod, size: size, chart: c}
	s.charts.mu.Unlock()
	return c, nil
}

// loadError answers a document that cannot be loaded: 403 when it (or a
// part of it) is outside the sandbox, 400 otherwise, with every error of
// an scxml.ErrorList.
func loadError(err error) error {
	code := http.StatusBadRequest
	if errors.Is(err, ErrForbidden) {
		code = http.StatusForbidden
	}
	var list scxml.ErrorList
	if errors.As(err, &list) {
		msgs := make([]string, len(list))
		for i, e := range list {
			msgs[i] = e.Error()
		}
		return errorf(code, "loading the document: %s", strings.Join(msgs, "; "))
	}
	return errorf(code, "loading the document: %v", err)
}

// sandboxError answers a src the sandbox refused.
func sandboxError(err error) error {
	if errors.Is(err, ErrForbidden) {
		return errorf(http.StatusForbidden, "%v", err)
	}
	return errorf(http.StatusBadRequest, "%v", err)
}

// service is a callback service ready to start sessions.
type service struct {
	svc   *templates.Service
	chart *interp.Chart
}

// loadServices checks and compiles every configured service.
func (s *Server) loadServices() (map[string]*service, error) {
	out := make(map[string]*service, len(s.cfg.Services))
	var errs []error
	for _, c := range s.cfg.Services {
		sv, err := s.loadService(c)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out[c.Name] = sv
	}
	return out, errors.Join(errs...)
}

func (s *Server) loadService(c ServiceConfig) (*service, error) {
	raw, err := optionStrings(c.Name, c.Options)
	if err != nil {
		return nil, err
	}
	if c.Template != "" {
		svc, err := templates.LoadService(c.Name, c.Template, raw)
		if err != nil {
			return nil, fmt.Errorf("service %q: %w", c.Name, err)
		}
		// Each _rep_userevent_* option the service leaves unset falls
		// back to the reporting: section.
		if _, err := svc.Reporting(reporting.Service{Enable: s.cfg.Reporting.Enable, DN: s.cfg.Reporting.DN, Switch: s.cfg.Reporting.Switch}); err != nil {
			return nil, fmt.Errorf("service %q: %w", c.Name, err)
		}
		doc, err := templates.Load(c.Template, s.loadOpts)
		if err != nil {
			return nil, fmt.Errorf("service %q: %w", c.Name, err)
		}
		chart, err := interp.Compile(doc, s.engineOpts.Datamodels)
		if err != nil {
			return nil, fmt.Errorf("service %q: template %s: %w", c.Name, c.Template, err)
		}
		return &service{svc: svc, chart: chart}, nil
	}
	vals, err := templates.ParseOptions(raw)
	if err != nil {
		return nil, fmt.Errorf("service %q: %w", c.Name, err)
	}
	path, err := s.sandbox.Resolve(c.Src)
	if err != nil {
		return nil, fmt.Errorf("service %q: %w", c.Name, err)
	}
	chart, err := s.chart(path)
	if err != nil {
		return nil, fmt.Errorf("service %q: src %s: %w", c.Name, c.Src, err)
	}
	return &service{svc: &templates.Service{Name: c.Name, Template: c.Src, Options: vals}, chart: chart}, nil
}

// startSession starts a session in a new actor, now or, when at is in
// the future, at that time. start runs on the engine the actor owns.
func (s *Server) startSession(id string, at time.Time, start func(eng *interp.Engine) error) error {
	if s.stopping.Load() {
		return errorf(http.StatusServiceUnavailable, "the server is shutting down")
	}
	if max := s.cfg.Sessions.Max; max > 0 && s.route.live() >= max {
		return errorf(http.StatusTooManyRequests, "%d sessions are running, the configured maximum", max)
	}
	a := s.newActor()
	if at.IsZero() || !at.After(s.clock.Now()) {
		if err := start(a.eng); err != nil {
			return errorf(http.StatusBadRequest, "starting the session: %v", err)
		}
	} else {
		a.pendingID, a.pendingAt = id, at
		a.pending = func() {
			if err := start(a.eng); err != nil {
				s.log.Warn("deferred start failed", "session", id, "err", err)
				s.route.remove(id)
			}
		}
	}
	s.route.add(id, a)
	go a.run()
	return nil
}
