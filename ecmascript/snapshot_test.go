package ecmascript

import (
	"math"
	"runtime"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

var _ interp.Persistent = (*Model)(nil)

// roundTrip runs the document's scripts in a model, persists it and
// restores the state into a second model of the same program.
func roundTrip(t *testing.T, b *builder, scripts ...*scxml.Script) (before, after *Model) {
	t.Helper()
	p, err := Compile(b.doc)
	require.NoError(t, err)
	model := func() *Model {
		dm, err := p.NewDatamodel()
		require.NoError(t, err)
		require.NoError(t, dm.Setup(newSystem()))
		t.Cleanup(dm.Close)
		return dm.(*Model)
	}
	before = model()
	for _, s := range scripts {
		require.NoError(t, before.Exec(s))
	}
	data, err := before.Persist()
	require.NoError(t, err)
	after = model()
	require.NoError(t, after.Restore(data), string(data))
	again, err := after.Persist()
	require.NoError(t, err)
	assert.JSONEq(t, string(data), string(again), "a restored model persists the same state")
	return before, after
}

func TestSnapshotValues(t *testing.T) {
	b := newBuilder()
	sc := b.script(`
		var n = 42, f = 1.5, s = "tab\there \u2028 é", t = true, nul = null, u;
		var nan = NaN, inf = -Infinity, nz = -0, big = 12345678901234567890n;
		var when = new Date(Date.UTC(2026, 10, 21, 10, 0, 0));
		var bad = new Date(NaN);
		var re = /a+b/gi; re.lastIndex = 2;
		var boxed = new String("x"), num = new Number(3), yes = new Boolean(false);
		var err = new TypeError("boom"); err.code = 7;
		var arr = [1, , "three", [4]]; arr.extra = "x";
		var obj = {a: 1, "b c": [true], nested: {deep: {deeper: "yes"}}, $dollar: 1};
		var bare = Object.create(null); bare.k = "v";
		implicit = "global by assignment";`)
	_, m := roundTrip(t, b, sc)
	for src, want := range map[string]bool{
		`n === 42 && f === 1.5 && s === "tab\there \u2028 é" && t === true && nul === null && u === undefined`: true,
		`isNaN(nan) && inf === -Infinity && 1/nz === -Infinity && big === 12345678901234567890n`:               true,
		`when instanceof Date && when.getTime() === Date.UTC(2026, 10, 21, 10, 0, 0) && isNaN(bad.getTime())`:  true,
		`re instanceof RegExp && re.source === "a+b" && re.flags === "gi" && re.lastIndex === 2`:               true,
		`typeof boxed === "object" && boxed.valueOf() === "x" && num + 1 === 4 && yes.valueOf() === false`:     true,
		`err instanceof TypeError && err.message === "boom" && err.code === 7`:                                 true,
		`arr.length === 4 && !(1 in arr) && arr[2] === "three" && arr[3][0] === 4 && arr.extra === "x"`:        true,
		`obj.a === 1 && obj["b c"][0] === true && obj.nested.deep.deeper === "yes" && obj.$dollar === 1`:       true,
		`Object.getPrototypeOf(bare) === null && bare.k === "v"`:                                               true,
		`implicit === "global by assignment"`:                                                                  true,
		`Object.keys(obj).join() === "a,b c,nested,$dollar"`:                                                   true,
	} {
		assert.Equal(t, want, cond(t, m, src), src)
	}
	assert.True(t, math.IsNaN(eval(t, m, "nan").(float64)))
}

func TestSnapshotGraph(t *testing.T) {
	b := newBuilder()
	sc := b.script(`
		var shared = {count: 1};
		var a = {s: shared}, c = {s: shared};
		var cycle = {name: "loop"}; cycle.self = cycle;
		var list = [cycle, shared];
		var g = this;`)
	_, m := roundTrip(t, b, sc)
	assert.True(t, cond(t, m, `a.s === c.s && list[1] === a.s`), "shared objects stay shared")
	assert.True(t, cond(t, m, `cycle.self === cycle && list[0] === cycle`), "cycles survive")
	assert.True(t, cond(t, m, `g === this`), "the global object")
	exec(t, m, `shared.count++`)
	assert.Equal(t, 2.0, eval(t, m, "c.s.count"))
}

func TestSnapshotFunctions(t *testing.T) {
	b := newBuilder()
	sc := b.script(`
		var total = 10;
		function add(n) { total += n; return total; }
		var twice = function (x) { return 2 * x; };
		var arrow = (x) => x + total;
		var helpers = { square: function (x) { return x * x; }, cube(x) { return x * x * x; } };
		add.calls = 3;
		var made = new Function("a", "b", "return a * b + total");
		var keep = add;
		var log = JSON;`)
	_, m := roundTrip(t, b, sc)
	assert.Equal(t, 15.0, eval(t, m, "add(5)"), "a function declaration closes over the restored globals")
	assert.Equal(t, 15.0, eval(t, m, "total"))
	assert.Equal(t, 8.0, eval(t, m, "twice(4)"))
	assert.Equal(t, 16.0, eval(t, m, "arrow(1)"))
	assert.Equal(t, 9.0, eval(t, m, "helpers.square(3)"))
	assert.Equal(t, 27.0, eval(t, m, "helpers.cube(3)"))
	assert.Equal(t, 3.0, eval(t, m, "add.calls"), "a function's properties")
	assert.True(t, cond(t, m, "keep === add"), "two references to one function")
	assert.Equal(t, 21.0, eval(t, m, "made(2, 3)"))
	assert.True(t, cond(t, m, "log === JSON"), "a global of the environment")
}

// TestSnapshotWithADocumentsObjectKeys: a document that replaces
// Object.keys (an old polyfill listing inherited names too) changes
// neither what a snapshot keeps nor the session: the snapshot does not
// call the document's function.
func TestSnapshotWithADocumentsObjectKeys(t *testing.T) {
	b := newBuilder()
	top := b.script(`function helper(x) { return x + 1 }`)
	b.doc.Scripts = append(b.doc.Scripts, top)
	use := b.script(`
		Object.prototype.each = function (f) { for (var k in this) if (this.hasOwnProperty(k)) f(k, this[k]); };
		var calls = 0;
		Object.keys = function (o) { calls++; var r = []; for (var k in o) r.push(k); return r; };
		var obj = {a: 1}, keep = helper;`)
	before, after := roundTrip(t, b, top, use)
	for _, m := range []*Model{before, after} {
		assert.Equal(t, "a", eval(t, m, "Object.getOwnPropertyNames(obj).join()"), "an object's own names")
		assert.False(t, cond(t, m, "helper.hasOwnProperty('each') || this.hasOwnProperty('each')"))
	}
	assert.Equal(t, 0.0, eval(t, before, "calls"), "the snapshot called the document's Object.keys")
	assert.True(t, cond(t, after, "keep === helper && helper(1) === 2"))
}

// TestSnapshotEnvFunctions checks the functions of top-level scripts,
// globals of the environment made when read (lazy.go): a variable holding
// one holds the restored session's, and one given properties keeps them.
func TestSnapshotEnvFunctions(t *testing.T) {
	b := newBuilder()
	top := b.script(`function helper(x) { return x + 1 }
		function counted() { return counted.calls }
		function unread() { return 'u' }`)
	b.doc.Scripts = append(b.doc.Scripts, top)
	use := b.script(`var keep = helper; counted.calls = 3; var also = counted;`)
	before, m := roundTrip(t, b, top, use)
	require.Contains(t, before.p.envIndex, "helper", "a global of the environment")
	assert.True(t, cond(t, m, "keep === helper && helper(1) === 2"), "a variable holding an environment's function")
	assert.Equal(t, 3.0, eval(t, m, "counted()"), "a function's own properties")
	assert.True(t, cond(t, m, "also === counted"))
	assert.Equal(t, "u", eval(t, m, "unread()"), "a function never read before the snapshot")
}

func TestSnapshotLexical(t *testing.T) {
	b := newBuilder()
	sc := b.script(`let counter = 5; const limit = {max: 9}; class Point { constructor(x) { this.x = x; } }`)
	_, m := roundTrip(t, b, sc)
	assert.Equal(t, 5.0, eval(t, m, "counter"))
	assert.Equal(t, 9.0, eval(t, m, "limit.max"))
	assert.Equal(t, 4.0, eval(t, m, "new Point(4).x"))
	exec(t, m, "counter++")
	assert.Equal(t, 6.0, eval(t, m, "counter"))
}

func TestSnapshotRefuses(t *testing.T) {
	for name, src := range map[string]string{
		"closure":  `function outer() { var secret = 1; return function () { return secret; }; } var inner = outer();`,
		"instance": `function P() {} var p = new P();`,
		"map":      `var m = new Map();`,
		"native":   `var h = {f: [].push.bind([])};`,
		"symbol":   `var sym = Symbol("s");`,
		"eval":     `var e = eval("(function () { return 1; })");`,
	} {
		t.Run(name, func(t *testing.T) {
			b := newBuilder()
			sc := b.script(src)
			m := b.model(t)
			require.NoError(t, m.Exec(sc))
			_, err := m.Persist()
			require.Error(t, err)
			assert.ErrorIs(t, err, interp.ErrNotPersistent)
			t.Log(err)
		})
	}
	b := newBuilder()
	sc := b.script(`function outer() { return function () {}; } var cb = {state: {handler: outer()}};`)
	m := b.model(t)
	require.NoError(t, m.Exec(sc))
	_, err := m.Persist()
	require.Error(t, err)
	assert.Contains(t, err.Error(), "cb.state.handler: cannot be persisted: a function defined inside another function")
}

func TestSnapshotDataObjectAndDOM(t *testing.T) {
	b := newBuilder()
	sc := b.script(`_x.platform = "orca"; var doc = _x; var node = xml;`)
	xml := &scxml.Data{ID: "xml", Content: &scxml.Content{Text: "<a><b id='1'/></a>", XML: true}}
	p, err := Compile(b.doc)
	require.NoError(t, err)
	var models []*Model
	for range 2 {
		dm, err := p.NewDatamodel()
		require.NoError(t, err)
		require.NoError(t, dm.Setup(newSystem()))
		t.Cleanup(dm.Close)
		models = append(models, dm.(*Model))
	}
	require.NoError(t, models[0].InitData(xml))
	require.NoError(t, models[0].Exec(sc))
	data, err := models[0].Persist()
	require.NoError(t, err)
	require.NoError(t, models[1].Restore(data))
	m := models[1]
	assert.Equal(t, "orca", eval(t, m, "_x.platform"))
	assert.True(t, cond(t, m, "doc === _x"), "the environment's object, shared")
	assert.Equal(t, "1", eval(t, m, `node.getElementsByTagName("b")[0].getAttribute("id")`))
}

// The globals a snapshot keeps are the document's, read without making
// goja's built-ins: every own property of a new global object is a
// built-in or a system variable (so a goja that adds a global shows here
// rather than in a snapshot refused for it), and a persist makes none of
// the built-ins goja makes on first use (Object.keys made the Object
// constructor, its keys function and Array.prototype, some 2 KB).
func TestSnapshotGlobalsAreTheDocuments(t *testing.T) {
	b := newBuilder()
	m := b.model(t)
	names := m.documentGlobals(nil)
	assert.Empty(t, names, "a new session's global object has the built-ins and system variables only")
	exec(t, m, `var a = 1; function f() { return a; } b = 2;`)
	exec(t, m, `Object.defineProperty(this, 'hidden', {value: 1, writable: true, enumerable: false});`)
	names = m.documentGlobals(nil)
	assert.Equal(t, []string{"f", "a", "b"}, names, "in the order they were made, declarations hoisted; not the hidden one")

	const n = 200
	models := make([]*Model, n)
	for i := range models {
		models[i] = b.model(t)
		exec(t, models[i], `var a = 1;`)
	}
	held := persistHeld(t, models)
	t.Logf("heap a persist leaves in each session: %d B", held)
	assert.Less(t, held, int64(1024), "heap a persist leaves in each session: %d B", held)
}

// persistHeld persists every model and returns the heap the persists
// left, per model.
func persistHeld(t *testing.T, models []*Model) int64 {
	t.Helper()
	var before, after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)
	for _, m := range models {
		_, err := m.Persist()
		require.NoError(t, err)
	}
	runtime.GC()
	runtime.ReadMemStats(&after)
	return (int64(after.HeapAlloc) - int64(before.HeapAlloc)) / int64(len(models))
}

// helpersDoc declares functions in its top-level script and calls them,
// as the callback templates do.
const helpersDoc = `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript" initial="a">
	<script>
function h1(x) { return x + 1 }
function h2(x) { return x + 2 }
function h3(x) { return x + 3 }
function h4(x) { return x + 4 }
function h5(x) { return x + 5 }
function h6(x) { return x + 6 }
var total = h1(0) + h2(0) + h3(0) + h4(0) + h5(0) + h6(0);
	</script>
	<state id="a"/>
</scxml>`

// A snapshot asks each function of the document's scripts the session
// made whether it has properties of its own without making the
// function's prototype object (goja makes it when a function's
// properties are iterated), which the session would keep and its memory
// limit would walk.
func TestSnapshotMakesNoPrototypes(t *testing.T) {
	doc, err := scxml.Parse("helpers.scxml", []byte(helpersDoc), &scxml.Options{Dialect: scxml.ORS})
	require.NoError(t, err)
	eng := interp.NewEngine(interp.Options{Clock: interp.NewVirtualClock(time.Unix(0, 0)),
		Datamodels: map[string]interp.DatamodelCompiler{"ecmascript": Compile}})
	c, err := eng.Compile(doc)
	require.NoError(t, err)
	const n = 200
	models := make([]*Model, n)
	for i := range models {
		s, err := eng.Start(c, interp.StartOptions{})
		require.NoError(t, err)
		eng.Run()
		models[i] = s.Datamodel().(*Model)
		assert.Equal(t, 21.0, eval(t, models[i], "total"))
	}
	held := persistHeld(t, models)
	runtime.KeepAlive(eng)
	t.Logf("heap a persist leaves in a session that made six functions: %d B", held)
	assert.Less(t, held, int64(512), "heap a persist leaves in a session that made six functions: %d B", held)
}

// TestSnapshotEnvFunctionsOnlyCalled checks which functions of the
// document a snapshot asks for properties of their own (snapshot_env.go),
// and that a property given by each route the analysis must see survives
// a snapshot: a function the document only calls is not asked, one it
// names otherwise, or reaches by a route made at run time, is.
func TestSnapshotEnvFunctionProperties(t *testing.T) {
	const top = "function helper(x) { return x + 1 }\nfunction other() { return helper (1) + helper\n(2) }"
	cases := []struct {
		name string
		use  string
		// set says the script gives helper the property x (1).
		set bool
	}{
		{"only called", "var r = helper(1) + other()", false},
		{"member", "helper.x = 1", true},
		{"held by a variable", "var h = helper; h.x = 1", true},
		{"an argument", "Object.assign(helper, {x: 1})", true},
		{"a string", `var o = {f: helper(1)}; ({helper: 0}); this.other(); "helper"`, false},
		{"this indexed", `this["hel" + "per"].x = 1`, true},
		{"this held", `var g = this; g["hel" + "per"].x = 1`, true},
		{"globalThis", `globalThis["hel" + "per"].x = 1`, true},
		{"eval", `eval("hel" + "per").x = 1`, true},
		{"the Function constructor", `Function("return hel" + "per")().x = 1`, true},
		{"arguments.callee", `function set() { arguments.callee.x = 1; return 0 } set()`, false},
		{"new.target", `function Mark() { new.target.x = 1 } new Mark()`, false},
		{"a Unicode escape", `hel\u0070er.x = 1`, true},
		{"a comment between", "helper /* this, eval */ (1) // helper.x", false},
		{"this.helper", "this.helper.x = 1", true},
		{"this.helper()", "this.helper(1)", false},
		{"a shorthand property", "var o = {helper}; o.helper.x = 1", true},
		{"arguments indexed", `function set() { arguments["cal" + "lee"].x = 1; return 0 } set()`, false},
		// Routes that name no function of the document.
		{"an instance's constructor", `new helper(1).constructor.x = 1`, true},
		{"the Function constructor of a function", `(function(){}).constructor("hel" + "per.x = 1")()`, true},
		{"the global object by the Function constructor", `(function(){}).constructor("return th" + "is")()["hel" + "per"].x = 1`, true},
		{"the Function constructor of an array's", `[].constructor.constructor("hel" + "per.x = 1")()`, true},
		{"Reflect.set", `Reflect.set(new helper(1).constructor, "x", 1)`, true},
		{"computed keys", `var k = "con" + "structor"; [][k][k]("hel" + "per.x = 1")()`, true},
		{"a descriptor", `Object.getOwnPropertyDescriptor(Object.getPrototypeOf(function(){}), "constructor").value("hel" + "per.x = 1")()`, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := newBuilder()
			s := b.script(top)
			b.doc.Scripts = append(b.doc.Scripts, s)
			use := b.script(c.use)
			before, after := roundTrip(t, b, s, use)
			if c.set {
				assert.Equal(t, 1.0, eval(t, before, "helper.x"))
				assert.Equal(t, 1.0, eval(t, after, "helper.x"), "the property survives the snapshot")
			}
			assert.Equal(t, 2.0, eval(t, after, "helper(1)"))
		})
	}
}

// TestSnapshotEncoderSharedBySessions pins that the encoder the sessions
// of a document share between snapshots (program.encoder) carries nothing
// from one snapshot to the next: not object ids (which would write a
// reference to another session's object), not keys or a path left by a
// snapshot that failed half-way, and that sessions snapshot at once.
func TestSnapshotEncoderSharedBySessions(t *testing.T) {
	b := newBuilder()
	lib := b.script(`
		var shared = {k: 1};
		var g = {x: shared, y: shared, self: null, list: [shared, 2]};
		g.self = g;
		function helper(v) { return v; }`)
	p, err := Compile(b.doc)
	require.NoError(t, err)
	prog := p.(*program)
	model := func(script string) *Model {
		dm, err := p.NewDatamodel()
		require.NoError(t, err)
		require.NoError(t, dm.Setup(newSystem()))
		t.Cleanup(dm.Close)
		m := dm.(*Model)
		require.NoError(t, m.Exec(lib))
		exec(t, m, script)
		return m
	}
	a := model(`g.who = "a"; helper.cache = {hit: shared};`)
	c := model(`g.who = "c"; shared.k = 2; g.more = {deep: {deeper: [g, shared]}};`)
	bad := model(`function outer() { return function () {}; } g.handler = outer();`)
	persist := func(m *Model) string {
		data, err := m.Persist()
		require.NoError(t, err)
		return string(data)
	}
	wantA, wantC := persist(a), persist(c)
	for range 3 {
		_, err := bad.Persist()
		require.ErrorIs(t, err, interp.ErrNotPersistent)
		assert.Equal(t, wantA, persist(a))
		assert.Equal(t, wantC, persist(c))
		if e, _ := prog.encoders.Get().(*encoder); e != nil {
			assert.Empty(t, e.ids, "a released encoder refers to no session's objects")
			assert.Empty(t, e.keys)
			assert.Empty(t, e.path)
			assert.Nil(t, e.m)
			prog.encoders.Put(e)
		}
	}
	// Each restores into a session of its own, as it was.
	for _, x := range []struct {
		data, check string
	}{
		{wantA, `g.who === "a" && g.self === g && g.x === g.y && g.list[0] === shared && shared.k === 1 && helper.cache.hit === shared`},
		{wantC, `g.who === "c" && shared.k === 2 && g.more.deep.deeper[0] === g && g.more.deep.deeper[1] === shared && helper.cache === undefined`},
	} {
		dm, err := p.NewDatamodel()
		require.NoError(t, err)
		require.NoError(t, dm.Setup(newSystem()))
		t.Cleanup(dm.Close)
		m := dm.(*Model)
		require.NoError(t, m.Restore([]byte(x.data)), x.data)
		assert.True(t, cond(t, m, x.check), x.data)
	}

	// Sessions of the document on goroutines of their own (each session's
	// goroutine) snapshot at once.
	models := []*Model{model(`g.who = 1;`), model(`g.who = 2; shared.k = [g];`), model(`g.who = 3; helper.x = 1;`)}
	want := make([]string, len(models))
	for i, m := range models {
		want[i] = persist(m)
	}
	var wg sync.WaitGroup
	got := make([][]string, len(models))
	for i, m := range models {
		wg.Go(func() {
			for range 50 {
				data, err := m.Persist()
				if err != nil {
					got[i] = append(got[i], err.Error())
					continue
				}
				got[i] = append(got[i], string(data))
			}
		})
	}
	wg.Wait()
	for i := range models {
		for _, g := range got[i] {
			require.Equal(t, want[i], g)
		}
	}
}

// TestSnapshotLeavesAnUnreadXUnmade pins that a snapshot of a session no
// script made _x in writes it as empty without making it, and that one
// whose scripts did keeps its contents; both restore.
func TestSnapshotLeavesAnUnreadXUnmade(t *testing.T) {
	b := newBuilder()
	plain := b.script(`var n = {a: 1};`)
	withX := b.script(`_x.k = {n: n};`)
	m := b.model(t)
	require.NoError(t, m.Exec(plain))
	data, err := m.Persist()
	require.NoError(t, err)
	assert.Nil(t, m.x, "the snapshot made _x")
	assert.Contains(t, string(data), `"env":[[]]`)
	_, after := roundTrip(t, b, plain)
	assert.True(t, cond(t, after, `n.a === 1 && Object.keys(_x).length === 0`))

	_, after = roundTrip(t, b, plain, withX)
	assert.True(t, cond(t, after, `_x.k.n === n && n.a === 1`))
}
