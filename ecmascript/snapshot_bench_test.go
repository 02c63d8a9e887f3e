package ecmascript

import (
	"testing"
)

// BenchmarkCallbackSnapshot measures the snapshot of a session of
// testdata/callback-shaped.scxml mid-call (its customer on the line with
// an agent): the data model's part (Persist: the document's globals, its
// helpers asked for properties of their own, the state object) and the
// whole session's (interp.Session.Snapshot, the data model's included).
// A callback's session is snapshot some three times; B/snapshot is the
// data model's part of the message.
func BenchmarkCallbackSnapshot(b *testing.B) {
	e, c := callbackEngine(b)
	evs := callbackEvents()
	s := runCallback(b, e, c, evs[:2])
	if s.Done() {
		b.Fatal("the session ended before its snapshot")
	}
	m := s.Datamodel().(*Model)
	b.Run("datamodel", func(b *testing.B) {
		b.ReportAllocs()
		var n int
		for b.Loop() {
			data, err := m.Persist()
			if err != nil {
				b.Fatal(err)
			}
			n = len(data)
		}
		b.ReportMetric(float64(n), "B/snapshot")
	})
	b.Run("session", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := s.Snapshot(); err != nil {
				b.Fatal(err)
			}
		}
	})
}
