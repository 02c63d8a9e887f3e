package scxml

import (
	"strconv"

	"github.com/beevik/etree"
)

// NS is the SCXML namespace URI.
const NS = "http://www.w3.org/2005/07/scxml"

// Pos is a position in a source file: 1-based line and column.
type Pos struct {
	File string
	Line int
	Col  int
}

// String formats p as "file:line:col".
func (p Pos) String() string {
	return p.File + ":" + strconv.Itoa(p.Line) + ":" + strconv.Itoa(p.Col)
}

// Binding is the data binding mode of a document (§5.3.3).
type Binding uint8

// The binding modes.
const (
	EarlyBinding Binding = iota
	LateBinding
)

// Kind says what sort of state a State is.
type Kind uint8

// The kinds of state. Root is the <scxml> element itself, which the algorithm
// of Appendix D treats as the outermost compound state.
const (
	Root Kind = iota
	Compound
	Atomic
	Parallel
	Final
	History
)

// String returns the element name of the kind.
func (k Kind) String() string {
	switch k {
	case Root:
		return "scxml"
	case Parallel:
		return "parallel"
	case Final:
		return "final"
	case History:
		return "history"
	}
	return "state"
}

// Document is a loaded, validated SCXML document.
type Document struct {
	// File is the path or URL the document was read from ("" for inline
	// documents, which take the File of the document that holds them).
	File string
	// Name is the <scxml name> attribute.
	Name string
	// Datamodel is the <scxml datamodel> attribute ("" when absent).
	Datamodel string
	// Binding is the <scxml binding> attribute.
	Binding Binding
	// Dialect is W3C or ORS: how the document was recognised, or the
	// dialect Options forced. It decides how the interpreter runs it.
	Dialect Dialect
	// Root is the <scxml> element as a state: its children are the
	// top-level states, its Initial the initial transition, its Datamodel
	// the top-level <datamodel>.
	Root *State
	// Script is the top-level <script>, run once after the data model is
	// initialised (§5.8); nil when absent. In ORS documents, which may have
	// several, it is the first of Scripts.
	Script *Script
	// Scripts are the top-level <script> elements in document order: at
	// most one in W3C documents, any number in ORS documents, all run in
	// order after the data model is initialised.
	Scripts []*Script
	// States lists every state, Root first, in document order; a state's
	// Order is its index here.
	States []*State
	// ByID maps state ids to states.
	ByID map[string]*State
	// Exprs lists every expression of the document; an Expr's Index is its
	// index here, so a data model can compile them all once and share the
	// result between sessions.
	Exprs []*Expr
	// Element is the parsed <scxml> element, for hosts that read
	// attributes of other namespaces.
	Element *etree.Element
	// Warnings are problems that do not stop the document from running,
	// sorted by position: attributes of Genesys elements that ORS
	// ignores, an include found under another letter case. Only the
	// document a Load or Parse returns has them.
	Warnings ErrorList
}

// State is a <state>, <parallel>, <final>, <history> or the <scxml> root.
type State struct {
	Kind Kind
	// ID is the state's id. States without one get a generated id that
	// cannot clash with an XML id ("#" + kind + Order, e.g. "#state7");
	// Generated says so.
	ID        string
	Generated bool
	Pos       Pos
	Parent    *State
	// Order is the state's position in Document.States (document order).
	Order int
	// Depth is 0 for Root, 1 for its children, and so on.
	Depth int
	// Children are the child states in document order: state, parallel,
	// final and history elements (not <initial>).
	Children []*State
	// Initial is the default initial transition of a compound state or the
	// root: from an <initial> child (with its content), from the initial
	// attribute, or to the first child state in document order. Nil for
	// atomic, parallel, final and history states.
	Initial *Transition
	// Transitions are the state's <transition> children in document order.
	// For a history state this is its single default transition.
	Transitions []*Transition
	// OnEntry and OnExit hold one block per <onentry>/<onexit> element.
	OnEntry []Block
	OnExit  []Block
	// Invokes are the state's <invoke> children.
	Invokes []*Invoke
	// Data are the <data> elements of the state's <datamodel>.
	Data []*Data
	// DoneData is the <donedata> of a final state, or nil.
	DoneData *DoneData
	// Deep is true for a history state with type="deep".
	Deep bool
	// Prefix is the prefix of the <xi:include> that spliced the state into
	// the document (the innermost one, for nested includes), which replaced
	// PrefixPlaceholder in the included text; "" for states written in the
	// document itself. ORS exposes it to scripts as _my_prefix.
	Prefix string
	// Extensions are the child elements in Genesys namespaces (see
	// IsGenesysNS) of a state of an ORS document, kept for hosts; nil in
	// W3C documents.
	Extensions []*etree.Element
}

// Transition is a <transition>, or a state's initial transition.
type Transition struct {
	Source *State
	Pos    Pos
	// Events are the event descriptors, normalised: a trailing ".*" or "."
	// is removed; "*" stays "*". Empty for eventless transitions.
	Events []string
	// Cond is the guard, or nil.
	Cond *Expr
	// Targets are the target states; empty for a targetless transition.
	Targets []*State
	// Internal is true for type="internal".
	Internal bool
	// Body is the transition's executable content.
	Body Block
	// Order is the transition's position among all transitions of the
	// document, in document order. Initial transitions are counted too: the
	// one of an <initial> element where that element is, and one made from
	// an initial attribute or the first child state at its state's start
	// tag.
	Order int
}

// ExprKind says how an expression is used, so a data model can compile it
// for that use.
type ExprKind uint8

// The kinds of expression.
const (
	// ValueExpr is an expression evaluated for its value (expr, *expr,
	// namelist entries, array).
	ValueExpr ExprKind = iota
	// CondExpr is a boolean guard (cond).
	CondExpr
	// LocationExpr is a left-hand side (location, idlocation).
	LocationExpr
	// ScriptExpr is a program (<script> body or the text it loads).
	ScriptExpr
)

// Expr is a data-model expression as written in the document.
type Expr struct {
	Kind ExprKind
	Src  string
	Pos  Pos
	// Index is the expression's position in Document.Exprs.
	Index int
}

// Block is a sequence of executable content (§4.9): an error in one element
// stops the rest of the block.
type Block []Action

// Action is one element of executable content: *Raise, *If, *Foreach, *Log,
// *Assign, *Script, *Send, *Cancel or *Custom.
type Action interface {
	// Position returns where the element starts.
	Position() Pos
}

// Raise is <raise event>. In ORS documents it may have <param> children,
// as in the 2009 draft: they become the event's data.
type Raise struct {
	Pos    Pos
	Event  string
	Params []*Param
}

// If is <if>/<elseif>/<else>: the branches in order; the else branch has a
// nil Cond.
type If struct {
	Pos      Pos
	Branches []IfBranch
}

// IfBranch is one partition of an <if>.
type IfBranch struct {
	Cond *Expr
	Body Block
}

// Foreach is <foreach array item index>.
type Foreach struct {
	Pos   Pos
	Array *Expr
	Item  string
	Index string
	Body  Block
}

// Log is <log label expr>. Level is the ORS level attribute ("" if absent).
type Log struct {
	Pos   Pos
	Label string
	Expr  *Expr
	Level string
}

// Assign is <assign location expr> or <assign location> with inline content.
type Assign struct {
	Pos      Pos
	Location *Expr
	Expr     *Expr
	// Content holds inline children when there is no expr.
	Content *Content
}

// Script is <script>, with the text of its src already loaded into Body.
type Script struct {
	Pos  Pos
	Src  string
	Body *Expr
}

// Send is <send> (§6.2). At most one of each attribute/expr pair is set.
type Send struct {
	Pos        Pos
	Event      string
	EventExpr  *Expr
	Target     string
	TargetExpr *Expr
	Type       string
	TypeExpr   *Expr
	ID         string
	IDLocation *Expr
	Delay      string
	DelayExpr  *Expr
	// Namelist holds one value expression per name; Expr.Src is the name.
	Namelist []*Expr
	Params   []*Param
	Content  *Content
}

// Cancel is <cancel sendid|sendidexpr>.
type Cancel struct {
	Pos        Pos
	SendID     string
	SendIDExpr *Expr
}

// Param is <param name expr|location>.
type Param struct {
	Pos      Pos
	Name     string
	Expr     *Expr
	Location *Expr
}

// Content is <content expr> or <content> with inline children.
type Content struct {
	Pos  Pos
	Expr *Expr
	// Text is the inline content: the serialised child markup when XML is
	// true, the character data otherwise.
	Text string
	XML  bool
	// Doc is the parsed document when the inline content is an <scxml>
	// element (invoke).
	Doc *Document
}

// Data is a <data id src expr> or <data id> with inline content. A src is
// loaded at load time into Content.
type Data struct {
	Pos     Pos
	ID      string
	Src     string
	Expr    *Expr
	Content *Content
}

// DoneData is <donedata>: either Content or Params.
type DoneData struct {
	Pos     Pos
	Content *Content
	Params  []*Param
}

// Invoke is <invoke> (§6.4).
type Invoke struct {
	Pos         Pos
	Type        string
	TypeExpr    *Expr
	Src         string
	SrcExpr     *Expr
	ID          string
	IDLocation  *Expr
	Namelist    []*Expr
	Autoforward bool
	Params      []*Param
	Content     *Content
	Finalize    Block
	// Parent is the state holding the invoke.
	Parent *State
	// Order is the invoke's position among the invokes of its state.
	Order int
}

// Custom is an element of another namespace in executable content. Action
// is what the Registry's parser for it returned (nil when its namespace has
// no registered parser: the element is then kept and skipped).
type Custom struct {
	Pos     Pos
	Element *etree.Element
	Action  any
}

// Position returns where the element starts.
func (a *Raise) Position() Pos { return a.Pos }

// Position returns where the element starts.
func (a *If) Position() Pos { return a.Pos }

// Position returns where the element starts.
func (a *Foreach) Position() Pos { return a.Pos }

// Position returns where the element starts.
func (a *Log) Position() Pos { return a.Pos }

// Position returns where the element starts.
func (a *Assign) Position() Pos { return a.Pos }

// Position returns where the element starts.
func (a *Script) Position() Pos { return a.Pos }

// Position returns where the element starts.
func (a *Send) Position() Pos { return a.Pos }

// Position returns where the element starts.
func (a *Cancel) Position() Pos { return a.Pos }

// Position returns where the element starts.
func (a *Custom) Position() Pos { return a.Pos }
