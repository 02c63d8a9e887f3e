package sim_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/sim"
)

func TestMakeCallOutcomes(t *testing.T) {
	url := server(t)
	cases := []struct {
		name    string
		outcome sim.Outcome
		timeout time.Duration
		wait    time.Duration // from the request to EventDialing
		last    telephony.EventType
		state   sim.CallState
	}{
		{"answer", sim.Outcome{Result: sim.ResultAnswer, Ring: 3 * time.Second}, 0, 3 * time.Second, telephony.EventEstablished, sim.CallEstablished},
		{"busy", sim.Outcome{Result: sim.ResultBusy, Ring: time.Second}, 0, time.Second, telephony.EventReleased, sim.CallFailed},
		{"no answer rings for the timeout", sim.Outcome{Result: sim.ResultNoAnswer}, 20 * time.Second, 20 * time.Second, telephony.EventReleased, sim.CallFailed},
		{"answer after the timeout is no answer", sim.Outcome{Result: sim.ResultAnswer, Ring: 40 * time.Second}, 20 * time.Second, 20 * time.Second, telephony.EventReleased, sim.CallFailed},
		{"answering machine", sim.Outcome{Result: sim.ResultAnsweringMachine, Ring: 5 * time.Second}, 0, 5 * time.Second, telephony.EventReleased, sim.CallFailed},
		{"fax", sim.Outcome{Result: sim.ResultFax, Ring: 2 * time.Second}, 0, 2 * time.Second, telephony.EventReleased, sim.CallFailed},
		{"error tone", sim.Outcome{Result: sim.ResultErrorTone, Ring: time.Second}, 0, time.Second, telephony.EventReleased, sim.CallFailed},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			e := newEnv(t, url, baseConfig(fmt.Sprintf("SW_MC%d", i)))
			e.sim.Script("5551234", tc.outcome)
			ref, err := e.port.MakeCall(telephony.MakeCall{ThisDN: "RP_Callback", Destination: "5551234", Timeout: tc.timeout,
				UserData: telephony.UserData{{Key: "k", Value: "v"}}})
			require.NoError(t, err)
			e.wait(func() bool { return len(e.sim.Calls()) == 1 })
			e.clock.Advance(tc.wait - time.Millisecond)
			e.quiet()
			e.clock.Advance(time.Millisecond)

			dialing := e.next()
			require.Equal(t, telephony.EventDialing, dialing.Type)
			assert.Equal(t, ref, dialing.ReferenceID)
			want := string(tc.outcome.Result)
			if tc.last == telephony.EventReleased && tc.outcome.Result == sim.ResultAnswer {
				want = string(sim.ResultNoAnswer)
			}
			assert.Equal(t, want, dialing.CallResult)
			assert.Equal(t, "5551234", dialing.OtherDN)
			assert.Equal(t, telephony.UserData{{Key: "k", Value: "v"}}, dialing.UserData)
			progress := e.next()
			assert.Equal(t, telephony.EventCallProgress, progress.Type)
			assert.Zero(t, progress.ReferenceID)
			last := e.next()
			assert.Equal(t, tc.last, last.Type)
			assert.Equal(t, dialing.ConnID, last.ConnID)

			c, ok := e.sim.Call(string(dialing.ConnID))
			require.True(t, ok)
			assert.Equal(t, tc.state, c.State)
			assert.Equal(t, []string{"EventDialing", "EventCallProgress", string(tc.last)}, c.Events)
		})
	}
}

func TestMakeCallErrors(t *testing.T) {
	url := server(t)
	cases := []struct {
		name string
		req  telephony.MakeCall
		msg  string
	}{
		{"scripted error", telephony.MakeCall{ThisDN: "RP_Callback", Destination: "999"}, "invalid destination 999"},
		{"unknown DN", telephony.MakeCall{ThisDN: "RP_Nowhere", Destination: "5551234"}, `DN "RP_Nowhere" is not configured`},
		{"no destination", telephony.MakeCall{ThisDN: "RP_Callback"}, "no destination"},
	}
	e := newEnv(t, url, baseConfig("SW_ERR"))
	e.sim.Script("999", sim.Outcome{Result: sim.ResultError})
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ref, err := e.port.MakeCall(tc.req)
			require.NoError(t, err)
			ev := e.next()
			require.Equal(t, telephony.EventError, ev.Type)
			assert.Equal(t, ref, ev.ReferenceID)
			assert.Equal(t, telephony.ErrCodeInvalidDN, ev.ErrorCode)
			assert.Contains(t, ev.ErrorMessage, tc.msg)
		})
	}
	assert.Empty(t, e.sim.Calls())
}

func TestQueueSubmitWaitsForAgentAndHandleTime(t *testing.T) {
	cfg := baseConfig("SW_Q")
	cfg.Agents.Count = 1
	e := newEnv(t, server(t), cfg)
	c1, c2 := e.dial("5550001", 0), e.dial("5550002", 0)

	sub1, err := e.port.SubmitToQueue(telephony.QueueSubmit{ConnID: telephony.ConnID(c1), Route: "RP_Callback", Targets: []string{"Callback_Agents@Stat.GA"}})
	require.NoError(t, err)
	sel := e.next()
	require.Equal(t, telephony.EventTargetSelected, sel.Type)
	assert.Equal(t, sub1, sel.ReferenceID)
	assert.Equal(t, "Agent1@SW_Q.A", sel.Target)
	assert.Equal(t, "7001", sel.OtherDN)

	sub2, err := e.port.SubmitToQueue(telephony.QueueSubmit{ConnID: telephony.ConnID(c2), Targets: []string{"Agent1@SW_Q.A"}})
	require.NoError(t, err)
	e.wait(func() bool { return e.sim.Agents()[0].State == sim.AgentReserved })
	e.quiet()

	_, err = e.port.Route(telephony.Route{Type: telephony.RouteRedirect, ConnID: telephony.ConnID(c1), To: sel.Target})
	require.NoError(t, err)
	used := e.next()
	assert.Equal(t, telephony.EventRouteUsed, used.Type)
	assert.Equal(t, "7001", used.OtherDN)
	ringing := e.next()
	assert.Equal(t, telephony.EventRinging, ringing.Type)
	assert.Equal(t, "7001", ringing.ThisDN)
	e.clock.Advance(time.Second)
	est := e.next()
	assert.Equal(t, telephony.EventEstablished, est.Type)
	assert.Equal(t, "7001", est.ThisDN)

	e.clock.Advance(30*time.Second - time.Millisecond)
	e.quiet()
	assert.Equal(t, sim.CallTalking, must(e.sim.Call(c1)).State)
	e.clock.Advance(time.Millisecond)
	rel := e.next()
	assert.Equal(t, telephony.EventReleased, rel.Type)
	assert.Equal(t, telephony.ConnID(c1), rel.ConnID)
	sel2 := e.next()
	require.Equal(t, telephony.EventTargetSelected, sel2.Type)
	assert.Equal(t, sub2, sel2.ReferenceID)
	assert.Equal(t, 1, e.sim.Agents()[0].Calls)
	assert.Equal(t, start.Add(2*2*time.Second+31*time.Second), e.clock.Now())
}

func TestQueueSubmitFailures(t *testing.T) {
	e := newEnv(t, server(t), baseConfig("SW_QF"))
	require.NoError(t, e.sim.SetReady("Agent1", false))
	require.NoError(t, e.sim.SetReady("Agent2", false))
	conn := telephony.ConnID(e.dial("5550001", 0))

	t.Run("unknown target", func(t *testing.T) {
		ref, err := e.port.SubmitToQueue(telephony.QueueSubmit{ConnID: conn, Targets: []string{"Sales@Stat.GA"}})
		require.NoError(t, err)
		ev := e.next()
		assert.Equal(t, telephony.EventError, ev.Type)
		assert.Equal(t, ref, ev.ReferenceID)
		assert.Equal(t, telephony.ErrCodeInvalidDN, ev.ErrorCode)
	})
	t.Run("timeout", func(t *testing.T) {
		ref, err := e.port.SubmitToQueue(telephony.QueueSubmit{ConnID: conn, Targets: []string{"Callback_Agents"}, Timeout: 10 * time.Second})
		require.NoError(t, err)
		e.waitTimers(1)
		e.clock.Advance(10 * time.Second)
		ev := e.next()
		assert.Equal(t, telephony.EventError, ev.Type)
		assert.Equal(t, ref, ev.ReferenceID)
		assert.Equal(t, telephony.ErrCodeTimeout, ev.ErrorCode)
	})
	t.Run("cancel", func(t *testing.T) {
		ref, err := e.port.SubmitToQueue(telephony.QueueSubmit{ConnID: conn, Targets: []string{"Callback_Agents"}})
		require.NoError(t, err)
		e.quiet()
		cref, err := e.port.CancelQueue(telephony.QueueCancel{Submit: ref, ConnID: conn})
		require.NoError(t, err)
		ev := e.next()
		assert.Equal(t, telephony.EventError, ev.Type)
		assert.Equal(t, ref, ev.ReferenceID)
		assert.Equal(t, telephony.ErrCodeCancelled, ev.ErrorCode)
		ack := e.next()
		assert.Equal(t, telephony.EventACK, ack.Type)
		assert.Equal(t, cref, ack.ReferenceID)
	})
	t.Run("agent becomes ready", func(t *testing.T) {
		ref, err := e.port.SubmitToQueue(telephony.QueueSubmit{ConnID: conn, Targets: []string{"7002"}})
		require.NoError(t, err)
		e.quiet()
		require.NoError(t, e.sim.SetReady("Agent2", true))
		ev := e.next()
		assert.Equal(t, telephony.EventTargetSelected, ev.Type)
		assert.Equal(t, ref, ev.ReferenceID)
		assert.Equal(t, "Agent2@SW_QF.A", ev.Target)
	})
	t.Run("call ends", func(t *testing.T) {
		require.NoError(t, e.sim.SetReady("Agent1", false))
		require.NoError(t, e.sim.SetReady("Agent2", false))
		other := telephony.ConnID(e.dial("5550002", 0))
		e.quiet()
		ref, err := e.port.SubmitToQueue(telephony.QueueSubmit{ConnID: conn, Targets: []string{"Callback_Agents"}})
		require.NoError(t, err)
		_, err = e.port.SubmitToQueue(telephony.QueueSubmit{ConnID: other, Targets: []string{"Callback_Agents"}})
		require.NoError(t, err)
		e.quiet()
		_, err = e.port.send(telephony.Release{ConnID: conn}, "")
		require.NoError(t, err)
		var failed telephony.Event
		for failed.Type != telephony.EventError {
			failed = e.next()
		}
		assert.Equal(t, ref, failed.ReferenceID)
		assert.Equal(t, telephony.ErrCodeNoSuchCall, failed.ErrorCode)
		assert.Equal(t, "call released", failed.ErrorMessage)
		require.NoError(t, e.sim.SetReady("Agent1", true))
		sel, _ := e.expect(telephony.EventTargetSelected, string(other))
		assert.Equal(t, "Agent1@SW_QF.A", sel.Target, "the other call's submit still waits")
	})
}

func TestAttachedData(t *testing.T) {
	e := newEnv(t, server(t), baseConfig("SW_UD"))
	conn := e.dial("5550001", 0)
	kvs := telephony.UserData{{Key: "_CB_SERVICE_ID", Value: "svc-1"}, {Key: "_CB_T_SERVICE_START", Value: 1348817660},
		{Key: "_CB_T_CALLBACK_ACCEPTED", Value: 1348817661}, {Key: "_CB_T_CUSTOMER_CONNECTED", Value: 1348817670}}
	steps := []struct {
		name string
		op   telephony.UserDataOp
		ud   telephony.UserData
		want telephony.UserData
	}{
		{"attach", telephony.Attach, kvs, kvs},
		{"update", telephony.Update, telephony.UserData{{Key: "_CB_SERVICE_ID", Value: "svc-2"}, {Key: "x", Value: telephony.UserData{{Key: "y", Value: 1}}}},
			append(telephony.UserData{{Key: "_CB_SERVICE_ID", Value: "svc-2"}}, append(kvs[1:].Clone(), telephony.KV{Key: "x", Value: telephony.UserData{{Key: "y", Value: 1}}})...)},
		{"delete", telephony.Delete, telephony.UserData{{Key: "x", Value: ""}}, append(telephony.UserData{{Key: "_CB_SERVICE_ID", Value: "svc-2"}}, kvs[1:]...)},
	}
	for _, st := range steps {
		t.Run(st.name, func(t *testing.T) {
			ref, err := e.port.UpdateUserData(telephony.UserDataChange{Op: st.op, ConnID: telephony.ConnID(conn), UserData: st.ud})
			require.NoError(t, err)
			ev := e.next()
			require.Equal(t, telephony.EventAttachedDataChanged, ev.Type)
			assert.Equal(t, ref, ev.ReferenceID)
			assert.Equal(t, st.want, ev.UserData)
			ud, ok := e.sim.AttachedData(conn)
			require.True(t, ok)
			assert.Equal(t, st.want, ud)
		})
	}
	t.Run("unknown call", func(t *testing.T) {
		_, err := e.port.UpdateUserData(telephony.UserDataChange{Op: telephony.Attach, ConnID: "nope", UserData: kvs})
		require.NoError(t, err)
		ev := e.next()
		assert.Equal(t, telephony.EventError, ev.Type)
		assert.Equal(t, telephony.ErrCodeNoSuchCall, ev.ErrorCode)
	})
}

func TestAbandon(t *testing.T) {
	e := newEnv(t, server(t), baseConfig("SW_AB"))
	require.NoError(t, e.sim.SetReady("Agent1", false))
	require.NoError(t, e.sim.SetReady("Agent2", false))
	conn := e.dial("5550001", 10*time.Second)
	ref, err := e.port.SubmitToQueue(telephony.QueueSubmit{ConnID: telephony.ConnID(conn), Targets: []string{"Callback_Agents"}})
	require.NoError(t, err)
	e.quiet()
	e.clock.Advance(10 * time.Second)
	ab := e.next()
	assert.Equal(t, telephony.EventAbandoned, ab.Type)
	assert.Equal(t, telephony.ConnID(conn), ab.ConnID)
	fail := e.next()
	assert.Equal(t, telephony.EventError, fail.Type)
	assert.Equal(t, ref, fail.ReferenceID)
	assert.Equal(t, sim.CallAbandoned, must(e.sim.Call(conn)).State)

	t.Run("by the API", func(t *testing.T) {
		conn := e.dial("5550002", 0)
		require.NoError(t, e.sim.Abandon(conn))
		assert.Equal(t, telephony.EventAbandoned, e.next().Type)
		require.Error(t, e.sim.Abandon(conn))
	})
}

func TestTreatmentsAndDialogs(t *testing.T) {
	cfg := baseConfig("SW_TR")
	cfg.Dialogs = map[string]sim.DialogConfig{
		"callback_offer":   {Duration: sim.Duration(8 * time.Second), Outcomes: []sim.DialogOutcome{{Odds: 1, Attach: map[string]string{"_callback_offer_result": "accepted"}}}},
		"callback_confirm": {Duration: sim.Duration(4 * time.Second), Outcomes: []sim.DialogOutcome{{Odds: 1, Error: "no input"}}},
	}
	e := newEnv(t, server(t), cfg)
	conn := telephony.ConnID(e.dial("5550001", 0))
	cases := []struct {
		name  string
		tr    telephony.Treatment
		after time.Duration
		types []telephony.EventType
	}{
		{"music for its duration", telephony.Treatment{Kind: "Music", Resource: "hold.wav", Duration: 15 * time.Second}, 15 * time.Second, []telephony.EventType{telephony.EventTreatmentEnd}},
		{"default duration", telephony.Treatment{Kind: "Music", Resource: "hold.wav"}, 5 * time.Second, []telephony.EventType{telephony.EventTreatmentEnd}},
		{"dialog attaches", telephony.Treatment{Kind: "IVR", Resource: "callback_offer"}, 8 * time.Second, []telephony.EventType{telephony.EventAttachedDataChanged, telephony.EventTreatmentEnd}},
		{"dialog fails", telephony.Treatment{Kind: "IVR", Resource: "callback_confirm"}, 4 * time.Second, []telephony.EventType{telephony.EventError}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tc.tr.ConnID = conn
			ref, err := e.port.PlayTreatment(tc.tr)
			require.NoError(t, err)
			e.waitTimers(1)
			e.clock.Advance(tc.after - time.Millisecond)
			e.quiet()
			e.clock.Advance(time.Millisecond)
			var got []telephony.EventType
			for range tc.types {
				ev := e.next()
				got = append(got, ev.Type)
				if ev.Type != telephony.EventAttachedDataChanged {
					assert.Equal(t, ref, ev.ReferenceID)
				}
			}
			assert.Equal(t, tc.types, got)
		})
	}
	assert.Equal(t, "accepted", must(e.sim.AttachedData(string(conn))).String("_callback_offer_result"))
}

func TestAgentEvents(t *testing.T) {
	cfg := baseConfig("SW_AG")
	cfg.Agents.NotReady = 1
	e := newEnv(t, server(t), cfg)
	require.NoError(t, e.sim.SetReady("Agent2", true))
	require.NoError(t, e.sim.SetReady("Agent1", false))
	want := map[string]bool{"7001 EventAgentNotReady": true, "7002 EventAgentReady": true}
	timeout := time.After(5 * time.Second)
	for len(want) > 0 {
		select {
		case ev := <-e.evs:
			delete(want, ev.ThisDN+" "+string(ev.Type))
		case <-timeout:
			require.FailNow(t, "agent events missing", "%v", want)
		}
	}
	assert.Equal(t, []sim.AgentState{sim.AgentNotReady, sim.AgentReady}, []sim.AgentState{e.sim.Agents()[0].State, e.sim.Agents()[1].State})
	require.Error(t, e.sim.SetReady("Nobody", true))
}

func must[T any](v T, ok bool) T {
	if !ok {
		panic("not found")
	}
	return v
}

func TestCallPlacedByAnAgent(t *testing.T) {
	cfg := baseConfig("SW_AF")
	cfg.Agents.Count = 1
	e := newEnv(t, server(t), cfg)
	// An agent-first callback dials from the agent the queue selected,
	// named as a target.
	ref, err := e.port.MakeCall(telephony.MakeCall{ThisDN: "Agent1@SW_AF.A", Destination: "5551234"})
	require.NoError(t, err)
	e.wait(func() bool { return len(e.sim.Calls()) == 1 })
	e.clock.Advance(2 * time.Second)
	dialing := e.next()
	require.Equal(t, telephony.EventDialing, dialing.Type)
	assert.Equal(t, ref, dialing.ReferenceID)
	assert.Equal(t, "7001", dialing.ThisDN)
	assert.Equal(t, telephony.EventCallProgress, e.next().Type)
	assert.Equal(t, telephony.EventEstablished, e.next().Type)
	conn := string(dialing.ConnID)
	assert.Equal(t, sim.AgentBusy, e.sim.Agents()[0].State)
	assert.Equal(t, "Agent1", must(e.sim.Call(conn)).Agent)

	e.clock.Advance(30*time.Second - time.Millisecond)
	e.quiet()
	e.clock.Advance(time.Millisecond)
	rel := e.next()
	assert.Equal(t, telephony.EventReleased, rel.Type)
	assert.Equal(t, dialing.ConnID, rel.ConnID)
	e.wait(func() bool { return e.sim.Agents()[0].State == sim.AgentReady })
	assert.Equal(t, 1, e.sim.Agents()[0].Calls)
}
