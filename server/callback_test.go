package server

import (
	"net/http"
	"net/url"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/sim"
	"github.com/orca-scxml/orca/telephony/wire"
)

func TestAgentFirstVirtualInteraction(t *testing.T) {
	tests := []struct {
		name string
		// end ends the queued callback.
		end func(t *testing.T, e *e2e, id string)
	}{
		{"cancelled through the API", func(t *testing.T, e *e2e, id string) {
			a := call(t, http.MethodDelete, e.srv.URL()+"/genesys/1/service/callback/agent-first/"+id, nil, "")
			require.Equal(t, http.StatusOK, a.code, a.raw)
		}},
		{"terminated through the ORS API", func(t *testing.T, e *e2e, id string) {
			a := call(t, http.MethodPost, e.srv.URL()+"/scxml/session/"+id+"/terminate", nil, "")
			require.Equal(t, http.StatusOK, a.code, a.raw)
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newE2E(t, simConfig(5*time.Second), speed, nil)
			setReady(t, e.sim, false)
			id := e.request("agent-first", url.Values{"_customer_number": {"5550007"}})
			virt := "VIRT-" + id
			eventually(t, 10*time.Second, func() bool { return e.state(id)["_callback_state"] == "QUEUED" && e.srv.rt.Owner(virt) == id },
				"state %v, owner of %s %q", e.state(id), virt, e.srv.rt.Owner(virt))
			x, ok := e.srv.rt.Interaction(virt)
			require.True(t, ok)
			assert.True(t, x.Virtual)
			assert.Equal(t, "Virtual", x.Type)
			assert.Equal(t, "5550007", x.ANI)
			assert.Equal(t, id, x.UserData.String("_CB_SERVICE_ID"))
			_, isCall := e.sim.Call(virt)
			assert.False(t, isCall, "a virtual interaction is no call of the switch")

			cancelled := make(chan struct{}, 1)
			nc := e.nats.connect(bridge.RoleOrca, "watch")
			_, err := nc.Subscribe(">", func(msg *nats.Msg) {
				if m, err := wire.Decode(msg.Data); err == nil && m.Name == string(telephony.EventACK) && m.ConnID == virt {
					cancelled <- struct{}{}
				}
			})
			require.NoError(t, err)
			require.NoError(t, nc.Flush())

			tt.end(t, e, id)
			eventually(t, 10*time.Second, func() bool { return e.srv.Sessions() == 0 }, "the session never ended: %v", e.state(id))
			_, ok = e.srv.rt.Interaction(virt)
			assert.False(t, ok, "the virtual interaction ends with its session")

			// Its queue submit was withdrawn: once the switch has
			// acknowledged the cancel, agents who become ready stay ready.
			select {
			case <-cancelled:
			case <-time.After(10 * time.Second):
				require.Fail(t, "the switch never acknowledged the cancel of the virtual interaction's submit")
			}
			setReady(t, e.sim, true)
			time.Sleep(e.clock.Wall(5 * time.Second))
			for _, a := range e.sim.Agents() {
				assert.Equal(t, sim.AgentReady, a.State, "agent %s", a.ID)
				assert.NotEqual(t, virt, a.ConnID, "agent %s", a.ID)
			}
		})
	}
}

// setReady makes every agent of the simulator ready or not ready.
func setReady(t *testing.T, s *sim.Sim, ready bool) {
	t.Helper()
	for _, a := range s.Agents() {
		require.NoError(t, s.SetReady(a.ID, ready))
	}
}
