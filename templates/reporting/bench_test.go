package reporting_test

import (
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/telephony"
	"github.com/stretchr/testify/require"
)

// BenchmarkCallback measures a callback's whole reporting, as
// TestInQueueCallback runs it: an accepted offer, two dial attempts, an
// agent connection, the start and final UserEvents and two attachments,
// written with the XML actions and with the ECMAScript face. An op is one
// callback, its session's steps included.
func BenchmarkCallback(b *testing.B) {
	for _, chart := range []string{"inqueue.scxml", "inqueue-script.scxml"} {
		b.Run(chart, func(b *testing.B) {
			h := newHarness(b, nil)
			doc, err := scxml.Load(filepath.Join("testdata", chart), &scxml.Options{Registry: h.reg})
			require.NoError(b, err)
			c, err := h.eng.Compile(doc)
			require.NoError(b, err)
			inbound := h.port.NewCall(telephony.Call{ThisDN: "RP_Callback", ANI: "5551234"})
			h.port.NewCall(telephony.Call{ConnID: "OUT2", ThisDN: "7001"})
			h.port.Flush()
			params := with(enabled(), map[string]any{"_id": "SVC-1", "call": string(inbound)})
			result := func(r, ixn string) map[string]any { return map[string]any{"result": r, "ixn": ixn} }
			b.ReportAllocs()
			n := 0
			for b.Loop() {
				n++
				id := "S" + strconv.Itoa(n)
				_, err := h.eng.Start(c, interp.StartOptions{ID: id, Params: params})
				if err != nil {
					b.Fatal(err)
				}
				h.eng.Run()
				h.advance(12 * time.Second)
				h.send(id, "accept", nil)
				h.send(id, "dial", nil)
				h.send(id, "result", result("NO_ANSWER", "OUT1"))
				h.send(id, "dial", nil)
				h.send(id, "result", result("CONNECTED", "OUT2"))
				h.send(id, "connected", map[string]any{"ixn": "OUT2"})
				h.send(id, "agent", map[string]any{"reason": "AGENT"})
			}
			b.StopTimer()
			require.Len(b, h.ended, n)
			if len(h.probs) > 0 {
				b.Fatalf("%d problems, the first: %v", len(h.probs), h.probs[0])
			}
			require.Len(b, h.userEvents(), 2*n)
		})
	}
}
