package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/store"
)

// pinged counts the pings it gets, and has no timer that would bring it
// back from the store.
const pinged = `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">
	<datamodel><data id="n" expr="0"/></datamodel>
	<state id="a">
		<transition event="ping"><assign location="n" expr="n + 1"/></transition>
	</state>
</scxml>`

// pingedHost is a host of pinged sessions on a store of its own,
// hibernating idle ones after after (0: never).
func pingedHost(t *testing.T, bucket string, after time.Duration) (*host.Host, *interp.VirtualClock, *interp.Chart) {
	t.Helper()
	nc := startBus(t).connect()
	clock := interp.NewVirtualClock(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	st, err := store.New(context.Background(), nc, store.Options{Bucket: bucket})
	require.NoError(t, err)
	t.Cleanup(st.Close)
	doc, err := scxml.Parse("pinged.scxml", []byte(pinged), nil)
	require.NoError(t, err)
	chart, err := interp.Compile(doc, host.Datamodels())
	require.NoError(t, err)
	h, err := host.New(host.Config{Engine: interp.Options{Datamodels: host.Datamodels()}, Clock: clock, Store: st,
		HibernateAfter: after, Chart: func(string) (*interp.Chart, error) { return chart, nil }})
	require.NoError(t, err)
	t.Cleanup(h.Close)
	return h, clock, chart
}

// TestHibernatingKeepsTheInbox: an event waiting in the inbox for a
// session about to hibernate (the API's Hibernate, or the idle sweep,
// which runs before the turn delivers the inbox) is handled, in this
// process, without waiting for another event or a timer.
func TestHibernatingKeepsTheInbox(t *testing.T) {
	tests := []struct {
		name      string
		after     time.Duration
		hibernate func(t *testing.T, h *host.Host, clock *interp.VirtualClock)
	}{
		{"Hibernate", 0, func(t *testing.T, h *host.Host, _ *interp.VirtualClock) {
			require.NoError(t, h.Send("S1", &interp.Event{Name: "ping"}))
			err := h.Hibernate(context.Background(), "S1")
			if err != nil {
				assert.ErrorContains(t, err, "has events waiting", "refused, or kept with its event")
			}
		}},
		{"the idle sweep", time.Minute, func(t *testing.T, h *host.Host, clock *interp.VirtualClock) {
			clock.Advance(30 * time.Second)
			require.NoError(t, h.Settle())
			clock.Advance(2 * time.Minute)
			require.NoError(t, h.Send("S1", &interp.Event{Name: "ping"}))
		}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, clock, chart := pingedHost(t, "INBOX"+string(rune('A'+i)), tt.after)
			_, err := h.Start(chart, interp.StartOptions{ID: "S1"})
			require.NoError(t, err)
			require.NoError(t, h.Settle())
			tt.hibernate(t, h, clock)
			require.NoError(t, h.Settle())
			assert.EqualValues(t, 2, h.Stats().Macrosteps, "the ping's macrostep ran, without another event")
			var n any
			require.NoError(t, h.Do(context.Background(), "S1", func(s *interp.Session) {
				n, err = s.Datamodel().Eval(&scxml.Expr{Kind: scxml.ValueExpr, Src: "n", Index: -1})
			}))
			require.NoError(t, err)
			assert.Equal(t, 1.0, n, "the ping was handled")
		})
	}
}
