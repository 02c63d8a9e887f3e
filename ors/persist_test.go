package ors_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/telephony"
)

// TestAnswersOfActionsAreInTheSnapshot restores a session from the
// snapshot a host keeps after each of its macrosteps, as a process killed
// right after writing it would be, and runs it on a new host: an action
// that answers at once (its done or error event made in the macrostep,
// not by the port) leaves its answer in the session's queue, so that the
// restored session goes on to the same end. An answer left in the host's
// inbox instead would be in no snapshot, and the restored session would
// wait for it for ever.
func TestAnswersOfActionsAreInTheSnapshot(t *testing.T) {
	src := orsDoc(`<state id="s">
    <onentry><ixn:attach interactionid="_data.call"/></onentry>
    <transition event="interaction.attach.done" target="attached"/>
    <transition event="error.interaction.attach" target="unknown"/>
  </state>
  <state id="attached">
    <onentry><ixn:detach interactionid="_data.call"/></onentry>
    <transition event="interaction.detach.done" target="pass"/>
    <transition event="error.*" target="fail"/>
  </state>
  <state id="unknown">
    <onentry><ixn:terminate interactionid="_data.call"/></onentry>
    <transition event="error.interaction.terminate" target="pass"/>
    <transition event="interaction.terminate.done" target="fail"/>
  </state>`)
	tests := []struct {
		name  string
		known bool
		// states are the states the snapshots show, in order.
		states []string
	}{
		{name: "done events", known: true, states: []string{"s", "attached"}},
		{name: "error events", known: false, states: []string{"s", "unknown"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			call := "006E02C1AFFFFFFF"
			if tt.known {
				call = string(h.port.NewCall(telephony.Call{ThisDN: "RP_1000", ANI: "5551000"}))
				h.settle()
			}
			var snaps [][]byte
			h.host.OnMacrostep(func(s *interp.Session, _ *interp.Event) {
				if !s.Running() {
					return
				}
				// What a store's Commit, which runs after the hooks,
				// would write.
				st, err := s.Snapshot()
				require.NoError(t, err)
				data, err := json.Marshal(st)
				require.NoError(t, err)
				snaps = append(snaps, data)
			})
			s := h.startSrc(src, map[string]any{"call": call})
			require.Equal(t, "pass", final(s), "events %v, errors %v", h.names(s.ID()), h.errs)
			require.Len(t, snaps, len(tt.states))

			for i, data := range snaps {
				var st interp.SessionState
				require.NoError(t, json.Unmarshal(data, &st))
				assert.Equal(t, []string{tt.states[i]}, st.Config, "snapshot %d", i)
				assert.Len(t, st.External, 1, "snapshot %d: the answer of the action waits in the session's queue", i)

				h2 := newHarness(t, nil)
				doc, err := scxml.Parse("inline.scxml", []byte(src), h2.rt.LoadOptions())
				require.NoError(t, err)
				c, err := h2.eng.Compile(doc)
				require.NoError(t, err)
				restored, err := h2.eng.Restore(c, &st)
				require.NoError(t, err)
				h2.settle()
				assert.Equal(t, "pass", final(restored), "restored from snapshot %d: events %v, errors %v", i, h2.names(s.ID()), h2.errs)
			}
		})
	}
}

// TestFetchInFlightAtACrash restores a session from a snapshot made while
// its <session:fetch> was in flight, in another runtime (a process
// started after a crash): the request is not made again, and the session
// receives error.session.fetch (error "interrupted") rather than waiting
// for an answer nothing sends.
func TestFetchInFlightAtACrash(t *testing.T) {
	release := make(chan struct{})
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		calls.Add(1)
		<-release
		_, _ = w.Write([]byte(`{"status":"delivered"}`))
	}))
	t.Cleanup(srv.Close)
	src := orsDoc(`<datamodel><data id="push"/></datamodel>
  <state id="s">
    <onentry><session:fetch srcexpr="_data.url" method="'post'" requestid="push"/></onentry>
    <transition event="session.fetch.done" target="fail"/>
    <transition event="error.session.fetch" cond="_event.data.error == 'interrupted' &amp;&amp; _event.data.requestid == push" target="pass"/>
  </state>`)

	h := newHarness(t, nil)
	doc, err := scxml.Parse("inline.scxml", []byte(src), h.rt.LoadOptions())
	require.NoError(t, err)
	c, err := h.eng.Compile(doc)
	require.NoError(t, err)
	s, err := h.host.Start(c, interp.StartOptions{Params: map[string]any{"url": srv.URL}})
	require.NoError(t, err)
	require.Empty(t, h.errs)
	st, err := s.Snapshot()
	require.NoError(t, err)
	var share struct {
		Fetches []string `json:"fetches"`
	}
	require.NoError(t, json.Unmarshal(st.Locals[ors.LocalKey], &share))
	assert.Len(t, share.Fetches, 1, "the snapshot lists the fetch in flight")
	rec, err := h.host.Snapshot(s)
	require.NoError(t, err)
	assert.Equal(t, h.clock.Now(), rec.Due, "due at once: a host that adopts it loads it, and the fetch is answered")

	h2 := newHarness(t, nil)
	c2, err := h2.eng.Compile(doc)
	require.NoError(t, err)
	restored, err := h2.eng.Restore(c2, st)
	require.NoError(t, err)
	h2.settle()
	assert.Equal(t, "pass", final(restored), "events %v, errors %v", h2.names(s.ID()), h2.errs)
	data := h2.event(s.ID(), "error.session.fetch")
	assert.Contains(t, data["description"], "not made again")

	close(release)
	h.settle()
	assert.Equal(t, "fail", final(s), "the first runtime's session got its answer")
	assert.EqualValues(t, 1, calls.Load(), "the request was made once")
}

// TestShareAndEventsAgreeWhileAnEventIsRouted persists a session's share
// of the runtime while the port's EventReleased for its call is being
// routed to it, as a host's snapshot may be made on the session's
// goroutine at any moment: the share still lists the call (a restored
// session has the switch asked about it), or its interaction.deleted is
// in the host's inbox already (the snapshot takes it onto the session's
// queue). A share made between the two — the call forgotten, the event
// not yet handed over — would leave a session restored from it waiting
// for an event nothing sends again.
func TestShareAndEventsAgreeWhileAnEventIsRouted(t *testing.T) {
	type persisted struct {
		share     []byte
		err       error
		delivered bool
	}
	var (
		local     interp.Persistent
		armed     atomic.Bool
		delivered atomic.Bool
		result    = make(chan persisted, 1)
	)
	h := newHarness(t, func(o *ors.Options) {
		send := o.Deliver
		o.Deliver = func(id string, ev *interp.Event) {
			if ev.Name == "interaction.deleted" && armed.CompareAndSwap(true, false) {
				go func() {
					data, err := local.Persist()
					result <- persisted{data, err, delivered.Load()}
				}()
				// Room for the share to be made now, unless the runtime
				// keeps it from being made until the event is handed
				// over.
				select {
				case p := <-result:
					result <- p
				case <-time.After(200 * time.Millisecond):
				}
			}
			send(id, ev)
			if ev.Name == "interaction.deleted" {
				delivered.Store(true)
			}
		}
	})
	s := h.startSrc(orsDoc(`<state id="s">
    <transition event="interaction.deleted" target="pass"/>
  </state>`), nil)
	call := h.port.NewCall(telephony.Call{ThisDN: "RP_1000", ANI: "5551000"})
	h.settle()
	local = s.Local(ors.LocalKey).(interp.Persistent)
	before, err := local.Persist()
	require.NoError(t, err)
	require.Contains(t, string(before), string(call), "the session owns the call")

	armed.Store(true)
	require.NoError(t, h.port.Hangup(call))
	h.settle()
	require.Equal(t, "pass", final(s), "events %v, errors %v", h.names(s.ID()), h.errs)
	p := <-result
	require.NoError(t, p.err)
	assert.True(t, p.delivered || strings.Contains(string(p.share), string(call)),
		"the share made while the call's release was routed shows neither the call nor its event: %s", p.share)
}
