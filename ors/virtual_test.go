package ors_test

import (
	"testing"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/telephony"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVirtualInteraction(t *testing.T) {
	const vid = "VIRT-1"
	tests := []struct {
		name string
		// submit answers the queue submit.
		submit telephony.Answer
		// drive acts on the session once the virtual interaction is
		// queued.
		drive  func(h *harness, s *interp.Session)
		final  string
		logs   []string
		events []string
		// cancels is how many queue cancels the port received.
		cancels int
	}{
		{
			name:  "queued, delivered and terminated",
			final: "pass",
			logs: []string{"added VIRT-1 virtual VQ_Callback true", "music invalidstate", "agent 7001@SIP_Switch",
				"delivered to Agent1", "deleted true"},
			events: []string{"interaction.added", "error.dialog.playsound", "queue.submit.requestid", "queue.submit.done", "interaction.deliver.done",
				"interaction.terminate.done", "interaction.deleted"},
		},
		{
			name:   "terminated while queued",
			submit: telephony.Answer{Delay: time.Hour},
			drive:  func(h *harness, s *interp.Session) { h.send(s, "terminate") },
			final:  "fail",
			logs:   []string{"added VIRT-1 virtual VQ_Callback true", "music invalidstate", "queue cancelled"},
			events: []string{"interaction.added", "error.dialog.playsound", "queue.submit.requestid", "interaction.terminate.done", "interaction.deleted",
				"error.queue.submit"},
			cancels: 1,
		},
		{
			name:    "released when its session ends",
			submit:  telephony.Answer{Delay: time.Hour},
			drive:   func(h *harness, s *interp.Session) { h.send(s, "stop") },
			final:   "stopped",
			logs:    []string{"added VIRT-1 virtual VQ_Callback true", "music invalidstate"},
			events:  []string{"interaction.added", "error.dialog.playsound", "queue.submit.requestid"},
			cancels: 1,
		},
		{
			name:   "detached, released when its creator ends",
			submit: telephony.Answer{Delay: time.Hour},
			drive: func(h *harness, s *interp.Session) {
				h.send(s, "detach")
				assert.Empty(h.t, h.rt.Owner(vid))
				h.send(s, "stop")
			},
			final:   "stopped",
			logs:    []string{"added VIRT-1 virtual VQ_Callback true", "music invalidstate"},
			events:  []string{"interaction.added", "error.dialog.playsound", "queue.submit.requestid", "interaction.detach.done"},
			cancels: 1,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.port.Script(telephony.KindQueueSubmit, tt.submit)
			s := h.start("virtual.scxml", nil)
			id, err := h.rt.CreateVirtual(s.ID(), ors.Interaction{ID: vid, ThisDN: "VQ_Callback", ANI: "5551234",
				UserData: telephony.UserData{{Key: "_CB_SERVICE_ID", Value: "SVC-1"}}})
			require.NoError(t, err)
			require.Equal(t, vid, id)
			h.settle()
			x, ok := h.rt.Interaction(vid)
			if tt.drive != nil {
				require.True(t, ok)
				assert.True(t, x.Virtual)
				assert.Equal(t, telephony.ConnID(vid), x.ConnID)
				assert.Equal(t, "SIP_Switch", x.Switch)
				assert.Equal(t, s.ID(), h.rt.Owner(vid))
				tt.drive(h, s)
			}
			h.advance(time.Minute)
			require.Equal(t, tt.final, final(s), "events %v, logs %v, errors %v", h.names(s.ID()), h.logs, h.errs)
			assert.Equal(t, tt.logs, h.logs)
			assert.Equal(t, tt.events, h.names(s.ID()))

			subs := h.port.RequestsOf(telephony.KindQueueSubmit)
			require.Len(t, subs, 1)
			assert.Equal(t, telephony.QueueSubmit{ConnID: vid, Queue: "VQ_Callback", Route: "VQ_Callback", Targets: []string{"Agent1"}},
				subs[0].Body.(telephony.QueueSubmit))
			cancels := h.port.RequestsOf(telephony.KindQueueCancel)
			require.Len(t, cancels, tt.cancels)
			for _, c := range cancels {
				assert.Equal(t, subs[0].Ref, c.Body.(telephony.QueueCancel).Submit)
			}
			for _, k := range []telephony.RequestKind{telephony.KindRoute, telephony.KindRelease, telephony.KindTreatment} {
				assert.Empty(t, h.port.RequestsOf(k), "no %s request for a virtual interaction", k)
			}
			_, ok = h.rt.Interaction(vid)
			assert.False(t, ok, "the virtual interaction is released")
			assert.False(t, h.rt.ReleaseVirtual(vid))
		})
	}
}

func TestCreateVirtualErrors(t *testing.T) {
	h := newHarness(t, func(o *ors.Options) { o.Assign = nil })
	s := h.start("virtual.scxml", nil)
	conn := h.port.NewCall(telephony.Call{ThisDN: "RP_1000"})
	h.settle()
	tests := []struct {
		name  string
		owner string
		ixn   ors.Interaction
		want  error
		msg   string
	}{
		{"no owner", "", ors.Interaction{}, nil, "no owner session"},
		{"id of a call", s.ID(), ors.Interaction{ID: string(conn)}, ors.ErrInteractionExists, string(conn)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := h.rt.CreateVirtual(tt.owner, tt.ixn)
			require.Error(t, err)
			if tt.want != nil {
				require.ErrorIs(t, err, tt.want)
			}
			assert.Contains(t, err.Error(), tt.msg)
		})
	}
	assert.False(t, h.rt.ReleaseVirtual(string(conn)), "a call is not a virtual interaction")
	assert.False(t, h.rt.ReleaseVirtual("nothing"))

	id, err := h.rt.CreateVirtual(s.ID(), ors.Interaction{})
	require.NoError(t, err)
	assert.Regexp(t, `^VIRT-[0-9A-F]{16}$`, id)
	_, err = h.rt.CreateVirtual(s.ID(), ors.Interaction{ID: id})
	require.ErrorIs(t, err, ors.ErrInteractionExists)
	require.True(t, h.rt.ReleaseVirtual(id))
	h.settle()
	assert.Equal(t, id, h.event(s.ID(), "interaction.deleted")["interactionid"])
}

func TestCallProgress(t *testing.T) {
	const conn = "C1"
	// dial answers the make-call with EventDialing carrying result, then
	// the events of more.
	dial := func(result string, more ...telephony.Event) telephony.Answer {
		return telephony.Answer{Events: func(telephony.Request) []telephony.Event {
			evs := []telephony.Event{{Type: telephony.EventDialing, ConnID: conn, ThisDN: "7001", OtherDN: "5551234", CallType: "Outbound", CallResult: result}}
			for _, ev := range more {
				ev.ConnID = conn
				evs = append(evs, ev)
			}
			return evs
		}}
	}
	progress := func(result string) telephony.Event {
		return telephony.Event{Type: telephony.EventCallProgress, CallResult: result}
	}
	tests := []struct {
		name   string
		answer telephony.Answer
		// end, when set, is the event that ends the call later; result
		// is the call result known before it.
		end    *telephony.Event
		result string
		logs   []string
	}{
		{
			name:   "busy",
			answer: dial("Busy", progress("Busy"), telephony.Event{Type: telephony.EventReleased, CallResult: "Busy"}),
			logs:   []string{"dialing Busy", "progress Busy", "deleted Busy"},
		},
		{
			name:   "answering machine, released without a result",
			answer: dial("", progress("AnsweringMachine"), telephony.Event{Type: telephony.EventReleased}),
			logs:   []string{"dialing undefined", "progress AnsweringMachine", "deleted AnsweringMachine"},
		},
		{
			name:   "no answer, then SIT",
			answer: dial("", progress("NoAnswer"), progress("SIT"), telephony.Event{Type: telephony.EventAbandoned}),
			logs:   []string{"dialing undefined", "progress NoAnswer", "progress SIT", "deleted SIT"},
		},
		{
			name:   "fax from EventReleased alone",
			answer: dial("", telephony.Event{Type: telephony.EventReleased, CallResult: "Fax"}),
			logs:   []string{"dialing undefined", "deleted Fax"},
		},
		{
			name:   "answered, hung up later",
			answer: dial("Answer", progress("Answer"), telephony.Event{Type: telephony.EventEstablished, OtherDN: "5551234"}),
			end:    &telephony.Event{Type: telephony.EventReleased, ConnID: conn},
			result: "Answer",
			logs:   []string{"dialing Answer", "progress Answer", "deleted Answer"},
		},
		{
			name:   "no result known",
			answer: dial("", telephony.Event{Type: telephony.EventEstablished, OtherDN: "5551234"}),
			end:    &telephony.Event{Type: telephony.EventReleased, ConnID: conn},
			logs:   []string{"dialing undefined", "deleted undefined"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.port.Script(telephony.KindMakeCall, tt.answer)
			s := h.start("progress.scxml", nil)
			if tt.end != nil {
				require.Empty(t, final(s))
				x, ok := h.rt.Interaction(conn)
				require.True(t, ok)
				assert.Equal(t, tt.result, x.CallResult)
				h.port.Inject(*tt.end)
				h.settle()
			}
			require.Equal(t, "done", final(s), "events %v, logs %v, errors %v", h.names(s.ID()), h.logs, h.errs)
			assert.Equal(t, tt.logs, h.logs)
			for _, name := range []string{"interaction.callprogress", "interaction.deleted"} {
				for _, ev := range eventsNamed(h, s.ID(), name) {
					assert.Equal(t, conn, ev["interactionid"], name)
					assert.Contains(t, ev, "interaction", name)
				}
			}
		})
	}
}

// send queues external event name on session s and settles.
func (h *harness) send(s *interp.Session, name string) {
	require.NoError(h.t, h.eng.Send(s.ID(), &interp.Event{Name: name, Type: interp.External, Origin: harnessOrigin}))
	h.settle()
}

// eventsNamed returns the data of the events named name delivered to
// session id.
func eventsNamed(h *harness, id, name string) []map[string]any {
	h.mu.Lock()
	defer h.mu.Unlock()
	var out []map[string]any
	for _, ev := range h.events[id] {
		if ev.Name == name {
			data, _ := ev.Data.(map[string]any)
			out = append(out, data)
		}
	}
	return out
}
