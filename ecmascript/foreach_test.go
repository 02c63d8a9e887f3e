package ecmascript

import (
	"errors"
	"testing"

	"github.com/orca-scxml/orca/scxml"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestForeach(t *testing.T) {
	tests := []struct {
		name    string
		array   string
		item    string
		index   string
		body    string // a script run for each item
		wantErr string
		runs    int
		check   string
	}{
		{name: "declared (W3C 150)", array: "Var3", item: "Var1", index: "Var2", runs: 3, check: "Var1 === 3 && Var2 === 2"},
		{name: "undeclared (W3C 150, 151)", array: "Var3", item: "Var4", index: "Var5", runs: 3, check: "Var4 === 3 && Var5 === 2"},
		{name: "no index", array: "Var3", item: "Var4", runs: 3, check: "Var4 === 3"},
		{name: "order (W3C 153)", array: "Var3", item: "Var2", body: "if (!(Var1 < Var2)) Var4 = 0; Var1 = Var2", runs: 3, check: "Var4 === 1"},
		{name: "sum (W3C 155)", array: "Var3", item: "Var2", body: "Var1 = Var1 + Var2", runs: 3, check: "Var1 === 6"},
		{name: "shallow copy (W3C 525)", array: "Var3", item: "x", body: "Var3 = [].concat(Var3, [4]); Var3.push(5)", runs: 3, check: "Var3.length === 9"},
		{name: "in-place change does not extend", array: "Var3", item: "x", body: "Var3.push(9)", runs: 3},
		{name: "empty array", array: "[]", item: "x", runs: 0},
		{name: "iterable", array: "new Set([1, 2])", item: "x", runs: 2, check: "x === 2"},
		{name: "array literal", array: "[{a: 1}]", item: "x", runs: 1, check: "x.a === 1"},
		{name: "number (W3C 152)", array: "Var4", item: "Var2", wantErr: "not an array", check: "Var1 === 0"},
		{name: "string", array: "'abc'", item: "Var2", wantErr: "not an array"},
		{name: "null", array: "null", item: "Var2", wantErr: "not an array"},
		{name: "object", array: "({a: 1})", item: "Var2", wantErr: "not iterable"},
		{name: "bad array expr", array: "nosuch", item: "Var2", wantErr: "nosuch is not defined"},
		{name: "illegal item (W3C 152)", array: "Var3", item: "'continue'", wantErr: "not a valid variable name", check: "Var1 === 0"},
		{name: "reserved item", array: "Var3", item: "continue", wantErr: "not a valid variable name"},
		{name: "illegal index", array: "Var3", item: "x", index: "1a", wantErr: "not a valid variable name"},
		{name: "empty item", array: "Var3", item: "", wantErr: "not a valid variable name"},
		{name: "system variable item", array: "Var3", item: "_sessionid", wantErr: "TypeError"},
		{name: "error stops (W3C 156)", array: "Var3", item: "Var2", body: "Var1 = Var1 + 1; Var5.x = 1", wantErr: "Var5", runs: 1, check: "Var1 === 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b := newBuilder()
			f := &scxml.Foreach{Pos: scxml.Pos{File: testFile, Line: 4, Col: 7}, Array: b.value(tt.array), Item: tt.item, Index: tt.index}
			var body *scxml.Script
			if tt.body != "" {
				body = b.script(tt.body)
			}
			m := b.model(t)
			exec(t, m, "var Var1 = 0, Var2, Var3 = [1, 2, 3], Var4 = 1")
			if tt.name == "number (W3C 152)" {
				exec(t, m, "Var4 = 7")
			}
			runs := 0
			err := m.Foreach(f, func() error {
				runs++
				if body != nil {
					return m.Exec(body)
				}
				return nil
			})
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
			} else {
				require.NoError(t, err)
			}
			assert.Equal(t, tt.runs, runs)
			if tt.check != "" {
				assert.True(t, cond(t, m, tt.check), tt.check)
			}
		})
	}
}

func TestForeachBodyError(t *testing.T) {
	b := newBuilder()
	f := &scxml.Foreach{Array: b.value("[1, 2]"), Item: "x"}
	m := b.model(t)
	boom := errors.New("boom")
	assert.Equal(t, boom, m.Foreach(f, func() error { return boom }))
}

func TestIsIdentifier(t *testing.T) {
	for s, want := range map[string]bool{
		"a": true, "_a1": true, "$": true, "Var1": true, "π": true, "a\u0301": true,
		"": false, "1a": false, "a-b": false, "a b": false, "'a'": false, "if": false, "true": false,
	} {
		assert.Equal(t, want, isIdentifier(s), s)
	}
}
