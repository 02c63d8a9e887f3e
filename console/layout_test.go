package console_test

import (
	"encoding/json"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/console"
	"github.com/orca-scxml/orca/internal/testenv"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/templates"
)

// checkLayout lays doc out with opts and fails on any problem Check finds.
func checkLayout(t *testing.T, doc *scxml.Document, opts console.LayoutOptions) *console.Layout {
	t.Helper()
	l := console.NewLayout(doc, opts)
	for _, err := range l.Check() {
		t.Error(err)
	}
	again, err := json.Marshal(console.NewLayout(doc, opts))
	require.NoError(t, err)
	first, err := json.Marshal(l)
	require.NoError(t, err)
	require.Equal(t, string(first), string(again), "the layout is deterministic")
	return l
}

func TestLayoutTemplates(t *testing.T) {
	rt := newRuntime(t)
	for _, tpl := range templates.List() {
		t.Run(tpl.Name, func(t *testing.T) {
			doc, err := templates.Load(tpl.Name, rt.LoadOptions())
			require.NoError(t, err)
			l := checkLayout(t, doc, console.LayoutOptions{})
			drawn := map[string]*console.Node{}
			for _, n := range l.Nodes {
				drawn[n.ID] = n
			}
			assert.Len(t, l.Nodes, len(doc.States), "every state is drawn")
			for _, st := range doc.States {
				require.Contains(t, drawn, st.ID)
				assert.Len(t, drawn[st.ID].Rows, len(st.Transitions)*b2i(st.Kind != scxml.History), st.ID)
			}
			// Every transition with a target has its arrows.
			want := 0
			for _, st := range doc.States {
				for _, tr := range st.Transitions {
					want += len(tr.Targets)
				}
				if st.Initial != nil {
					want += len(st.Initial.Targets)
				}
			}
			assert.Len(t, l.Edges, want)
			assert.Equal(t, "final", drawn["done"].Kind)
			assert.NotNil(t, drawn["active"].Initial, "a compound state draws its initial dot")

			// Closing a compound state hides its children and sends
			// arrows into it to its box.
			c := checkLayout(t, doc, console.LayoutOptions{Collapsed: []string{"active"}})
			assert.Equal(t, []string{"active"}, c.Collapsed)
			for _, n := range c.Nodes {
				assert.NotEqual(t, "active", n.Parent, n.ID)
			}
			assert.Less(t, c.Height, l.Height)
		})
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestLayoutW3C(t *testing.T) {
	dir := testenv.W3C(t)
	files, err := filepath.Glob(filepath.Join(dir, "ecma", "*.scxml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	laid := 0
	for _, f := range files {
		doc, err := scxml.Load(f, nil)
		if err != nil {
			continue // test301 does not load, on purpose
		}
		docs := []*scxml.Document{doc}
		for i := 0; i < len(docs); i++ {
			for _, st := range docs[i].States {
				for _, inv := range st.Invokes {
					if inv.Content != nil && inv.Content.Doc != nil {
						docs = append(docs, inv.Content.Doc)
					}
				}
			}
		}
		for i, d := range docs {
			t.Run(fmt.Sprintf("%s/%d", strings.TrimSuffix(filepath.Base(f), ".scxml"), i), func(t *testing.T) {
				l := checkLayout(t, d, console.LayoutOptions{})
				assert.Len(t, l.Nodes, len(d.States))
				laid++
			})
		}
	}
	assert.Greater(t, laid, 200)
}

// bigChart writes a strategy of about n states: nested compound states, a
// parallel state with three regions, history states, and transitions
// forwards, backwards and across levels, as large Composer projects have.
func bigChart(n int) string {
	var sb strings.Builder
	sb.WriteString(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" name="big" initial="g0">`)
	groups := max(n/12, 1)
	for g := range groups {
		fmt.Fprintf(&sb, `<state id="g%d">`, g)
		fmt.Fprintf(&sb, `<history id="g%d_h" type="deep"><transition target="g%d_s0"/></history>`, g, g)
		for s := range 8 {
			fmt.Fprintf(&sb, `<state id="g%d_s%d">`, g, s)
			fmt.Fprintf(&sb, `<transition event="next.%d" cond="counter &lt; %d" target="g%d_s%d"/>`, s, s*7, g, (s+1)%8)
			fmt.Fprintf(&sb, `<transition event="jump" target="g%d"/>`, (g+1)%groups)
			if s%3 == 0 {
				fmt.Fprintf(&sb, `<transition event="error.*" target="g%d_s0"/>`, g)
			}
			sb.WriteString(`</state>`)
		}
		if g%4 == 0 {
			fmt.Fprintf(&sb, `<parallel id="g%d_p">`, g)
			for r := range 3 {
				fmt.Fprintf(&sb, `<state id="g%d_p%d"><state id="g%d_p%d_a"><transition event="go" target="g%d_p%d_b"/></state><final id="g%d_p%d_b"/></state>`, g, r, g, r, g, r, g, r)
			}
			fmt.Fprintf(&sb, `<transition event="done.state.g%d_p" target="g%d_s0"/></parallel>`, g, g)
		}
		fmt.Fprintf(&sb, `<transition event="done.state.g%d" target="end"/>`, g)
		sb.WriteString(`</state>`)
	}
	sb.WriteString(`<final id="end"/></scxml>`)
	return sb.String()
}

func TestLayoutBigChart(t *testing.T) {
	doc, err := scxml.Parse("big.scxml", []byte(bigChart(480)), nil)
	require.NoError(t, err)
	require.Greater(t, len(doc.States), 400)
	full := checkLayout(t, doc, console.LayoutOptions{})
	assert.Len(t, full.Nodes, len(doc.States))
	assert.Empty(t, full.Collapsed)

	auto := checkLayout(t, doc, console.LayoutOptions{AutoCollapse: 120})
	assert.LessOrEqual(t, len(auto.Nodes), 120)
	assert.NotEmpty(t, auto.Collapsed)
	assert.Len(t, auto.States, len(doc.States), "hidden states are still listed")
	// The set a page sends back gives the same drawing.
	again := checkLayout(t, doc, console.LayoutOptions{Collapsed: auto.Collapsed})
	assert.Equal(t, auto.Nodes, again.Nodes)

	// The regions of a parallel state sit side by side, as tall as each
	// other, with a dashed separator between each two.
	byID := map[string]*console.Node{}
	for _, n := range full.Nodes {
		byID[n.ID] = n
	}
	p := byID["g0_p"]
	require.NotNil(t, p)
	assert.Len(t, p.Separators, 2)
	r0, r1, r2 := byID["g0_p0"], byID["g0_p1"], byID["g0_p2"]
	assert.True(t, r0.Region && r1.Region && r2.Region)
	assert.Equal(t, r0.Y, r1.Y)
	assert.Equal(t, r0.H, r2.H)
	assert.Less(t, r0.X+r0.W, r1.X)
	assert.Less(t, r1.X+r1.W, r2.X)
	assert.Equal(t, "history", byID["g0_h"].Kind)
	assert.True(t, byID["g0_h"].Deep)
}

func BenchmarkLayoutBigChart(b *testing.B) {
	doc, err := scxml.Parse("big.scxml", []byte(bigChart(480)), nil)
	require.NoError(b, err)
	b.ReportAllocs()
	for b.Loop() {
		console.NewLayout(doc, console.LayoutOptions{})
	}
}
