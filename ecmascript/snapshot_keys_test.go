package ecmascript

import (
	"strings"
	"testing"

	"github.com/dop251/goja"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// A snapshot reads an object's enumerable own string keys from Go
// (keysOf) in the order Object.keys gives them: integer keys ascending,
// then the others in the order they were made; no symbol, no
// non-enumerable property, an accessor's name without calling it.
func TestSnapshotKeysAreObjectKeys(t *testing.T) {
	setup := `
		var plain = {b: 1, a: 2, 10: 'ten', 2: 'two', c: 3};
		delete plain.a; plain.a = 4; plain[1] = 'one';
		var arr = [1, 2, 3]; arr.extra = 'x'; arr[5] = 6;
		var sparse = []; sparse[1000] = 1; sparse.name = 'n'; sparse[3] = 3;
		var sym = {s: 1}; sym[Symbol('k')] = 2;
		var got = 0;
		var acc = {x: 1, get g() { got++; return 1 }, set g(v) {}};
		var hidden = {v: 1}; Object.defineProperty(hidden, 'h', {value: 2, enumerable: false});
		var proto = Object.create(null); proto.z = 1; proto.y = 2;
		var date = new Date(0); date.tag = 't';
		var re = /a/g; re.tag = 'r';
		var map = new Map(); map.set('k', 1); map.tag = 'm';
		var err = new TypeError('e'); err.code = 7;
		function fn() {} fn.cache = {}; fn[0] = 'z';
		function bare() {}
		var K = class { static m() {} }; K.field = 1;
		var arrow = () => 1; arrow.p = 1;
		var cyc = {a: 1}; cyc.self = cyc;
		var px = new Proxy({q: 1, r: 2}, {});
		var str = new String('ab'); str.extra = 1;
		var args = (function () { return arguments })(1, 2);
		var frozen = Object.freeze({f: 1, e: 2});
		var later = 1; var global = this;
	`
	names := []string{"plain", "arr", "sparse", "sym", "acc", "hidden", "proto", "date", "re", "map",
		"err", "fn", "bare", "K", "arrow", "cyc", "px", "str", "args", "frozen", "global"}
	m := newBuilder().model(t)
	exec(t, m, setup)
	for _, name := range names {
		t.Run(name, func(t *testing.T) {
			want := eval(t, m, "Object.keys("+name+").join()")
			o, ok := m.global.Get(name).(*goja.Object)
			require.True(t, ok)
			var got []string
			m.keysOf(o, func(k string) bool { got = append(got, k); return true })
			assert.Equal(t, want, strings.Join(got, ","))
		})
	}
	assert.Equal(t, 0.0, eval(t, m, "got"), "a getter called while reading keys")
}

// A snapshot reads a function's own enumerable names without making its
// prototype object (the document's Object.getOwnPropertyNames lists the
// same before and after), and leaves out length and name, which a
// restored session makes again from the source, also when a document
// made them enumerable.
func TestSnapshotFunctionKeys(t *testing.T) {
	m := newBuilder().model(t)
	exec(t, m, `
		function bare() {}
		function withProp() {} withProp.cache = {}; withProp[0] = 'z';
		function hiddenProp() {} Object.defineProperty(hiddenProp, 'h', {value: 1}); hiddenProp.v = 2;
		function usedProto() {} usedProto.prototype.x = 1;
		var arrow = () => 1; arrow.p = 1;
		var K = class { static m() {} }; K.field = 1;
		function named() {} Object.defineProperty(named, 'name', {value: 'other', enumerable: true}); named.x = 1;`)
	for name, want := range map[string]string{"bare": "", "withProp": "0,cache", "hiddenProp": "v",
		"usedProto": "", "arrow": "p", "K": "field", "named": "x"} {
		names := eval(t, m, "Object.getOwnPropertyNames("+name+").join()")
		o := m.global.Get(name).(*goja.Object)
		var got []string
		m.keysOf(o, func(k string) bool { got = append(got, k); return true })
		assert.Equal(t, want, strings.Join(got, ","), name)
		assert.Equal(t, names, eval(t, m, "Object.getOwnPropertyNames("+name+").join()"), "%s: its own names changed", name)
	}
}

// A function whose name a document made enumerable, with a property of
// its own, comes back from a snapshot: the name is its source's again,
// the property kept.
func TestSnapshotFunctionEnumerableName(t *testing.T) {
	b := newBuilder()
	sc := b.script(`function g() { return 1 }
		Object.defineProperty(g, 'name', {value: 'other', enumerable: true}); g.x = 7;`)
	_, m := roundTrip(t, b, sc)
	assert.Equal(t, "g 7 1", eval(t, m, "g.name + ' ' + g.x + ' ' + g()"))
}

// A document's functions have the same numbers in every compilation (in
// every process), so that a session's snapshot is the same bytes.
func TestSnapshotFunctionNumbersStable(t *testing.T) {
	b := newBuilder()
	sc := b.script(`function K() { return 1 } function K3() { return 3 } function K4() { return 4 }
		var a = function () { return 5 }, z = () => 6;
		var o = {a: K4, b: K, c: K3, d: a, e: z};`)
	var first string
	for i := range 20 {
		p, err := Compile(b.doc)
		require.NoError(t, err)
		dm, err := p.NewDatamodel()
		require.NoError(t, err)
		require.NoError(t, dm.Setup(newSystem()))
		m := dm.(*Model)
		require.NoError(t, m.Exec(sc))
		data, err := m.Persist()
		require.NoError(t, err)
		m.Close()
		if i == 0 {
			first = string(data)
			continue
		}
		require.Equal(t, first, string(data), "compilation %d", i)
	}
}
