package server

import (
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/telephony"
)

// TestPortGateHoldsEventsUntilReleased: the events the port delivers
// before the host runs reach the handlers at release, in order and before
// any later one; each handler gets only its own; those beyond maxHeld are
// counted.
func TestPortGateHoldsEventsUntilReleased(t *testing.T) {
	var g portGate
	var drops []int
	g.onDrop = func(n int) { drops = append(drops, n) }
	var mu sync.Mutex
	var a, b []string
	ha := g.wrap(func(ev telephony.Event) { mu.Lock(); a = append(a, ev.ThisDN); mu.Unlock() })
	hb := g.wrap(func(ev telephony.Event) { mu.Lock(); b = append(b, ev.ThisDN); mu.Unlock() })
	for _, name := range []string{"DN1", "DN2"} {
		ha(telephony.Event{ThisDN: name})
	}
	hb(telephony.Event{ThisDN: "DN3"})
	assert.Empty(t, a, "held until release")
	g.release()
	ha(telephony.Event{ThisDN: "DN4"})
	assert.Equal(t, []string{"DN1", "DN2", "DN4"}, a)
	assert.Equal(t, []string{"DN3"}, b)
	assert.Empty(t, drops)

	var full portGate
	full.onDrop = func(n int) { drops = append(drops, n) }
	n := 0
	h := full.wrap(func(telephony.Event) { n++ })
	for range maxHeld + 3 {
		h(telephony.Event{ThisDN: "EventRinging"})
	}
	full.release()
	require.Equal(t, maxHeld, n)
	assert.Equal(t, []int{1, 3}, drops, "the first and the total beyond the bound are reported")
}

// TestPortGateReleaseLetsAHandlerCauseEvents: a held event's handler may
// cause another event on its own goroutine; it is handed on after the
// held ones, and the gate opens.
func TestPortGateReleaseLetsAHandlerCauseEvents(t *testing.T) {
	var g portGate
	var got []string
	var h telephony.Handler
	h = g.wrap(func(ev telephony.Event) {
		got = append(got, ev.ThisDN)
		if ev.ThisDN == "DN1" {
			h(telephony.Event{ThisDN: "DN1-caused"})
		}
	})
	h(telephony.Event{ThisDN: "DN1"})
	h(telephony.Event{ThisDN: "DN2"})
	done := make(chan struct{})
	go func() { g.release(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("release did not return")
	}
	assert.Equal(t, []string{"DN1", "DN2", "DN1-caused"}, got)
	h(telephony.Event{ThisDN: "DN3"})
	assert.Equal(t, "DN3", got[len(got)-1], "open after release")
}
