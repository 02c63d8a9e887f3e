package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

// TestStoresKeepOrder: a request's reporting events come back in the
// order they were added, the first held without a slice.
func TestStoresKeepOrder(t *testing.T) {
	var s stores
	assert.Zero(t, s.len())
	sts := []*store{{name: "a"}, {name: "b"}, {name: "c"}}
	for i, st := range sts {
		s.add(st)
		assert.Equal(t, i+1, s.len())
	}
	for i, st := range sts {
		assert.Same(t, st, s.at(i))
	}
	var one stores
	one.add(sts[0])
	assert.Nil(t, one.more)
}
