package scxml

import (
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func orsFile(name string) string {
	return filepath.Join("testdata", "ors", filepath.FromSlash(name))
}

// moduleRegistry is queueRegistry with <ixn:redirect>, kept as parsed.
func moduleRegistry() *Registry {
	r := queueRegistry()
	r.Register("http://www.genesyslab.com/modules/interaction", "redirect", func(c *ActionContext, el *etree.Element) (any, error) {
		return el, c.CheckAttrs(el, "interactionid", "to")
	})
	return r
}

func TestComposerWorkflow(t *testing.T) {
	ipd := orsFile("src-gen/IPD_Default_MainWorkflow.scxml")
	doc, err := Load(ipd, &Options{Registry: moduleRegistry()})
	require.NoError(t, err)
	assert.Equal(t, ORS, doc.Dialect)
	assert.Empty(t, doc.Warnings)

	var ids []string
	for _, s := range doc.States {
		ids = append(ids, s.ID)
	}
	// resolveid renames every state id of the spliced content, nested
	// includes under their own resolveid.
	assert.Equal(t, []string{"#scxml0", "_composer_globalstate", "_composer_parallel", "_composer_application",
		"_composer_init", "_composer_start", "MainWorkflow", "MainWorkflow._composer_entry",
		"MainWorkflow.Entry1", "MainWorkflow.Target1", "MainWorkflow._reserved_Target1_submit",
		"MainWorkflow.Route", "MainWorkflow.Route._composer_entry", "MainWorkflow.Route.Redirect",
		"MainWorkflow.Route.Done", "MainWorkflow.Exit1", "_composer_event_handler", "_composer_global_exit"}, ids)

	prefixes := map[string]string{"_composer_init": "", "MainWorkflow": "", "MainWorkflow._composer_entry": "MainWorkflow",
		"MainWorkflow.Entry1": "MainWorkflow", "MainWorkflow.Route.Redirect": "MainWorkflow.Route"}
	for id, want := range prefixes {
		assert.Equal(t, want, doc.ByID[id].Prefix, id)
	}
	entry := doc.ByID["MainWorkflow._composer_entry"]
	assert.Same(t, entry, doc.ByID["MainWorkflow"].Initial.Targets[0])
	assert.Same(t, doc.ByID["MainWorkflow.Entry1"], entry.Initial.Targets[0])
	assert.Equal(t, []string{"done.state.MainWorkflow._composer_entry"}, doc.ByID["MainWorkflow"].Transitions[0].Events)
	assert.Equal(t, []string{"done.state.MainWorkflow.Route"}, doc.ByID["MainWorkflow.Route"].Transitions[0].Events)
	assert.Same(t, doc.ByID["MainWorkflow.Exit1"], doc.ByID["MainWorkflow.Route"].Transitions[0].Targets[0])
	redirect := doc.ByID["MainWorkflow.Route.Redirect"]
	assert.Same(t, doc.ByID["MainWorkflow.Route.Done"], redirect.Transitions[0].Targets[0], "a bare target of the spliced content is renamed")

	main := orsFile("src-gen/Main.scxml")
	assert.Equal(t, Pos{File: main, Line: 20, Col: 3}, doc.ByID["MainWorkflow.Entry1"].Pos)
	sub := doc.ByID["MainWorkflow._reserved_Target1_submit"].OnEntry[0][0].(*Custom)
	assert.Equal(t, "http://www.genesyslab.com/modules/queue", sub.Element.NamespaceURI(), "namespaces of the included file stay in scope")
	q := sub.Action.(*submit)
	assert.Equal(t, "App_Target1['requestid']", q.RequestID.Src)
	require.Len(t, q.Targets, 1)
	assert.Equal(t, Pos{File: main, Line: 37, Col: 30}, q.Targets[0].Pos)
	assert.Equal(t, orsFile("src/subRoutines/Block_Route.scxml"), redirect.Pos.File)

	raise := doc.ByID["_composer_event_handler"].Transitions[0].Body[1].(*Raise)
	assert.Equal(t, "application.start", raise.Event)
	require.Len(t, raise.Params, 1)
	assert.Equal(t, "interactionid", raise.Params[0].Name)
	assert.Equal(t, "_event.data.interactionid", raise.Params[0].Expr.Src)

	require.Len(t, doc.Scripts, 2)
	assert.True(t, strings.HasPrefix(doc.Scripts[0].Body.Src, "// Helpers shared by the strategies.\n"))
	assert.Equal(t, Pos{File: orsFile("include/common.js"), Line: 1, Col: 1}, doc.Scripts[0].Body.Pos)
	onentry := doc.ByID["_composer_parallel"].OnEntry[0][0].(*Script)
	assert.NotContains(t, onentry.Body.Src, "comment", "XML comments are not script text")
	for i, e := range doc.Exprs {
		assert.Equal(t, i, e.Index)
	}
}

func TestComposerWorkflowOnItsOwn(t *testing.T) {
	// A workflow or subroutine loaded as the top document has no prefix:
	// "$$_MY_PREFIX_$$.Exit1" names Exit1.
	doc, err := Load(orsFile("src/subRoutines/Block_Route.scxml"), &Options{Registry: moduleRegistry()})
	require.NoError(t, err)
	entry := doc.ByID["_composer_entry"]
	assert.Same(t, doc.ByID["Redirect"], entry.Initial.Targets[0])
	assert.Equal(t, "", doc.ByID["Redirect"].Prefix)
}

// includeOpts serves the files of an include test from memory.
func includeOpts(m map[string]string) *Options {
	fs := make(map[string]string, len(m))
	for k, v := range m {
		fs[filepath.FromSlash(k)] = v
	}
	return &Options{ReadFile: files(fs)}
}

const xiNS = ` xmlns:xi="http://www.w3.org/2001/XInclude"`

func TestXIncludeText(t *testing.T) {
	doc, err := Load(filepath.FromSlash("/s/main.scxml"), includeOpts(map[string]string{
		"/s/main.scxml": scxmlWith(xiNS, `<script>var a = 1;<xi:include href="lib/b.js" parse="text"/><xi:include href="file:lib/c.js" parse="text"/></script>
<datamodel><data id="d"><xi:include href="d.json" parse="text"/></data></datamodel>
<state id="s"/>`),
		"/s/lib/b.js": "var b = 2;",
		"/s/lib/c.js": "var c = 3;\n",
		"/s/d.json":   `{"k": 1}`,
	}))
	require.NoError(t, err)
	assert.Equal(t, "var a = 1;\nvar b = 2;\nvar c = 3;\n", doc.Script.Body.Src)
	assert.Equal(t, Pos{File: filepath.FromSlash("/s/main.scxml"), Line: 2, Col: 9}, doc.Script.Body.Pos)
	assert.Equal(t, `{"k": 1}`, doc.Root.Data[0].Content.Text)
}

func TestXIncludeXML(t *testing.T) {
	// Composer's spelling: ids bare, references through the placeholder.
	sub := `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0">
  <state id="a"><transition event="go" target="$$_MY_PREFIX_$$.b"/><transition event="done.state.b" target="b1"/></state>
  <state id="b" xml:id="second" initial="b2"><state id="b1"/><state id="b2"/></state>
</scxml>`
	// Placeholder ids, prefixed by the enclosing state's id.
	legacy := `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0">
  <state id="$$_MY_PREFIX_$$_a"><transition event="go" target="$$_MY_PREFIX_$$_b"/></state>
  <state id="$$_MY_PREFIX_$$_b"><state id="$$_MY_PREFIX_$$_b1"/><state id="$$_MY_PREFIX_$$_b2"/></state>
</scxml>`
	tests := []struct {
		name    string
		include string
		prefix  string
		want    []string
	}{
		{"whole document", `<xi:include href="sub.scxml" resolveid="p"/>`, "p", []string{"p.a", "p.b", "p.b1", "p.b2"}},
		{"element(/1)", `<xi:include href="sub.scxml" parse="xml" xpointer="element(/1)" resolveid="p"/>`, "p", []string{"p.a", "p.b", "p.b1", "p.b2"}},
		{"element child sequence", `<xi:include href="sub.scxml" xpointer="element(/1/2/2)" resolveid="p"/>`, "p", []string{"p.b2"}},
		{"element(id)", `<xi:include href="sub.scxml" xpointer="element(b/1)" resolveid="q"/>`, "q", []string{"q.b1"}},
		{"shorthand xml:id", `<xi:include href="sub.scxml" xpointer="second" resolveid="p"/>`, "p", []string{"p.b", "p.b1", "p.b2"}},
		{"shorthand id", `<xi:include href="sub.scxml" xpointer="b" resolveid="p.q"/>`, "p.q", []string{"p.q.b", "p.q.b1", "p.q.b2"}},
		{"xpointer children", `<xi:include href="sub.scxml" xpointer="xpointer(/scxml/*)" resolveid="p"/>`, "p", []string{"p.a", "p.b", "p.b1", "p.b2"}},
		{"xpointer predicate", `<xi:include href="sub.scxml" xpointer="xmlns(s=http://www.w3.org/2005/07/scxml)xpointer(/s:scxml/s:state[2]/*[@id='b1'])" resolveid="p"/>`, "p", []string{"p.b1"}},
		{"xpointer id()", `<xi:include href="sub.scxml" xpointer="xpointer(id('second')/state[2])" resolveid="p"/>`, "p", []string{"p.b2"}},
		{"default prefix", `<xi:include href="legacy.scxml"/>`, "host", []string{"host_a", "host_b", "host_b1", "host_b2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Load("main.scxml", includeOpts(map[string]string{
				"main.scxml":   scxmlWith(xiNS, `<state id="host">`+tt.include+`</state>`),
				"sub.scxml":    sub,
				"legacy.scxml": legacy,
			}))
			require.NoError(t, err)
			file := "sub.scxml"
			if strings.Contains(tt.include, "legacy") {
				file = "legacy.scxml"
			}
			var ids []string
			for _, s := range doc.States[2:] {
				ids = append(ids, s.ID)
				assert.Equal(t, file, s.Pos.File, s.ID)
				assert.Equal(t, tt.prefix, s.Prefix, s.ID)
			}
			assert.Equal(t, tt.want, ids)
		})
	}
	doc, err := Load("main.scxml", includeOpts(map[string]string{
		"main.scxml": scxmlWith(xiNS, `<state id="host"><xi:include href="sub.scxml" resolveid="p"/></state>`),
		"sub.scxml":  sub,
	}))
	require.NoError(t, err)
	a := doc.ByID["p.a"]
	assert.Same(t, doc.ByID["p.b"], a.Transitions[0].Targets[0], "a placeholder reference")
	assert.Same(t, doc.ByID["p.b1"], a.Transitions[1].Targets[0], "a bare reference to a spliced id")
	assert.Equal(t, []string{"done.state.p.b"}, a.Transitions[1].Events)
	assert.Same(t, doc.ByID["p.b2"], doc.ByID["p.b"].Initial.Targets[0], "an initial attribute")
}

func TestXIncludeErrors(t *testing.T) {
	tests := []struct {
		name  string
		files map[string]string
		want  string
	}{
		{"missing file", map[string]string{
			"/d/main.scxml": scxmlWith(xiNS, `<state id="a"><xi:include href="lib/nope.scxml"/></state>`)},
			"/d/main.scxml:2:33: xi:include: open /d/lib/nope.scxml: no such file"},
		{"missing text file", map[string]string{
			"/d/main.scxml": scxmlWith(xiNS, `<script><xi:include href="x.js" parse="text"/></script><state id="a"/>`)},
			"/d/main.scxml:2:27: xi:include: open /d/x.js: no such file"},
		{"fallback", map[string]string{
			"/d/main.scxml": scxmlWith(xiNS, `<state id="a"><xi:include href="nope.scxml"><xi:fallback><state id="fb"><raise/></state></xi:fallback></xi:include></state>`)},
			`/d/main.scxml:2:73: <raise> is not allowed in <state>`},
		{"cycle", map[string]string{
			"/d/main.scxml": scxmlWith(xiNS, `<state id="a"><xi:include href="b.scxml"/></state>`),
			"/d/b.scxml":    `<state xmlns="http://www.w3.org/2005/07/scxml"` + xiNS + ">\n" + `<xi:include href="main.scxml" xpointer="element(/1/1)"/></state>`},
			"/d/b.scxml:2:19: xi:include: include cycle: /d/main.scxml -> /d/b.scxml -> /d/main.scxml"},
		{"error in the included file", map[string]string{
			"/d/main.scxml": scxmlWith(xiNS, `<state id="a"><xi:include href="b.scxml"/></state>`),
			"/d/b.scxml":    "<state xmlns=\"http://www.w3.org/2005/07/scxml\">\n  <transition target=\"nowhere\"/></state>"},
			`/d/b.scxml:2:23: transition target "nowhere" does not exist`},
		{"malformed included file", map[string]string{
			"/d/main.scxml": scxmlWith(xiNS, `<state id="a"><xi:include href="b.scxml"/></state>`),
			"/d/b.scxml":    "<state>\n</stat>"},
			`/d/b.scxml:2:8: malformed XML: element <state> closed by </stat>`},
		{"xpointer selects nothing", map[string]string{
			"/d/main.scxml": scxmlWith(xiNS, `<state id="a"><xi:include href="b.scxml" xpointer="element(/1/9)"/></state>`),
			"/d/b.scxml":    `<scxml xmlns="http://www.w3.org/2005/07/scxml"/>`},
			`/d/main.scxml:2:52: xi:include: xpointer "element(/1/9)" selects nothing in /d/b.scxml`},
		{"bad xpointer", map[string]string{
			"/d/main.scxml": scxmlWith(xiNS, `<state id="a"><xi:include href="b.scxml" xpointer="xpointer(//state)"/></state>`),
			"/d/b.scxml":    `<scxml xmlns="http://www.w3.org/2005/07/scxml"/>`},
			`/d/main.scxml:2:52: xi:include: unsupported xpointer() expression "//state"`},
		{"bad parse", map[string]string{
			"/d/main.scxml": scxmlWith(xiNS, `<state id="a"><xi:include href="b.scxml" parse="html"/></state>`)},
			`/d/main.scxml:2:49: xi:include: invalid parse "html" (want "xml" or "text")`},
		{"no href", map[string]string{
			"/d/main.scxml": scxmlWith(xiNS, `<state id="a"><xi:include xpointer="x"/></state>`)},
			`/d/main.scxml:2:15: xi:include: missing "href" (including parts of the same document is not supported)`},
		{"self inclusion", map[string]string{
			"/d/main.scxml": scxmlWith(xiNS, `<state id="a"><xi:include href="n.scxml"/></state>`),
			"/d/n.scxml":    `<x:wrap xmlns:x="urn:x"` + xiNS + `><xi:include href="n.scxml" xpointer="element(/1)"/></x:wrap>`},
			"/d/n.scxml:1:86: xi:include: include cycle: /d/n.scxml -> /d/n.scxml"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Load(filepath.FromSlash("/d/main.scxml"), includeOpts(tt.files))
			require.Error(t, err)
			assert.Equal(t, filepath.FromSlash(tt.want), err.Error())
		})
	}
}

func TestXIncludeDepth(t *testing.T) {
	m := map[string]string{"main.scxml": scxmlWith(xiNS, `<state id="a"><xi:include href="f0.xml"/></state>`)}
	for i := range 40 {
		m["f"+strconv.Itoa(i)+".xml"] = `<x:w xmlns:x="urn:x"` + xiNS + `><xi:include href="f` + strconv.Itoa(i+1) + `.xml"/></x:w>`
	}
	_, err := Load("main.scxml", includeOpts(m))
	require.Error(t, err)
	assert.Equal(t, "f15.xml:1:83: xi:include: includes nested more than 16 deep", err.Error())
}

func TestSelectXPointer(t *testing.T) {
	et := etree.NewDocument()
	require.NoError(t, et.ReadFromString(`<r><a id="x"><b/><c/></a><a><c/></a></r>`))
	root := et.Root()
	tests := []struct {
		xp   string
		want []string
		err  string
	}{
		{"", []string{"r"}, ""},
		{"x", []string{"a"}, ""},
		{"element(/1/1/2)", []string{"c"}, ""},
		{"element(x/1)", []string{"b"}, ""},
		{"xpointer(/r/a/c)", []string{"c", "c"}, ""},
		{"xpointer(/r/a[2]/*)", []string{"c"}, ""},
		{"xpointer(/r/*[@id=\"x\"]/b)", []string{"b"}, ""},
		{"foo(bar) element(/1/2)", []string{"a"}, ""},
		{"element(/1/5) element(/1/1)", []string{"a"}, ""},
		{"nope", nil, ""},
		{"element(/2)", nil, ""},
		{"1x", nil, `invalid xpointer "1x"`},
		{"element(/1", nil, `invalid xpointer "element(/1": unbalanced parentheses`},
		{"element(/a)", nil, `invalid element() pointer "/a"`},
		{"xpointer(r/a)", nil, `unsupported xpointer() expression "r/a"`},
		{"xpointer(/r/a[last()])", nil, `unsupported xpointer() expression "/r/a[last()]"`},
	}
	for _, tt := range tests {
		t.Run(tt.xp, func(t *testing.T) {
			sel, err := selectXPointer(root, tt.xp)
			if tt.err != "" {
				assert.EqualError(t, err, tt.err)
				return
			}
			require.NoError(t, err)
			var tags []string
			for _, e := range sel {
				tags = append(tags, e.Tag)
			}
			assert.Equal(t, tt.want, tags)
		})
	}
}
