package server

import (
	"context"
	"encoding/json"
	"net/url"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/templates"
)

// BenchmarkCallbackSnapshot measures one live callback session's
// snapshot as the store makes it after a macrostep (encode: the
// session's state, its data model's and its locals', written as JSON)
// and reads it back when the session is loaded (decode), for a scheduled
// callback waiting for its time and an immediate one whose customer is
// on the line with an agent (reporting on). B/snapshot is the message
// the bucket stores: the snapshot and its index header.
func BenchmarkCallbackSnapshot(b *testing.B) {
	scfg := simConfig(time.Hour)
	e := newE2E(b, scfg, 100, func(c *Config) { off := false; c.Console.Enable = &off })
	at := templates.FormatTime(e.clock.Now().Add(12 * time.Hour))
	scheduled := e.request("scheduled", url.Values{"_customer_number": {"5571234567"}, "_desired_time": {at}})
	e.waitState(b, scheduled, "SCHEDULED", 10*time.Second)
	immediate := e.request("immediate", url.Values{"_customer_number": {"5561234567"}})
	e.waitState(b, immediate, "PROCESSING", 10*time.Second)
	eventually(b, 20*time.Second, func() bool {
		for _, c := range e.sim.Calls() {
			if c.Agent != "" {
				return true
			}
		}
		return false
	}, "the customer never reached an agent")
	time.Sleep(100 * time.Millisecond) // the session's macrosteps of the agent's answer
	for _, c := range []struct{ name, id string }{{"scheduled", scheduled}, {"immediate", immediate}} {
		var data []byte
		size := 0
		b.Run(c.name+"/encode", func(b *testing.B) {
			require.NoError(b, e.srv.host.Do(context.Background(), c.id, func(s *interp.Session) {
				for b.Loop() {
					rec, err := e.srv.host.Snapshot(s)
					require.NoError(b, err)
					for k, ix := range rec.Index {
						if string(ix) == string(rec.State.Locals[k]) {
							delete(rec.State.Locals, k) // kept in the index header only
						}
					}
					data, _ = rec.State.AppendJSON(nil)
					size = len(data)
					for k, ix := range rec.Index {
						size += len(k) + len(ix) + 4
					}
				}
			}))
			b.ReportMetric(float64(size), "B/snapshot")
		})
		b.Run(c.name+"/decode", func(b *testing.B) {
			for b.Loop() {
				var st interp.SessionState
				require.NoError(b, json.Unmarshal(data, &st))
			}
		})
	}
}
