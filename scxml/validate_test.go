package scxml

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// wrap puts body inside an <scxml> start tag on line 1, so that body
// starts on line 2.
func wrap(body string) string {
	return `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0">` + "\n" + body + "\n</scxml>\n"
}

// files is a ReadFile that serves the given files and fails for others.
func files(m map[string]string) func(string) ([]byte, error) {
	return func(path string) ([]byte, error) {
		if s, ok := m[path]; ok {
			return []byte(s), nil
		}
		return nil, fmt.Errorf("open %s: no such file", path)
	}
}

func testRegistry() *Registry {
	r := NewRegistry()
	r.Register("urn:acts", "ok", func(_ *ActionContext, el *etree.Element) (any, error) {
		return el.SelectAttrValue("v", ""), nil
	})
	r.Register("urn:acts", "bad", func(*ActionContext, *etree.Element) (any, error) {
		return nil, errors.New("bad arguments")
	})
	return r
}

func TestValidationErrors(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want string
	}{
		{"malformed XML", wrap(`<state id="a">`),
			`t.scxml:3:9: malformed XML: element <state> closed by </scxml>`},
		{"unclosed tag", "<scxml xmlns=\"http://www.w3.org/2005/07/scxml\" version=\"1.0\">\n  <state id=\"a\"\n",
			`t.scxml:3:1: malformed XML: unexpected EOF`},
		{"second root", wrap(`<state id="a"/>`) + "<x/>",
			`t.scxml:4:1: unexpected element <x> after the root element`},
		{"text after root", wrap(`<state id="a"/>`) + "junk",
			`t.scxml:4:1: text outside the root element`},
		{"empty input", "",
			`t.scxml:1:1: no root element`},
		{"root not scxml", "<?xml version=\"1.0\"?>\n<state xmlns=\"http://www.w3.org/2005/07/scxml\"/>",
			`t.scxml:2:1: root element must be <scxml> in namespace http://www.w3.org/2005/07/scxml, found <state> in namespace "http://www.w3.org/2005/07/scxml"`},
		{"root namespace", `<scxml version="1.0"><state id="a"/></scxml>`,
			`t.scxml:1:1: root element must be <scxml> in namespace http://www.w3.org/2005/07/scxml, found <scxml> in namespace ""`},
		{"unknown element", wrap(`<state id="a"><foo/></state>`),
			`t.scxml:2:15: unknown element <foo> in <state>`},
		{"element in wrong place", wrap(`<state id="a"><raise event="e"/></state>`),
			`t.scxml:2:15: <raise> is not allowed in <state>`},
		{"final in parallel", wrap(`<parallel id="p"><final id="f"/></parallel>`),
			`t.scxml:2:18: <final> is not allowed in <parallel>`},
		{"element in empty element", wrap(`<state id="a"><onentry><log expr="1"><raise event="e"/></log></onentry></state>`),
			`t.scxml:2:38: <raise> is not allowed in <log>`},
		{"text in empty element", wrap(`<state id="a"><onentry><raise event="e">x</raise></onentry></state>`),
			`t.scxml:2:41: unexpected text in <raise>`},
		{"elseif outside if", wrap(`<state id="a"><onentry><elseif cond="x"/></onentry></state>`),
			`t.scxml:2:24: <elseif> is not allowed in <onentry>`},
		{"unknown attribute", wrap(`<state id="a" foo="1"/>`),
			`t.scxml:2:15: unknown attribute "foo" on <state>`},
		{"initial attribute on parallel", wrap(`<parallel id="p" initial="a"><state id="a"/></parallel>`),
			`t.scxml:2:18: unknown attribute "initial" on <parallel>`},
		{"duplicate attribute", wrap(`<state id="a"><transition target="a" target="a"/></state>`),
			`t.scxml:2:38: duplicate attribute "target" on <transition>`},
		{"text in state", wrap(`<state id="a">hello</state>`),
			`t.scxml:2:15: unexpected text in <state>`},
		{"raise without event", wrap(`<state id="a"><onentry><raise/></onentry></state>`),
			`t.scxml:2:24: missing required attribute "event" on <raise>`},
		{"param without name", wrap(`<state id="a"><onentry><send event="e"><param expr="1"/></send></onentry></state>`),
			`t.scxml:2:40: missing required attribute "name" on <param>`},
		{"param without expr or location", wrap(`<state id="a"><onentry><send event="e"><param name="p"/></send></onentry></state>`),
			`t.scxml:2:40: <param> must have "expr" or "location"`},
		{"param with expr and location", wrap(`<state id="a"><onentry><send event="e"><param name="p" expr="1" location="x"/></send></onentry></state>`),
			`t.scxml:2:65: <param> must not have both "expr" and "location"`},
		{"data without id", wrap(`<datamodel><data expr="1"/></datamodel><state id="a"/>`),
			`t.scxml:2:12: missing required attribute "id" on <data>`},
		{"assign without location", wrap(`<state id="a"><onentry><assign expr="1"/></onentry></state>`),
			`t.scxml:2:24: missing required attribute "location" on <assign>`},
		{"assign without value", wrap(`<state id="a"><onentry><assign location="x"/></onentry></state>`),
			`t.scxml:2:24: <assign> must have "expr" or children`},
		{"assign expr and children", wrap(`<state id="a"><onentry><assign location="x" expr="1">2</assign></onentry></state>`),
			`t.scxml:2:24: <assign> must not have both "expr" and children`},
		{"if without cond", wrap(`<state id="a"><onentry><if><log expr="1"/></if></onentry></state>`),
			`t.scxml:2:24: missing required attribute "cond" on <if>`},
		{"elseif after else", wrap(`<state id="a"><onentry><if cond="x"><else/><elseif cond="y"/></if></onentry></state>`),
			`t.scxml:2:44: <elseif> must not follow <else>`},
		{"foreach without item", wrap(`<state id="a"><onentry><foreach array="a"/></onentry></state>`),
			`t.scxml:2:24: missing required attribute "item" on <foreach>`},
		{"duplicate state id", wrap(`<state id="a"/>` + "\n" + `<final id="a"/>`),
			`t.scxml:3:12: duplicate state id "a" (first defined at t.scxml:2:12)`},
		{"invalid state id", wrap(`<state id="1a"/>`),
			`t.scxml:2:12: invalid id "1a"`},
		{"duplicate data id", wrap(`<datamodel><data id="x" expr="1"/></datamodel><state id="a"><datamodel><data id="x"/></datamodel></state>`),
			`t.scxml:2:82: duplicate data id "x" (first defined at t.scxml:2:22)`},
		{"unknown target", wrap(`<state id="a"><transition target="a  nope"/></state>`),
			`t.scxml:2:38: transition target "nope" does not exist`},
		{"unknown initial", wrap(`<state id="a" initial="b"><state id="c"/></state>`),
			`t.scxml:2:24: initial state "b" does not exist`},
		{"initial attribute not a descendant", wrap(`<state id="a" initial="b"><state id="c"/></state><state id="b"/>`),
			`t.scxml:2:24: initial state "b" is not a descendant of <state id="a">`},
		{"initial element not a descendant", wrap(`<state id="a"><initial><transition target="a"/></initial><state id="c"/></state>`),
			`t.scxml:2:44: initial state "a" is not a descendant of <state id="a">`},
		{"initial attribute and element", wrap(`<state id="a" initial="c"><initial><transition target="c"/></initial><state id="c"/></state>`),
			`t.scxml:2:27: <state> must not have both an "initial" attribute and an <initial> element`},
		{"initial attribute on atomic state", wrap(`<state id="a" initial="a"/>`),
			`t.scxml:2:15: <state> has an "initial" attribute but no child states`},
		{"initial element without transition", wrap(`<state id="a"><initial/><state id="c"/></state>`),
			`t.scxml:2:15: <initial> must have exactly one <transition>`},
		{"initial transition with event", wrap(`<state id="a"><initial><transition event="e" target="c"/></initial><state id="c"/></state>`),
			`t.scxml:2:36: the <transition> of <initial> must not have "event"`},
		{"initial transition without target", wrap(`<state id="a"><initial><transition/></initial><state id="c"/></state>`),
			`t.scxml:2:24: the <transition> of <initial> must have a target`},
		{"initial root not found", `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" initial="x"><state id="a"/></scxml>`,
			`t.scxml:1:71: initial state "x" does not exist`},
		{"no states", wrap(`<datamodel/>`),
			`t.scxml:1:1: <scxml> must have at least one <state>, <parallel> or <final>`},
		{"send event and eventexpr", wrap(`<state id="a"><onentry><send event="e" eventexpr="'e'"/></onentry></state>`),
			`t.scxml:2:40: <send> must not have both "event" and "eventexpr"`},
		{"send target and targetexpr", wrap(`<state id="a"><onentry><send event="e" target="t" targetexpr="t"/></onentry></state>`),
			`t.scxml:2:51: <send> must not have both "target" and "targetexpr"`},
		{"send type and typeexpr", wrap(`<state id="a"><onentry><send event="e" type="t" typeexpr="t"/></onentry></state>`),
			`t.scxml:2:49: <send> must not have both "type" and "typeexpr"`},
		{"send id and idlocation", wrap(`<state id="a"><onentry><send event="e" id="i" idlocation="x"/></onentry></state>`),
			`t.scxml:2:47: <send> must not have both "id" and "idlocation"`},
		{"send delay and delayexpr", wrap(`<state id="a"><onentry><send event="e" delay="1s" delayexpr="'1s'"/></onentry></state>`),
			`t.scxml:2:51: <send> must not have both "delay" and "delayexpr"`},
		{"send namelist and content", wrap(`<state id="a"><onentry><send namelist="x"><content>1</content></send></onentry></state>`),
			`t.scxml:2:30: <send> must not have both "namelist" and <content>`},
		{"send param and content", wrap(`<state id="a"><onentry><send><param name="p" expr="1"/><content>1</content></send></onentry></state>`),
			`t.scxml:2:30: <send> must not have both <param> and <content>`},
		{"two contents", wrap(`<state id="a"><onentry><send><content>1</content><content>2</content></send></onentry></state>`),
			`t.scxml:2:50: <send> must not have more than one <content>`},
		{"content expr and children", wrap(`<state id="a"><onentry><send><content expr="1">2</content></send></onentry></state>`),
			`t.scxml:2:30: <content> must not have both "expr" and children`},
		{"cancel sendid and sendidexpr", wrap(`<state id="a"><onentry><cancel sendid="s" sendidexpr="x"/></onentry></state>`),
			`t.scxml:2:43: <cancel> must not have both "sendid" and "sendidexpr"`},
		{"cancel without sendid", wrap(`<state id="a"><onentry><cancel/></onentry></state>`),
			`t.scxml:2:24: <cancel> must have "sendid" or "sendidexpr"`},
		{"invoke src and srcexpr", wrap(`<state id="a"><invoke src="x" srcexpr="y"/></state>`),
			`t.scxml:2:31: <invoke> must not have both "src" and "srcexpr"`},
		{"invoke type and typeexpr", wrap(`<state id="a"><invoke type="scxml" typeexpr="y" src="x"/></state>`),
			`t.scxml:2:36: <invoke> must not have both "type" and "typeexpr"`},
		{"invoke id and idlocation", wrap(`<state id="a"><invoke id="i" idlocation="y" src="x"/></state>`),
			`t.scxml:2:30: <invoke> must not have both "id" and "idlocation"`},
		{"invoke src and content", wrap(`<state id="a"><invoke src="x"><content>1</content></invoke></state>`),
			`t.scxml:2:23: <invoke> must not have both "src" and <content>`},
		{"invoke namelist and param", wrap(`<state id="a"><invoke src="x" namelist="v"><param name="p" expr="1"/></invoke></state>`),
			`t.scxml:2:31: <invoke> must not have both "namelist" and <param>`},
		{"invoke autoforward", wrap(`<state id="a"><invoke src="x" autoforward="yes"/></state>`),
			`t.scxml:2:44: invalid autoforward "yes" on <invoke> (want "false" or "true")`},
		{"raise in finalize", wrap(`<state id="a"><invoke src="x"><finalize><raise event="e"/></finalize></invoke></state>`),
			`t.scxml:2:41: <raise> is not allowed in <finalize>`},
		{"donedata param and content", wrap(`<final id="f"><donedata><content>1</content><param name="p" expr="1"/></donedata></final>`),
			`t.scxml:2:25: <donedata> must not have both <content> and <param>`},
		{"data expr and children", wrap(`<datamodel><data id="x" expr="1">2</data></datamodel><state id="a"/>`),
			`t.scxml:2:12: <data> must not have both "expr" and children`},
		{"data src and expr", wrap(`<datamodel><data id="x" src="d.json" expr="1"/></datamodel><state id="a"/>`),
			`t.scxml:2:38: <data> must not have both "src" and "expr"`},
		{"data src unreadable", wrap(`<datamodel><data id="x" src="file:missing.json"/></datamodel><state id="a"/>`),
			`t.scxml:2:30: cannot load data "file:missing.json": open missing.json: no such file`},
		{"script src unreadable", wrap(`<script src="D:\foo"/><state id="a"/>`),
			`t.scxml:2:14: cannot load script "D:\\foo": open D:\foo: no such file`},
		{"script src and text", wrap(`<script src="lib.js">x = 1</script><state id="a"/>`),
			`t.scxml:2:1: <script> must not have both "src" and content`},
		{"two scripts", wrap(`<script/><script/><state id="a"/>`),
			`t.scxml:2:10: <scxml> must not have more than one <script>`},
		{"two datamodels", wrap(`<state id="a"><datamodel/><datamodel/></state>`),
			`t.scxml:2:27: <state> must not have more than one <datamodel>`},
		{"history without transition", wrap(`<state id="a"><history id="h"/><state id="b"/></state>`),
			`t.scxml:2:15: <history> must have exactly one <transition>`},
		{"history with two transitions", wrap(`<state id="a"><history id="h"><transition target="b"/><transition target="b"/></history><state id="b"/></state>`),
			`t.scxml:2:55: <history> must have exactly one <transition>`},
		{"history transition with cond", wrap(`<state id="a"><history id="h"><transition cond="x" target="b"/></history><state id="b"/></state>`),
			`t.scxml:2:43: the <transition> of <history> must not have "cond"`},
		{"history transition without target", wrap(`<state id="a"><history id="h"><transition/></history><state id="b"/></state>`),
			`t.scxml:2:31: the <transition> of <history> must have a target`},
		{"shallow history target not a child", wrap(`<state id="a"><history id="h"><transition target="c"/></history><state id="b"><state id="c"/></state></state>`),
			`t.scxml:2:51: default state "c" of shallow history <history id="h"> is not a child of <state id="a">`},
		{"deep history target outside", wrap(`<state id="a"><history id="h" type="deep"><transition target="z"/></history><state id="b"/></state><state id="z"/>`),
			`t.scxml:2:63: default state "z" of deep history <history id="h"> is not a descendant of <state id="a">`},
		{"history type", wrap(`<state id="a"><history id="h" type="wide"><transition target="b"/></history><state id="b"/></state>`),
			`t.scxml:2:37: invalid type "wide" on <history> (want "shallow" or "deep")`},
		{"transition type", wrap(`<state id="a"><transition type="sideways" target="a"/></state>`),
			`t.scxml:2:33: invalid type "sideways" on <transition> (want "external" or "internal")`},
		{"binding", `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" binding="lazy"><state id="a"/></scxml>`,
			`t.scxml:1:71: invalid binding "lazy" on <scxml> (want "early" or "late")`},
		{"datamodel", `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="xpath"><state id="a"/></scxml>`,
			`t.scxml:1:73: unsupported datamodel "xpath" (want "null" or "ecmascript")`},
		{"version", `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="2.0"><state id="a"/></scxml>`,
			`t.scxml:1:57: unsupported version "2.0" (want "1.0")`},
		{"missing version", `<scxml xmlns="http://www.w3.org/2005/07/scxml"><state id="a"/></scxml>`,
			`t.scxml:1:1: missing required attribute "version" on <scxml>`},
		{"unknown custom action", wrap(`<state id="a" xmlns:x="urn:acts"><onentry><x:nope/></onentry></state>`),
			`t.scxml:2:43: unknown action <x:nope> in namespace urn:acts`},
		{"custom action parser error", wrap(`<state id="a" xmlns:x="urn:acts"><onentry><x:bad/></onentry></state>`),
			`t.scxml:2:43: <x:bad>: bad arguments`},
		{"inline document errors", wrap(`<state id="a"><invoke><content><scxml version="1.0"><state id="a"><raise event="e"/></state></scxml></content></invoke></state>`),
			`t.scxml:2:67: <raise> is not allowed in <state>`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("t.scxml", []byte(tt.src), &Options{Registry: testRegistry(), ReadFile: files(map[string]string{"d.json": "{}", "lib.js": "x = 1"})})
			require.Error(t, err)
			var list ErrorList
			require.ErrorAs(t, err, &list)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}

func TestErrorListSortedAndComplete(t *testing.T) {
	src := wrap(`<state id="a">
  <transition target="nope"/>
  <onentry><raise/></onentry>
</state>
<state id="a" bogus="1"/>`)
	_, err := Parse("t.scxml", []byte(src), nil)
	require.Error(t, err)
	var list ErrorList
	require.ErrorAs(t, err, &list)
	require.Len(t, list, 4)
	assert.Equal(t, strings.Join([]string{
		`t.scxml:3:23: transition target "nope" does not exist`,
		`t.scxml:4:12: missing required attribute "event" on <raise>`,
		`t.scxml:6:12: duplicate state id "a" (first defined at t.scxml:2:12)`,
		`t.scxml:6:15: unknown attribute "bogus" on <state>`,
	}, "\n"), err.Error())
	var e *Error
	require.ErrorAs(t, err, &e)
	assert.Equal(t, Pos{File: "t.scxml", Line: 3, Col: 23}, e.Pos)
}
