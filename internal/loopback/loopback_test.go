package loopback

import (
	"fmt"
	"net"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPortsAreDistinctFreeAndBelowTheEphemeralRange(t *testing.T) {
	ports, err := Ports(50)
	require.NoError(t, err)
	require.Len(t, ports, 50)
	seen := map[int]bool{}
	for _, p := range ports {
		assert.False(t, seen[p], "port %d twice", p)
		seen[p] = true
		assert.GreaterOrEqual(t, p, lowest)
		assert.Less(t, p, ephemeralStart())
	}
	// Free when handed out; listening again on all fifty would race with
	// the other packages' tests drawing from the same range.
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(ports[0])))
	require.NoError(t, err, "port %d", ports[0])
	require.NoError(t, ln.Close())
}

func TestFreeReportsAPortInUse(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	defer ln.Close()
	used := ln.Addr().(*net.TCPAddr).Port
	assert.False(t, free(used))
}

func ExamplePorts() {
	ports, err := Ports(2)
	if err != nil {
		panic(err)
	}
	fmt.Println(len(ports), ports[0] != ports[1])
	// Output: 2 true
}
