package server

import (
	"container/list"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/orca-scxml/orca/gms"
	"github.com/orca-scxml/orca/internal/httpapi"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/sandbox"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/templates"
	"github.com/orca-scxml/orca/templates/reporting"
)

// chartCache holds the compiled charts of documents, shared by every
// session, least recently used first out beyond max entries. A file's
// entry is reloaded when its modification time or size changes; a URL's
// is kept while it is in the cache.
type chartCache struct {
	mu  sync.Mutex
	max int
	m   map[string]*list.Element // of *chartEntry
	lru list.List                // front: most recently used
}

type chartEntry struct {
	key   string
	mod   time.Time
	size  int64
	chart *interp.Chart
}

// get returns the entry of key, marking it used.
func (c *chartCache) get(key string) *chartEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	el := c.m[key]
	if el == nil {
		return nil
	}
	c.lru.MoveToFront(el)
	return el.Value.(*chartEntry)
}

// put stores e, dropping the least recently used entries beyond max.
func (c *chartCache) put(e *chartEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil {
		c.m = make(map[string]*list.Element)
	}
	if el := c.m[e.key]; el != nil {
		el.Value = e
		c.lru.MoveToFront(el)
		return
	}
	c.m[e.key] = c.lru.PushFront(e)
	for c.max > 0 && c.lru.Len() > c.max {
		last := c.lru.Back()
		c.lru.Remove(last)
		delete(c.m, last.Value.(*chartEntry).key)
	}
}

// len returns the number of entries.
func (c *chartCache) len() int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.lru.Len()
}

// loader is the server's loading policy: where documents may come from
// (the sandbox), how they are loaded (the function modules' registry and
// the sandbox's reader) and compiled (the datamodels), and the compiled
// charts every session shares.
type loader struct {
	sandbox    *sandbox.Sandbox
	opts       *scxml.Options
	datamodels map[string]interp.DatamodelCompiler
	charts     chartCache
	// cacheQuery keeps a URL's query string in its cache key
	// (strategies.cache_query).
	cacheQuery bool
}

// load loads a document inside the sandbox with the server's registry.
func (l *loader) load(uri string) (*scxml.Document, error) {
	return scxml.Load(uri, l.opts)
}

// compile compiles a loaded document with the server's datamodels.
func (l *loader) compile(doc *scxml.Document) (*interp.Chart, error) {
	return interp.Compile(doc, l.datamodels)
}

// chart returns the compiled chart of the document at path (a path or URL
// Sandbox.Resolve returned). A URL loses its query string unless
// strategies.cache_query is set.
func (l *loader) chart(path string) (*interp.Chart, error) {
	var mod time.Time
	var size int64
	isFile := !strings.Contains(path, "://")
	if isFile {
		fi, err := os.Stat(path)
		if err != nil {
			return nil, httpapi.Errorf(http.StatusBadRequest, "src: %v", err)
		}
		mod, size = fi.ModTime(), fi.Size()
	} else if !l.cacheQuery {
		if u, err := url.Parse(path); err == nil && (u.RawQuery != "" || u.ForceQuery) {
			u.RawQuery, u.ForceQuery = "", false
			path = u.String()
		}
	}
	if e := l.charts.get(path); e != nil && (!isFile || (e.mod.Equal(mod) && e.size == size)) {
		return e.chart, nil
	}
	doc, err := l.load(path)
	if err != nil {
		return nil, loadError(err)
	}
	c, err := l.compile(doc)
	if err != nil {
		return nil, loadError(err)
	}
	l.charts.put(&chartEntry{key: path, mod: mod, size: size, chart: c})
	return c, nil
}

// loadError answers a document that cannot be loaded: 403 when it (or a
// part of it) is outside the sandbox, 400 otherwise, with every error of
// an scxml.ErrorList.
func loadError(err error) error {
	code := http.StatusBadRequest
	if errors.Is(err, sandbox.ErrForbidden) {
		code = http.StatusForbidden
	}
	var list scxml.ErrorList
	if errors.As(err, &list) {
		msgs := make([]string, len(list))
		for i, e := range list {
			msgs[i] = e.Error()
		}
		return httpapi.Errorf(code, "loading the document: %s", strings.Join(msgs, "; "))
	}
	return httpapi.Errorf(code, "loading the document: %v", err)
}

// sandboxError answers a src the sandbox refused.
func sandboxError(err error) error {
	if errors.Is(err, sandbox.ErrForbidden) {
		return httpapi.Errorf(http.StatusForbidden, "%v", err)
	}
	return httpapi.Errorf(http.StatusBadRequest, "%v", err)
}

// loadServices checks and compiles every configured callback service.
func (s *Server) loadServices() ([]*gms.Service, error) {
	out := make([]*gms.Service, 0, len(s.cfg.Services))
	var errs []error
	for _, c := range s.cfg.Services {
		sv, err := s.loadService(c)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		out = append(out, sv)
	}
	return out, errors.Join(errs...)
}

func (s *Server) loadService(c ServiceConfig) (*gms.Service, error) {
	raw, err := optionStrings(c.Name, c.Options)
	if err != nil {
		return nil, err
	}
	limits := s.gmsLimits()
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
		if err := limits.CheckService(c.Name, svc.Options); err != nil {
			return nil, err
		}
		doc, err := templates.Load(c.Template, s.docs.opts)
		if err != nil {
			return nil, fmt.Errorf("service %q: %w", c.Name, err)
		}
		chart, err := s.docs.compile(doc)
		if err != nil {
			return nil, fmt.Errorf("service %q: template %s: %w", c.Name, c.Template, err)
		}
		return &gms.Service{Service: svc, Chart: chart}, nil
	}
	vals, err := templates.ParseOptions(raw)
	if err != nil {
		return nil, fmt.Errorf("service %q: %w", c.Name, err)
	}
	if err := limits.CheckService(c.Name, vals); err != nil {
		return nil, err
	}
	path, err := s.docs.sandbox.Resolve(c.Src)
	if err != nil {
		return nil, fmt.Errorf("service %q: %w", c.Name, err)
	}
	chart, err := s.docs.chart(path)
	if err != nil {
		return nil, fmt.Errorf("service %q: src %s: %w", c.Name, c.Src, err)
	}
	return &gms.Service{Service: &templates.Service{Name: c.Name, Template: c.Src, Options: vals}, Chart: chart}, nil
}
