package testenv

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// fakeTB records what Missing and Optional do to a test, which a real
// *testing.T would end.
type fakeTB struct {
	testing.TB
	name            string
	skipped, failed string
}

func (f *fakeTB) Helper()                          {}
func (f *fakeTB) Name() string                     { return f.name }
func (f *fakeTB) Skip(args ...any)                 { f.skipped = fmt.Sprint(args...) }
func (f *fakeTB) Fatalf(format string, a ...any)   { f.failed = fmt.Sprintf(format, a...) }
func (f *fakeTB) Errorf(format string, a ...any)   { f.failed = fmt.Sprintf(format, a...) }
func (f *fakeTB) Skipf(format string, args ...any) { f.skipped = fmt.Sprintf(format, args...) }

func TestMissingSkipsAndRecords(t *testing.T) {
	log := t.TempDir()
	t.Setenv(SkipLogVar, log)
	t.Setenv(RequireAllVar, "")
	var wg sync.WaitGroup
	fakes := make([]*fakeTB, 8)
	for i := range fakes {
		fakes[i] = &fakeTB{name: fmt.Sprintf("TestX/%d", i)}
		wg.Add(1)
		go func() {
			defer wg.Done()
			Missing(fakes[i], "the thing is not in /nowhere", "make thing")
		}()
	}
	wg.Wait()
	Optional(&fakeTB{name: "TestY"}, "no projects given", "set PROJECTS")
	for _, f := range fakes {
		assert.Equal(t, "the thing is not in /nowhere; to run this test: make thing", f.skipped)
		assert.Empty(t, f.failed)
	}
	files, err := filepath.Glob(filepath.Join(log, "*"))
	require.NoError(t, err)
	require.Len(t, files, 2, "one file per reason")
	var texts []string
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		texts = append(texts, string(data))
	}
	all := strings.Join(texts, "")
	assert.Contains(t, all, "missing\tthe thing is not in /nowhere; to run this test: make thing\n")
	assert.Contains(t, all, "optional\tno projects given; to run this test: set PROJECTS\nTestY\n")
	for i := range fakes {
		assert.Contains(t, all, fmt.Sprintf("\nTestX/%d\n", i))
	}
}

func TestMissingFailsUnderRequireAll(t *testing.T) {
	t.Setenv(SkipLogVar, "")
	t.Setenv(RequireAllVar, "1")
	f := &fakeTB{name: "TestZ"}
	Missing(f, "PostgreSQL: initdb not found", "apt-get install postgresql")
	assert.Empty(t, f.skipped)
	assert.Equal(t, "PostgreSQL: initdb not found; to run this test: apt-get install postgresql (ORCA_REQUIRE_ALL=1 requires every test to run)", f.failed)
	// An optional input never fails.
	f = &fakeTB{name: "TestZ"}
	Optional(f, "no projects given", "set PROJECTS")
	assert.Empty(t, f.failed)
	assert.NotEmpty(t, f.skipped)
}

func TestW3CSearchOrder(t *testing.T) {
	root := Root(t)
	require.FileExists(t, filepath.Join(root, "go.mod"))
	suite := t.TempDir()
	require.NoError(t, os.MkdirAll(filepath.Join(suite, "ecma"), 0o755))
	require.NoError(t, os.WriteFile(filepath.Join(suite, "manifest.tsv"), []byte("id\n"), 0o644))
	t.Setenv(W3CVar, suite)
	assert.Equal(t, []string{suite, filepath.Join(root, ".w3c"), filepath.Join(root, "..", "shared", "w3c")}, W3CDirs(root))
	assert.Equal(t, suite, W3C(t))

	// A directory without what the test asks for is passed over.
	t.Setenv(RequireAllVar, "")
	t.Setenv(SkipLogVar, "")
	f := &fakeTB{TB: t, name: "TestW"}
	t.Setenv(W3CVar, filepath.Join(suite, "ecma"))
	assert.Empty(t, W3C(f, "no-such-entry"))
	assert.Contains(t, f.skipped, "make w3c")
	assert.Contains(t, f.skipped, "the W3C SCXML suite is in none of "+filepath.Join(suite, "ecma")+", ")
}
