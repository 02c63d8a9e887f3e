package chartfuzz

import (
	"fmt"
	"strings"
)

// Source hands out decisions read from fuzzer bytes; once they are used
// up every decision is 0.
type Source struct {
	b []byte
	i int
}

// NewSource returns a source reading data.
func NewSource(data []byte) *Source { return &Source{b: data} }

// Intn returns a number in [0, n) (0 when n <= 1).
func (s *Source) Intn(n int) int {
	if n <= 1 {
		return 0
	}
	if s.i >= len(s.b) {
		return 0
	}
	v := int(s.b[s.i])
	s.i++
	return v % n
}

// Exhausted reports whether every byte has been read.
func (s *Source) Exhausted() bool { return s.i >= len(s.b) }

func (s *Source) pick(list ...string) string { return list[s.Intn(len(list))] }

// Options say which kinds of trouble a chart may contain.
type Options struct {
	// Spin lets scripts of <onentry> and transitions loop forever; a
	// host must interrupt them (the ECMAScript watchdog).
	Spin bool
	// SpinOnExit lets the scripts of <onexit> loop forever too. They also
	// run when a host cancels a session (Engine.Cancel), outside any
	// macrostep, where a watchdog that times macrosteps does not see
	// them.
	SpinOnExit bool
	// EventlessCondErrors lets conditions that fail sit on eventless
	// transitions and on transitions that error events enable. Each
	// failure raises error.execution, which enables nothing, so the
	// eventless transitions are checked again: a host needs a bound on
	// the internal events of a macrostep to end such a chart.
	EventlessCondErrors bool
}

// Limits of a chart's size.
const (
	maxStates   = 12
	maxDepth    = 3
	maxChildren = 3
)

// node is a state of the chart being built.
type node struct {
	id       string
	kind     string // state, parallel, final, history
	children []*node
	parent   *node
}

// builder builds one chart.
type builder struct {
	src   *Source
	opts  Options
	all   []*node // every state, history included
	sends int
	b     strings.Builder
}

// Chart returns a chart (W3C dialect, ECMAScript data model) built from
// the decisions of src.
func Chart(src *Source, opts Options) string {
	g := &builder{src: src, opts: opts}
	var top []*node
	for n := 1 + src.Intn(4); n > 0 && len(g.all) < maxStates; n-- {
		top = append(top, g.state(nil, 0, true))
	}
	g.b.WriteString(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">` + "\n")
	g.b.WriteString(`<datamodel><data id="x" expr="0"/><data id="y" expr="0"/><data id="arr" expr="[1, 2, 3]"/><data id="out" expr="''"/></datamodel>` + "\n")
	for _, n := range top {
		g.render(n, 1)
	}
	g.b.WriteString("</scxml>\n")
	return g.b.String()
}

// state makes a state under parent; finals are allowed where the parent is
// <scxml> or a compound state.
func (g *builder) state(parent *node, depth int, finalOK bool) *node {
	n := &node{parent: parent, id: fmt.Sprintf("s%d", len(g.all))}
	g.all = append(g.all, n)
	n.kind = "state"
	switch k := g.src.Intn(8); {
	case k == 7 && finalOK:
		n.kind = "final"
		return n
	case (k == 4 || k == 5) && depth < maxDepth:
	case k == 6 && depth < maxDepth:
		n.kind = "parallel"
	default:
		return n // atomic
	}
	kids := 1 + g.src.Intn(maxChildren)
	if n.kind == "parallel" {
		kids = 2 + g.src.Intn(maxChildren-1)
	}
	for ; kids > 0 && len(g.all) < maxStates; kids-- {
		n.children = append(n.children, g.state(n, depth+1, n.kind == "state"))
	}
	if len(n.children) == 0 {
		n.kind = "state"
		return n
	}
	if n.kind == "state" && g.src.Intn(4) == 0 && len(g.all) < maxStates {
		h := &node{parent: n, kind: "history", id: fmt.Sprintf("s%d", len(g.all))}
		g.all = append(g.all, h)
		n.children = append(n.children, h)
	}
	return n
}

func (g *builder) indent(depth int) { g.b.WriteString(strings.Repeat("  ", depth)) }

// render writes n and its children.
func (g *builder) render(n *node, depth int) {
	g.indent(depth)
	switch n.kind {
	case "history":
		// The default transition goes to a sibling state.
		fmt.Fprintf(&g.b, `<history id="%s" type="%s"><transition target="%s"/></history>`+"\n", n.id, g.src.pick("shallow", "deep"), n.parent.children[0].id)
		return
	case "final":
		fmt.Fprintf(&g.b, `<final id="%s">`, n.id)
		if g.src.Intn(2) == 0 {
			g.b.WriteString(`<donedata><param name="x" location="x"/></donedata>`)
		}
		g.b.WriteString("</final>\n")
		return
	}
	fmt.Fprintf(&g.b, `<%s id="%s">`+"\n", n.kind, n.id)
	if g.src.Intn(3) == 0 {
		g.block(depth+1, "onentry")
	}
	if g.src.Intn(4) == 0 {
		g.block(depth+1, "onexit")
	}
	for k := g.src.Intn(4); k > 0; k-- {
		g.transition(depth + 1)
	}
	for _, c := range n.children {
		g.render(c, depth+1)
	}
	g.indent(depth)
	fmt.Fprintf(&g.b, "</%s>\n", n.kind)
}

// block writes an <onentry> or <onexit> with executable content.
func (g *builder) block(depth int, tag string) {
	g.indent(depth)
	fmt.Fprintf(&g.b, "<%s>", tag)
	spin := g.opts.Spin
	if tag == "onexit" {
		g.opts.Spin = g.opts.SpinOnExit
	}
	for k := 1 + g.src.Intn(3); k > 0; k-- {
		g.action(0)
	}
	g.opts.Spin = spin
	fmt.Fprintf(&g.b, "</%s>\n", tag)
}

// transition writes a transition.
func (g *builder) transition(depth int) {
	event := g.src.pick("", "a", "b", "c", "a b", "error.*", "*", "done.state.*", "error.execution", "")
	cond := g.src.pick("", "", "x > 2", "y == 1", "x % 2 == 0", "true", "false", "out.length > 3", "in", "fail")
	switch cond {
	case "in":
		cond = fmt.Sprintf("In('%s')", g.all[g.src.Intn(len(g.all))].id)
	case "fail":
		cond = ""
		guarded := event == "a" || event == "b" || event == "c" || event == "a b"
		if guarded || g.opts.EventlessCondErrors {
			cond = g.src.pick("nosuch.x > 1", "undefinedFunction()", "(function(){ throw new Error('cond') })()")
		}
	}
	g.indent(depth)
	g.b.WriteString("<transition")
	if event != "" {
		fmt.Fprintf(&g.b, ` event="%s"`, event)
	}
	if cond != "" {
		fmt.Fprintf(&g.b, ` cond="%s"`, xmlEscape(cond))
	}
	if g.src.Intn(5) != 0 {
		fmt.Fprintf(&g.b, ` target="%s"`, g.all[g.src.Intn(len(g.all))].id)
		if g.src.Intn(4) == 0 {
			g.b.WriteString(` type="internal"`)
		}
	}
	g.b.WriteString(">")
	for k := g.src.Intn(3); k > 0; k-- {
		g.action(0)
	}
	g.b.WriteString("</transition>\n")
}

// action writes one piece of executable content; nest bounds <if> and
// <foreach> nesting.
func (g *builder) action(nest int) {
	switch g.src.Intn(18) {
	case 0:
		g.b.WriteString(`<assign location="x" expr="x + 1"/>`)
	case 1:
		g.b.WriteString(`<script>y = (y + 1) % 3; out = out + 'y'</script>`)
	case 2:
		fmt.Fprintf(&g.b, `<raise event="%s"/>`, g.src.pick("a", "b", "c"))
	case 3:
		fmt.Fprintf(&g.b, `<send event="%s"/>`, g.src.pick("a", "b", "c"))
	case 4:
		fmt.Fprintf(&g.b, `<send event="%s" delay="%s"/>`, g.src.pick("a", "b", "c"), g.src.pick("0s", "100ms", "1s", "5s", "1h"))
	case 5:
		g.sends++
		id := fmt.Sprintf("t%d", g.sends%3)
		fmt.Fprintf(&g.b, `<send id="%s" event="c" delay="2s"/>`, id)
		if g.src.Intn(2) == 0 {
			fmt.Fprintf(&g.b, `<cancel sendid="%s"/>`, id)
		}
	case 6:
		fmt.Fprintf(&g.b, `<cancel sendid="t%d"/>`, g.src.Intn(3))
	case 7:
		fmt.Fprintf(&g.b, `<send target="#_internal" event="%s"/>`, g.src.pick("a", "b"))
	case 8:
		g.b.WriteString(`<log label="x" expr="x + ' ' + out"/>`)
	case 9:
		if nest > 1 {
			g.b.WriteString(`<assign location="y" expr="0"/>`)
			return
		}
		g.b.WriteString(`<if cond="x > 2">`)
		g.action(nest + 1)
		g.b.WriteString(`<elseif cond="y == 1"/>`)
		g.action(nest + 1)
		g.b.WriteString(`<else/>`)
		g.action(nest + 1)
		g.b.WriteString(`</if>`)
	case 10:
		if nest > 1 {
			g.b.WriteString(`<assign location="out" expr="''"/>`)
			return
		}
		g.b.WriteString(`<foreach array="arr" item="it" index="i">`)
		g.action(nest + 1)
		g.b.WriteString(`</foreach>`)
	case 11:
		g.b.WriteString(`<assign location="nosuch.y" expr="1"/>`)
	case 12:
		g.b.WriteString(g.src.pick(`<send target="#_nowhere" event="z"/>`, `<send type="http://example.com/unknown" event="z"/>`, `<send event="z" delay="soon"/>`))
	case 13:
		g.b.WriteString(`<script>throw new Error('boom')</script>`)
	case 14:
		g.b.WriteString(`<log expr="undefinedVariable.field"/>`)
	case 15:
		g.b.WriteString(`<send event="done.like" ><param name="v" expr="x"/><param name="w" expr="out"/></send>`)
	case 16:
		g.b.WriteString(`<script>out = out.length > 64 ? '' : out + out + 'z'</script>`)
	case 17:
		if g.opts.Spin && g.src.Intn(8) == 0 {
			g.b.WriteString(`<script>while (true) {}</script>`)
			return
		}
		g.b.WriteString(`<assign location="x" expr="0"/>`)
	}
}

func xmlEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;", `"`, "&quot;").Replace(s)
}
