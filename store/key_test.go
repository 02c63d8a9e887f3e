package store

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestEncodeKey checks the keys of session ids: the characters a key
// may hold kept, the others and '=' escaped, and back.
func TestEncodeKey(t *testing.T) {
	for _, c := range []struct{ id, key string }{
		{"", "="},
		{"0196f0a1-7c2e-7d4b-9c55-3b0a2f6e8d11", "0196f0a1-7c2e-7d4b-9c55-3b0a2f6e8d11"},
		{"a.b_c-D9", "a.b_c-D9"},
		{"a b", "a=20b"},
		{"x=y", "x=3Dy"},
		{"*>", "=2A=3E"},
		{"é", "=C3=A9"},
	} {
		assert.Equal(t, c.key, encodeKey(c.id), c.id)
		id, err := decodeKey(c.key)
		require.NoError(t, err)
		assert.Equal(t, c.id, id)
	}
}
