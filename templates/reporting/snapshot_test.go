package reporting_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/templates/reporting"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// snapshotCall runs inqueue.scxml with reporting enabled and no reporting
// DN (the start UserEvent is held), two request parameters and an
// originating call, up to the customer connected on the second attempt.
// The attach of that moment waits for the port's answer.
func snapshotCall(t testing.TB) (*harness, *interp.Session) {
	h := newHarness(t, nil)
	inbound := h.port.NewCall(telephony.Call{ThisDN: "RP_Callback", ANI: "5551234"})
	h.port.NewCall(telephony.Call{ConnID: "OUT2", ThisDN: "7001"})
	h.port.Flush()
	s := h.start("inqueue.scxml", "S1", map[string]any{"_rep_userevent_enable": "true", "_id": "SVC-1",
		"call": string(inbound), "_originating_interaction_id": string(inbound), "_cb_dim_channel": "WEB",
		"_cb_ewt_when_callback_was_offered": 30.0})
	h.rep.Track(s)
	h.advance(12 * time.Second)
	h.send("S1", "accept", nil)
	h.advance(60 * time.Second)
	h.send("S1", "dial", nil)
	h.advance(8 * time.Second)
	h.send("S1", "result", map[string]any{"result": "NO_ANSWER", "ixn": "OUT1"})
	h.advance(120 * time.Second)
	h.send("S1", "dial", nil)
	h.advance(5 * time.Second)
	h.send("S1", "result", map[string]any{"result": "CONNECTED", "ixn": "OUT2"})
	require.NoError(t, h.eng.Send("S1", &interp.Event{Name: "connected", Type: interp.External, Data: map[string]any{"ixn": "OUT2"}}))
	h.eng.Run()
	return h, s
}

func persist(t testing.TB, s *interp.Session) []byte {
	b, err := s.Local(reporting.LocalKey).(interp.Persistent).Persist()
	require.NoError(t, err)
	return b
}

// TestSnapshotRestores checks that a collector's snapshot, the one Persist
// writes now and the one the previous version wrote with encoding/json
// (testdata/collector-v1.json, the same point of the same call), gives a
// new reporter back everything: a second Persist writes the same object,
// and the callback ends with the final UserEvent it ends with in the
// process that never stopped.
func TestSnapshotRestores(t *testing.T) {
	old, err := os.ReadFile(filepath.Join("testdata", "collector-v1.json"))
	require.NoError(t, err)
	ref, refSession := snapshotCall(t)
	current := persist(t, refSession)
	wantNow, ok := ref.rep.Values("S1")
	require.True(t, ok)
	ref.rep.SessionEnded(refSession)
	require.Len(t, ref.rep.Held(), 2)
	want := ref.rep.Held()[1].Event.UserData

	for _, tc := range []struct {
		name string
		snap []byte
	}{
		{"current", current},
		{"previous version (encoding/json)", old},
	} {
		t.Run(tc.name, func(t *testing.T) {
			require.True(t, json.Valid(tc.snap), "%s", tc.snap)
			assert.JSONEq(t, string(old), string(tc.snap))

			// A new process: the session's collector comes from the
			// snapshot only.
			h, s := snapshotCall(t)
			fresh, err := reporting.New(reporting.Options{Port: h.port, TenantDBID: 101})
			require.NoError(t, err)
			t.Cleanup(fresh.Close)
			s.Local(reporting.LocalKey).(interface{ Evict() }).Evict()
			s.SetLocal(reporting.LocalKey, nil)
			fresh.Track(s)
			restored := s.Local(reporting.LocalKey).(interp.Persistent)
			require.NoError(t, restored.Restore(tc.snap))
			again, err := restored.Persist()
			require.NoError(t, err)
			assert.JSONEq(t, string(old), string(again))

			now, ok := fresh.Values("S1")
			require.True(t, ok)
			assert.Equal(t, wantNow, now)
			require.Len(t, fresh.Held(), 1)
			fresh.SessionEnded(s)
			require.Len(t, fresh.Held(), 2)
			got := fresh.Held()[1].Event.UserData
			assert.Equal(t, want.Keys(), got.Keys())
			assert.Equal(t, want, got)
		})
	}
}

// TestSnapshotRefusesBadRecords checks the errors of a snapshot Restore
// cannot use.
func TestSnapshotRefusesBadRecords(t *testing.T) {
	for _, tc := range []struct{ name, snap, msg string }{
		{"not JSON", `{"service":`, "unexpected end of JSON input"},
		{"unknown key", `{"service":{"Enable":true},"values":{"NO_SUCH_KVP":"x"}}`, "NO_SUCH_KVP is not a KVP of the catalogue"},
		{"unknown param", `{"service":{"Enable":true},"params":["NO_SUCH_KVP"]}`, "NO_SUCH_KVP is not a KVP of the catalogue"},
		{"not a value", `{"service":{"Enable":true},"values":{"_CB_DIM_TYPE":[1]}}`, "_CB_DIM_TYPE: an array is neither an integer nor a string"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			s := h.start("inqueue.scxml", "S1", enabled())
			rep, err := reporting.New(reporting.Options{})
			require.NoError(t, err)
			rep.Track(s)
			err = s.Local(reporting.LocalKey).(interp.Persistent).Restore([]byte(tc.snap))
			require.Error(t, err)
			assert.Contains(t, err.Error(), "reporting: session S1: ")
			assert.Contains(t, err.Error(), tc.msg)
		})
	}
}

// BenchmarkPersist measures the snapshot of a collector in the middle of a
// callback (snapshotCall's: 25 values, 2 calls attached to, a held start
// UserEvent), which a persisted session writes at each macrostep.
func BenchmarkPersist(b *testing.B) {
	_, s := snapshotCall(b)
	l := s.Local(reporting.LocalKey).(interp.Persistent)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := l.Persist(); err != nil {
			b.Fatal(err)
		}
	}
}

// TestKVPViewIsNotKept: _reporting.kvp shows the collected values live;
// a variable holding it cannot be kept by a snapshot (a restored session
// would hold a copy that no longer follows them), so the snapshot is
// refused, naming it, as one holding _reporting's methods is. What is
// read of it is kept.
func TestKVPViewIsNotKept(t *testing.T) {
	for _, tc := range []struct {
		name, script, wantErr string
	}{
		{"the view in a variable", "r = _reporting.kvp;", "_reporting.kvp, a view of the host's state"},
		{"a value read of it", "r = _reporting.kvp._CB_DIM_CHANNEL;", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "k.scxml")
			require.NoError(t, os.WriteFile(path, []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">
  <datamodel><data id="r"/></datamodel>
  <state id="s">
    <onentry><script>_reporting.set('_CB_DIM_CHANNEL', 'WEB'); `+tc.script+`</script></onentry>
  </state>
</scxml>`), 0o644))
			h := newHarness(t, nil)
			s := h.startFile(path, "S1", enabled())
			_, err := s.Snapshot()
			if tc.wantErr == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.ErrorContains(t, err, tc.wantErr)
		})
	}
}
