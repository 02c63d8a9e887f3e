package jsontext

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestAppendStringAsEncodingJSON: AppendString writes what encoding/json
// writes, but for <, > and &, which it leaves as they are.
func TestAppendStringAsEncodingJSON(t *testing.T) {
	tests := []string{"", "plain", `quote " and \ backslash`, "tab\tnew\nline\rcr", "\x00\x01\x1f",
		"é ü 漢字 🐋", "bad \xff utf-8 \xc3", "line\u2028para\u2029", "<a href=\"x\">&amp;</a>"}
	for _, s := range tests {
		want, err := json.Marshal(s)
		assert.NoError(t, err)
		w := strings.NewReplacer(`\u003c`, "<", `\u003e`, ">", `\u0026`, "&").Replace(string(want))
		got := AppendString([]byte("x"), s)
		assert.Equal(t, "x"+w, string(got), "%q", s)
		var back string
		assert.NoError(t, json.Unmarshal(got[1:], &back), "%q", s)
	}
}
