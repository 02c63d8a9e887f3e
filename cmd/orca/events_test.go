package main

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/sim"
)

func TestEventsPrintsFilteredBlocks(t *testing.T) {
	clearNATSEnv(t)
	dir := t.TempDir()
	e, err := bridge.StartEmbedded(bridge.Options{DataDir: dir, JetStream: true})
	require.NoError(t, err)
	t.Cleanup(e.Shutdown)
	nc, err := e.Connect(bridge.RoleSwitch, bridge.ConnectOptions{})
	require.NoError(t, err)
	t.Cleanup(nc.Close)
	cfg := sim.DefaultConfig()
	cfg.Switch.Name = "SW_E"
	cfg.Speed = 1000
	s, err := sim.New(nc, cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, s.Start(ctx))
	t.Cleanup(s.Stop)
	p := newTestPort(t, dir, "SW_E")

	cases := []struct {
		name string
		args []string
		want []string
		not  []string
	}{
		{"by service", []string{"--service", "svc-1"},
			[]string{"EventUserEvent SW_E/REPORTING service=svc-1 customer=Environment", "EventAttachedDataChanged SW_E/RP_Callback conn=", "\t'_CB_T_SERVICE_START' 1348817660\n"},
			[]string{"svc-2"}},
		{"by DN", []string{"--dn", "REPORTING", "--switch", "SW_E"},
			[]string{"EventUserEvent SW_E/REPORTING service=svc-1", "EventUserEvent SW_E/REPORTING service=svc-2"},
			[]string{"EventAttachedDataChanged"}},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			stdout, stderr, stop := background(t, runEvents, append([]string{"--data", dir}, tc.args...)...)
			waitFor(t, stderr, "events: listening on ")

			number := "555000" + string(rune('1'+i))
			s.Script(number, sim.Outcome{Result: sim.ResultAnswer})
			_, err := p.MakeCall(telephony.MakeCall{ThisDN: "RP_Callback", Destination: number})
			require.NoError(t, err)
			var conn string
			require.NoError(t, s.Wait(ctx, func() bool {
				for _, c := range s.Calls() {
					if c.OtherDN == number && c.State == sim.CallEstablished {
						conn = c.ConnID
						return true
					}
				}
				return false
			}))
			_, err = p.UpdateUserData(telephony.UserDataChange{Op: telephony.Attach, ConnID: telephony.ConnID(conn),
				UserData: telephony.UserData{{Key: "_CB_SERVICE_ID", Value: "svc-1"}, {Key: "_CB_T_SERVICE_START", Value: 1348817660}}})
			require.NoError(t, err)
			for _, svc := range []string{"svc-2", "svc-1"} {
				_, err = p.DistributeUserEvent(telephony.UserEvent{UserData: telephony.UserData{{Key: "_CB_SERVICE_ID", Value: svc}}})
				require.NoError(t, err)
			}
			for _, w := range tc.want {
				waitFor(t, stdout, w)
			}
			assert.Equal(t, exitOK, stop())
			for _, n := range tc.not {
				assert.NotContains(t, stdout.String(), n)
			}
		})
	}
}
