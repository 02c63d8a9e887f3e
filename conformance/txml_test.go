package conformance

import (
	"bytes"
	"fmt"
	"maps"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"github.com/orca-scxml/orca/internal/testenv"
)

// txmlSuiteDir returns the W3C suite directory with its templates, or the
// test is skipped naming how to get it.
func txmlSuiteDir(t *testing.T) string {
	t.Helper()
	return testenv.W3C(t, "txml")
}

// TestTransformTXMLMatchesReference transforms every template of txml/ and
// compares the result with the file of the same name in ecma/ using
// compareXML.
func TestTransformTXMLMatchesReference(t *testing.T) {
	dir := txmlSuiteDir(t)
	names, err := filepath.Glob(filepath.Join(dir, "txml", "*.txml"))
	if err != nil || len(names) == 0 {
		t.Fatalf("no templates in %s: %v", filepath.Join(dir, "txml"), err)
	}
	matched, identical := 0, 0
	for _, src := range names {
		base := strings.TrimSuffix(filepath.Base(src), ".txml") + ".scxml"
		ref := filepath.Join(dir, "ecma", base)
		data, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		got, err := TransformTXML(data)
		if err != nil {
			t.Errorf("%s: %v", src, err)
			continue
		}
		want, err := os.ReadFile(ref)
		if err != nil {
			t.Errorf("%s: no reference: %v", base, err)
			continue
		}
		diffs := compareXML(got, want)
		for _, d := range diffs {
			t.Errorf("%s: %s", base, d)
		}
		if len(diffs) == 0 {
			matched++
		}
		if bytes.Equal(got, want) {
			identical++
		}
	}
	t.Logf("%d of %d templates match their reference (%d byte for byte)", matched, len(names), identical)
}

// TestTransformDirWritesSuite regenerates the suite into a temporary
// directory and checks that it holds exactly the files of ecma/, that the
// copied data files are byte for byte the same, and that every document is
// well-formed with SCXML as the default namespace of its root.
func TestTransformDirWritesSuite(t *testing.T) {
	dir := txmlSuiteDir(t)
	out := t.TempDir()
	written, err := TransformDir(filepath.Join(dir, "txml"), out)
	if err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(filepath.Join(dir, "ecma"))
	if err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range entries {
		want = append(want, e.Name())
	}
	slices.Sort(want)
	if !slices.Equal(written, want) {
		for _, name := range want {
			if !slices.Contains(written, name) {
				t.Errorf("%s: in ecma/ but not written", name)
			}
		}
		for _, name := range written {
			if !slices.Contains(want, name) {
				t.Errorf("%s: written but not in ecma/", name)
			}
		}
	}
	for _, name := range written {
		got, err := os.ReadFile(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		if filepath.Ext(name) != ".scxml" {
			ref, err := os.ReadFile(filepath.Join(dir, "ecma", name))
			if err == nil && !bytes.Equal(got, ref) {
				t.Errorf("%s: copy differs from ecma/%s", name, name)
			}
			continue
		}
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(got); err != nil {
			t.Errorf("%s: not well-formed: %v", name, err)
			continue
		}
		root := doc.Root()
		if root == nil || root.Space != "" || root.Tag != "scxml" || root.NamespaceURI() != SCXMLNamespace {
			t.Errorf("%s: root is not <scxml> in the default SCXML namespace", name)
		}
	}
	t.Logf("wrote %d files, ecma/ has %d", len(written), len(want))
}

// TestTransformTXMLRules checks single rules of the stylesheet on small
// templates. Each case gives the body of an <scxml> root that declares the
// SCXML and conf namespaces, and the expected body of the result.
func TestTransformTXMLRules(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"targetpass", `<transition conf:targetpass=""/>`, `<transition target="pass"/>`},
		{"id", `<data conf:id="3" conf:expr="1+1"/>`, `<data id="Var3" expr="1+1"/>`},
		{"quoteExpr", `<log conf:quoteExpr="foo"/>`, `<log expr="'foo'"/>`},
		{"delay", `<send conf:delay="1.5"/>`, `<send delayexpr="'1.5s'"/>`},
		{"invalidLocation keeps its trailing space", `<assign conf:invalidLocation=""/>`, `<assign location="foo.bar.baz "/>`},
		{"invalidNamelist", `<send conf:invalidNamelist=""/>`, `<send namelist="&quot;foo"/>`},
		{"idVal =", `<if conf:idVal="1=0"/>`, `<if cond="Var1==0"/>`},
		{"idVal <", `<if conf:idVal="2&lt;3"/>`, `<if cond="Var2&lt;3"/>`},
		{"namelistIdVal", `<if conf:namelistIdVal="1=2"/>`, `<if cond="Var1===2"/>`},
		{"varIdVal", `<if conf:varIdVal="1=2"/>`, `<if cond="Var1==Var2"/>`},
		{"VarEqVar", `<if conf:VarEqVar="1 2"/>`, `<if cond="Var1===Var2"/>`},
		{"compareIDVal", `<if conf:compareIDVal="1&lt;2"/>`, `<if cond="Var1&lt;Var2"/>`},
		{"compareIDVal =", `<if conf:compareIDVal="1=2"/>`, `<if cond="Var1=Var2"/>`},
		{"idQuoteVal", `<if conf:idQuoteVal="1=foo"/>`, `<if cond="Var1=='foo'"/>`},
		{"eventvarVal", `<if conf:eventvarVal="1=1"/>`, `<if cond="_event.data['Var1']==1"/>`},
		{"idVal without a match", `<if conf:idVal="x"/>`, `<if cond=""/>`},
		{"varPrefix", `<if conf:varPrefix="2 1"/>`, `<if cond="` + strings.ReplaceAll(startsWithFunc, "&", "&amp;") + `Var1, Var2)"/>`},
		{"multipleNamelist", `<send conf:multipleNamelist="1 2"/>`, `<send namelist="Var1&#xA;Var2&#xA;"/>`},
		{"eventNamedParamHasValue", `<t conf:eventNamedParamHasValue="param1 1"/>`, `<t cond="_event.raw.search('param1=1') !== -1"/>`},
		{"true", `<t conf:true=""/>`, `<t cond="true"/>`},
		{"later attribute wins", `<t target="x" conf:targetfail=""/>`, `<t target="fail"/>`},
		{"unknown conf attribute is copied", `<t conf:nosuchRule="1"/>`, `<t conf:nosuchRule="1"/>`},
		{"someInlineVal", `<content><conf:someInlineVal/></content>`, `<content>123</content>`},
		{"array123", `<data conf:id="1"><conf:array123/></data>`, `<data id="Var1">[1,2,3]</data>`},
		{"incrementID", `<conf:incrementID id="1"/>`, `<assign location="Var1" expr="Var1 + 1"/>`},
		{"sumVars", `<conf:sumVars id1="1" id2="2"/>`, `<assign location="Var1" expr="Var1 + Var2"/>`},
		{"extendArray", `<conf:extendArray id="4"/>`, `<assign location="Var4" expr="[].concat(Var4, [4])"/>`},
		{"sendToSender", `<conf:sendToSender name="bar"/>`, `<send event="bar" targetexpr="_event.origin" typeexpr="_event.origintype"/>`},
		{"pass", `<conf:pass/>`, `<final id="pass"><onentry><log label="Outcome" expr="'pass'"/></onentry></final>`},
		{"setUpHTTPTest", `<state/><conf:setUpHTTPTest/>`, `<state/>`},
		{"literal in another default namespace", `<content><a xmlns=""><conf:contentFoo/></a></content>`,
			`<content><a xmlns=""><content xmlns="http://www.w3.org/2005/07/scxml">foo</content></a></content>`},
		{"unknown conf element is copied", `<conf:nosuchRule a="1"/>`, `<conf:nosuchRule a="1"/>`},
	}
	const head = `<scxml xmlns="http://www.w3.org/2005/07/scxml" xmlns:conf="http://www.w3.org/2005/scxml-conformance">`
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := TransformTXML([]byte(head + tt.in + `</scxml>`))
			if err != nil {
				t.Fatal(err)
			}
			want := `<?xml version="1.0" encoding="UTF-8"?>` + "\n" + head + tt.want + "</scxml>\n"
			if diffs := compareXML(got, []byte(want)); len(diffs) > 0 {
				t.Errorf("got\n%s\nwant\n%s\n%s", got, want, strings.Join(diffs, "\n"))
			}
		})
	}
}

// TestTransformTXMLErrors checks that templates that are not well-formed
// are rejected.
func TestTransformTXMLErrors(t *testing.T) {
	for _, in := range []string{"", "<scxml>", "<!-- only a comment -->", "<a></b>"} {
		if _, err := TransformTXML([]byte(in)); err == nil {
			t.Errorf("TransformTXML(%q): no error", in)
		}
	}
	if _, err := TransformDir(filepath.Join(t.TempDir(), "missing"), t.TempDir()); err == nil {
		t.Error("TransformDir of a missing directory: no error")
	}
	src := t.TempDir()
	if err := os.WriteFile(filepath.Join(src, "bad.txml"), []byte("<scxml>"), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err := TransformDir(src, t.TempDir())
	if err == nil || !strings.Contains(err.Error(), "bad.txml") {
		t.Errorf("TransformDir with a broken template: error %v does not name the file", err)
	}
}

// compareXML compares two XML documents on what the W3C's own check
// compared: the elements (namespace and local name, in order), their
// attributes and namespace declarations (in any order), their text with
// runs of whitespace collapsed to one space and trimmed, and, compared the
// same way, their comments. Processing instructions are ignored. It returns
// one line per difference, naming the element by its path.
func compareXML(got, want []byte) []string {
	g, w := etree.NewDocument(), etree.NewDocument()
	if err := g.ReadFromBytes(got); err != nil {
		return []string{"result is not well-formed: " + err.Error()}
	}
	if err := w.ReadFromBytes(want); err != nil {
		return []string{"reference is not well-formed: " + err.Error()}
	}
	var diffs []string
	if gm, wm := comments(&g.Element), comments(&w.Element); !slices.Equal(gm, wm) {
		diffs = append(diffs, fmt.Sprintf("document comments %q, want %q", gm, wm))
	}
	compareElements("", g.Root(), w.Root(), &diffs)
	return diffs
}

// comments returns the comments among the children of el, with whitespace
// collapsed and trimmed.
func comments(el *etree.Element) []string {
	var out []string
	for _, tok := range el.Child {
		if c, ok := tok.(*etree.Comment); ok {
			out = append(out, strings.Join(strings.Fields(c.Data), " "))
		}
	}
	return out
}

// compareElements appends to diffs the differences between the elements g
// (result) and w (reference), whose parent has the path parent.
func compareElements(parent string, g, w *etree.Element, diffs *[]string) {
	if g == nil || w == nil {
		if g != w {
			*diffs = append(*diffs, fmt.Sprintf("%s: root element missing (result %v, reference %v)", parent+"/", g != nil, w != nil))
		}
		return
	}
	path := parent + "/" + w.Tag
	if parent != "" {
		path = fmt.Sprintf("%s/%s[%d]", parent, w.Tag, sameNameIndex(w))
	}
	report := func(format string, args ...any) {
		*diffs = append(*diffs, path+": "+fmt.Sprintf(format, args...))
	}
	if gn, wn := qualified(g.NamespaceURI(), g.Tag), qualified(w.NamespaceURI(), w.Tag); gn != wn {
		report("element %s, want %s", gn, wn)
		return
	}

	ga, wa := attributes(g), attributes(w)
	for _, k := range slices.Sorted(maps.Keys(wa)) {
		if v, ok := ga[k]; !ok {
			report("attribute %s missing, want %q", k, wa[k])
		} else if v != wa[k] {
			report("attribute %s = %q, want %q", k, v, wa[k])
		}
	}
	for _, k := range slices.Sorted(maps.Keys(ga)) {
		if _, ok := wa[k]; !ok {
			report("extra attribute %s = %q", k, ga[k])
		}
	}

	gt, wt := textRuns(g), textRuns(w)
	if !slices.Equal(gt, wt) {
		report("text %q, want %q", gt, wt)
	}
	if gm, wm := comments(g), comments(w); !slices.Equal(gm, wm) {
		report("comments %q, want %q", gm, wm)
	}

	gc, wc := g.ChildElements(), w.ChildElements()
	for i := range min(len(gc), len(wc)) {
		compareElements(path, gc[i], wc[i], diffs)
	}
	for _, c := range gc[min(len(gc), len(wc)):] {
		report("extra child element %s", qualified(c.NamespaceURI(), c.Tag))
	}
	for _, c := range wc[min(len(gc), len(wc)):] {
		report("missing child element %s", qualified(c.NamespaceURI(), c.Tag))
	}
}

// qualified returns the name {uri}local.
func qualified(uri, local string) string {
	return "{" + uri + "}" + local
}

// sameNameIndex returns the 1-based position of el among its parent's
// child elements with the same tag.
func sameNameIndex(el *etree.Element) int {
	n := 0
	for _, c := range el.Parent().ChildElements() {
		if c.Tag == el.Tag {
			n++
		}
		if c == el {
			break
		}
	}
	return n
}

// attributes returns the attributes of el by qualified name, and its
// namespace declarations as xmlns or xmlns:prefix.
func attributes(el *etree.Element) map[string]string {
	m := make(map[string]string, len(el.Attr))
	for _, a := range el.Attr {
		switch {
		case isNamespaceDecl(a):
			m[a.FullKey()] = a.Value
		default:
			m[qualified(a.NamespaceURI(), a.Key)] = a.Value
		}
	}
	return m
}

// spaces matches a run of XML whitespace.
func spaces() *regexp.Regexp { return regexp.MustCompile(`[ \t\r\n]+`) }

// textRuns returns the non-empty text runs of el between its child
// elements, each with whitespace collapsed and trimmed. Comments and
// processing instructions do not split a run.
func textRuns(el *etree.Element) []string {
	ws := spaces()
	var runs []string
	var cur strings.Builder
	flush := func() {
		if s := strings.TrimSpace(ws.ReplaceAllString(cur.String(), " ")); s != "" {
			runs = append(runs, s)
		}
		cur.Reset()
	}
	for _, tok := range el.Child {
		switch tok := tok.(type) {
		case *etree.CharData:
			cur.WriteString(tok.Data)
		case *etree.Element:
			flush()
		}
	}
	flush()
	return runs
}

// TestCompareXML checks that compareXML reports each kind of difference
// and ignores layout.
func TestCompareXML(t *testing.T) {
	const ref = `<s xmlns="u" xmlns:c="v"><a k="1" j="2"> x  y </a><b/></s>`
	tests := []struct {
		name, doc, want string
	}{
		{"layout and attribute order", "<s xmlns=\"u\" xmlns:c=\"v\">\n  <a j=\"2\" k=\"1\">x\ny</a>\n  <b/>\n</s>", ""},
		{"element name", `<s xmlns="u" xmlns:c="v"><a k="1" j="2">x y</a><c/></s>`, "/s/b[1]: element {u}c, want {u}b"},
		{"namespace", `<s xmlns="u" xmlns:c="v"><a k="1" j="2">x y</a><c:b/></s>`, "/s/b[1]: element {v}b, want {u}b"},
		{"attribute value", `<s xmlns="u" xmlns:c="v"><a k="1" j="3">x y</a><b/></s>`, `/s/a[1]: attribute {}j = "3", want "2"`},
		{"text", `<s xmlns="u" xmlns:c="v"><a k="1" j="2">x z</a><b/></s>`, `/s/a[1]: text ["x z"], want ["x y"]`},
		{"missing child", `<s xmlns="u" xmlns:c="v"><a k="1" j="2">x y</a></s>`, "/s: missing child element {u}b"},
		{"namespace declaration", `<s xmlns="u"><a k="1" j="2">x y</a><b/></s>`, `/s: attribute xmlns:c missing, want "v"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := strings.Join(compareXML([]byte(tt.doc), []byte(ref)), "\n")
			if got != tt.want {
				t.Errorf("compareXML = %q, want %q", got, tt.want)
			}
		})
	}
}
