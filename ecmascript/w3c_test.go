package ecmascript

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/orca-scxml/orca/internal/testenv"
	"github.com/orca-scxml/orca/scxml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// w3cDir returns the directory of the W3C suite's ECMAScript documents, or
// skips the test naming how to get them.
func w3cDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(testenv.W3C(t), "ecma")
}

// badExprTests are the W3C tests that contain expressions meant not to
// compile ("return", an unterminated string).
func badExprTests() map[string]bool {
	return map[string]bool{
		"test156": true, "test277": true, "test309": true, "test312": true,
		"test313": true, "test314": true, "test344": true, "test487": true,
		"test488": true, "test528": true, "test553": true, "test554": true,
	}
}

// TestW3CDocumentsCompile loads the W3C ECMAScript tests, compiles them and
// initialises their data and top-level script in a session data model.
func TestW3CDocumentsCompile(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(w3cDir(t), "test*.scxml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	bad := badExprTests()
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".scxml")
		t.Run(name, func(t *testing.T) {
			doc, err := scxml.Load(f, nil)
			if name == "test301" {
				// W3C test 301 must be rejected at load.
				require.Error(t, err)
				return
			}
			require.NoError(t, err)
			p, err := Compile(doc)
			require.NoError(t, err)
			if bad[name] {
				assert.NotEmpty(t, p.Problems())
			} else {
				assert.Empty(t, p.Problems())
			}
			for _, e := range p.Problems() {
				assert.True(t, strings.HasPrefix(e.Error(), f+":"), e.Error())
			}
			dm, err := p.NewDatamodel()
			require.NoError(t, err)
			defer dm.Close()
			require.NoError(t, dm.Setup(newSystem()))
			for _, st := range doc.States {
				for _, d := range st.Data {
					err := dm.InitData(d)
					if name == "test277" {
						assert.Error(t, err)
					} else {
						assert.NoError(t, err)
					}
				}
			}
			if doc.Script != nil {
				assert.NoError(t, dm.Exec(doc.Script))
			}
		})
	}
}

// TestW3CData checks the W3C tests whose outcome depends only on the data
// model's initial values: in each state the first transition, which leads
// towards pass, must be enabled.
func TestW3CData(t *testing.T) {
	dir := w3cDir(t)
	for _, n := range []string{"test446", "test552", "test557", "test558"} {
		t.Run(n, func(t *testing.T) {
			f := filepath.Join(dir, n+".scxml")
			doc, err := scxml.Load(f, nil)
			require.NoError(t, err)
			p, err := Compile(doc)
			require.NoError(t, err)
			require.Empty(t, p.Problems())
			dm, err := p.NewDatamodel()
			require.NoError(t, err)
			defer dm.Close()
			require.NoError(t, dm.Setup(newSystem()))
			for _, d := range doc.Root.Data {
				require.NoError(t, dm.InitData(d))
			}
			checked := 0
			for _, st := range doc.States {
				if len(st.Transitions) == 0 || st.Transitions[0].Cond == nil {
					continue
				}
				ok, err := dm.Cond(st.Transitions[0].Cond)
				require.NoError(t, err)
				assert.True(t, ok, "%s: %s", st.ID, st.Transitions[0].Cond.Src)
				checked++
			}
			assert.NotZero(t, checked)
		})
	}
}
