package scxml

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// scxmlWith returns a document whose <scxml> start tag carries attrs.
func scxmlWith(attrs, body string) string {
	return `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0"` + attrs + ">\n" + body + "\n</scxml>\n"
}

func TestDialectRecognition(t *testing.T) {
	tests := []struct {
		name  string
		attrs string
		force Dialect
		want  Dialect
	}{
		{"plain W3C", ``, AutoDialect, W3C},
		{"W3C with a datamodel", ` datamodel="ecmascript" binding="late"`, AutoDialect, W3C},
		{"other namespace", ` xmlns:x="http://example.com/genesyslab.com/"`, AutoDialect, W3C},
		{"Genesys module namespace", ` xmlns:queue="http://www.genesyslab.com/modules/queue"`, AutoDialect, ORS},
		{"any Genesys namespace", ` xmlns:g="http://www.genesyslab.com/"`, AutoDialect, ORS},
		{"profile", ` profile="ecmascript"`, AutoDialect, ORS},
		{"underscore attribute", ` _persist="false"`, AutoDialect, ORS},
		{"forced ORS", ``, ORS, ORS},
		{"forced W3C", ``, W3C, W3C},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc, err := Parse("d.scxml", []byte(scxmlWith(tt.attrs, `<state id="a"/>`)), &Options{Dialect: tt.force})
			require.NoError(t, err)
			assert.Equal(t, tt.want, doc.Dialect)
		})
	}
}

func TestDialectString(t *testing.T) {
	assert.Equal(t, "auto", AutoDialect.String())
	assert.Equal(t, "w3c", W3C.String())
	assert.Equal(t, "ors", ORS.String())
}

func TestSendAttributesByDialect(t *testing.T) {
	body := `<state id="a"><onentry><send event="'app.start'" target="'#_internal'" type="'scxml'" delay="'1s'" id="s"/></onentry></state>`
	p := func(l, c int) Pos { return Pos{File: "s.scxml", Line: l, Col: c} }

	w3c, err := Parse("s.scxml", []byte(scxmlWith(``, body)), nil)
	require.NoError(t, err)
	assert.Equal(t, &Send{Pos: p(2, 24), Event: "'app.start'", Target: "'#_internal'", Type: "'scxml'", Delay: "'1s'", ID: "s"},
		w3c.ByID["a"].OnEntry[0][0])
	assert.Empty(t, w3c.Exprs)

	ors, err := Parse("s.scxml", []byte(scxmlWith(` profile="ecmascript"`, body)), nil)
	require.NoError(t, err)
	require.Len(t, ors.Exprs, 4)
	assert.Equal(t, &Send{
		Pos:        p(2, 24),
		EventExpr:  &Expr{Kind: ValueExpr, Src: "'app.start'", Pos: p(2, 37), Index: 0},
		TargetExpr: &Expr{Kind: ValueExpr, Src: "'#_internal'", Pos: p(2, 58), Index: 1},
		TypeExpr:   &Expr{Kind: ValueExpr, Src: "'scxml'", Pos: p(2, 78), Index: 2},
		DelayExpr:  &Expr{Kind: ValueExpr, Src: "'1s'", Pos: p(2, 94), Index: 3},
		ID:         "s",
	}, ors.ByID["a"].OnEntry[0][0])

	_, err = Parse("s.scxml", []byte(scxmlWith(` profile="ecmascript"`,
		`<state id="a"><onentry><send event="'e'" eventexpr="'f'"/></onentry></state>`)), nil)
	assert.EqualError(t, err, `s.scxml:2:42: <send> must not have both "event" and "eventexpr"`)
}

func TestORSAttributes(t *testing.T) {
	body := `<state id="a" _type="block"><onentry><log expr="1" level="2" _x="y"/></onentry>
<transition event="e" target="a" _prio="1"/></state>`
	tests := []struct {
		name  string
		attrs string
		force Dialect
		want  string
	}{
		{"ORS accepts _ attributes", ` profile="ecmascript" _persist="false"`, AutoDialect, ``},
		{"W3C rejects them", ``, AutoDialect, `u.scxml:2:15: unknown attribute "_type" on <state>` + "\n" +
			`u.scxml:2:62: unknown attribute "_x" on <log>` + "\n" +
			`u.scxml:3:34: unknown attribute "_prio" on <transition>`},
		{"forced W3C rejects profile", ` profile="ecmascript"`, W3C, `u.scxml:1:62: unknown attribute "profile" on <scxml>` + "\n" +
			`u.scxml:2:15: unknown attribute "_type" on <state>` + "\n" +
			`u.scxml:2:62: unknown attribute "_x" on <log>` + "\n" +
			`u.scxml:3:34: unknown attribute "_prio" on <transition>`},
		{"ORS profile value", ` profile="xpath" _persist="true"`, AutoDialect, `u.scxml:1:71: unsupported profile "xpath" (want "ecmascript")`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("u.scxml", []byte(scxmlWith(tt.attrs, body)), &Options{Dialect: tt.force})
			if tt.want == "" {
				require.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

func TestORSDocumentParts(t *testing.T) {
	src := scxmlWith(` xmlns:ixn="http://www.genesyslab.com/modules/interaction" xmlns:x="urn:x"`,
		`<script>var a = 1;</script>
<script>var b = 2;</script>
<state id="a">
  <ixn:config key="v"/>
  <x:other/>
  <invoke><content><scxml version="1.0"><state id="in"><onentry><send event="'x'"/></onentry></state></scxml></content></invoke>
</state>`)
	doc, err := Parse("o.scxml", []byte(src), nil)
	require.NoError(t, err)
	assert.Equal(t, ORS, doc.Dialect)
	require.Len(t, doc.Scripts, 2)
	assert.Same(t, doc.Script, doc.Scripts[0])
	assert.Equal(t, "var b = 2;", doc.Scripts[1].Body.Src)
	a := doc.ByID["a"]
	require.Len(t, a.Extensions, 1)
	assert.Equal(t, "config", a.Extensions[0].Tag)
	inner := a.Invokes[0].Content.Doc
	require.NotNil(t, inner)
	assert.Equal(t, ORS, inner.Dialect, "inline documents of ORS documents are ORS")
	assert.Equal(t, "'x'", inner.ByID["in"].OnEntry[0][0].(*Send).EventExpr.Src)

	_, err = Parse("w.scxml", []byte(wrap(`<script>var a = 1;</script><script/><state id="a"/>`)), nil)
	assert.EqualError(t, err, `w.scxml:2:28: <scxml> must not have more than one <script>`)
	doc, err = Parse("w.scxml", []byte(wrap(`<state id="a" xmlns:g="http://www.genesyslab.com/x"><g:ext/></state>`)), nil)
	require.NoError(t, err)
	assert.Equal(t, W3C, doc.Dialect)
	assert.Nil(t, doc.ByID["a"].Extensions)
}
