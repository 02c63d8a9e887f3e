package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// stream serves a session's updates as server-sent events: first a
// snapshot (the session as /console/api/session/{id} gives it, read after
// subscribing so no step falls between), then a step event per macrostep
// (a timeline line and the summary), a summary event per other change, a
// resync event when updates were lost, and gone when the session is
// forgotten. A comment goes out every Heartbeat to keep proxies from
// closing the connection.
func (h *handler) stream(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	flusher, ok := w.(http.Flusher)
	if !ok {
		http.Error(w, "streaming is not supported by this connection", http.StatusInternalServerError)
		return
	}
	ctx := r.Context()
	updates, err := h.opts.Source.Subscribe(ctx, id)
	if err != nil {
		httpError(w, err, http.StatusInternalServerError)
		return
	}
	d, err := h.opts.Source.Session(ctx, id)
	if err != nil {
		httpError(w, err, http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set("X-Accel-Buffering", "no")
	send := func(event string, v any) bool {
		b, err := json.Marshal(v)
		if err != nil {
			b = []byte("null")
		}
		if _, err := fmt.Fprintf(w, "event: %s\ndata: %s\n\n", event, b); err != nil {
			return false
		}
		flusher.Flush()
		return true
	}
	if !send("snapshot", sessionOf(d)) {
		return
	}
	beat := time.NewTicker(h.opts.Heartbeat)
	defer beat.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-beat.C:
			if _, err := fmt.Fprint(w, ": beat\n\n"); err != nil {
				return
			}
			flusher.Flush()
		case u, ok := <-updates:
			switch {
			case !ok:
				send("gone", map[string]string{"id": id})
				return
			case u.Resync:
				ok = send("resync", map[string]string{"id": id})
			case u.Step != nil:
				ok = send("step", struct {
					Step    stepLine `json:"step"`
					Summary *Summary `json:"summary"`
				}{lineOf(u.Step), u.Summary})
			case u.Summary != nil:
				ok = send("summary", u.Summary)
			}
			if !ok {
				return
			}
		}
	}
}
