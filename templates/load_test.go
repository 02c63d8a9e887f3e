package templates_test

import (
	"testing"

	"github.com/orca-scxml/orca/templates"
	"github.com/stretchr/testify/require"
)

func TestEveryTemplateLoads(t *testing.T) {
	h := newHarness(t)
	for _, tpl := range templates.List() {
		t.Run(tpl.Name, func(t *testing.T) {
			doc, err := templates.Load(tpl.Name, h.rt.LoadOptions())
			require.NoError(t, err)
			c, err := h.eng.Compile(doc)
			require.NoError(t, err)
			require.Empty(t, c.Problems())
		})
	}
}
