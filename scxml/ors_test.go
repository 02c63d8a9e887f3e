package scxml

import (
	"bytes"
	"io/fs"
	"strings"
	"testing"
	"testing/fstest"
	"unicode/utf16"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGenesysNamespaceSpellings(t *testing.T) {
	tests := []struct {
		uri, want string
		genesys   bool
	}{
		{"www.genesyslab.com/modules/queue", "http://www.genesyslab.com/modules/queue", true},
		{"http://www.genesyslab.com/modules/queue", "http://www.genesyslab.com/modules/queue", true},
		{"https://www.genesyslab.com/modules/dialog/", "http://www.genesyslab.com/modules/dialog", true},
		{"www.genesyslab.com/modules/statistic", "http://www.genesyslab.com/modules/statistic", true},
		{"http://www.genesyslab.com/", "http://www.genesyslab.com/", true},
		{"http://example.com/www.genesyslab.com/", "http://example.com/www.genesyslab.com/", false},
		{NS, NS, false},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, CanonicalNS(tt.uri), tt.uri)
		assert.Equal(t, tt.genesys, IsGenesysNS(tt.uri), tt.uri)
	}

	// The guide's spelling makes a document ORS, and its elements come out
	// in the canonical namespace.
	r := NewRegistry()
	r.Register("http://www.genesyslab.com/modules/dialog", "playsound", func(c *ActionContext, el *etree.Element) (any, error) {
		return el.NamespaceURI(), nil
	})
	doc, err := Parse("g.scxml", []byte(`<scxml version="1.0" xmlns="http://www.w3.org/2005/07/scxml" xmlns:dialog="www.genesyslab.com/modules/dialog" initial="a">
  <state id="a"><onentry><dialog:playsound resource="'music'"/></onentry></state>
</scxml>`), &Options{Registry: r})
	require.NoError(t, err)
	assert.Equal(t, ORS, doc.Dialect)
	assert.Equal(t, "http://www.genesyslab.com/modules/dialog", doc.ByID["a"].OnEntry[0][0].(*Custom).Action)
}

func TestUnimplementedGenesysActionsAreErrors(t *testing.T) {
	r := NewRegistry()
	r.Register("http://www.genesyslab.com/modules/queue", "submit", func(*ActionContext, *etree.Element) (any, error) { return nil, nil })
	src := `<scxml version="1.0" xmlns="http://www.w3.org/2005/07/scxml" xmlns:queue="http://www.genesyslab.com/modules/queue"
  xmlns:classification="www.genesyslab.com/modules/classification" xmlns:x="urn:other" initial="a">
  <state id="a"><onentry>
    <queue:submit/>
    <queue:frobnicate/>
    <classification:classify/>
    <x:anything/>
  </onentry></state>
</scxml>`
	_, err := Parse("u.scxml", []byte(src), &Options{Registry: r})
	require.Error(t, err)
	assert.Equal(t, "u.scxml:5:5: unsupported action <queue:frobnicate>: Orca does not implement it (namespace http://www.genesyslab.com/modules/queue)\n"+
		"u.scxml:6:5: unsupported action <classification:classify>: Orca does not implement namespace http://www.genesyslab.com/modules/classification", err.Error())

	// Without any registry every Genesys action is reported.
	_, err = Parse("u.scxml", []byte(src), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "u.scxml:4:5: unsupported action <queue:submit>")
}

// utf16Bytes encodes s as UTF-16, with a byte order mark when bom is set.
func utf16Bytes(s string, bigEndian, bom bool) []byte {
	var b bytes.Buffer
	units := utf16.Encode([]rune(s))
	if bom {
		units = append([]uint16{0xFEFF}, units...)
	}
	for _, u := range units {
		if bigEndian {
			b.WriteByte(byte(u >> 8))
			b.WriteByte(byte(u))
		} else {
			b.WriteByte(byte(u))
			b.WriteByte(byte(u >> 8))
		}
	}
	return b.Bytes()
}

func TestEncodings(t *testing.T) {
	doc := func(enc, text string) string {
		return `<?xml version="1.0" encoding="` + enc + `"?>
<scxml version="1.0" xmlns="http://www.w3.org/2005/07/scxml" initial="a">
  <state id="a"><onentry><log label="` + text + `" expr="1"/></onentry></state>
</scxml>`
	}
	tests := []struct {
		name string
		src  []byte
	}{
		{"UTF-16 LE with BOM", utf16Bytes(doc("UTF-16", "Crème €"), false, true)},
		{"UTF-16 BE with BOM", utf16Bytes(doc("UTF-16", "Crème €"), true, true)},
		{"UTF-16 LE without BOM", utf16Bytes(doc("UTF-16", "Crème €"), false, false)},
		{"ISO-8859-1", append(append([]byte(strings.Split(doc("ISO-8859-1", "X"), "X")[0]), "Cr\xe8me \xa4"...), strings.Split(doc("ISO-8859-1", "X"), "X")[1]...)},
		{"Windows-1252", append(append([]byte(strings.Split(doc("windows-1252", "X"), "X")[0]), "Cr\xe8me \x80"...), strings.Split(doc("windows-1252", "X"), "X")[1]...)},
		{"UTF-8 with BOM", append([]byte("\xef\xbb\xbf"), doc("utf-8", "Crème €")...)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Parse("e.scxml", tt.src, nil)
			require.NoError(t, err)
			label := d.ByID["a"].OnEntry[0][0].(*Log).Label
			want := "Crème €"
			if tt.name == "ISO-8859-1" {
				want = "Crème ¤"
			}
			assert.Equal(t, want, label)
			assert.Equal(t, Pos{File: "e.scxml", Line: 3, Col: 3}, d.ByID["a"].Pos, "positions count characters")
		})
	}

	// Errors in a UTF-16 document are where the characters are.
	_, err := Parse("e.scxml", utf16Bytes(`<scxml version="1.0" xmlns="http://www.w3.org/2005/07/scxml">
  <state id="é"><transition target="nowhere"/></state>
</scxml>`, false, true), nil)
	require.Error(t, err)
	assert.Equal(t, `e.scxml:2:37: transition target "nowhere" does not exist`, err.Error())

	_, err = Parse("e.scxml", []byte(doc("EBCDIC", "x")), nil)
	require.Error(t, err)
	assert.Equal(t, `e.scxml:1:1: unsupported encoding "EBCDIC" (want UTF-8, UTF-16, ISO-8859-1 or Windows-1252)`, err.Error())
	_, err = Parse("e.scxml", []byte(doc("UTF-16", "x")), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no UTF-16 byte order mark")
}

func TestIncludedScriptsInWindows1252(t *testing.T) {
	m := fstest.MapFS{
		"p/main.scxml": {Data: []byte(`<scxml version="1.0" xmlns="http://www.w3.org/2005/07/scxml" xmlns:xi="http://www.w3.org/2001/XInclude"
  xmlns:ixn="http://www.genesyslab.com/modules/interaction" initial="a">
  <script><xi:include href="lib.js" parse="text"/></script>
  <script><xi:include href="latin.js" parse="text" encoding="ISO-8859-1"/></script>
  <state id="a"/>
</scxml>`)},
		"p/lib.js":   {Data: []byte("var s = '\x80uro';")},
		"p/latin.js": {Data: []byte("var t = '\xa4';")},
	}
	doc, err := Load("p/main.scxml", &Options{ReadFile: m.ReadFile})
	require.NoError(t, err)
	assert.Equal(t, "var s = '€uro';\n", doc.Scripts[0].Body.Src, "text that is not UTF-8 is read as Windows-1252")
	assert.Equal(t, "var t = '¤';\n", doc.Scripts[1].Body.Src)
}

func TestIncludeFoundUnderAnotherLetterCase(t *testing.T) {
	m := fstest.MapFS{
		"proj/src-gen/IPD.scxml": {Data: []byte(`<scxml version="1.0" xmlns="http://www.w3.org/2005/07/scxml" xmlns:xi="http://www.w3.org/2001/XInclude"
  profile="ecmascript" initial="W">
  <script><xi:include href="../Include/Common.JS" parse="text"/></script>
  <state id="W" initial="W._composer_entry">
    <xi:include href="main3.scxml" xpointer="_composer_entry" resolveid="W"/>
  </state>
</scxml>`)},
		"proj/src-gen/Main3.scxml": {Data: []byte(`<scxml version="1.0" xmlns="http://www.w3.org/2005/07/scxml" initial="_composer_noboot">
  <final id="_composer_noboot"/>
  <state id="_composer_entry"><final id="end"/></state>
</scxml>`)},
		"proj/include/common.js": {Data: []byte("var c = 1;")},
	}
	opts := &Options{ReadFile: m.ReadFile, ReadDir: func(dir string) ([]fs.DirEntry, error) { return m.ReadDir(dir) }}
	doc, err := Load("proj/src-gen/IPD.scxml", opts)
	require.NoError(t, err)
	assert.Equal(t, "var c = 1;\n", doc.Script.Body.Src)
	assert.Contains(t, doc.ByID, "W.end")
	require.Len(t, doc.Warnings, 2)
	assert.Equal(t, "proj/src-gen/IPD.scxml:3:29: xi:include: proj/Include/Common.JS does not exist; using proj/include/common.js, whose name differs only in letter case", doc.Warnings[0].Error())
	assert.Equal(t, "proj/src-gen/IPD.scxml:5:23: xi:include: proj/src-gen/main3.scxml does not exist; using proj/src-gen/Main3.scxml, whose name differs only in letter case", doc.Warnings[1].Error())

	// Without ReadDir a custom ReadFile finds only the exact name.
	_, err = Load("proj/src-gen/IPD.scxml", &Options{ReadFile: m.ReadFile})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "main3.scxml")
}

func TestRaiseParams(t *testing.T) {
	body := `<state id="a"><onentry><raise event="go"><param name="n" expr="1"/><param name="loc" location="x"/></raise></onentry></state>`
	doc, err := Parse("r.scxml", []byte(scxmlWith(` profile="ecmascript"`, body)), nil)
	require.NoError(t, err)
	r := doc.ByID["a"].OnEntry[0][0].(*Raise)
	require.Len(t, r.Params, 2)
	assert.Equal(t, "n", r.Params[0].Name)
	assert.Equal(t, "x", r.Params[1].Location.Src)

	_, err = Parse("r.scxml", []byte(scxmlWith(``, body)), nil)
	require.Error(t, err, "W3C documents keep <raise> empty")
	assert.Contains(t, err.Error(), "<param> is not allowed in <raise>")
}

func TestORSSendAndCancelAttributes(t *testing.T) {
	body := `<state id="a"><onentry>
  <send event="'e'" target="_sessionid" targettype="'scxml'" delay="'2s'" idlocation="sid"/>
  <cancel sendid="req['id']"/>
  <cancel id="literal"/>
</onentry></state>`
	doc, err := Parse("c.scxml", []byte(scxmlWith(` profile="ecmascript"`, body)), nil)
	require.NoError(t, err)
	blk := doc.ByID["a"].OnEntry[0]
	assert.Equal(t, "'scxml'", blk[0].(*Send).TypeExpr.Src, "targettype is the draft's type")
	assert.Equal(t, "req['id']", blk[1].(*Cancel).SendIDExpr.Src, "sendid holds an expression in ORS")
	assert.Equal(t, "literal", blk[2].(*Cancel).SendID)

	_, err = Parse("c.scxml", []byte(scxmlWith(``, `<state id="a"><onentry><cancel id="x"/></onentry></state>`)), nil)
	require.Error(t, err)
	assert.Contains(t, err.Error(), `unknown attribute "id" on <cancel>`)
	w3c, err := Parse("c.scxml", []byte(scxmlWith(``, `<state id="a"><onentry><cancel sendid="req['id']"/></onentry></state>`)), nil)
	require.NoError(t, err)
	assert.Equal(t, "req['id']", w3c.ByID["a"].OnEntry[0][0].(*Cancel).SendID, "W3C sendid is a literal")
}

func TestWarnAttrs(t *testing.T) {
	r := NewRegistry()
	r.Register("http://www.genesyslab.com/modules/queue", "submit", func(c *ActionContext, el *etree.Element) (any, error) {
		return nil, c.WarnAttrs(el, "queue")
	})
	doc, err := Parse("w.scxml", []byte(`<scxml version="1.0" xmlns="http://www.w3.org/2005/07/scxml" xmlns:queue="http://www.genesyslab.com/modules/queue" initial="a">
  <state id="a"><onentry><queue:submit queue="'VQ'" futureattr="1" _orsonly="x"/></onentry></state>
</scxml>`), &Options{Registry: r})
	require.NoError(t, err)
	require.Len(t, doc.Warnings, 1)
	assert.Equal(t, `w.scxml:2:53: unknown attribute "futureattr" on <queue:submit> is ignored`, doc.Warnings[0].Error())
}

func TestRootInitialInORS(t *testing.T) {
	src := func(ns string) string {
		return `<scxml version="1.0" xmlns="http://www.w3.org/2005/07/scxml"` + ns + `>
  <initial><transition target="b"><log expr="'go'"/></transition></initial>
  <state id="a"/><state id="b"/>
</scxml>`
	}
	doc, err := Parse("i.scxml", []byte(src(` xmlns:queue="www.genesyslab.com/modules/queue"`)), nil)
	require.NoError(t, err)
	require.Len(t, doc.Root.Initial.Targets, 1)
	assert.Equal(t, "b", doc.Root.Initial.Targets[0].ID)
	assert.Len(t, doc.Root.Initial.Body, 1)
	_, err = Parse("i.scxml", []byte(src("")), nil)
	assert.EqualError(t, err, "i.scxml:2:3: <initial> is not allowed in <scxml>")
}
