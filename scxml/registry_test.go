package scxml

import (
	"errors"
	"testing"

	"github.com/beevik/etree"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

const queueNS = "http://www.genesyslab.com/modules/queue"

// submit is what the test parser of <queue:submit> returns.
type submit struct {
	Route, Priority *Expr
	RequestID       *Expr
	Targets         []*Expr
	Done            Block
}

func queueRegistry() *Registry {
	r := NewRegistry()
	r.Register(queueNS, "submit", func(c *ActionContext, el *etree.Element) (any, error) {
		if err := c.CheckAttrs(el, "route", "priority", "timeout", "requestid"); err != nil {
			return nil, err
		}
		s := &submit{
			Route:     c.AttrExpr(el, "route", ValueExpr),
			Priority:  c.AttrExpr(el, "priority", ValueExpr),
			RequestID: c.AttrExpr(el, "requestid", LocationExpr),
		}
		if s.Route == nil {
			return nil, c.Errorf(c.Pos(el), "<queue:submit> needs \"route\"")
		}
		var errs []error
		for _, ch := range el.ChildElements() {
			switch {
			case ch.Tag == "targets":
				for _, t := range ch.ChildElements() {
					e := c.AttrExpr(t, "expr", ValueExpr)
					if e == nil {
						errs = append(errs, c.Errorf(c.Pos(t), "<queue:targetid> needs \"expr\""))
						continue
					}
					s.Targets = append(s.Targets, e)
				}
			case ch.Tag == "done":
				blk, err := c.Block(ch)
				errs = append(errs, err)
				s.Done = blk
			}
		}
		return s, errors.Join(errs...)
	})
	r.Register(queueNS, "plain", func(c *ActionContext, el *etree.Element) (any, error) {
		return c.Dialect(), errors.New("plain failure")
	})
	return r
}

func TestActionContext(t *testing.T) {
	src := `<scxml xmlns="http://www.w3.org/2005/07/scxml" xmlns:queue="` + queueNS + `" version="1.0">
<state id="a"><onentry>
  <queue:submit route="'RP'" priority="1 + 1" requestid="_data.req">
    <queue:targets><queue:targetid expr="'VQ@SW'"/><queue:targetid expr="vq2"/></queue:targets>
    <queue:done><log expr="'submitted'"/></queue:done>
  </queue:submit>
</onentry></state>
</scxml>`
	doc, err := Parse("q.scxml", []byte(src), &Options{Registry: queueRegistry()})
	require.NoError(t, err)
	require.Len(t, doc.ByID["a"].OnEntry[0], 1)
	s, ok := doc.ByID["a"].OnEntry[0][0].(*Custom).Action.(*submit)
	require.True(t, ok)
	assert.Equal(t, &Expr{Kind: ValueExpr, Src: "'RP'", Pos: Pos{File: "q.scxml", Line: 3, Col: 24}, Index: 0}, s.Route)
	assert.Equal(t, "1 + 1", s.Priority.Src)
	assert.Equal(t, LocationExpr, s.RequestID.Kind)
	require.Len(t, s.Targets, 2)
	assert.Equal(t, Pos{File: "q.scxml", Line: 4, Col: 42}, s.Targets[0].Pos)
	assert.Equal(t, "vq2", s.Targets[1].Src)
	require.Len(t, s.Done, 1)
	assert.Equal(t, "'submitted'", s.Done[0].(*Log).Expr.Src)
	for i, e := range doc.Exprs {
		assert.Equal(t, i, e.Index)
		assert.Same(t, e, doc.Exprs[e.Index])
	}
	assert.Len(t, doc.Exprs, 6)
}

func TestActionContextErrors(t *testing.T) {
	tests := []struct {
		name, body, want string
	}{
		{"Errorf keeps its position", `<queue:submit/>`,
			`e.scxml:2:24: <queue:submit> needs "route"`},
		{"joined errors", `<queue:submit route="r"><queue:targets><queue:targetid/></queue:targets></queue:submit>`,
			`e.scxml:2:63: <queue:targetid> needs "expr"`},
		{"CheckAttrs", `<queue:submit route="r" bogus="1"/>`,
			`e.scxml:2:48: unknown attribute "bogus" on <queue:submit>`},
		{"Block errors reported once", `<queue:submit route="r"><queue:done><raise/></queue:done></queue:submit>`,
			`e.scxml:2:60: missing required attribute "event" on <raise>`},
		{"plain errors at the element", `<queue:plain/>`,
			`e.scxml:2:24: <queue:plain>: plain failure`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			src := `<scxml xmlns="http://www.w3.org/2005/07/scxml" xmlns:queue="` + queueNS + `" version="1.0">` +
				"\n<state id=\"a\"><onentry>" + tt.body + "</onentry></state>\n</scxml>\n"
			_, err := Parse("e.scxml", []byte(src), &Options{Registry: queueRegistry()})
			require.Error(t, err)
			assert.Equal(t, tt.want, err.Error())
		})
	}
}
