package server

import (
	"fmt"
	"io"
	"maps"
	"net/http"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/orca-scxml/orca/telephony"
)

// metrics are the server's counters, exported by /metrics; the sessions'
// are the host's (host.Stats).
type metrics struct {
	errors               atomic.Uint64
	userEvents, ueErrors atomic.Uint64
	reportingFailed      atomic.Uint64
	egressRefused        atomic.Uint64
	authRefused          atomic.Uint64
	forwarded            atomic.Uint64
	endedUnstored        atomic.Uint64

	mu    sync.Mutex
	codes map[int]uint64
}

func newMetrics() *metrics { return &metrics{codes: make(map[int]uint64)} }

func (m *metrics) response(code int) {
	m.mu.Lock()
	m.codes[code]++
	m.mu.Unlock()
}

// hostPort is the telephony port as the server's runtime and reporter
// see it: the NATS port, with the UserEvents counted.
type hostPort struct {
	telephony.Port
	m *metrics
	// tap, when set, sees the UserEvents and attached data for the
	// console.
	tap *portTap
	// gate holds the port's events until the host runs.
	gate portGate
}

// DistributeUserEvent counts the request and passes it on.
func (p *hostPort) DistributeUserEvent(r telephony.UserEvent) (telephony.ReferenceID, error) {
	id, err := p.Port.DistributeUserEvent(r)
	if err != nil {
		p.m.ueErrors.Add(1)
	} else {
		p.m.userEvents.Add(1)
		if p.tap != nil {
			p.tap.userEvent(r)
		}
	}
	return id, err
}

// handleMetrics writes the counters in the Prometheus text format.
func (s *Server) handleMetrics(w http.ResponseWriter, _ *http.Request) {
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	m := s.metrics
	st := s.port.Stats()
	hs := s.host.Stats()
	held := len(s.rep.Held())
	var b metricWriter
	b.gauge("orca_sessions_live", "Sessions running now (including starts waiting for their idealtime).", float64(hs.Live+hs.Pending))
	b.counter("orca_sessions_started_total", "Sessions started, invoked ones included.", float64(hs.Started))
	b.counter("orca_sessions_ended_total", "Sessions ended, however they ended.", float64(hs.Ended))
	b.counter("orca_sessions_failed_total", "Sessions ended by an error.", float64(hs.Failed))
	b.counter("orca_callbacks_requested_total", "Callbacks requested through the GMS API.", float64(s.callbacks.Stats().Requested))
	b.counter("orca_events_total", "External events routed to sessions (rate() gives events per second).", float64(hs.Events))
	b.counter("orca_events_lost_total", "Events for sessions that no longer exist, or that a full queue refused.", float64(hs.Lost))
	b.counter("orca_macrosteps_total", "Macrosteps completed.", float64(hs.Macrosteps))
	s.persistenceMetrics(&b, hs)
	b.counter("orca_errors_total", "Error events raised in sessions and undecodable bus messages.", float64(m.errors.Load()+hs.Errors))
	limits := slices.Sorted(maps.Keys(hs.Breaches))
	b.header("orca_limit_breaches_total", "Sessions' breaches of their limits, by limit.", "counter")
	for _, l := range limits {
		fmt.Fprintf(&b.buf, "orca_limit_breaches_total{limit=%q} %d\n", l, hs.Breaches[l])
	}
	b.counter("orca_memory_isolations_total", "Macrosteps the memory watch suspected of growing the heap beyond the limit and ran alone to measure them.", float64(hs.Isolations))
	b.counter("orca_memory_gated_total", "Macrosteps that waited while another ran alone.", float64(hs.Gated))
	b.counter("orca_memory_gate_wait_seconds_total", "Time macrosteps waited while another ran alone.", hs.GateWait.Seconds())
	if s.console != nil {
		s.console.metrics(&b)
	}
	b.counter("orca_egress_refused_total", "Outbound requests and connections the outbound policy refused (session:fetch, basichttp send, strategy URLs).", float64(m.egressRefused.Load()))
	b.counter("orca_http_unauthorized_total", "HTTP requests refused for missing or wrong credentials.", float64(m.authRefused.Load()))
	b.counter("orca_userevents_requested_total", "UserEvents handed to the telephony port.", float64(m.userEvents.Load()))
	b.counter("orca_userevents_refused_total", "UserEvents the telephony port refused at once.", float64(m.ueErrors.Load()))
	b.gauge("orca_userevents_held", "UserEvents the reporter holds (missing KVPs, no DN, port failure).", float64(held))
	b.counter("orca_reporting_requests_total", "Requests sent by the telephony port, of every kind.", float64(st.Requests))
	b.counter("orca_reporting_published_total", "Reporting messages (UserEvents, attached data) stored by JetStream.", float64(st.Published))
	b.counter("orca_reporting_duplicates_total", "Reporting messages JetStream had stored already.", float64(st.Duplicates))
	b.gauge("orca_reporting_pending", "Reporting messages waiting in the outbox.", float64(st.Pending))
	b.counter("orca_reporting_retried_total", "Publish attempts after the first.", float64(st.Retried))
	b.counter("orca_reporting_failed_total", "Reporting messages given up (outbox full or not stored in time).", float64(st.Failed))
	m.mu.Lock()
	codes := make([]int, 0, len(m.codes))
	for c := range m.codes {
		codes = append(codes, c)
	}
	sort.Ints(codes)
	b.header("orca_http_responses_total", "HTTP responses by status code.", "counter")
	for _, c := range codes {
		fmt.Fprintf(&b.buf, "orca_http_responses_total{code=\"%d\"} %d\n", c, m.codes[c])
	}
	m.mu.Unlock()
	_, _ = io.WriteString(w, b.buf.String())
}

// metricWriter builds the text exposition format.
type metricWriter struct {
	buf strings.Builder
}

func (b *metricWriter) header(name, help, typ string) {
	fmt.Fprintf(&b.buf, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, typ)
}

func (b *metricWriter) counter(name, help string, v float64) {
	b.header(name, help, "counter")
	fmt.Fprintf(&b.buf, "%s %s\n", name, strconv.FormatFloat(v, 'f', -1, 64))
}

func (b *metricWriter) gauge(name, help string, v float64) {
	b.header(name, help, "gauge")
	fmt.Fprintf(&b.buf, "%s %s\n", name, strconv.FormatFloat(v, 'f', -1, 64))
}
