package sim

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestConnIDFormat: connID writes what fmt's "%016X" writes.
func TestConnIDFormat(t *testing.T) {
	for _, n := range []uint64{0, 1, 0xABCDEF, 0x006E000000000000 | 0x123456<<24 | 42, 1<<64 - 1} {
		assert.Equal(t, fmt.Sprintf("%016X", n), connID(n))
	}
}
