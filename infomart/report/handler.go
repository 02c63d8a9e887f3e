package report

import (
	"bytes"
	"embed"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/orca-scxml/orca/infomart/store"
)

//go:embed assets
var assets embed.FS

var page = template.Must(template.New("page.html").Funcs(template.FuncMap{
	"sel": func(name, label, value string, options []string) map[string]any {
		return map[string]any{"Name": name, "Label": label, "Value": value, "Options": options}
	},
}).ParseFS(assets, "assets/page.html"))

// HandlerOptions configure the report pages.
type HandlerOptions struct {
	// Location is the time zone of the times shown (UTC when nil); use
	// the transform's, which labels the days.
	Location *time.Location
	// Log receives the errors of the database (ignored when nil).
	Log func(error)
}

// Handler serves the report pages of st: summary, details, rejections,
// their CSV (summary.csv, details.csv) and static/.
func Handler(st *store.Store, o HandlerOptions) http.Handler {
	if o.Location == nil {
		o.Location = time.UTC
	}
	h := &handler{st: st, o: o}
	mux := http.NewServeMux()
	static, _ := fs.Sub(assets, "assets")
	mux.Handle("GET /static/", http.StripPrefix("/static/", http.FileServerFS(static)))
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		// Relative to the URL the client asked for, whatever prefix the
		// handler is mounted under (http.Redirect would resolve it
		// against the stripped path).
		w.Header().Set("Location", "summary")
		w.WriteHeader(http.StatusFound)
	})
	mux.HandleFunc("GET /summary", h.summary)
	mux.HandleFunc("GET /summary.csv", h.summary)
	mux.HandleFunc("GET /details", h.details)
	mux.HandleFunc("GET /details.csv", h.details)
	mux.HandleFunc("GET /rejections", h.rejections)
	return mux
}

type handler struct {
	st *store.Store
	o  HandlerOptions
}

// view is what page.html shows.
type view struct {
	Title, Page, CSV, Zone string
	Filter                 Filter
	Options                Options
	Table                  Table
	Chart                  template.HTML
}

func (h *handler) filter(w http.ResponseWriter, r *http.Request) (Filter, bool) {
	f, err := ParseFilter(r.URL.Query())
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return f, false
	}
	return f, true
}

func (h *handler) fail(w http.ResponseWriter, err error) {
	if h.o.Log != nil {
		h.o.Log(err)
	}
	http.Error(w, "the Info Mart database failed: "+err.Error(), http.StatusInternalServerError)
}

func isCSV(r *http.Request) bool { return strings.HasSuffix(r.URL.Path, ".csv") }

func (h *handler) summary(w http.ResponseWriter, r *http.Request) {
	f, ok := h.filter(w, r)
	if !ok {
		return
	}
	rows, err := Summary(r.Context(), h.st, f)
	if err != nil {
		h.fail(w, err)
		return
	}
	t := SummaryTable(rows, f.By)
	if isCSV(r) {
		h.csv(w, "callback-summary.csv", t)
		return
	}
	h.render(w, r, view{Title: "Callback Summary", Page: "summary", Filter: f, Table: t, Chart: SummaryChart(rows)})
}

func (h *handler) details(w http.ResponseWriter, r *http.Request) {
	f, ok := h.filter(w, r)
	if !ok {
		return
	}
	rows, err := Details(r.Context(), h.st, f)
	if err != nil {
		h.fail(w, err)
		return
	}
	t := DetailsTable(rows, h.o.Location)
	if isCSV(r) {
		h.csv(w, "callback-details.csv", t)
		return
	}
	h.render(w, r, view{Title: "Callback Details", Page: "details", Filter: f, Table: t})
}

func (h *handler) rejections(w http.ResponseWriter, r *http.Request) {
	rows, err := Rejections(r.Context(), h.st, 500)
	if err != nil {
		h.fail(w, err)
		return
	}
	h.render(w, r, view{Title: "Rejections", Page: "rejections", Table: RejectionsTable(rows, h.o.Location)})
}

func (h *handler) render(w http.ResponseWriter, r *http.Request, v view) {
	if v.Page != "rejections" {
		opts, err := FilterOptions(r.Context(), h.st)
		if err != nil {
			h.fail(w, err)
			return
		}
		v.Options = opts
		v.CSV = v.Page + ".csv"
		if q := v.Filter.Values().Encode(); q != "" {
			v.CSV += "?" + q
		}
	}
	v.Zone = h.o.Location.String()
	var buf bytes.Buffer
	if err := page.Execute(&buf, v); err != nil {
		h.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write(buf.Bytes())
}

func (h *handler) csv(w http.ResponseWriter, name string, t Table) {
	var buf bytes.Buffer
	if err := t.WriteCSV(&buf); err != nil {
		h.fail(w, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+name+`"`)
	_, _ = w.Write(buf.Bytes())
}
