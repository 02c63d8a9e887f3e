package conformance

import (
	"bytes"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/internal/testenv"
)

// TestBuildManifestMatchesTheSuite builds manifest.tsv from the W3C's
// manifest.xml and templates, as "make w3c" does, and checks it against
// the suite's own manifest.tsv, made from the same file: every column the
// runner reads, row by row. Not compared: timer-on-pass-path (known only
// by running a test), the outcome (a sentence per manual test), and the
// description of 513, which has no document (its instructions are text).
func TestBuildManifestMatchesTheSuite(t *testing.T) {
	dir := testenv.W3C(t, "txml", "manifest.xml")
	xml, err := os.ReadFile(filepath.Join(dir, "manifest.xml"))
	require.NoError(t, err)
	got, err := BuildManifest(xml, filepath.Join(dir, "txml"), filepath.Join(dir, "ecma"))
	require.NoError(t, err)
	want, err := ReadManifest(dir)
	require.NoError(t, err)
	require.Len(t, got, len(want))
	require.Len(t, got, 200)
	for i, w := range want {
		g := got[i]
		require.Equal(t, w.ID, g.ID, "row %d", i)
		w.Needs = slices.DeleteFunc(w.Needs, func(s string) bool { return s == "timer-on-pass-path" })
		w.Outcome, g.Outcome = "", ""
		if w.ID == "513" {
			assert.Contains(t, g.Description, "fully manual test")
			w.Description, g.Description = "", ""
		}
		assert.Equal(t, w, g, "test %s", w.ID)
	}

	// Written and read back, the rows are the same.
	var b bytes.Buffer
	require.NoError(t, WriteManifest(&b, got))
	back, err := ParseManifest(&b)
	require.NoError(t, err)
	assert.Equal(t, got, back)
}

func TestBuildManifestErrors(t *testing.T) {
	dir := t.TempDir()
	require.NoError(t, os.WriteFile(filepath.Join(dir, "test1.txml"), []byte("<!-- one -->\n<scxml/>"), 0o644))
	require.NoError(t, os.WriteFile(filepath.Join(dir, "test1.scxml"), []byte(`<scxml datamodel="ecmascript"/>`), 0o644))
	tests := []struct{ name, xml, err string }{
		{"not XML", "<assertions>", "manifest.xml: XML syntax error"},
		{"bad conformance", `<assertions><assert><test id="1" conformance="maybe" manual="false"><start uri="1/test1.txml"/></test></assert></assertions>`,
			`test 1: conformance "maybe" is neither mandatory nor optional`},
		{"bad manual", `<assertions><assert><test id="1" conformance="optional" manual="perhaps"><start uri="1/test1.txml"/></test></assert></assertions>`,
			`test 1: manual: strconv.ParseBool: parsing "perhaps"`},
		{"no start", `<assertions><assert><test id="1" conformance="optional" manual="false"/></assert></assertions>`, "test 1 has no start document"},
		{"twice", `<assertions><assert><test id="1" conformance="optional" manual="false"><start uri="1/test1.txml"/></test></assert>` +
			`<assert><test id="1" conformance="optional" manual="false"><start uri="1/test1.txml"/></test></assert></assertions>`, "test 1 is listed twice"},
		{"missing template", `<assertions><assert><test id="2" conformance="optional" manual="false"><start uri="2/test2.txml"/></test></assert></assertions>`, "test 2: open "},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := BuildManifest([]byte(tc.xml), dir, dir)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tc.err)
		})
	}
	got, err := BuildManifest([]byte(`<assertions><assert specnum="3.2" specid="#scxml"> An
  assertion. <test id="1" conformance="mandatory" manual="false"><start uri="1/test1.txml"/></test></assert></assertions>`), dir, dir)
	require.NoError(t, err)
	assert.Equal(t, []Test{{ID: "1", Mandatory: true, Section: "3.2", Anchor: "#scxml", Description: "one", Files: []string{"test1.scxml"},
		Datamodel: "ecmascript", Outcome: "top-level final pass/fail", Assertion: "An assertion."}}, got)
}
