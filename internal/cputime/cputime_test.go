package cputime

import (
	"runtime"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestProcessGrowsWithWork(t *testing.T) {
	if runtime.GOOS == "windows" || runtime.GOOS == "plan9" || runtime.GOOS == "js" {
		t.Skip("the CPU time of the process is not read on " + runtime.GOOS)
	}
	before := Process()
	x := 0
	for i := 0; Process()-before < 5e6 && i < 1e10; i++ {
		x += i
	}
	assert.GreaterOrEqual(t, int64(Process()-before), int64(5e6), "5ms of CPU time used (x=%d)", x)
}
