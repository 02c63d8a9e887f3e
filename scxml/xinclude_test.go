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

func TestComposerWorkflow(t *testing.T) {
	doc, err := Load(orsFile("IPD_Default_MainWorkflow.scxml"), &Options{Registry: queueRegistry()})
	require.NoError(t, err)
	assert.Equal(t, ORS, doc.Dialect)

	var ids []string
	for _, s := range doc.States {
		ids = append(ids, s.ID)
	}
	assert.Equal(t, []string{"#scxml0", "GlobalState", "ipd_Region", "ipd_Wait", "ipd_Routed", "ipd_End",
		"App_Main", "App_Main_Entry1", "App_Main_Lookup", "App_Main_Route",
		"App_Main_Route1_Submit", "App_Main_Route1_Done", "App_Main_Exit"}, ids)

	prefixes := map[string]string{"ipd_Wait": "", "App_Main": "", "App_Main_Entry1": "App_Main",
		"App_Main_Route": "App_Main", "App_Main_Route1_Submit": "App_Main_Route1", "App_Main_Route1_Done": "App_Main_Route1"}
	for id, want := range prefixes {
		assert.Equal(t, want, doc.ByID[id].Prefix, id)
	}

	main := orsFile("Main.scxml")
	entry := doc.ByID["App_Main_Entry1"]
	assert.Equal(t, Pos{File: main, Line: 9, Col: 3}, entry.Pos)
	assert.Equal(t, Compound, doc.ByID["App_Main"].Kind)
	assert.Same(t, entry, doc.ByID["App_Main"].Initial.Targets[0])
	assert.Equal(t, &Expr{Kind: ValueExpr, Src: "'VQ_Sales@SIP_Switch'", Pos: Pos{File: main, Line: 11, Col: 43}, Index: entry.Data[0].Expr.Index},
		entry.Data[0].Expr)
	assert.Equal(t, "App_Main_vq", entry.Data[0].ID)
	sc := entry.OnEntry[0][1].(*Script)
	assert.Equal(t, "var App_Main_target = 'App_Main';", sc.Body.Src)
	assert.Equal(t, Pos{File: main, Line: 15, Col: 15}, sc.Body.Pos)
	assert.Equal(t, "done.invoke.App_Main_lookup", doc.ByID["App_Main_Lookup"].Transitions[0].Events[0])
	assert.Equal(t, "App_Main_lookup", doc.ByID["App_Main_Lookup"].Invokes[0].ID)

	sub := doc.ByID["App_Main_Route1_Submit"]
	block := orsFile("include/Block_Route.scxml")
	assert.Equal(t, Pos{File: block, Line: 6, Col: 3}, sub.Pos)
	c := sub.OnEntry[0][0].(*Custom)
	assert.Equal(t, "http://www.genesyslab.com/modules/queue", c.Element.NamespaceURI(), "namespaces of the included file stay in scope")
	q := c.Action.(*submit)
	assert.Equal(t, "_data.App_Main_Route1_req", q.RequestID.Src)
	assert.Equal(t, Pos{File: block, Line: 8, Col: 71}, q.RequestID.Pos)
	require.Len(t, q.Targets, 1)
	assert.Equal(t, Pos{File: block, Line: 10, Col: 33}, q.Targets[0].Pos)

	require.Len(t, doc.Scripts, 2)
	assert.True(t, strings.HasPrefix(doc.Scripts[0].Body.Src, "// Helpers shared by the strategies.\n"))
	assert.Equal(t, Pos{File: orsFile("include/common.js"), Line: 1, Col: 1}, doc.Scripts[0].Body.Pos)
	assert.Equal(t, "// A stand-in for json2.js: JSON is built into the engine.\nvar JSON2 = JSON;\n"+
		"\n    var App_StartTime = new Date();\n  \n", doc.Scripts[1].Body.Src)
	assert.Equal(t, Pos{File: orsFile("include/json2.js"), Line: 1, Col: 1}, doc.Scripts[1].Body.Pos)

	wait := doc.ByID["ipd_Wait"].OnEntry[0]
	assert.Equal(t, "2", wait[0].(*Log).Level)
	assert.Equal(t, "'app.start'", wait[1].(*Send).EventExpr.Src)
	assert.Equal(t, "'1s'", wait[1].(*Send).DelayExpr.Src)
	for i, e := range doc.Exprs {
		assert.Equal(t, i, e.Index)
	}
}

func TestComposerSubroutine(t *testing.T) {
	doc, err := Load(orsFile("Sub_Lookup.scxml"), nil)
	require.NoError(t, err)
	assert.Equal(t, ORS, doc.Dialect)
	assert.Equal(t, "Sub_Lookup", doc.Name)
	ret := doc.ByID["Return"].OnEntry[0][0].(*Send)
	assert.Equal(t, "'#_parent'", ret.TargetExpr.Src)
	assert.Equal(t, "'scxml'", ret.TypeExpr.Src)
	fetch := doc.ByID["Fetch"].OnEntry[0]
	assert.Equal(t, "fetch", fetch[0].(*Custom).Element.Tag)
	assert.Equal(t, "timer", fetch[1].(*Send).ID)
	assert.Contains(t, doc.Script.Body.Src, "function App_Log(msg)")
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
	sub := `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0">
  <state id="$$_MY_PREFIX_$$_a"><transition event="go" target="$$_MY_PREFIX_$$_b"/></state>
  <state id="$$_MY_PREFIX_$$_b" xml:id="second"><state id="$$_MY_PREFIX_$$_b1"/><state id="$$_MY_PREFIX_$$_b2"/></state>
</scxml>`
	tests := []struct {
		name    string
		include string
		want    []string
	}{
		{"whole document", `<xi:include href="sub.scxml" resolveid="p"/>`, []string{"p_a", "p_b", "p_b1", "p_b2"}},
		{"element(/1)", `<xi:include href="sub.scxml" parse="xml" xpointer="element(/1)" resolveid="p"/>`, []string{"p_a", "p_b", "p_b1", "p_b2"}},
		{"element child sequence", `<xi:include href="sub.scxml" xpointer="element(/1/2/2)" resolveid="p"/>`, []string{"p_b2"}},
		{"element(id)", `<xi:include href="sub.scxml" xpointer="element($$_MY_PREFIX_$$_b/1)" resolveid="q"/>`, []string{"q_b1"}},
		{"shorthand xml:id", `<xi:include href="sub.scxml" xpointer="second" resolveid="p"/>`, []string{"p_b", "p_b1", "p_b2"}},
		{"xpointer children", `<xi:include href="sub.scxml" xpointer="xpointer(/scxml/*)" resolveid="p"/>`, []string{"p_a", "p_b", "p_b1", "p_b2"}},
		{"xpointer predicate", `<xi:include href="sub.scxml" xpointer="xmlns(s=http://www.w3.org/2005/07/scxml)xpointer(/s:scxml/s:state[2]/*[@id='$$_MY_PREFIX_$$_b1'])" resolveid="p"/>`, []string{"p_b1"}},
		{"xpointer id()", `<xi:include href="sub.scxml" xpointer="xpointer(id('second')/state[2])" resolveid="p"/>`, []string{"p_b2"}},
		{"default prefix", `<xi:include href="sub.scxml"/>`, []string{"host_a", "host_b", "host_b1", "host_b2"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Load("main.scxml", includeOpts(map[string]string{
				"main.scxml": scxmlWith(xiNS, `<state id="host">`+tt.include+`</state>`),
				"sub.scxml":  sub,
			}))
			require.NoError(t, err)
			var ids []string
			for _, s := range doc.States[2:] {
				ids = append(ids, s.ID)
				assert.Equal(t, "sub.scxml", s.Pos.File, s.ID)
				assert.Equal(t, tt.want[0][:strings.IndexByte(tt.want[0], '_')], s.Prefix, s.ID)
			}
			assert.Equal(t, tt.want, ids)
		})
	}
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
