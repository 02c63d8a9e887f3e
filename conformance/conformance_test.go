package conformance

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// suiteDir is the W3C suite as seen from this package's directory.
func suiteDir(t *testing.T) string {
	t.Helper()
	dir := SuiteDir(filepath.Join("..", DefaultDir))
	if _, err := os.Stat(filepath.Join(dir, "manifest.tsv")); err != nil {
		t.Skipf("W3C suite not found at %s (set %s): %v", dir, EnvDir, err)
	}
	return dir
}

func TestSelect(t *testing.T) {
	tests, err := ReadManifest(suiteDir(t))
	require.NoError(t, err)
	require.Len(t, tests, 200)
	sel := Select(tests)
	ids := make(map[string]Test, len(sel))
	mandatory := 0
	for _, tt := range sel {
		ids[tt.ID] = tt
		if tt.Mandatory {
			mandatory++
		}
	}
	assert.Len(t, sel, 179, "automatic tests without HTTP, 436 included")
	assert.Equal(t, 158, mandatory)
	assert.Contains(t, ids, "436")
	assert.Equal(t, []string{"test403a.scxml", "test403b.scxml", "test403c.scxml"}, ids["403"].Files)
	for _, excluded := range []string{"178", "201", "301", "513", "577"} {
		assert.NotContains(t, ids, excluded)
	}
}

func TestParseManifest(t *testing.T) {
	cases := []struct {
		name, in, err string
		want          []Test
	}{
		{
			name: "columns by name",
			in: "files\tid\tconformance\tmanual\tspec_section\tneeds\n" +
				"test1a.scxml test1b.scxml\t1\tmandatory\tfalse\t3.2\tdelayed-send,script\n",
			want: []Test{{ID: "1", Mandatory: true, Section: "3.2",
				Needs: []string{"delayed-send", "script"}, Files: []string{"test1a.scxml", "test1b.scxml"}}},
		},
		{name: "missing column", in: "id\tconformance\n", err: `line 1: no "manual" column`},
		{
			name: "bad conformance",
			in:   "id\tconformance\tmanual\tspec_section\tneeds\tfiles\n7\tsometimes\tfalse\t1\t\tx\n",
			err:  `line 2: test 7: conformance "sometimes" is neither mandatory nor optional`,
		},
		{name: "empty", in: "", err: "empty manifest"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			got, err := ParseManifest(strings.NewReader(tc.in))
			if tc.err != "" {
				require.EqualError(t, err, tc.err)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, tc.want, got)
		})
	}
}

// TestW3C runs the suite and fails listing every test that did not pass.
func TestW3C(t *testing.T) {
	dir := suiteDir(t)
	rep, err := Run(Options{Dir: dir})
	require.NoError(t, err)
	require.NotEmpty(t, rep.Results)
	var b strings.Builder
	require.NoError(t, WriteTable(&b, rep, true))
	failures := rep.Failures()
	if len(failures) > 0 {
		t.Errorf("%d of %d W3C tests did not pass:\n%s", len(failures), len(rep.Results), b.String())
		return
	}
	t.Logf("%s in %v", rep.Totals(), rep.Elapsed)
}
