package ecmascript

import (
	"runtime"
	"testing"

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
	// Reading goja's built-ins makes them, about 150 KB; neither Globals
	// nor a script listing the global object's keys (which holds the
	// document's variables only, the built-ins being on its prototype
	// chain) may.
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
		v, err := m.rt.RunString("Object.keys(globalThis)")
		require.NoError(t, err)
		require.Equal(t, []any{"x"}, v.Export())
	}
	grew := (held() - before) / n
	assert.Less(t, grew, int64(8<<10), "Globals and Object.keys made %d bytes a model", grew)
	for _, m := range models {
		_, err := m.rt.RunString(`var builtins = Object.getPrototypeOf(Object.getPrototypeOf(globalThis));
			Object.getOwnPropertyNames(builtins).forEach(function (k) { return builtins[k] })`)
		require.NoError(t, err)
	}
	assert.Greater(t, (held()-before)/n, int64(64<<10), "the measure sees what reading the built-ins makes")
	runtime.KeepAlive(models)
}
