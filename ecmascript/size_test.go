package ecmascript

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestSize(t *testing.T) {
	cases := []struct {
		name     string
		script   string
		min, max int64
	}{
		{"nothing declared", "", 0, 0},
		{"a few values", "var a = 1, b = 'hello', c = {x: 1, y: [1, 2, 3]}", 100, 2000},
		{"a megabyte string", "var s = 'x'.repeat(1 << 20)", 1 << 20, 1<<20 + 1000},
		{"an array of strings, sampled", "var a = []; for (var i = 0; i < 1000; i++) a.push('y'.repeat(1000) + i)", 900 << 10, 1200 << 10},
		{"an array of arrays", "var a = []; for (var i = 0; i < 100; i++) a.push(new Array(1000).fill(i))", 1500 << 10, 2 << 20},
		{"a typed array", "var b = new Uint8Array(1 << 20)", 1 << 20, 1<<20 + 1000},
		{"cycles and shared objects count once", "var o = {s: 'z'.repeat(10000)}; o.self = o; var p = {a: o, b: o}", 10000, 11000},
		{"functions are not followed", "function f() { return 'q'.repeat(1e6) }; var g = f", 0, 1000},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			b := newBuilder()
			var sc = b.script(tc.script + ";")
			m := b.model(t)
			base, err := m.Size(0)
			require.NoError(t, err)
			require.NoError(t, m.Exec(sc))
			n, err := m.Size(0)
			require.NoError(t, err)
			grew := n - base
			assert.GreaterOrEqual(t, grew, tc.min)
			assert.LessOrEqual(t, grew, tc.max)
		})
	}
}

func TestSizeRunsNoGetter(t *testing.T) {
	b := newBuilder()
	sc := b.script(`var calls = 0; var o = {}; Object.defineProperty(o, 'g', {get: function() { calls++; return 'w'.repeat(1e6) }, enumerable: true})`)
	m := b.model(t)
	require.NoError(t, m.Exec(sc))
	n, err := m.Size(0)
	require.NoError(t, err)
	assert.Less(t, n, int64(10000))
	assert.Equal(t, 0.0, eval(t, m, "calls"))
}

func TestSizeStopsAtTheLimit(t *testing.T) {
	b := newBuilder()
	sc := b.script(`var a = []; for (var i = 0; i < 100; i++) a.push({s: 'v'.repeat(1e5) + i})`)
	m := b.model(t)
	require.NoError(t, m.Exec(sc))
	all, err := m.Size(0)
	require.NoError(t, err)
	part, err := m.Size(1 << 20)
	require.NoError(t, err)
	assert.Greater(t, part, int64(1<<20))
	assert.Less(t, part, all)
	m.Close()
	_, err = m.Size(0)
	assert.ErrorIs(t, err, ErrClosed)
}

// BenchmarkSize measures a walk of a data model shaped like a callback
// session's: a state object of a few dozen fields, request ids, and a
// copy of an interaction event's data.
func BenchmarkSize(b *testing.B) {
	bd := newBuilder()
	sc := bd.script(`var cb = {state: 'QUEUED', reason: '', disposition: '', ixn: 'ixn-1', callid: 'c-1', origin: '',
		offerOpen: false, virtual: 'v-1', agent: '7001', reserved: true, vq: 'VQ_Callback', priority: 5, from: '7001',
		attempts: 1, result: '', delivered: false, transfers: 0, agentFirst: false, type: 'immediate',
		offerType: '', order: '', direction: 'outbound', offering: false, req: {dial: 'r1', reserve: 'r2'}};
		var last = {interactionid: 'ixn-1', interaction: {id: 'ixn-1', mediatype: 'voice', tenantid: 101,
			parties: [{dn: '7001', state: 'connected'}], udata: {_CB_T_START: '2026-01-01', _customer_number: '5551234'},
			voice: {callid: 'c-1', connid: '0001'}}};`)
	m := bd.model(b)
	require.NoError(b, m.Exec(sc))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := m.Size(0); err != nil {
			b.Fatal(err)
		}
	}
}
