package reporting

import (
	"maps"
	"slices"
	"testing"

	"github.com/dop251/goja"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/ecmascript"
)

// fixedProps are the properties of a Go-backed object in tests.
type fixedProps struct {
	rt   *goja.Runtime
	vals map[string]any
}

func (p fixedProps) Has(k string) bool        { _, ok := p.vals[k]; return ok }
func (p fixedProps) Names() []string          { return slices.Sorted(maps.Keys(p.vals)) }
func (p fixedProps) Make(k string) goja.Value { return p.rt.ToValue(p.vals[k]) }

// TestExportReadsGoBackedObjects: an argument that is a Go-backed object
// (a data model's _event.data) is read as the object it is, as a plain
// object is, not as goja's handler of it.
func TestExportReadsGoBackedObjects(t *testing.T) {
	rt := goja.New()
	lazy := ecmascript.NewLazyObject(rt, fixedProps{rt, map[string]any{"_CB_X": "x", "n": 2}})
	assert.Equal(t, map[string]any{"_CB_X": "x", "n": 2.0}, export(lazy))
	plain, err := rt.RunString(`({_CB_X: "x", n: 2})`)
	require.NoError(t, err)
	assert.Equal(t, map[string]any{"_CB_X": "x", "n": 2.0}, export(plain), "a plain object as the data model converts it")
	require.NoError(t, rt.Set("lazy", lazy))
	nested, err := rt.RunString(`({d: lazy, l: [lazy]})`)
	require.NoError(t, err)
	inner := map[string]any{"_CB_X": "x", "n": 2.0}
	assert.Equal(t, map[string]any{"d": inner, "l": []any{inner}}, export(nested), "Go-backed objects within others")
	assert.Equal(t, "s", export(rt.ToValue("s")))
}
