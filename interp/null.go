package interp

import (
	"errors"
	"fmt"
	"strings"

	"github.com/orca-scxml/orca/scxml"
)

// CompileNull compiles a document for the null data model (§B.1): no data,
// and conditions limited to In('stateid') (with optional "!", and the
// literals true and false).
func CompileNull(doc *scxml.Document) (DatamodelProgram, error) {
	p := &nullProgram{conds: make([]nullCond, len(doc.Exprs))}
	for _, e := range doc.Exprs {
		if e.Kind != scxml.CondExpr {
			continue
		}
		c, err := parseNullCond(e.Src)
		if err != nil {
			err = fmt.Errorf("%s: %w", e.Pos, err)
			p.problems = append(p.problems, err)
			c.err = err
		}
		p.conds[e.Index] = c
	}
	return p, nil
}

type nullCond struct {
	state  string
	negate bool
	lit    bool // a literal true/false: the value is negate==false
	err    error
}

func parseNullCond(src string) (nullCond, error) {
	t := strings.TrimSpace(src)
	var c nullCond
	for strings.HasPrefix(t, "!") {
		c.negate = !c.negate
		t = strings.TrimSpace(t[1:])
	}
	switch t {
	case "true":
		c.lit = true
		return c, nil
	case "false":
		c.lit, c.negate = true, !c.negate
		return c, nil
	}
	if strings.HasPrefix(t, "In(") && strings.HasSuffix(t, ")") {
		arg := strings.TrimSpace(t[3 : len(t)-1])
		if len(arg) >= 2 && (arg[0] == '\'' || arg[0] == '"') && arg[len(arg)-1] == arg[0] {
			c.state = arg[1 : len(arg)-1]
			return c, nil
		}
	}
	return c, fmt.Errorf("null data model: condition %q is not In('id')", src)
}

type nullProgram struct {
	conds    []nullCond
	problems []error
}

func (p *nullProgram) NewDatamodel() (Datamodel, error) { return &nullDatamodel{p: p}, nil }
func (p *nullProgram) Problems() []error                { return p.problems }

// nullDatamodel is the null data model of one session.
type nullDatamodel struct {
	p   *nullProgram
	sys System
}

var errNull = errors.New("the null data model has no data")

func (d *nullDatamodel) Setup(sys System) error             { d.sys = sys; return nil }
func (d *nullDatamodel) InitData(*scxml.Data) error         { return errNull }
func (d *nullDatamodel) Declare(string, any) error          { return errNull }
func (d *nullDatamodel) SetEvent(*Event)                    {}
func (d *nullDatamodel) Eval(*scxml.Expr) (any, error)      { return nil, errNull }
func (d *nullDatamodel) Assign(*scxml.Assign) error         { return errNull }
func (d *nullDatamodel) Exec(*scxml.Script) error           { return errNull }
func (d *nullDatamodel) Interrupt(string)                   {}
func (d *nullDatamodel) Close()                             {}
func (d *nullDatamodel) SetLocation(*scxml.Expr, any) error { return errNull }

// Persist returns nothing: the null data model holds no data.
func (d *nullDatamodel) Persist() ([]byte, error) { return nil, nil }

// Restore restores nothing.
func (d *nullDatamodel) Restore([]byte) error { return nil }

func (d *nullDatamodel) Cond(e *scxml.Expr) (bool, error) {
	c := d.p.conds[e.Index]
	if c.err != nil {
		return false, c.err
	}
	v := c.lit || d.sys.In(c.state)
	return v != c.negate, nil
}

// EvalString returns a value expression's text: the null data model has no
// expressions, so <log expr> shows what was written.
func (d *nullDatamodel) EvalString(e *scxml.Expr) (string, error) {
	return e.Src, nil
}

func (d *nullDatamodel) Foreach(*scxml.Foreach, func() error) error { return errNull }

func (d *nullDatamodel) Content(c *scxml.Content) (any, error) {
	if c.Expr != nil {
		return nil, errNull
	}
	if c.XML {
		return &XMLNode{Text: c.Text}, nil
	}
	return c.Text, nil
}
