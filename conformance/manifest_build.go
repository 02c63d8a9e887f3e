package conformance

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// The W3C's manifest.xml (https://www.w3.org/Voice/2013/scxml-irp/): one
// <assert> per assertion of the Recommendation, with its section (specnum),
// anchor (specid) and text, holding the <test> that checks it: its
// conformance level, whether it is manual, its start documents and the
// files they load (dep).
type w3cManifest struct {
	Asserts []struct {
		ID      string `xml:"id,attr"`
		SpecNum string `xml:"specnum,attr"`
		SpecID  string `xml:"specid,attr"`
		Text    string `xml:",chardata"`
		Tests   []struct {
			ID          string `xml:"id,attr"`
			Conformance string `xml:"conformance,attr"`
			Manual      string `xml:"manual,attr"`
			Starts      []struct {
				URI string `xml:"uri,attr"`
			} `xml:"start"`
			Deps []struct {
				URI string `xml:"uri,attr"`
			} `xml:"dep"`
		} `xml:"test"`
	} `xml:"assert"`
}

// BuildManifest turns the W3C's manifest.xml into the rows of
// manifest.tsv. txmlDir holds the templates (each test's description is
// the leading comment of its first start document), ecmaDir the documents
// made from them (TransformDir): what a test needs, and its data model,
// are read from the documents it runs and loads.
//
// Needs are found in the documents' markup: basichttp (the Basic HTTP
// Event I/O Processor, or a test of its section), delayed-send (a <send> with delay or delayexpr),
// invoke-scxml, invoke-inline-content, invoke-src-file, send-to-parent
// (#_parent, in the documents or the ones they invoke),
// scxml-ioprocessor (the SCXML Event I/O Processor: its type URI,
// #_scxml_, or a #_<invokeid> target), data-src-file, script, script-src,
// xml-dom (a script reading a DOM), null-datamodel, and manual. The tag
// timer-on-pass-path is not: whether a test waits on a timer to pass is
// known by running it. Tests are in id order.
func BuildManifest(manifestXML []byte, txmlDir, ecmaDir string) ([]Test, error) {
	var m w3cManifest
	if err := xml.Unmarshal(manifestXML, &m); err != nil {
		return nil, fmt.Errorf("manifest.xml: %w", err)
	}
	var tests []Test
	seen := map[string]bool{}
	for _, a := range m.Asserts {
		for _, x := range a.Tests {
			if seen[x.ID] {
				return nil, fmt.Errorf("manifest.xml: test %s is listed twice", x.ID)
			}
			seen[x.ID] = true
			t := Test{ID: x.ID, Section: a.SpecNum, Anchor: a.SpecID, Assertion: collapse(a.Text)}
			switch x.Conformance {
			case "mandatory":
				t.Mandatory = true
			case "optional":
			default:
				return nil, fmt.Errorf("manifest.xml: test %s: conformance %q is neither mandatory nor optional", x.ID, x.Conformance)
			}
			manual, err := strconv.ParseBool(x.Manual)
			if err != nil {
				return nil, fmt.Errorf("manifest.xml: test %s: manual: %w", x.ID, err)
			}
			t.Manual = manual
			if len(x.Starts) == 0 {
				return nil, fmt.Errorf("manifest.xml: test %s has no start document", x.ID)
			}
			for _, s := range x.Starts {
				t.Files = append(t.Files, documentName(s.URI))
			}
			for _, d := range x.Deps {
				t.Deps = append(t.Deps, documentName(d.URI))
			}
			if err := t.readDocuments(path.Base(x.Starts[0].URI), txmlDir, ecmaDir); err != nil {
				return nil, err
			}
			tests = append(tests, t)
		}
	}
	slices.SortFunc(tests, func(a, b Test) int {
		x, _ := strconv.Atoi(a.ID)
		y, _ := strconv.Atoi(b.ID)
		return x - y
	})
	return tests, nil
}

// documentName is the name of a manifest URI's document among the
// transformed ones: its base name, a template's .txml turned to .scxml.
func documentName(uri string) string {
	name := path.Base(uri)
	if base, ok := strings.CutSuffix(name, ".txml"); ok {
		return base + ".scxml"
	}
	return name
}

var (
	commentRE      = regexp.MustCompile(`(?s)<!--(.*?)-->`)
	delayedSendRE  = regexp.MustCompile(`<send\b[^>]*\sdelay(expr)?=`)
	inlineInvokeRE = regexp.MustCompile(`(?s)<invoke\b[^>]*>\s*(<[^>]*>\s*)*<content\b`)
	srcInvokeRE    = regexp.MustCompile(`<invoke\b[^>]*\ssrc(expr)?=`)
	scxmlIOProcRE  = regexp.MustCompile(`SCXMLEventProcessor|#_scxml_|target="#_([^"]*)"`)
	dataSrcRE      = regexp.MustCompile(`<data\b[^>]*\ssrc=`)
	scriptSrcRE    = regexp.MustCompile(`<script\b[^>]*\ssrc=`)
	basicHTTPRE    = regexp.MustCompile(`(?i)basichttp`)
	datamodelRE    = regexp.MustCompile(`<scxml\b[^>]*\sdatamodel="([^"]*)"`)
	xmlDOMRE       = regexp.MustCompile(`getElementsByTagName|getAttribute`)
)

// readDocuments fills what t's documents say of it: the description from
// the first start template, the needs and the data model from the
// transformed documents.
func (t *Test) readDocuments(firstStart, txmlDir, ecmaDir string) error {
	tmpl, err := os.ReadFile(filepath.Join(txmlDir, firstStart))
	if err != nil {
		return fmt.Errorf("test %s: %w", t.ID, err)
	}
	if !strings.HasSuffix(firstStart, ".txml") {
		// A test without a document (513): its instructions are text.
		t.Description = firstParagraph(tmpl)
		t.Datamodel = "n/a"
	} else if c := commentRE.FindSubmatch(tmpl); c != nil {
		t.Description = collapse(string(c[1]))
	}
	read := func(names []string) (string, error) {
		var b strings.Builder
		for _, n := range names {
			if !strings.HasSuffix(n, ".scxml") {
				continue
			}
			data, err := os.ReadFile(filepath.Join(ecmaDir, n))
			if err != nil {
				return "", fmt.Errorf("test %s: %w", t.ID, err)
			}
			b.Write(data)
		}
		return b.String(), nil
	}
	docs, err := read(t.Files)
	if err != nil {
		return err
	}
	withDeps, err := read(append(slices.Clone(t.Files), t.Deps...))
	if err != nil {
		return err
	}
	need := map[string]bool{
		"manual":                t.Manual,
		"basichttp":             basicHTTPRE.MatchString(docs) || t.Anchor == "#BasicHTTPEventProcessor",
		"delayed-send":          delayedSendRE.MatchString(docs),
		"invoke-scxml":          strings.Contains(docs, "<invoke"),
		"invoke-inline-content": inlineInvokeRE.MatchString(docs),
		"invoke-src-file":       srcInvokeRE.MatchString(docs),
		"send-to-parent":        strings.Contains(withDeps, `"#_parent"`),
		"data-src-file":         dataSrcRE.MatchString(docs),
		"script":                strings.Contains(docs, "<script"),
		"script-src":            scriptSrcRE.MatchString(docs),
		"xml-dom":               xmlDOMRE.MatchString(docs),
	}
	for _, m := range scxmlIOProcRE.FindAllStringSubmatch(docs, -1) {
		// #_parent is its own tag; #_internal is the internal queue.
		if m[1] != "parent" && m[1] != "internal" {
			need["scxml-ioprocessor"] = true
		}
	}
	if t.Datamodel == "" {
		t.Datamodel = "(none)"
		if m := datamodelRE.FindStringSubmatch(docs); m != nil {
			t.Datamodel = m[1]
		}
	}
	need["null-datamodel"] = t.Datamodel == "null"
	for tag, ok := range need {
		if ok {
			t.Needs = append(t.Needs, tag)
		}
	}
	slices.Sort(t.Needs)
	t.Outcome = "top-level final pass/fail"
	if t.Manual {
		t.Outcome = "manual: see the description"
	}
	return nil
}

// firstParagraph returns the text up to the first blank line, on one line.
func firstParagraph(text []byte) string {
	if !utf8.Valid(text) {
		text = bytes.ToValidUTF8(text, []byte("\uFFFD"))
	}
	p, _, _ := strings.Cut(strings.ReplaceAll(string(text), "\r\n", "\n"), "\n\n")
	return collapse(p)
}

// collapse returns s with its runs of white space made single spaces.
func collapse(s string) string { return strings.Join(strings.Fields(s), " ") }

// manifestColumns are the columns WriteManifest writes.
var manifestColumns = []string{"id", "conformance", "manual", "spec_section", "spec_anchor", "description",
	"needs", "files", "deps", "datamodel", "outcome", "assertion"}

// WriteManifest writes tests as manifest.tsv: a header row, then one row
// per test (lists comma-separated for needs, space-separated for files).
func WriteManifest(w io.Writer, tests []Test) error {
	var b bytes.Buffer
	b.WriteString(strings.Join(manifestColumns, "\t"))
	b.WriteByte('\n')
	clean := strings.NewReplacer("\t", " ", "\n", " ", "\r", " ")
	for _, t := range tests {
		row := []string{t.ID, t.Conformance(), strconv.FormatBool(t.Manual), t.Section, t.Anchor, t.Description,
			strings.Join(t.Needs, ","), strings.Join(t.Files, " "), strings.Join(t.Deps, " "), t.Datamodel, t.Outcome, t.Assertion}
		for i := range row {
			row[i] = clean.Replace(row[i])
		}
		b.WriteString(strings.Join(row, "\t"))
		b.WriteByte('\n')
	}
	_, err := w.Write(b.Bytes())
	return err
}

// BuildSuite makes a suite directory from the W3C's published files in
// dir: manifest.xml and txml/ (the .txml templates, confEcma.xsl and the
// data files) become ecma/ (TransformDir) and manifest.tsv
// (BuildManifest). It returns the tests.
func BuildSuite(dir string) ([]Test, error) {
	manifest, err := os.ReadFile(filepath.Join(dir, "manifest.xml"))
	if err != nil {
		return nil, err
	}
	txml, ecma := filepath.Join(dir, "txml"), filepath.Join(dir, "ecma")
	if _, err := TransformDir(txml, ecma); err != nil {
		return nil, fmt.Errorf("transforming %s: %w", txml, err)
	}
	tests, err := BuildManifest(manifest, txml, ecma)
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	if err := WriteManifest(&b, tests); err != nil {
		return nil, err
	}
	if err := os.WriteFile(filepath.Join(dir, "manifest.tsv"), b.Bytes(), 0o644); err != nil {
		return nil, err
	}
	return tests, nil
}
