package ecmascript

import (
	"runtime"
	"testing"

	"github.com/dop251/goja"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestGlobals(t *testing.T) {
	b := newBuilder()
	sc := b.script(`var count = 2, who = 'ann'; var cb = {state: 'QUEUED'}; function helper() { return 1 }; var f = function () {};
		var calls = 0; Object.defineProperty(globalThis, 'lazy', {get: function () { calls++; return 1 }, enumerable: false})`)
	m := b.model(t)
	require.NoError(t, m.Exec(sc))
	assert.Equal(t, []string{"count", "who", "cb", "calls"}, m.Globals(),
		"variables in the order they were made; functions, built-ins, system variables and what is not enumerable left out")
	assert.Equal(t, 0.0, eval(t, m, "calls"), "no getter ran")
	m.Close()
	assert.Nil(t, m.Globals())
}

func TestGlobalsMakesNoBuiltIn(t *testing.T) {
	// Listing the global object's keys from a script makes every lazily
	// built global of goja; Globals must not.
	const n = 200
	models := make([]*Model, n)
	for i := range models {
		b := newBuilder()
		sc := b.script(`var x = 1`)
		models[i] = b.model(t)
		require.NoError(t, models[i].Exec(sc))
	}
	held := func() int64 {
		var ms runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&ms)
		return int64(ms.HeapAlloc)
	}
	before := held()
	for _, m := range models {
		require.Equal(t, []string{"x"}, m.Globals())
	}
	grew := (held() - before) / n
	assert.Less(t, grew, int64(8<<10), "Globals made %d bytes a model", grew)
	for _, m := range models {
		v, err := m.rt.RunString("Object.keys(globalThis)")
		require.NoError(t, err)
		_ = v.(*goja.Object)
	}
	assert.Greater(t, (held()-before)/n, int64(64<<10), "the measure sees what a script listing the keys makes")
	runtime.KeepAlive(models)
}
