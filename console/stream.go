package console

import (
	"encoding/json"
	"fmt"
	"io"
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
	// The stream outlives a server's write timeout: each write gets a
	// deadline of its own instead (ignored where it cannot be set).
	rc := http.NewResponseController(w)
	window := h.opts.Heartbeat + 30*time.Second
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
	write := func(text string) bool {
		_ = rc.SetWriteDeadline(time.Now().Add(window))
		if _, err := io.WriteString(w, text); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	send := func(event string, v any) bool {
		b, err := json.Marshal(v)
		if err != nil {
			b = []byte("null")
		}
		return write(fmt.Sprintf("event: %s\ndata: %s\n\n", event, b))
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
			if !write(": beat\n\n") {
				return
			}
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
