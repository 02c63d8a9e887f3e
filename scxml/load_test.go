package scxml

import (
	"errors"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func loadModel(t *testing.T) *Document {
	t.Helper()
	r := NewRegistry()
	r.Register("urn:acts", "ok", func(c *ActionContext, el *etree.Element) (any, error) {
		return el.SelectAttrValue("v", "") + "@" + c.Pos(el).String(), nil
	})
	doc, err := Load(filepath.Join("testdata", "model.scxml"), &Options{Registry: r})
	require.NoError(t, err)
	return doc
}

func at(line, col int) Pos {
	return Pos{File: filepath.Join("testdata", "model.scxml"), Line: line, Col: col}
}

func TestDocument(t *testing.T) {
	doc := loadModel(t)
	assert.Equal(t, filepath.Join("testdata", "model.scxml"), doc.File)
	assert.Equal(t, "model", doc.Name)
	assert.Equal(t, "ecmascript", doc.Datamodel)
	assert.Equal(t, LateBinding, doc.Binding)
	require.NotNil(t, doc.Element)
	assert.Equal(t, "kept", doc.Element.SelectAttrValue("x:note", ""))

	var ids []string
	for i, s := range doc.States {
		assert.Equal(t, i, s.Order, s.ID)
		assert.Same(t, s, doc.ByID[s.ID], s.ID)
		ids = append(ids, s.ID)
	}
	assert.Equal(t, []string{"#scxml0", "main", "p", "h", "p1", "p1a", "p1b", "#state7", "#history8", "p2a", "fin"}, ids)
	assert.Same(t, doc.Root, doc.States[0])
	for i, e := range doc.Exprs {
		assert.Equal(t, i, e.Index)
	}
	assert.Len(t, doc.Exprs, 31)
}

func TestStates(t *testing.T) {
	doc := loadModel(t)
	root, main, p := doc.Root, doc.ByID["main"], doc.ByID["p"]
	tests := []struct {
		id        string
		kind      Kind
		parent    *State
		depth     int
		generated bool
		pos       Pos
	}{
		{"#scxml0", Root, nil, 0, true, at(2, 1)},
		{"main", Compound, root, 1, false, at(12, 3)},
		{"p", Parallel, main, 2, false, at(48, 5)},
		{"h", History, p, 3, false, at(49, 7)},
		{"p1", Compound, p, 3, false, at(50, 7)},
		{"p1a", Atomic, doc.ByID["p1"], 4, false, at(51, 9)},
		{"#state7", Compound, p, 3, true, at(54, 7)},
		{"#history8", History, doc.ByID["#state7"], 4, true, at(55, 9)},
		{"fin", Final, root, 1, false, at(74, 3)},
	}
	for _, tt := range tests {
		t.Run(tt.id, func(t *testing.T) {
			s := doc.ByID[tt.id]
			require.NotNil(t, s)
			assert.Equal(t, tt.kind, s.Kind)
			assert.Same(t, tt.parent, s.Parent)
			assert.Equal(t, tt.depth, s.Depth)
			assert.Equal(t, tt.generated, s.Generated)
			assert.Equal(t, tt.pos, s.Pos)
			if s.Parent != nil {
				assert.Contains(t, s.Parent.Children, s)
			}
		})
	}
	assert.Equal(t, []*State{main, doc.ByID["fin"]}, root.Children)
	assert.Equal(t, []*State{doc.ByID["h"], doc.ByID["p1"], doc.ByID["#state7"]}, p.Children)
	assert.True(t, doc.ByID["h"].Deep)
	assert.False(t, doc.ByID["#history8"].Deep)
	assert.Equal(t, "state", Compound.String())
	assert.Equal(t, "history", History.String())
}

func TestInitialTransitions(t *testing.T) {
	doc := loadModel(t)
	root := doc.Root
	// From the initial attribute of <scxml>.
	require.NotNil(t, root.Initial)
	assert.Same(t, root, root.Initial.Source)
	assert.Equal(t, []*State{doc.ByID["main"]}, root.Initial.Targets)
	assert.Equal(t, 0, root.Initial.Order)
	assert.Equal(t, at(3, 82), root.Initial.Pos)

	// From an <initial> element, with its content.
	main := doc.ByID["main"]
	require.NotNil(t, main.Initial)
	assert.Same(t, main, main.Initial.Source)
	assert.Equal(t, []*State{doc.ByID["p"]}, main.Initial.Targets)
	assert.Equal(t, at(14, 7), main.Initial.Pos)
	assert.Equal(t, 1, main.Initial.Order)
	require.Len(t, main.Initial.Body, 1)
	assert.IsType(t, &Log{}, main.Initial.Body[0])

	// From the initial attribute of <state>.
	p1 := doc.ByID["p1"]
	assert.Equal(t, []*State{doc.ByID["p1b"]}, p1.Initial.Targets)
	assert.Equal(t, 5, p1.Initial.Order)

	// The first child state, skipping the history.
	anon := doc.ByID["#state7"]
	assert.Equal(t, []*State{doc.ByID["p2a"]}, anon.Initial.Targets)
	assert.Equal(t, 6, anon.Initial.Order)

	for _, id := range []string{"p", "p1a", "h", "fin"} {
		assert.Nil(t, doc.ByID[id].Initial, id)
	}
}

func TestTransitions(t *testing.T) {
	doc := loadModel(t)
	main := doc.ByID["main"]
	require.Len(t, main.Transitions, 2)
	t0, t1 := main.Transitions[0], main.Transitions[1]
	assert.Same(t, main, t0.Source)
	assert.Equal(t, at(44, 5), t0.Pos)
	assert.Equal(t, []string{"done.state.p", "error", "foo", "*"}, t0.Events)
	require.NotNil(t, t0.Cond)
	assert.Equal(t, &Expr{Kind: CondExpr, Src: "true", Pos: at(44, 59), Index: 23}, t0.Cond)
	assert.Equal(t, []*State{doc.ByID["fin"]}, t0.Targets)
	assert.True(t, t0.Internal)
	assert.Equal(t, Block{&Raise{Pos: at(45, 7), Event: "t"}}, t0.Body)
	assert.Equal(t, 2, t0.Order)

	assert.Empty(t, t1.Events)
	assert.Nil(t, t1.Cond)
	assert.False(t, t1.Internal)
	assert.Equal(t, []*State{doc.ByID["h"]}, t1.Targets)
	assert.Equal(t, 3, t1.Order)

	h := doc.ByID["h"]
	require.Len(t, h.Transitions, 1)
	assert.Equal(t, []*State{doc.ByID["p1b"]}, h.Transitions[0].Targets)
	assert.Same(t, h, h.Transitions[0].Source)
	assert.Equal(t, 4, h.Transitions[0].Order)
	assert.Equal(t, 7, doc.ByID["#history8"].Transitions[0].Order)
}

func TestExecutableContent(t *testing.T) {
	doc := loadModel(t)
	main := doc.ByID["main"]
	require.Len(t, main.OnEntry, 2)
	first := main.OnEntry[0]
	require.Len(t, first, 2)
	assert.Equal(t, &Raise{Pos: at(17, 7), Event: "go"}, first[0])

	ifa, ok := first[1].(*If)
	require.True(t, ok)
	assert.Equal(t, at(18, 7), ifa.Position())
	require.Len(t, ifa.Branches, 3)
	assert.Equal(t, &Expr{Kind: CondExpr, Src: "a == 1", Pos: at(18, 17), Index: 3}, ifa.Branches[0].Cond)
	assert.Equal(t, Block{&Log{Pos: at(19, 9), Label: "one", Expr: doc.Exprs[4]}}, ifa.Branches[0].Body)
	assert.Equal(t, "a == 2", ifa.Branches[1].Cond.Src)
	assert.Equal(t, Block{&Log{Pos: at(21, 9), Label: "two", Expr: doc.Exprs[6], Level: "2"}}, ifa.Branches[1].Body)
	assert.Nil(t, ifa.Branches[2].Cond)
	assert.Equal(t, Block{&Assign{Pos: at(23, 9), Location: doc.Exprs[7], Expr: doc.Exprs[8]}}, ifa.Branches[2].Body)
	assert.Equal(t, LocationExpr, doc.Exprs[7].Kind)

	second := main.OnEntry[1]
	require.Len(t, second, 3)
	fe := second[0].(*Foreach)
	assert.Equal(t, "[1,2]", fe.Array.Src)
	assert.Equal(t, ValueExpr, fe.Array.Kind)
	assert.Equal(t, "it", fe.Item)
	assert.Equal(t, "ix", fe.Index)
	require.Len(t, fe.Body, 1)
	sc := fe.Body[0].(*Script)
	assert.Equal(t, &Expr{Kind: ScriptExpr, Src: "var y = it;", Pos: at(28, 17), Index: 10}, sc.Body)
	assert.Empty(t, sc.Src)

	reg := second[1].(*Custom)
	assert.Equal(t, at(30, 7), reg.Pos)
	assert.Equal(t, "42@"+at(30, 7).String(), reg.Action)
	assert.Equal(t, "ok", reg.Element.Tag)
	kept := second[2].(*Custom)
	assert.Nil(t, kept.Action)
	assert.Equal(t, "thing", kept.Element.Tag)

	require.Len(t, main.OnExit, 1)
	exit := main.OnExit[0]
	require.Len(t, exit, 6)

	s1 := exit[0].(*Send)
	assert.Equal(t, "ev", s1.Event)
	assert.Equal(t, "#_parent", s1.Target)
	assert.Equal(t, "http://www.w3.org/TR/scxml/#SCXMLEventProcessor", s1.Type)
	assert.Equal(t, "s1", s1.ID)
	assert.Equal(t, "1s", s1.Delay)
	require.Len(t, s1.Namelist, 2)
	assert.Equal(t, &Expr{Kind: ValueExpr, Src: "a", Pos: at(34, 126), Index: 11}, s1.Namelist[0])
	assert.Equal(t, &Expr{Kind: ValueExpr, Src: "b", Pos: at(34, 128), Index: 12}, s1.Namelist[1])
	require.Len(t, s1.Params, 2)
	assert.Equal(t, &Param{Pos: at(35, 9), Name: "p", Expr: doc.Exprs[13]}, s1.Params[0])
	assert.Equal(t, &Param{Pos: at(36, 9), Name: "q", Location: doc.Exprs[14]}, s1.Params[1])
	assert.Equal(t, LocationExpr, doc.Exprs[14].Kind)
	assert.Nil(t, s1.Content)
	assert.Nil(t, s1.EventExpr)

	s2 := exit[1].(*Send)
	assert.Equal(t, "'e'", s2.EventExpr.Src)
	assert.Equal(t, "'#_internal'", s2.TargetExpr.Src)
	assert.Equal(t, "'scxml'", s2.TypeExpr.Src)
	assert.Equal(t, &Expr{Kind: LocationExpr, Src: "sid", Pos: at(38, 86), Index: 18}, s2.IDLocation)
	assert.Equal(t, "'2s'", s2.DelayExpr.Src)
	require.NotNil(t, s2.Content)
	assert.Equal(t, &Content{Pos: at(38, 108), Expr: doc.Exprs[20]}, s2.Content)

	s3 := exit[2].(*Send)
	require.NotNil(t, s3.Content)
	assert.True(t, s3.Content.XML)
	assert.Equal(t, `<x:payload x:k="v" xmlns="http://www.w3.org/2005/07/scxml" xmlns:x="urn:ext"><inner/></x:payload>`, s3.Content.Text)
	assert.Nil(t, s3.Content.Doc)

	assert.Equal(t, &Cancel{Pos: at(40, 7), SendID: "s1"}, exit[3])
	assert.Equal(t, &Cancel{Pos: at(41, 7), SendIDExpr: doc.Exprs[21]}, exit[4])
	as := exit[5].(*Assign)
	assert.Nil(t, as.Expr)
	assert.Equal(t, &Content{Pos: at(42, 28), Text: `<obj k="1" xmlns="http://www.w3.org/2005/07/scxml"/>`, XML: true}, as.Content)
}

func TestDataAndScript(t *testing.T) {
	doc := loadModel(t)
	data := doc.Root.Data
	require.Len(t, data, 4)
	assert.Equal(t, &Data{Pos: at(5, 5), ID: "a", Expr: doc.Exprs[0]}, data[0])
	assert.Equal(t, &Data{Pos: at(6, 5), ID: "b", Src: "file:data.json", Content: &Content{
		Pos: Pos{File: filepath.Join("testdata", "data.json"), Line: 1, Col: 1}, Text: "{\"k\": [1, 2]}\n"}}, data[1])
	assert.Equal(t, &Data{Pos: at(7, 5), ID: "c", Content: &Content{Pos: at(7, 18), Text: "  text  "}}, data[2])
	assert.Equal(t, &Data{Pos: at(8, 5), ID: "d", Content: &Content{Pos: at(8, 18), XML: true,
		Text: `<x:v n="1" xmlns:x="urn:ext">one</x:v>`}}, data[3])

	require.NotNil(t, doc.Script)
	assert.Equal(t, "lib.js", doc.Script.Src)
	assert.Equal(t, &Expr{Kind: ScriptExpr, Src: "function f() { return 1; }\n",
		Pos: Pos{File: filepath.Join("testdata", "lib.js"), Line: 1, Col: 1}, Index: 1}, doc.Script.Body)
}

func TestInvokes(t *testing.T) {
	doc := loadModel(t)
	main := doc.ByID["main"]
	require.Len(t, main.Invokes, 3)
	for i, inv := range main.Invokes {
		assert.Same(t, main, inv.Parent)
		assert.Equal(t, i, inv.Order)
	}
	i0 := main.Invokes[0]
	assert.Equal(t, at(59, 5), i0.Pos)
	assert.Equal(t, "scxml", i0.Type)
	assert.Equal(t, "file:child.scxml", i0.Src)
	assert.Equal(t, "inv1", i0.ID)
	assert.True(t, i0.Autoforward)
	require.Len(t, i0.Namelist, 1)
	assert.Equal(t, "a", i0.Namelist[0].Src)
	require.Len(t, i0.Finalize, 1)
	assert.Equal(t, "_event.data", i0.Finalize[0].(*Assign).Expr.Src)

	i1 := main.Invokes[1]
	assert.Equal(t, "'scxml'", i1.TypeExpr.Src)
	assert.Equal(t, "'x'", i1.SrcExpr.Src)
	assert.Equal(t, LocationExpr, i1.IDLocation.Kind)
	assert.False(t, i1.Autoforward)
	require.Len(t, i1.Params, 1)
	assert.Equal(t, "k", i1.Params[0].Name)

	i2 := main.Invokes[2]
	require.NotNil(t, i2.Content)
	assert.True(t, i2.Content.XML)
	inner := i2.Content.Doc
	require.NotNil(t, inner)
	assert.Equal(t, doc.File, inner.File)
	assert.Equal(t, "ecmascript", inner.Datamodel)
	require.Len(t, inner.States, 2)
	c1 := inner.ByID["c1"]
	require.NotNil(t, c1)
	assert.Equal(t, at(69, 11), c1.Pos)
	assert.Equal(t, []*State{c1}, inner.Root.Initial.Targets)
	require.Len(t, inner.Exprs, 2)
	assert.Equal(t, &Expr{Kind: ValueExpr, Src: "7", Pos: at(68, 45), Index: 0}, inner.Root.Data[0].Expr)
	require.NotNil(t, c1.DoneData)
	assert.Same(t, inner.Exprs[1], c1.DoneData.Params[0].Expr)
	assert.Nil(t, doc.ByID["c1"])

	fin := doc.ByID["fin"]
	require.NotNil(t, fin.DoneData)
	assert.Equal(t, &DoneData{Pos: at(75, 5), Content: &Content{Pos: at(75, 15), Text: "done"}}, fin.DoneData)
}

func TestParseDefaults(t *testing.T) {
	src := `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0"><state id="a"/><state id="b"/></scxml>`
	doc, err := Parse("mem.scxml", []byte(src), nil)
	require.NoError(t, err)
	assert.Equal(t, "", doc.Datamodel)
	assert.Equal(t, EarlyBinding, doc.Binding)
	assert.Nil(t, doc.Script)
	assert.Equal(t, []*State{doc.ByID["a"]}, doc.Root.Initial.Targets)
	assert.Equal(t, Atomic, doc.ByID["a"].Kind)
}

func TestPositionsCountRunes(t *testing.T) {
	src := "<scxml xmlns=\"http://www.w3.org/2005/07/scxml\" version=\"1.0\">\n<!-- é€😀 --><state id=\"a\"><transition cond=\"x == 'é'\" target=\"b\"/></state>\n</scxml>"
	_, err := Parse("r.scxml", []byte(src), nil)
	require.Error(t, err)
	// "<!-- é€😀 -->" is 12 runes, so <state> starts at column 13.
	assert.Equal(t, `r.scxml:2:63: transition target "b" does not exist`, err.Error())
	doc, err := Parse("r.scxml", []byte(src[:len(src)-len("target=\"b\"/></state>\n</scxml>")]+"/></state>\n</scxml>"), nil)
	require.NoError(t, err)
	assert.Equal(t, Pos{File: "r.scxml", Line: 2, Col: 13}, doc.ByID["a"].Pos)
	assert.Equal(t, Pos{File: "r.scxml", Line: 2, Col: 45}, doc.ByID["a"].Transitions[0].Cond.Pos)
}

func TestCDATAScript(t *testing.T) {
	src := wrap("<script><![CDATA[if (a < b) { x = 1; }]]></script><state id=\"a\"/>")
	doc, err := Parse("c.scxml", []byte(src), nil)
	require.NoError(t, err)
	require.NotNil(t, doc.Script)
	assert.Equal(t, "if (a < b) { x = 1; }", doc.Script.Body.Src)
	assert.Equal(t, Pos{File: "c.scxml", Line: 2, Col: 9}, doc.Script.Body.Pos)
}

func TestForeignElementsAndAttributes(t *testing.T) {
	src := wrap(`<x:top xmlns:x="urn:x"><state id="inner"/></x:top>
<state id="a" xmlns:x="urn:x" x:attr="1">
  <x:note/>
  <transition x:weight="2" target="a"><x:act/></transition>
  <onentry><x:act2 xmlns:x="urn:unregistered"/><y xmlns=""/></onentry>
</state>`)
	doc, err := Parse("f.scxml", []byte(src), &Options{Registry: testRegistry()})
	require.NoError(t, err)
	assert.Nil(t, doc.ByID["inner"], "states inside foreign elements are ignored")
	a := doc.ByID["a"]
	require.Len(t, a.Transitions[0].Body, 1)
	assert.Nil(t, a.Transitions[0].Body[0].(*Custom).Action)
	require.Len(t, a.OnEntry[0], 2)
	assert.Equal(t, "act2", a.OnEntry[0][0].(*Custom).Element.Tag)
	assert.Equal(t, "y", a.OnEntry[0][1].(*Custom).Element.Tag)
}

func TestNormalizeEvent(t *testing.T) {
	for in, want := range map[string]string{
		"*": "*", "a": "a", "a.b": "a.b", "a.*": "a", "a.": "a", ".*": "*", "error.execution.*": "error.execution",
	} {
		assert.Equal(t, want, normalizeEvent(in), in)
	}
}

func TestByteOrderMark(t *testing.T) {
	doc, err := Parse("b.scxml", []byte("\xef\xbb\xbf"+wrap(`<state id="a"/>`)), nil)
	require.NoError(t, err)
	assert.Equal(t, Pos{File: "b.scxml", Line: 1, Col: 1}, doc.Root.Pos)
	assert.Equal(t, Pos{File: "b.scxml", Line: 2, Col: 1}, doc.ByID["a"].Pos)
}

func TestDeepNesting(t *testing.T) {
	src := wrap(strings.Repeat("<state>", 600) + strings.Repeat("</state>", 600))
	_, err := Parse("d.scxml", []byte(src), nil)
	require.Error(t, err)
	assert.Equal(t, "d.scxml:2:3578: elements nested too deeply", err.Error())
}

func TestLoadReadFile(t *testing.T) {
	_, err := Load(filepath.Join("testdata", "missing.scxml"), nil)
	require.Error(t, err)
	var list ErrorList
	assert.False(t, errors.As(err, &list))
	assert.ErrorIs(t, err, fs.ErrNotExist)

	opts := &Options{ReadFile: files(map[string]string{
		filepath.FromSlash("/docs/main.scxml"): wrap(`<datamodel><data id="d" src="file:sub/d.txt"/><data id="x" src="x.xml"/></datamodel><state id="a"/>`),
		filepath.FromSlash("/docs/sub/d.txt"):  "hello",
		filepath.FromSlash("/docs/x.xml"):      "\n<books><book title=\"t\"/></books>\n",
	})}
	doc, err := Load(filepath.FromSlash("/docs/main.scxml"), opts)
	require.NoError(t, err)
	assert.Equal(t, "hello", doc.Root.Data[0].Content.Text)
	assert.False(t, doc.Root.Data[0].Content.XML)
	assert.True(t, doc.Root.Data[1].Content.XML)
}
