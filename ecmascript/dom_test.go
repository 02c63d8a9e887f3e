package ecmascript

import (
	"testing"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const booksXML = `<?xml version="1.0"?>
<!-- books -->
<books xmlns="" xmlns:x="urn:x">
  <book title="title1" x:id="b1">First<![CDATA[ part]]></book>
  <book title="title2"><author>A</author><?pi data?><!--c--></book>
  <x:extra/>
</books>`

func TestDOM(t *testing.T) {
	m := newBuilder().model(t)
	require.NoError(t, m.Declare("doc", &interp.XMLNode{Text: booksXML}))
	tests := []string{
		"doc.nodeType === 9",
		"doc.nodeName === '#document'",
		"doc.textContent === null",
		"doc.documentElement.nodeName === 'books'",
		"doc.documentElement.tagName === 'books'",
		"doc.documentElement.parentNode === doc",
		"doc.documentElement === doc.documentElement",
		"doc.childNodes.length === 2 && doc.firstChild.nodeType === 8",
		"doc.getElementsByTagName('book').length === 2",
		"doc.getElementsByTagName('book')[0].getAttribute('title') === 'title1'",
		"doc.getElementsByTagName('book')[1].getAttribute('title') === 'title2'",
		"doc.getElementsByTagName('book')[1].getAttribute('nosuch') === null",
		"doc.getElementsByTagName('book')[0].hasAttribute('title')",
		"doc.getElementsByTagName('book')[0].getAttribute('x:id') === 'b1'",
		"doc.getElementsByTagName('book')[0].getAttributeNode('title').value === 'title1'",
		"doc.getElementsByTagName('book')[0].attributes.length === 2",
		"doc.getElementsByTagName('book')[0].attributes[0].name === 'title'",
		"doc.getElementsByTagName('book')[0].textContent === 'First part'",
		"doc.getElementsByTagName('book')[0].firstChild.nodeValue === 'First'",
		"doc.getElementsByTagName('book')[0].firstChild.nodeType === 3",
		"doc.getElementsByTagName('book')[0].lastChild.nodeType === 3",
		"doc.getElementsByTagName('book')[0].nextSibling.nodeType === 3",
		"doc.getElementsByTagName('author')[0].firstChild.data === 'A'",
		"doc.getElementsByTagName('author')[0].parentNode.getAttribute('title') === 'title2'",
		"doc.getElementsByTagName('author')[0].ownerDocument === doc",
		"doc.getElementsByTagName('author')[0].nextSibling.nodeType === 7",
		"doc.getElementsByTagName('author')[0].nextSibling.nextSibling.nodeValue === 'c'",
		"doc.getElementsByTagName('author')[0].previousSibling === null",
		"doc.getElementsByTagName('*').length === 5",
		"doc.getElementsByTagName('x:extra')[0].localName === 'extra'",
		"doc.getElementsByTagName('x:extra')[0].prefix === 'x'",
		"doc.getElementsByTagName('x:extra')[0].namespaceURI === 'urn:x'",
		"doc.documentElement.children.length === 3",
		"doc.documentElement.firstElementChild.nodeName === 'book'",
		"doc.documentElement.childNodes === doc.documentElement.childNodes",
		"doc.documentElement.hasChildNodes()",
		"doc.documentElement.getElementsByTagName('author').length === 1",
		"typeof doc === 'object' && JSON.stringify(doc) === '{}'",
		"doc.getAttribute === undefined",
	}
	for _, c := range tests {
		assert.True(t, cond(t, m, c), c)
	}
	// The DOM is read-only.
	assert.Error(t, m.Exec(scriptOf("'use strict'; doc.nodeName = 'x'")))
	_, err := m.Eval(&scxml.Expr{Src: "doc.documentElement.getAttribute.call({}, 'x')", Index: -1})
	assert.ErrorContains(t, err, "TypeError")
}

func TestDOMRoundTrip(t *testing.T) {
	b := newBuilder()
	loc := b.loc("Var2")
	m := b.model(t)
	require.NoError(t, m.Declare("Var1", &interp.XMLNode{Text: booksXML}))
	exec(t, m, "var Var2")

	doc := eval(t, m, "Var1")
	require.IsType(t, &interp.XMLNode{}, doc)
	assert.Equal(t, booksXML, doc.(*interp.XMLNode).Text)
	require.NoError(t, m.SetLocation(loc, doc))
	assert.True(t, cond(t, m, "Var2.nodeType === 9 && Var2.getElementsByTagName('book').length === 2"))

	el := eval(t, m, "Var1.getElementsByTagName('book')[1]")
	require.IsType(t, &interp.XMLNode{}, el)
	require.NoError(t, m.SetLocation(loc, el))
	assert.True(t, cond(t, m, "Var2.documentElement.getAttribute('title') === 'title2'"))
	assert.True(t, cond(t, m, "Var2.getElementsByTagName('author')[0].textContent === 'A'"))

	assert.Equal(t, "A", eval(t, m, "Var1.getElementsByTagName('author')[0].firstChild"))
	assert.Equal(t, []any{&interp.XMLNode{Text: "<x:extra/>"}}, eval(t, m, "Var1.getElementsByTagName('x:extra')"))
}
