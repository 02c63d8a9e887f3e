package ors_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/telephony"
)

// TestLiveQueueStatistics reads the virtual queue statistics of a live
// source: the port's queue contents, after two calls were distributed
// 90s apart and two more wait.
func TestLiveQueueStatistics(t *testing.T) {
	h := newHarness(t, func(o *ors.Options) {
		o.Config.Environment = &ors.Environment{Statistics: map[string]map[string]float64{"VQ_Fixed": {"StatExpectedWaitingTime": 42}}}
		o.Statistics = o.Port.(*telephony.Memory)
	})
	h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: 30 * time.Second}, telephony.Answer{Delay: 120 * time.Second},
		telephony.Answer{Silent: true}, telephony.Answer{Silent: true})
	for i, n := range []string{"A", "B", "C", "D"} {
		_, err := h.port.SubmitToQueue(telephony.QueueSubmit{ConnID: telephony.ConnID(n), Queue: "VQ_Sales", Targets: []string{"Agent1"}})
		require.NoError(t, err, i)
	}
	h.advance(200 * time.Second)
	v, ok := h.rt.Statistic("VQ_Sales@StatServer.Q", ors.StatExpectedWaitingTime)
	require.True(t, ok)
	assert.Equal(t, float64(3*90), v, "AQT 90s, a newcomer stands third")
	v, ok = h.rt.Statistic("VQ_Sales", ors.CurrNumberWaitingCalls)
	require.True(t, ok)
	assert.Equal(t, float64(2), v)
	v, _ = h.rt.Statistic("VQ_Fixed", ors.StatExpectedWaitingTime)
	assert.Equal(t, float64(42), v, "the environment's value wins")
	_, ok = h.rt.Statistic("VQ_Sales", "StatAgentsBusy")
	assert.False(t, ok, "not a queue statistic of the live source")

	s := h.startSrc(orsDoc(`<state id="s">
    <onentry>
      <script>__Log(_genesys.statistic.sData('VQ_Sales', 'ExpectedWaitTime') + ',' + _genesys.statistic.sData('VQ_Sales', 'StatCallsInQueue'));</script>
      <statistic:subscribe object="'VQ_Sales'" statistic="'StatCallsInQueue'"/>
    </onentry>
    <transition event="statistic.subscribe.done" target="pass"><log expr="_event.data.value"/></transition>
  </state>`), nil)
	require.Equal(t, "pass", final(s), "errors %v logs %v", h.errs, h.logs)
	assert.Equal(t, []string{"270,2", "2"}, h.logs)
}

func TestEnvironmentQueueDBIDs(t *testing.T) {
	env, err := ors.ParseEnvironment("env.yaml", []byte("queues:\n  - {name: VQ_A, dbid: 301}\n  - {name: VQ_B}\n"))
	require.NoError(t, err)
	q, ok := env.Queue("VQ_A")
	require.True(t, ok)
	assert.Equal(t, 301, q.DBID)
	_, err = ors.ParseEnvironment("env.yaml", []byte("queues:\n  - {name: VQ_A, dbid: 301}\n  - {name: VQ_B, dbid: 301}\n  - {name: VQ_C, dbid: -4}\n"))
	require.Error(t, err)
	assert.Contains(t, err.Error(), `env.yaml:3: queues[1].dbid: DBID 301 is queue "VQ_A"'s too`)
	assert.Contains(t, err.Error(), `env.yaml:4: queues[2].dbid: a DBID is a positive integer, not -4`)
}
