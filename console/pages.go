package console

import (
	"bytes"
	"net/http"
	"net/url"
	"strconv"
	"time"
)

// listData is what the list page shows.
type listData struct {
	Title      string
	ReportsURL string
	Query      Query
	Limit      int
	Services   []Service
	Page       Page
	// States and CallbackStates are the choices of the filters.
	States         []string
	CallbackStates []string
	Error          string
	Elapsed        time.Duration
}

func (h *handler) listPage(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	d := listData{Title: h.opts.Title, ReportsURL: h.opts.ReportsURL,
		States: []string{StateRunning, StateEnded}, CallbackStates: h.opts.CallbackStates}
	q, err := queryOf(r)
	d.Query = q
	d.Limit = q.Limit
	if d.Limit == 0 {
		d.Limit = DefaultLimit
	}
	status := http.StatusOK
	if err == nil {
		d.Page, err = h.opts.Source.Sessions(r.Context(), q)
	}
	if err != nil {
		d.Error, status = err.Error(), http.StatusBadRequest
	}
	if sv, err := h.opts.Source.Services(r.Context()); err == nil {
		d.Services = sv
	}
	d.Elapsed = time.Since(start).Round(time.Microsecond)
	h.render(w, status, "list.html", d)
}

// sessionData is what the session page is rendered with; the page's
// script fills in the rest from the API.
type sessionData struct {
	Title    string
	ID       string
	Summary  Summary
	Found    bool
	ReadOnly bool
	APIBase  string
}

func (h *handler) sessionPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	d := sessionData{Title: h.opts.Title, ID: id, ReadOnly: h.opts.ReadOnly, APIBase: h.opts.APIBase}
	status := http.StatusOK
	if det, err := h.opts.Source.Session(r.Context(), id); err == nil {
		d.Summary, d.Found = det.Summary, true
	} else {
		status = http.StatusNotFound
	}
	h.render(w, status, "session.html", d)
}

// render executes page into a buffer first, so that a template error
// answers 500 instead of half a page.
func (h *handler) render(w http.ResponseWriter, status int, page string, data any) {
	var buf bytes.Buffer
	if err := h.pages.ExecuteTemplate(&buf, page, data); err != nil {
		http.Error(w, "rendering "+page+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

// queryString writes q as the URL query of the list page, with the
// cursor given (key "after" or "before", or "" for none).
func queryString(q Query, key, cursor string) string {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("service", q.Service)
	set("state", q.State)
	set("callbackState", q.CallbackState)
	set("customer", q.CustomerNumber)
	set("callbackId", q.CallbackID)
	if q.Callbacks {
		v.Set("callbacks", "1")
	}
	if q.Limit != 0 {
		v.Set("limit", strconv.Itoa(q.Limit))
	}
	if key != "" {
		v.Set(key, cursor)
	}
	if len(v) == 0 {
		return "/"
	}
	return "/?" + v.Encode()
}
