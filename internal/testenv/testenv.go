package testenv

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The environment variables of the package.
const (
	// RequireAllVar turns every skip of Missing into a failure when "1".
	RequireAllVar = "ORCA_REQUIRE_ALL"
	// SkipLogVar names the directory where skips are recorded.
	SkipLogVar = "ORCA_SKIP_LOG"
	// W3CVar names the W3C suite directory.
	W3CVar = "ORCA_W3C"
	// SeedsVar names the directory of the callback reporting seeds.
	SeedsVar = "ORCA_SEEDS"
	// ChromiumVar names the Chromium binary of the page tests.
	ChromiumVar = "ORCA_CHROMIUM"
)

// Missing skips t because what is missing; get says how to get it (a
// command, or where to put it). Under ORCA_REQUIRE_ALL=1 it fails t
// instead. The skip is recorded under ORCA_SKIP_LOG.
func Missing(t testing.TB, what, get string) {
	t.Helper()
	msg := what + "; to run this test: " + get
	if os.Getenv(RequireAllVar) == "1" {
		t.Fatalf("%s (%s=1 requires every test to run)", msg, RequireAllVar)
		return
	}
	record(t, "missing", msg)
	t.Skip(msg)
}

// Optional skips t because an input it may be given is not: a test of
// material the repository cannot carry (a user's own projects). It is
// recorded like Missing but never fails, whatever ORCA_REQUIRE_ALL says.
func Optional(t testing.TB, what, get string) {
	t.Helper()
	msg := what + "; to run this test: " + get
	record(t, "optional", msg)
	t.Skip(msg)
}

var recordMu sync.Mutex

// record appends t's name to the file of the reason under ORCA_SKIP_LOG:
// its first line is "kind<TAB>reason", each other line a test. Packages
// run as separate processes, so each line is one append of its own.
func record(t testing.TB, kind, msg string) {
	t.Helper()
	dir := os.Getenv(SkipLogVar)
	if dir == "" {
		return
	}
	sum := sha256.Sum256([]byte(kind + "\t" + msg))
	path := filepath.Join(dir, hex.EncodeToString(sum[:8]))
	recordMu.Lock()
	defer recordMu.Unlock()
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err == nil {
		_, err = fmt.Fprintf(f, "%s\t%s\n", kind, strings.ReplaceAll(msg, "\n", " "))
		if cerr := f.Close(); err == nil {
			err = cerr
		}
	} else if errors.Is(err, os.ErrExist) {
		err = nil
	}
	if err == nil {
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		if err == nil {
			_, err = fmt.Fprintln(f, t.Name())
			if cerr := f.Close(); err == nil {
				err = cerr
			}
		}
	}
	if err != nil {
		t.Errorf("testenv: recording the skip under %s=%s: %v", SkipLogVar, dir, err)
	}
}

// Root returns the module root: the nearest directory above the working
// directory (a test's package directory) that holds go.mod.
func Root(t testing.TB) string {
	t.Helper()
	dir, err := os.Getwd()
	if err != nil {
		t.Fatalf("testenv: %v", err)
	}
	for d := dir; ; {
		if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
			return d
		}
		parent := filepath.Dir(d)
		if parent == d {
			t.Fatalf("testenv: no go.mod above %s", dir)
		}
		d = parent
	}
}

// W3CDirs returns the directories searched for the W3C suite, in order:
// $ORCA_W3C, .w3c in the checkout (what "make w3c" writes), and
// ../shared/w3c beside it.
func W3CDirs(root string) []string {
	var dirs []string
	if d := os.Getenv(W3CVar); d != "" {
		dirs = append(dirs, d)
	}
	return append(dirs, filepath.Join(root, ".w3c"), filepath.Join(root, "..", "shared", "w3c"))
}

// W3C returns the W3C SCXML suite directory: the first of W3CDirs that
// holds manifest.tsv, ecma/ and the other entries named (such as "txml"),
// as an absolute path. It calls Missing when there is none.
func W3C(t testing.TB, also ...string) string {
	t.Helper()
	if d, ok := LookupW3C(t, also...); ok {
		return d
	}
	Missing(t, "the W3C SCXML suite is in none of "+strings.Join(W3CDirs(Root(t)), ", "),
		"make w3c (downloads it into .w3c), or set "+W3CVar+" to its directory")
	return ""
}

// LookupW3C is W3C for a test that can do without the suite (a fuzz
// target's seed corpus): it reports whether there is one instead of
// skipping.
func LookupW3C(t testing.TB, also ...string) (string, bool) {
	t.Helper()
	need := append([]string{"manifest.tsv", "ecma"}, also...)
	for _, d := range W3CDirs(Root(t)) {
		if hasAll(d, need) {
			abs, err := filepath.Abs(d)
			if err != nil {
				t.Fatalf("testenv: %v", err)
			}
			return abs, true
		}
	}
	return "", false
}

// Seeds returns the directory of the callback reporting seeds
// ($ORCA_SEEDS, else ../shared/seeds beside the checkout) holding the
// files named, or calls Missing.
func Seeds(t testing.TB, files ...string) string {
	t.Helper()
	dir := os.Getenv(SeedsVar)
	if dir == "" {
		dir = filepath.Join(Root(t), "..", "shared", "seeds")
	}
	if !hasAll(dir, files) {
		Missing(t, fmt.Sprintf("the callback reporting seeds (%s) are not in %s", strings.Join(files, ", "), dir),
			"put Genesys' \"Set up Historical Reporting\" text copies there, or set "+SeedsVar+" to their directory")
	}
	return dir
}

// Chromium returns the headless browser of the page tests: $ORCA_CHROMIUM,
// else chromium (or chromium-browser, google-chrome) on the PATH, else
// /usr/bin/chromium; it calls Missing when there is none.
func Chromium(t testing.TB) string {
	t.Helper()
	if p := os.Getenv(ChromiumVar); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if _, err := os.Stat("/usr/bin/chromium"); err == nil {
		return "/usr/bin/chromium"
	}
	Missing(t, "Chromium is not at /usr/bin/chromium", "apt-get install chromium, or set "+ChromiumVar+" to the browser")
	return ""
}

func hasAll(dir string, names []string) bool {
	for _, n := range names {
		if _, err := os.Stat(filepath.Join(dir, n)); err != nil {
			return false
		}
	}
	return true
}
