package scxml

import (
	"strings"

	"github.com/beevik/etree"
)

// block builds the executable content held by el. In a <finalize>, <raise>
// and <send> are not allowed.
func (b *builder) block(el *etree.Element, finalize bool) Block {
	b.noText(el)
	var blk Block
	for _, c := range el.ChildElements() {
		if a := b.action(c, el, finalize); a != nil {
			blk = append(blk, a)
		}
	}
	return blk
}

// action builds the element c of executable content, child of parent. It
// returns nil for elements that are not allowed.
func (b *builder) action(c, parent *etree.Element, finalize bool) Action {
	if !isSCXML(c) {
		return b.custom(c, finalize)
	}
	switch c.Tag {
	case "raise":
		if finalize {
			break
		}
		return b.raise(c)
	case "send":
		if finalize {
			break
		}
		return b.send(c)
	case "if":
		return b.ifAction(c, finalize)
	case "foreach":
		return b.foreach(c, finalize)
	case "log":
		return b.log(c)
	case "assign":
		return b.assign(c)
	case "script":
		return b.script(c)
	case "cancel":
		return b.cancel(c)
	}
	b.notAllowed(c, parent)
	return nil
}

// custom builds an element of another namespace in executable content.
// finalize says whether it is inside a <finalize>.
func (b *builder) custom(el *etree.Element, finalize bool) Action {
	a := &Custom{Pos: b.pos.of(el), Element: el}
	ns := el.NamespaceURI()
	p, known := b.opts.Registry.lookup(ns, el.Tag)
	switch {
	case !known && IsGenesysNS(ns):
		b.errorf(a.Pos, "unsupported action %s: Orca does not implement namespace %s", tag(el), ns)
	case !known:
	case p == nil && IsGenesysNS(ns):
		b.errorf(a.Pos, "unsupported action %s: Orca does not implement it (namespace %s)", tag(el), ns)
	case p == nil:
		b.errorf(a.Pos, "unknown action %s in namespace %s", tag(el), ns)
	default:
		v, err := p(&ActionContext{b: b, finalize: finalize}, el)
		if err != nil {
			b.report(el, a.Pos, err)
		}
		a.Action = v
	}
	return a
}

func (b *builder) raise(el *etree.Element) Action {
	b.checkAttrs(el, "event")
	a := &Raise{Pos: b.pos.of(el)}
	a.Event, _ = b.required(el, "event")
	if b.doc.Dialect != ORS {
		b.empty(el)
		return a
	}
	// The 2009 draft gives <raise> <param> children (ORS: "SCXML
	// Elements", <raise>); Composer raises application.start this way.
	b.noText(el)
	for _, c := range el.ChildElements() {
		switch {
		case !isSCXML(c):
		case c.Tag == "param":
			a.Params = append(a.Params, b.param(c))
		default:
			b.notAllowed(c, el)
		}
	}
	return a
}

func (b *builder) ifAction(el *etree.Element, finalize bool) Action {
	b.checkAttrs(el, "cond")
	b.noText(el)
	a := &If{Pos: b.pos.of(el)}
	var cond *Expr
	if _, ok := b.required(el, "cond"); ok {
		cond = b.exprAttr(el, "cond", CondExpr)
	}
	a.Branches = []IfBranch{{Cond: cond}}
	sawElse := false
	for _, c := range el.ChildElements() {
		if isSCXML(c) && (c.Tag == "elseif" || c.Tag == "else") {
			if sawElse {
				b.errorf(b.pos.of(c), "%s must not follow <else>", tag(c))
			}
			var cond *Expr
			if c.Tag == "elseif" {
				b.checkAttrs(c, "cond")
				if _, ok := b.required(c, "cond"); ok {
					cond = b.exprAttr(c, "cond", CondExpr)
				}
			} else {
				b.checkAttrs(c)
				sawElse = true
			}
			b.empty(c)
			a.Branches = append(a.Branches, IfBranch{Cond: cond})
			continue
		}
		if act := b.action(c, el, finalize); act != nil {
			br := &a.Branches[len(a.Branches)-1]
			br.Body = append(br.Body, act)
		}
	}
	return a
}

func (b *builder) foreach(el *etree.Element, finalize bool) Action {
	b.checkAttrs(el, "array", "item", "index")
	a := &Foreach{Pos: b.pos.of(el)}
	if _, ok := b.required(el, "array"); ok {
		a.Array = b.exprAttr(el, "array", ValueExpr)
	}
	a.Item, _ = b.required(el, "item")
	a.Index, _ = attr(el, "index")
	a.Body = b.block(el, finalize)
	return a
}

func (b *builder) log(el *etree.Element) Action {
	b.checkAttrs(el, "label", "expr", "level")
	b.empty(el)
	a := &Log{Pos: b.pos.of(el)}
	a.Label, _ = attr(el, "label")
	a.Level, _ = attr(el, "level")
	a.Expr = b.exprAttr(el, "expr", ValueExpr)
	return a
}

func (b *builder) assign(el *etree.Element) Action {
	b.checkAttrs(el, "location", "expr")
	a := &Assign{Pos: b.pos.of(el)}
	if _, ok := b.required(el, "location"); ok {
		a.Location = b.exprAttr(el, "location", LocationExpr)
	}
	a.Expr = b.exprAttr(el, "expr", ValueExpr)
	switch children := hasChildren(el); {
	case a.Expr != nil && children:
		b.errorf(b.pos.of(el), "<assign> must not have both \"expr\" and children")
	case a.Expr == nil && children:
		a.Content = b.inline(el)
	case a.Expr == nil:
		b.errorf(b.pos.of(el), "<assign> must have \"expr\" or children")
	}
	return a
}

// script builds a <script>, loading its src.
func (b *builder) script(el *etree.Element) *Script {
	b.checkAttrs(el, "src")
	a := &Script{Pos: b.pos.of(el)}
	for _, c := range el.ChildElements() {
		if isSCXML(c) {
			b.notAllowed(c, el)
		}
	}
	src, ok := attr(el, "src")
	if !ok {
		body, pos := b.scriptText(el)
		a.Body = b.expr(ScriptExpr, body, pos)
		return a
	}
	a.Src = src
	if hasText(el) {
		b.errorf(b.pos.of(el), "<script> must not have both \"src\" and content")
	}
	at := b.pos.attrValue(el, "src")
	data, path, err := b.readFold(Resolve(b.pos.of(el).File, src), at, "<script src>")
	if err == nil {
		data, err = textToUTF8(data, "")
	}
	if err != nil {
		b.errorf(at, "cannot load script %q: %v", src, err)
	}
	a.Body = b.expr(ScriptExpr, string(data), Pos{File: path, Line: 1, Col: 1})
	return a
}

// scriptText returns the program inside a <script> without src, and where
// it starts. When the script includes files with <xi:include parse="text">,
// the program is the included texts and the non-blank inline text, in
// document order and each ending with a newline, and it starts where its
// first part starts (for an included file, at its line 1, column 1).
func (b *builder) scriptText(el *etree.Element) (string, Pos) {
	included := false
	for _, t := range el.Child {
		if cd, ok := t.(*etree.CharData); ok {
			_, inc := b.pos.texts[cd]
			included = included || inc
		}
	}
	if !included {
		return text(el), b.pos.body(el)
	}
	var (
		sb    strings.Builder
		pos   Pos
		first = true
	)
	for _, t := range el.Child {
		cd, ok := t.(*etree.CharData)
		if !ok {
			continue
		}
		p, inc := b.pos.texts[cd]
		if !inc {
			if strings.TrimSpace(cd.Data) == "" {
				continue
			}
			p = b.pos.body(el)
		}
		if first {
			pos, first = p, false
		}
		sb.WriteString(cd.Data)
		if !strings.HasSuffix(cd.Data, "\n") {
			sb.WriteByte('\n')
		}
	}
	return sb.String(), pos
}

func (b *builder) send(el *etree.Element) Action {
	if b.doc.Dialect == ORS {
		// targettype is the 2009 draft's name of type.
		b.checkAttrs(el, "event", "eventexpr", "target", "targetexpr", "type", "typeexpr",
			"id", "idlocation", "delay", "delayexpr", "namelist", "targettype")
		if v, ok := attr(el, "targettype"); ok && !has(el, "type") {
			el.CreateAttr("type", v)
		}
		el.RemoveAttr("targettype")
	} else {
		b.checkAttrs(el, "event", "eventexpr", "target", "targetexpr", "type", "typeexpr",
			"id", "idlocation", "delay", "delayexpr", "namelist")
	}
	for _, p := range [][2]string{{"event", "eventexpr"}, {"target", "targetexpr"},
		{"type", "typeexpr"}, {"id", "idlocation"}, {"delay", "delayexpr"}} {
		b.exclusive(el, p[0], p[1])
	}
	a := &Send{Pos: b.pos.of(el)}
	a.Event, a.EventExpr = b.sendAttr(el, "event", "eventexpr")
	a.Target, a.TargetExpr = b.sendAttr(el, "target", "targetexpr")
	a.Type, a.TypeExpr = b.sendAttr(el, "type", "typeexpr")
	a.ID, _ = attr(el, "id")
	a.IDLocation = b.exprAttr(el, "idlocation", LocationExpr)
	a.Delay, a.DelayExpr = b.sendAttr(el, "delay", "delayexpr")
	a.Namelist = b.namelist(el)
	a.Params, a.Content = b.paramsAndContent(el, false)
	if a.Content != nil {
		if a.Namelist != nil {
			b.errorf(b.pos.attrName(el, "namelist"), "<send> must not have both \"namelist\" and <content>")
		}
		if a.Params != nil {
			b.errorf(a.Params[0].Pos, "<send> must not have both <param> and <content>")
		}
	}
	return a
}

// sendAttr returns the literal attribute key of a <send> and the
// expression of its counterpart exprKey. In ORS documents key holds an
// expression too: it is returned as the expression and the literal is "".
func (b *builder) sendAttr(el *etree.Element, key, exprKey string) (string, *Expr) {
	if b.doc.Dialect == ORS && has(el, key) {
		return "", b.exprAttr(el, key, ValueExpr)
	}
	v, _ := attr(el, key)
	return v, b.exprAttr(el, exprKey, ValueExpr)
}

// namelist builds the value expressions of el's namelist attribute.
func (b *builder) namelist(el *etree.Element) []*Expr {
	names, pos := b.fields(el, "namelist")
	var l []*Expr
	for i, n := range names {
		l = append(l, b.expr(ValueExpr, n, pos[i]))
	}
	return l
}

// paramsAndContent builds the <param> and <content> children of el, a
// <send>, <invoke> or <donedata>, reporting other SCXML children (except a
// <finalize> in an <invoke>, which the caller builds).
func (b *builder) paramsAndContent(el *etree.Element, invoke bool) ([]*Param, *Content) {
	b.noText(el)
	var (
		params  []*Param
		content *Content
	)
	for _, c := range el.ChildElements() {
		if !isSCXML(c) {
			continue
		}
		switch c.Tag {
		case "param":
			params = append(params, b.param(c))
		case "content":
			if content != nil {
				b.errorf(b.pos.of(c), "%s must not have more than one <content>", tag(el))
				continue
			}
			content = b.content(c, invoke)
		case "finalize":
			if !invoke {
				b.notAllowed(c, el)
			}
		default:
			b.notAllowed(c, el)
		}
	}
	return params, content
}

func (b *builder) param(el *etree.Element) *Param {
	b.checkAttrs(el, "name", "expr", "location")
	b.empty(el)
	p := &Param{Pos: b.pos.of(el)}
	p.Name, _ = b.required(el, "name")
	b.exclusive(el, "expr", "location")
	p.Expr = b.exprAttr(el, "expr", ValueExpr)
	p.Location = b.exprAttr(el, "location", LocationExpr)
	if p.Expr == nil && p.Location == nil {
		b.errorf(p.Pos, "<param> must have \"expr\" or \"location\"")
	}
	return p
}

func (b *builder) cancel(el *etree.Element) Action {
	if b.doc.Dialect == ORS {
		// ORS takes the id of a <send id> as a literal id attribute.
		b.checkAttrs(el, "sendid", "sendidexpr", "id")
		b.exclusive(el, "id", "sendid")
		if v, ok := attr(el, "id"); ok && !has(el, "sendid") {
			b.empty(el)
			return &Cancel{Pos: b.pos.of(el), SendID: v}
		}
	} else {
		b.checkAttrs(el, "sendid", "sendidexpr")
	}
	b.empty(el)
	b.exclusive(el, "sendid", "sendidexpr")
	a := &Cancel{Pos: b.pos.of(el)}
	if b.doc.Dialect == ORS && has(el, "sendid") {
		// In ORS sendid holds an expression, as the attributes of
		// <send> do (Composer: <cancel sendid="App_Block['requestid']"/>).
		a.SendIDExpr = b.exprAttr(el, "sendid", ValueExpr)
		return a
	}
	a.SendID, _ = attr(el, "sendid")
	a.SendIDExpr = b.exprAttr(el, "sendidexpr", ValueExpr)
	if !has(el, "sendid") && a.SendIDExpr == nil {
		b.errorf(a.Pos, "<cancel> must have \"sendid\" or \"sendidexpr\"")
	}
	return a
}

// invoke builds the <invoke> element el of s.
func (b *builder) invoke(el *etree.Element, s *State) *Invoke {
	b.checkAttrs(el, "type", "typeexpr", "src", "srcexpr", "id", "idlocation",
		"namelist", "autoforward")
	for _, p := range [][2]string{{"type", "typeexpr"}, {"src", "srcexpr"}, {"id", "idlocation"}} {
		b.exclusive(el, p[0], p[1])
	}
	a := &Invoke{Pos: b.pos.of(el), Parent: s, Order: len(s.Invokes)}
	a.Type, _ = attr(el, "type")
	a.TypeExpr = b.exprAttr(el, "typeexpr", ValueExpr)
	a.Src, _ = attr(el, "src")
	a.SrcExpr = b.exprAttr(el, "srcexpr", ValueExpr)
	a.ID, _ = attr(el, "id")
	a.IDLocation = b.exprAttr(el, "idlocation", LocationExpr)
	a.Namelist = b.namelist(el)
	a.Autoforward = b.enum(el, "autoforward", "false", "true") == 1
	a.Params, a.Content = b.paramsAndContent(el, true)
	if a.Content != nil {
		for _, key := range []string{"src", "srcexpr"} {
			if has(el, key) {
				b.errorf(b.pos.attrName(el, key), "<invoke> must not have both %q and <content>", key)
			}
		}
	}
	if a.Namelist != nil && a.Params != nil {
		b.errorf(b.pos.attrName(el, "namelist"), "<invoke> must not have both \"namelist\" and <param>")
	}
	seen := false
	for _, c := range el.ChildElements() {
		if !isSCXML(c) || c.Tag != "finalize" {
			continue
		}
		if seen {
			b.errorf(b.pos.of(c), "<invoke> must not have more than one <finalize>")
			continue
		}
		seen = true
		b.checkAttrs(c)
		a.Finalize = b.block(c, true)
	}
	return a
}

func (b *builder) donedata(el *etree.Element) *DoneData {
	b.checkAttrs(el)
	d := &DoneData{Pos: b.pos.of(el)}
	d.Params, d.Content = b.paramsAndContent(el, false)
	if d.Content != nil && d.Params != nil {
		b.errorf(d.Content.Pos, "<donedata> must not have both <content> and <param>")
	}
	return d
}
