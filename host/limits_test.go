package host_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
)

// The documents that break a limit, each of which must end (or error)
// only its own session.
var hostile = map[string]struct {
	body  string
	limit string
	// once: under "error" the breach does not repeat, the session
	// survives it (idle, and reachable).
	once bool
}{
	"cond error on an eventless transition": {
		body:  `<state id="a"><transition cond="nosuch.x" target="b"/></state><state id="b"/>`,
		limit: interp.LimitInternalEvents,
	},
	"cond error on an error transition": {
		body: `<state id="a"><onentry><raise event="go"/></onentry><transition event="go" target="b"/></state>
			<state id="b"><onentry><assign location="nosuch.y" expr="1"/></onentry>
			<transition event="error.*" cond="nosuch.x" target="c"/></state><state id="c"/>`,
		limit: interp.LimitInternalEvents,
	},
	"a transition that sends its own event twice": {
		body: `<state id="a"><onentry><send event="e"/></onentry>
			<transition event="e"><send event="e"/><send event="e"/></transition></state>`,
		limit: interp.LimitExternalQueue,
	},
	"while (true)": {
		body:  `<state id="a"><onentry><script>while (true) {}</script></onentry></state>`,
		limit: interp.LimitScriptTime,
		once:  true,
	},
	"a memory bomb": {
		body:  `<state id="a"><onentry><script>var a = []; while (1) a.push('x'.repeat(1 &lt;&lt; 20) + a.length)</script></onentry></state>`,
		limit: interp.LimitMemory,
	},
	"delayed sends without end": {
		body:  `<state id="a"><onentry><foreach array="new Array(300).fill(0)" item="x"><send event="later" delay="1h"/></foreach></onentry></state>`,
		limit: interp.LimitDelayedSends,
		once:  true,
	},
	"a foreach that raises without end": {
		body:  `<state id="a"><onentry><foreach array="new Array(3000).fill(0)" item="x"><raise event="r"/></foreach></onentry></state>`,
		limit: interp.LimitInternalQueue,
	},
	"eventless transitions in a loop": {
		body:  `<state id="a"><transition target="b"/></state><state id="b"><transition target="a"/></state>`,
		limit: interp.LimitMicrosteps,
	},
}

func TestABreachEndsOnlyItsSession(t *testing.T) {
	for name, tc := range hostile {
		for _, action := range []string{"error", "terminate"} {
			t.Run(name+"/"+action, func(t *testing.T) {
				lim := host.Limits{
					ScriptTime: 5 * time.Second, Memory: 32 << 20, OnBreach: action,
					Microsteps: 1000, InternalEvents: 1000, InternalQueue: 1000, ExternalQueue: 1000, DelayedSends: 100,
				}
				switch tc.limit {
				case interp.LimitScriptTime:
					lim.ScriptTime = 100 * time.Millisecond
				case interp.LimitMemory:
					// However slow the machine, memory is the limit
					// it meets.
					lim.ScriptTime = time.Minute
				}
				h := newHost(t, host.Config{Limits: lim})
				var mu sync.Mutex
				var breaches []string
				h.OnBreach(func(id string, b *interp.Breach) {
					mu.Lock()
					breaches = append(breaches, id+" "+b.Limit)
					mu.Unlock()
				})
				ended := make(chan *interp.Session, 10)
				h.OnDone(func(s *interp.Session) { ended <- s })
				require.NoError(t, h.Go(context.Background()))
				// One shard: the neighbours share the hostile session's
				// goroutine and engine.
				good := chart(t, echo)
				neighbours := make([]string, 3)
				for i := range neighbours {
					s, err := h.Start(good, interp.StartOptions{ID: fmt.Sprintf("good%d", i)})
					require.NoError(t, err)
					neighbours[i] = s.ID()
				}
				_, err := h.Start(chart(t, tc.body), interp.StartOptions{ID: "bad"})
				require.NoError(t, err)
				for _, id := range neighbours {
					for _, ev := range []string{"ping", "go", "stop"} {
						require.NoError(t, h.Send(id, &interp.Event{Name: ev}))
					}
				}
				survives := action == "error" && tc.once
				want := 4
				if survives {
					want = 3
				}
				finals := map[string]string{}
				deadline := time.After(45 * time.Second)
				for len(finals) < want {
					select {
					case s := <-ended:
						if f := s.Final(); f != nil {
							finals[s.ID()] = f.ID
						} else {
							require.Equal(t, "bad", s.ID())
							require.ErrorIs(t, s.Err(), interp.ErrLimit)
							finals[s.ID()] = "terminated: " + s.Err().Error()
						}
					case <-deadline:
						t.Fatalf("sessions still running: ended %v", finals)
					}
				}
				for _, id := range neighbours {
					assert.Equal(t, "end", finals[id])
				}
				if survives {
					// The session recovered from the breach: it can be
					// queried and cancelled.
					require.NoError(t, h.Do(context.Background(), "bad", func(s *interp.Session) { assert.True(t, s.Running()) }))
					require.NoError(t, h.Cancel(context.Background(), "bad"))
					<-ended
				} else {
					assert.Contains(t, finals["bad"], "terminated: ")
					assert.Contains(t, finals["bad"], "limit exceeded: ")
				}
				// The watchdog reports a script-time breach from its own
				// goroutine after it interrupted the script: the session,
				// and its neighbours after it, may end first.
				assert.Eventually(t, func() bool {
					mu.Lock()
					defer mu.Unlock()
					return slices.Contains(breaches, "bad "+tc.limit)
				}, 5*time.Second, time.Millisecond, "the breach is reported")
				mu.Lock()
				for _, b := range breaches {
					assert.Contains(t, b, "bad ", "only the hostile session breaks a limit")
				}
				mu.Unlock()
				assert.NotZero(t, h.Stats().Breaches[tc.limit])
				assert.Eventually(t, func() bool { return h.Len() == 0 }, 5*time.Second, time.Millisecond)
			})
		}
	}
}

func TestDataModelGrowingAcrossMacrosteps(t *testing.T) {
	// Each event adds a megabyte: no single macrostep grows the heap by
	// much, a walk of the data model catches it.
	h := newHost(t, host.Config{Clock: interp.NewVirtualClock(time.Unix(0, 0)), Limits: host.Limits{Memory: 16 << 20}})
	s, err := h.Start(chart(t, `<datamodel><data id="a" expr="[]"/></datamodel>
		<state id="s"><transition event="more"><script>a.push('x'.repeat(1 &lt;&lt; 20) + a.length)</script></transition></state>`), interp.StartOptions{})
	require.NoError(t, err)
	for i := 0; i < 300 && !s.Done(); i++ {
		require.NoError(t, h.Send(s.ID(), &interp.Event{Name: "more"}))
		require.NoError(t, h.Settle())
	}
	require.True(t, s.Done())
	require.ErrorIs(t, s.Err(), interp.ErrLimit)
	assert.Contains(t, s.Err().Error(), "the session's data holds more than 16.0 MiB")
	assert.EqualValues(t, 1, h.Stats().Breaches[interp.LimitMemory])
	// Caught once the live heap has grown by the limit, or at the 64th
	// macrostep at the latest.
	assert.LessOrEqual(t, s.Macrosteps(), uint64(64))
}

func TestAFullQueueRefusesEvents(t *testing.T) {
	h := newHost(t, host.Config{Clock: interp.NewVirtualClock(time.Unix(0, 0)), Limits: host.Limits{ExternalQueue: 5}})
	s, err := h.Start(chart(t, echo), interp.StartOptions{})
	require.NoError(t, err)
	var lost []error
	h.OnLost(func(_ string, _ *interp.Event, err error) { lost = append(lost, err) })
	for range 8 {
		require.NoError(t, h.Send(s.ID(), &interp.Event{Name: "ping"}))
	}
	require.NoError(t, h.Settle())
	require.Len(t, lost, 3)
	assert.ErrorIs(t, lost[0], interp.ErrLimit)
	assert.Contains(t, lost[0].Error(), "external queue full")
	assert.True(t, s.Running(), "a flood from outside does not end the session")
	require.NoError(t, h.Do(context.Background(), s.ID(), func(s *interp.Session) {}))
	assert.EqualValues(t, 3, h.Stats().Breaches[interp.LimitExternalQueue])
}

func TestLimits(t *testing.T) {
	d := host.Limits{}.WithDefaults()
	assert.Equal(t, host.DefaultLimits(), d)
	assert.Equal(t, 2*time.Second, d.ScriptTime)
	assert.Equal(t, host.ByteSize(64<<20), d.Memory)
	assert.Equal(t, "error", d.OnBreach)
	off := host.Limits{ScriptTime: -1, Memory: -1, Microsteps: 5}.WithDefaults()
	assert.Equal(t, time.Duration(-1), off.ScriptTime)
	assert.Equal(t, 5, off.Microsteps)
	assert.Error(t, host.Limits{OnBreach: "explode"}.Validate())
	_, err := host.New(host.Config{Limits: host.Limits{OnBreach: "explode"}})
	assert.ErrorContains(t, err, "limits.on_breach")

	for in, want := range map[string]host.ByteSize{"1048576": 1 << 20, "512KiB": 512 << 10, "256MiB": 256 << 20, "1 GiB": 1 << 30, "2GB": 2 << 30, "-1": -1, "0": 0} {
		got, err := host.ParseByteSize(in)
		require.NoError(t, err, in)
		assert.Equal(t, want, got, in)
	}
	for _, bad := range []string{"", "lots", "1.5MiB", "99999999999GiB"} {
		_, err := host.ParseByteSize(bad)
		assert.Error(t, err, bad)
	}
	assert.Equal(t, "256MiB", host.ByteSize(256<<20).String())
	assert.Equal(t, "1000", host.ByteSize(1000).String())
}
