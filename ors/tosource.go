package ors

// toSourceJS evaluates to the toSource() method that setupORS puts on
// Object.prototype, as SpiderMonkey had it on the built-in prototypes: a
// JavaScript literal that evaluates to an equal value, e.g. ({a:1, b:"x"})
// for an object, [1, "x"] for an array, (new String("x")) for a string and
// the source text for a function. Every value but null and undefined
// inherits it, so one function serves every kind; it dispatches on this as
// the methods of String.prototype, Number.prototype, Boolean.prototype and
// Function.prototype did.
//
// The program creates only that function: its helpers are created when it
// is called, and it uses no regular expression and no built-in object that
// a session would otherwise not load, so installing it costs a session one
// function object.
const toSourceJS = `(function () {
	function ident(k) {
		var n = k.length, i, c, digits = true;
		if (n === 0) return false;
		for (i = 0; i < n; i++) {
			c = k.charCodeAt(i);
			if (c < 48 || c > 57) { digits = false; break; }
		}
		if (digits) return true;
		for (i = 0; i < n; i++) {
			c = k.charCodeAt(i);
			if (!((c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95 || c === 36 || (i > 0 && c >= 48 && c <= 57))) return false;
		}
		return true;
	}
	function q(s) { return JSON.stringify(s); }
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
					parts.push((ident(k) ? k : q(k)) + ':' + src(v[k], false, seen));
				}
			}
			out = '{' + parts.join(', ') + '}';
			if (top) out = '(' + out + ')';
		}
		seen.pop();
		return out;
	}
	switch (typeof this) {
	case 'string': return src(new String(this), true, []);
	case 'number': return src(new Number(this), true, []);
	case 'boolean': return src(new Boolean(this.valueOf()), true, []);
	case 'function': return String(this);
	}
	return src(this, true, []);
})`
