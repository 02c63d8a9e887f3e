package templates

import (
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"strings"

	"github.com/orca-scxml/orca/scxml"
)

//go:embed strategies/*.scxml strategies/include/*.js strategies/include/*.scxml
var strategies embed.FS

// root is the directory of the strategies in the embedded file system.
const root = "strategies"

// Template is one embedded strategy.
type Template struct {
	// Name is what services and the command line call it.
	Name string
	// Description is one line for listings.
	Description string
	// File is the strategy's file name (NAME.scxml).
	File string
	// Includes are the files the strategy includes, relative to it.
	Includes []string
}

// includes are the shared files every template includes.
func includes() []string {
	return []string{"include/callback.js", "include/begin.scxml", "include/dial.scxml", "include/reserve.scxml", "include/connect.scxml", "include/end.scxml"}
}

// List returns the templates in the order listings show them.
func List() []Template {
	t := func(name, desc string) Template {
		return Template{Name: name, Description: desc, File: name + ".scxml", Includes: includes()}
	}
	return []Template{
		t("callback-immediate", "user-terminated callback, customer first: dial now, redial, then find an agent"),
		t("callback-scheduled", "user-terminated callback at _desired_time: wait, dial with redial and snooze, then find an agent"),
		t("callback-agent-first", "user-terminated callback, agent first: reserve an agent (with or without preview), then dial"),
		t("callback-in-queue", "in-queue (classic IVR) offer to a caller waiting in queue: accepted, declined or abandoned"),
		t("callback-user-originated", "user-originated callback: push notification, then the customer calls in"),
	}
}

// Lookup returns the template called name.
func Lookup(name string) (Template, bool) {
	for _, t := range List() {
		if t.Name == name {
			return t, true
		}
	}
	return Template{}, false
}

// ErrUnknownTemplate is wrapped by the errors about a template name that
// names none.
var ErrUnknownTemplate = errors.New("unknown template")

func lookup(name string) (Template, error) {
	t, ok := Lookup(name)
	if !ok {
		names := make([]string, 0, len(List()))
		for _, t := range List() {
			names = append(names, t.Name)
		}
		return Template{}, fmt.Errorf("%w %q (templates: %s)", ErrUnknownTemplate, name, strings.Join(names, ", "))
	}
	return t, nil
}

// Source returns the text of template name's strategy.
func Source(name string) ([]byte, error) {
	t, err := lookup(name)
	if err != nil {
		return nil, err
	}
	return strategies.ReadFile(path.Join(root, t.File))
}

// FS returns the embedded strategies: NAME.scxml and include/*.
func FS() fs.FS {
	sub, err := fs.Sub(strategies, root)
	if err != nil {
		panic(err) // root is a constant directory of the embedded FS
	}
	return sub
}

// Path returns the path under which template name's document is loaded,
// and against which its includes are resolved.
func (t Template) Path() string { return path.Join(root, t.File) }

// Load loads template name with opts (a registry holding the function
// modules and the reporting actions), reading its includes from the
// embedded files.
func Load(name string, opts *scxml.Options) (*scxml.Document, error) {
	t, err := lookup(name)
	if err != nil {
		return nil, err
	}
	var o scxml.Options
	if opts != nil {
		o = *opts
	}
	o.ReadFile = func(p string) ([]byte, error) {
		return strategies.ReadFile(path.Clean(filepath.ToSlash(p)))
	}
	doc, err := scxml.Load(t.Path(), &o)
	if err != nil {
		return nil, fmt.Errorf("template %s: %w", name, err)
	}
	return doc, nil
}

// ErrExists is wrapped by the error of Export when a file it would write
// already exists and force is false.
var ErrExists = errors.New("file exists")

// Export writes template name's strategy and includes under dir (created
// if needed) and returns the paths written. Unless force is set it writes
// nothing when one of them exists already.
func Export(name, dir string, force bool) ([]string, error) {
	t, err := lookup(name)
	if err != nil {
		return nil, err
	}
	files := append([]string{t.File}, t.Includes...)
	var out []string
	for _, f := range files {
		dst := filepath.Join(dir, filepath.FromSlash(f))
		if !force {
			if _, err := os.Stat(dst); err == nil {
				return nil, fmt.Errorf("export %s: %s: %w (use --force to overwrite)", name, dst, ErrExists)
			}
		}
		out = append(out, dst)
	}
	for i, f := range files {
		data, err := strategies.ReadFile(path.Join(root, f))
		if err != nil {
			return nil, fmt.Errorf("export %s: %w", name, err)
		}
		if err := os.MkdirAll(filepath.Dir(out[i]), 0o755); err != nil {
			return nil, fmt.Errorf("export %s: %w", name, err)
		}
		if err := os.WriteFile(out[i], data, 0o644); err != nil {
			return nil, fmt.Errorf("export %s: %w", name, err)
		}
	}
	return out, nil
}

// dataRef matches a strategy's reading of a start parameter: _data.NAME;
// includeRef the files it includes.
var (
	dataRef    = regexp.MustCompile(`_data\.([A-Za-z_][A-Za-z0-9_]*)`)
	includeRef = regexp.MustCompile(`<xi:include\s+href="([^"]+)"`)
)

// Options returns the service options template t reads, in the order
// ServiceOptions lists them: those its strategy and the files it includes
// read from _data, those the service itself reads (Option.Service), and
// the reporting options the reporting action reads.
func (t Template) Options() ([]Option, error) {
	read := map[string]bool{}
	files, seen := []string{t.File}, map[string]bool{t.File: true}
	for len(files) > 0 {
		f := files[0]
		files = files[1:]
		data, err := strategies.ReadFile(path.Join(root, f))
		if err != nil {
			return nil, fmt.Errorf("template %s: %w", t.Name, err)
		}
		for _, m := range dataRef.FindAllSubmatch(data, -1) {
			read[string(m[1])] = true
		}
		for _, m := range includeRef.FindAllSubmatch(data, -1) {
			if inc := path.Join(path.Dir(f), string(m[1])); !seen[inc] {
				seen[inc] = true
				files = append(files, inc)
			}
		}
	}
	var out []Option
	for _, o := range ServiceOptions() {
		if read[o.Name] || o.Fallback || o.Service {
			out = append(out, o)
		}
	}
	return out, nil
}
