package scxml

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/orca-scxml/orca/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestW3C(t *testing.T) {
	dir := testenv.W3C(t)
	files, err := filepath.Glob(filepath.Join(dir, "ecma", "*.scxml"))
	require.NoError(t, err)
	require.NotEmpty(t, files)
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".scxml")
		t.Run(name, func(t *testing.T) {
			doc, err := Load(f, nil)
			if name == "test301" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), `cannot load script "D:\\foo"`)
				return
			}
			require.NoError(t, err)
			assert.Equal(t, W3C, doc.Dialect)
			checkInvariants(t, doc)
		})
	}
}

// checkInvariants checks what the interpreter relies on.
func checkInvariants(t *testing.T, doc *Document) {
	t.Helper()
	require.NotNil(t, doc.Root)
	require.Same(t, doc.Root, doc.States[0])
	for i, s := range doc.States {
		assert.Equal(t, i, s.Order)
		assert.Same(t, s, doc.ByID[s.ID])
		if s.Parent == nil {
			assert.Equal(t, Root, s.Kind)
		} else {
			assert.Equal(t, s.Parent.Depth+1, s.Depth)
			assert.Contains(t, s.Parent.Children, s)
			assert.Less(t, s.Parent.Order, s.Order)
		}
		switch s.Kind {
		case Root, Compound:
			require.NotNil(t, s.Initial, s.ID)
			assert.NotEmpty(t, s.Initial.Targets, s.ID)
		case History:
			require.Len(t, s.Transitions, 1, s.ID)
			assert.NotEmpty(t, s.Transitions[0].Targets, s.ID)
		default:
			assert.Nil(t, s.Initial, s.ID)
		}
		for _, tr := range s.Transitions {
			assert.Same(t, s, tr.Source)
			for _, target := range tr.Targets {
				assert.NotNil(t, target)
			}
		}
		for i, inv := range s.Invokes {
			assert.Same(t, s, inv.Parent)
			assert.Equal(t, i, inv.Order)
			if inv.Content != nil && inv.Content.Doc != nil {
				checkInvariants(t, inv.Content.Doc)
			}
		}
	}
	for i, e := range doc.Exprs {
		assert.Equal(t, i, e.Index)
	}
}
