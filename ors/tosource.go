package ors

// toSourceJS defines toSource() on the built-in prototypes, as
// SpiderMonkey had it: a JavaScript literal that evaluates to an equal
// value, e.g. ({a:1, b:"x"}) for an object and [1, "x"] for an array.
const toSourceJS = `(function () {
	var ident = /^([A-Za-z_$][A-Za-z0-9_$]*|[0-9]+)$/;
	var q = JSON.stringify;
	function src(v, top, seen) {
		switch (typeof v) {
		case 'undefined': return '(void 0)';
		case 'string': return q(v);
		case 'number': return (v === 0 && 1 / v < 0) ? '-0' : String(v);
		case 'boolean': return String(v);
		case 'function': return String(v);
		}
		if (v === null) return 'null';
		if (seen.indexOf(v) >= 0) return '{}';
		if (v instanceof Date) return '(new Date(' + v.getTime() + '))';
		if (v instanceof String) return '(new String(' + q(String(v)) + '))';
		if (v instanceof Number) return '(new Number(' + String(Number(v)) + '))';
		if (v instanceof Boolean) return '(new Boolean(' + String(v.valueOf()) + '))';
		seen.push(v);
		var out;
		if (Array.isArray(v)) {
			var items = [];
			for (var i = 0; i < v.length; i++) items.push(i in v ? src(v[i], false, seen) : '');
			out = '[' + items.join(', ') + ']';
		} else {
			var parts = [];
			for (var k in v) {
				if (Object.prototype.hasOwnProperty.call(v, k)) {
					parts.push((ident.test(k) ? k : q(k)) + ':' + src(v[k], false, seen));
				}
			}
			out = '{' + parts.join(', ') + '}';
			if (top) out = '(' + out + ')';
		}
		seen.pop();
		return out;
	}
	function def(proto, fn) {
		Object.defineProperty(proto, 'toSource', {value: fn, writable: true, configurable: true, enumerable: false});
	}
	def(Object.prototype, function () { return src(this, true, []); });
	def(Array.prototype, function () { return src(this, true, []); });
	def(String.prototype, function () { return src(new String(this), true, []); });
	def(Number.prototype, function () { return src(new Number(this), true, []); });
	def(Boolean.prototype, function () { return src(new Boolean(this.valueOf()), true, []); });
	def(Date.prototype, function () { return src(this, true, []); });
	def(Function.prototype, function () { return String(this); });
})();`
