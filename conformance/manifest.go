package conformance

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// EnvDir is the environment variable that overrides the suite directory.
const EnvDir = "ORCA_W3C"

// DefaultDir is the suite directory relative to the repository root.
const DefaultDir = "../shared/w3c"

// SuiteDir returns the suite directory: the value of ORCA_W3C when it is set,
// otherwise fallback (DefaultDir from the repository root, "../../shared/w3c"
// from a package directory).
func SuiteDir(fallback string) string {
	if d := os.Getenv(EnvDir); d != "" {
		return d
	}
	return fallback
}

// Test is one row of manifest.tsv.
type Test struct {
	// ID is the W3C test number, such as "144".
	ID string
	// Mandatory is true for mandatory tests, false for optional ones.
	Mandatory bool
	// Manual is true when a person must judge the outcome.
	Manual bool
	// Section is the section of the Recommendation the test covers (REC
	// numbering) and Anchor its fragment in the Recommendation ("#send").
	Section string
	Anchor  string
	// Description is the test's leading comment.
	Description string
	// Needs lists external and harness requirements (basichttp,
	// delayed-send, null-datamodel, ...).
	Needs []string
	// Files are the documents to run, relative to the ecma directory. All
	// must pass (test 403 has three).
	Files []string
	// Deps are the files the documents load (sub-documents, data).
	Deps []string
	// Datamodel is the data model the test uses.
	Datamodel string
	// Outcome says how the test is judged.
	Outcome string
	// Assertion is the text of the Recommendation the test checks.
	Assertion string
}

// NeedsTag reports whether the test has the requirement tag.
func (t Test) NeedsTag(tag string) bool { return slices.Contains(t.Needs, tag) }

// Conformance returns "mandatory" or "optional".
func (t Test) Conformance() string {
	if t.Mandatory {
		return "mandatory"
	}
	return "optional"
}

// ReadManifest reads the manifest.tsv of the suite in dir.
func ReadManifest(dir string) ([]Test, error) {
	path := filepath.Join(dir, "manifest.tsv")
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("reading manifest: %w", err)
	}
	defer f.Close()
	tests, err := ParseManifest(f)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return tests, nil
}

// ParseManifest parses manifest.tsv: a header row naming the columns, then
// one row per test. Columns are found by name, so their order may change.
func ParseManifest(r io.Reader) ([]Test, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 64*1024), 4*1024*1024)
	if !sc.Scan() {
		if err := sc.Err(); err != nil {
			return nil, err
		}
		return nil, fmt.Errorf("empty manifest")
	}
	cols := make(map[string]int)
	for i, name := range strings.Split(sc.Text(), "\t") {
		cols[strings.TrimSpace(name)] = i
	}
	for _, name := range []string{"id", "conformance", "manual", "spec_section", "needs", "files"} {
		if _, ok := cols[name]; !ok {
			return nil, fmt.Errorf("line 1: no %q column", name)
		}
	}
	var tests []Test
	for line := 2; sc.Scan(); line++ {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		row := strings.Split(sc.Text(), "\t")
		get := func(name string) string {
			i, ok := cols[name]
			if !ok || i >= len(row) {
				return ""
			}
			return strings.TrimSpace(row[i])
		}
		t := Test{
			ID:          get("id"),
			Section:     get("spec_section"),
			Anchor:      get("spec_anchor"),
			Description: get("description"),
			Needs:       splitList(get("needs"), ","),
			Files:       splitList(get("files"), " "),
			Deps:        splitList(get("deps"), " "),
			Assertion:   get("assertion"),
			Datamodel:   get("datamodel"),
			Outcome:     get("outcome"),
		}
		if t.ID == "" {
			return nil, fmt.Errorf("line %d: empty id", line)
		}
		switch c := get("conformance"); c {
		case "mandatory":
			t.Mandatory = true
		case "optional":
		default:
			return nil, fmt.Errorf("line %d: test %s: conformance %q is neither mandatory nor optional", line, t.ID, c)
		}
		manual, err := strconv.ParseBool(get("manual"))
		if err != nil {
			return nil, fmt.Errorf("line %d: test %s: manual: %w", line, t.ID, err)
		}
		t.Manual = manual
		tests = append(tests, t)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	return tests, nil
}

func splitList(s, sep string) []string {
	var out []string
	for _, f := range strings.Split(s, sep) {
		if f = strings.TrimSpace(f); f != "" {
			out = append(out, f)
		}
	}
	return out
}

// SpecURL is the Recommendation the manifest's spec anchors point into.
const SpecURL = "https://www.w3.org/TR/scxml/"

// SpecLink returns the URL of the test's section in the Recommendation, or
// "" when the manifest gives no anchor.
func (t Test) SpecLink() string {
	if t.Anchor == "" {
		return ""
	}
	return SpecURL + "#" + strings.TrimPrefix(t.Anchor, "#")
}
