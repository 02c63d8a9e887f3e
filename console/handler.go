package console

import (
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"io/fs"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/trace"
)

//go:embed assets
var assets embed.FS

// Options configure the console's handler.
type Options struct {
	// Source is where sessions are read from.
	Source Source
	// Title is shown in the pages' header; "Orca console" when empty.
	Title string
	// ReportsURL, when set, is linked from the list page as the Info Mart
	// reports.
	ReportsURL string
	// APIBase prefixes the paths of the ORS and GMS HTTP API the pages'
	// actions call (/scxml/session/..., /genesys/1/service/callback/...);
	// "" calls them on the console's own origin, as when the server
	// mounts the console at "/".
	APIBase string
	// ReadOnly hides the actions (sending events, terminating, changing
	// callbacks), as for a trace opened offline.
	ReadOnly bool
	// AutoCollapse is the number of states a chart shows before it draws
	// compound states closed (LayoutOptions.AutoCollapse); 150 when 0.
	AutoCollapse int
	// Heartbeat is the interval of keep-alive comments on the live
	// stream; 15 s when 0.
	Heartbeat time.Duration
	// CallbackStates are the GMS callback states (_callback_state) the
	// list page offers to filter on, in the order a callback goes through
	// them; none when empty.
	CallbackStates []string
}

// handler serves the console.
type handler struct {
	opts  Options
	mux   *http.ServeMux
	pages *template.Template

	mu      sync.Mutex
	layouts map[layoutKey][]byte
}

// layoutKey identifies a laid-out chart: sessions of one document share it.
type layoutKey struct {
	doc       *scxml.Document
	collapsed string
}

// maxLayouts bounds the charts a handler keeps laid out.
const maxLayouts = 64

// NewHandler returns the console's HTTP handler, meant to be mounted at
// "/" behind the server's authentication. Its routes:
//
//	GET /                                      the services and sessions (query: service, state, callbackState, customer, callbackId, callbacks, limit, after, before)
//	GET /session/{id}                          one session
//	GET /console/api/sessions                  the same list as JSON (Page)
//	GET /console/api/services                  the services as JSON
//	GET /console/api/session/{id}              summary and timeline as JSON
//	GET /console/api/session/{id}/step/{index} one macrostep in full (trace.Step)
//	GET /console/api/session/{id}/chart        the chart's Layout (query: collapsed=id,id; absent: automatic)
//	GET /console/api/session/{id}/stream       server-sent events: snapshot, step, summary, resync, gone
//	GET /console/static/...                    the pages' CSS and JavaScript
func NewHandler(opts Options) http.Handler {
	if opts.Title == "" {
		opts.Title = "Orca console"
	}
	if opts.AutoCollapse == 0 {
		opts.AutoCollapse = 150
	}
	if opts.Heartbeat <= 0 {
		opts.Heartbeat = 15 * time.Second
	}
	h := &handler{opts: opts, mux: http.NewServeMux(), layouts: map[layoutKey][]byte{}}
	h.pages = template.Must(template.New("").Funcs(template.FuncMap{
		"when":  formatTime,
		"join":  strings.Join,
		"query": queryString,
	}).ParseFS(assets, "assets/*.html"))
	static, _ := fs.Sub(assets, "assets")
	h.mux.Handle("GET /console/static/", http.StripPrefix("/console/static/", cacheable(http.FileServerFS(static))))
	h.mux.HandleFunc("GET /{$}", h.listPage)
	h.mux.HandleFunc("GET /session/{id}", h.sessionPage)
	h.mux.HandleFunc("GET /console/api/sessions", h.apiSessions)
	h.mux.HandleFunc("GET /console/api/services", h.apiServices)
	h.mux.HandleFunc("GET /console/api/session/{id}", h.apiSession)
	h.mux.HandleFunc("GET /console/api/session/{id}/step/{index}", h.apiStep)
	h.mux.HandleFunc("GET /console/api/session/{id}/chart", h.apiChart)
	h.mux.HandleFunc("GET /console/api/session/{id}/stream", h.stream)
	return h
}

// Patterns returns the http.ServeMux patterns that cover the handler's
// routes, for a server that mounts it beside handlers of its own: those
// keep the paths the console does not use.
func Patterns() []string {
	return []string{"GET /{$}", "GET /session/{id}", "GET /console/"}
}

func (h *handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("X-Content-Type-Options", "nosniff")
	h.mux.ServeHTTP(w, r)
}

// cacheable lets browsers keep the static files for a while.
func cacheable(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "max-age=300")
		next.ServeHTTP(w, r)
	})
}

// httpError answers err as text, 404 for ErrNotFound.
func httpError(w http.ResponseWriter, err error, code int) {
	if errors.Is(err, ErrNotFound) {
		code = http.StatusNotFound
	}
	http.Error(w, err.Error(), code)
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	enc.Encode(v)
}

// queryOf reads a Query from URL parameters.
func queryOf(r *http.Request) (Query, error) {
	v := r.URL.Query()
	q := Query{
		Service: v.Get("service"), State: v.Get("state"), CallbackState: v.Get("callbackState"),
		CustomerNumber: strings.TrimSpace(v.Get("customer")), CallbackID: strings.TrimSpace(v.Get("callbackId")),
		Callbacks: v.Get("callbacks") != "", After: v.Get("after"), Before: v.Get("before"),
	}
	if s := v.Get("limit"); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > MaxLimit {
			return q, errors.New("limit: want a number from 1 to " + strconv.Itoa(MaxLimit))
		}
		q.Limit = n
	}
	return q, nil
}

func (h *handler) apiSessions(w http.ResponseWriter, r *http.Request) {
	q, err := queryOf(r)
	if err != nil {
		httpError(w, err, http.StatusBadRequest)
		return
	}
	p, err := h.opts.Source.Sessions(r.Context(), q)
	if err != nil {
		httpError(w, err, http.StatusBadRequest)
		return
	}
	writeJSON(w, p)
}

func (h *handler) apiServices(w http.ResponseWriter, r *http.Request) {
	sv, err := h.opts.Source.Services(r.Context())
	if err != nil {
		httpError(w, err, http.StatusInternalServerError)
		return
	}
	if sv == nil {
		sv = []Service{}
	}
	writeJSON(w, sv)
}

// stepLine is a step as the timeline lists it: without the data model and
// the details, which the page fetches for the step it shows.
type stepLine struct {
	Index  int       `json:"index"`
	Time   time.Time `json:"time,omitzero"`
	Event  string    `json:"event,omitempty"`
	Type   string    `json:"type,omitempty"`
	Atomic []string  `json:"atomic"`
	Active []string  `json:"active"`
	Final  bool      `json:"final,omitempty"`
	Ended  bool      `json:"ended,omitempty"`
	Logs   int       `json:"logs,omitempty"`
	Errors int       `json:"errors,omitempty"`
	// Reports counts the UserEvents and attached-data changes.
	Reports int `json:"reports,omitempty"`
}

func lineOf(st *trace.Step) stepLine {
	l := stepLine{Index: st.Index, Time: st.Time, Atomic: nonNil(st.Atomic), Active: nonNil(st.Active), Final: st.Final, Ended: st.Ended,
		Logs: len(st.Logs), Errors: len(st.Errors), Reports: len(st.UserEvents) + len(st.Attached)}
	if st.Event != nil {
		l.Event, l.Type = st.Event.Name, st.Event.Type
	}
	return l
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// sessionJSON is a session as the session page reads it.
type sessionJSON struct {
	Summary  Summary    `json:"summary"`
	Steps    []stepLine `json:"steps"`
	Dropped  int        `json:"dropped"`
	HasChart bool       `json:"hasChart"`
}

func sessionOf(d *Detail) sessionJSON {
	s := sessionJSON{Summary: d.Summary, Steps: make([]stepLine, len(d.History)), Dropped: d.Dropped, HasChart: d.Document != nil}
	for i, st := range d.History {
		s.Steps[i] = lineOf(st)
	}
	return s
}

func (h *handler) apiSession(w http.ResponseWriter, r *http.Request) {
	d, err := h.opts.Source.Session(r.Context(), r.PathValue("id"))
	if err != nil {
		httpError(w, err, http.StatusInternalServerError)
		return
	}
	writeJSON(w, sessionOf(d))
}

func (h *handler) apiStep(w http.ResponseWriter, r *http.Request) {
	idx, err := strconv.Atoi(r.PathValue("index"))
	if err != nil {
		httpError(w, errors.New("step: want a number"), http.StatusBadRequest)
		return
	}
	d, err := h.opts.Source.Session(r.Context(), r.PathValue("id"))
	if err != nil {
		httpError(w, err, http.StatusInternalServerError)
		return
	}
	for _, st := range d.History {
		if st.Index == idx {
			writeJSON(w, st)
			return
		}
	}
	http.Error(w, "step "+strconv.Itoa(idx)+" is not (or no longer) recorded", http.StatusNotFound)
}

func (h *handler) apiChart(w http.ResponseWriter, r *http.Request) {
	d, err := h.opts.Source.Session(r.Context(), r.PathValue("id"))
	if err != nil {
		httpError(w, err, http.StatusInternalServerError)
		return
	}
	if d.Document == nil {
		http.Error(w, "the session's document is not known", http.StatusNotFound)
		return
	}
	key := layoutKey{doc: d.Document, collapsed: "\x00auto"}
	var opts LayoutOptions
	if v, ok := r.URL.Query()["collapsed"]; ok {
		key.collapsed = strings.Join(v, ",")
		opts.Collapsed = []string{}
		for _, id := range strings.Split(key.collapsed, ",") {
			if id != "" {
				opts.Collapsed = append(opts.Collapsed, id)
			}
		}
	} else {
		opts.AutoCollapse = h.opts.AutoCollapse
	}
	h.mu.Lock()
	b, ok := h.layouts[key]
	h.mu.Unlock()
	if !ok {
		b, _ = json.Marshal(NewLayout(d.Document, opts))
		h.mu.Lock()
		if len(h.layouts) >= maxLayouts {
			clear(h.layouts)
		}
		h.layouts[key] = b
		h.mu.Unlock()
	}
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(b)
}

// formatTime writes t for the pages ("" for the zero time).
func formatTime(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format("2006-01-02 15:04:05")
}
