package reporting

import (
	"reflect"
	"testing"
)

// TestPersistCoversTheCollector fails when the collector gains a field
// that Persist and Restore do not carry: a restored session would lose it.
func TestPersistCoversTheCollector(t *testing.T) {
	// id and cat are the session's and the reporter's, set on restore.
	carried := map[string]bool{"id": true, "cat": true, "svc": true, "vals": true, "dials": true,
		"dialAt": true, "dialing": true, "pending": true, "attemptAt": true, "attemptOf": true, "params": true,
		"state": true, "late": true, "origin": true, "originKeys": true, "attached": true, "sends": true,
		"start": true, "final": true}
	ty := reflect.TypeFor[collector]()
	for i := range ty.NumField() {
		if f := ty.Field(i); !carried[f.Name] {
			t.Errorf("collector.%s is not persisted: add it to snapshot.go (appendJSON), persist.go (collected) and to this list", f.Name)
		}
	}
}
