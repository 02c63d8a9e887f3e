package loopback

import (
	"fmt"
	"math/rand/v2"
	"net"
	"os"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// lowest is the lowest port Ports hands out: below it lie the
// registered ports of services a developer's machine may run.
const lowest = 10000

// Ports returns n distinct ports on 127.0.0.1 that nothing listens on
// now and that no outgoing connection will be given: they lie between
// 10000 and the start of the kernel's ephemeral range.
func Ports(n int) ([]int, error) {
	highest := ephemeralStart() - 1
	if highest <= lowest {
		return nil, fmt.Errorf("loopback: the ephemeral range starts at %d, leaving no ports above %d", highest+1, lowest)
	}
	ports := make([]int, 0, n)
	for tries := 0; len(ports) < n; tries++ {
		if tries == 1000*n {
			return nil, fmt.Errorf("loopback: %d tries found only %d free ports of %d between %d and %d", tries, len(ports), n, lowest, highest)
		}
		p := lowest + rand.IntN(highest-lowest+1)
		if !slices.Contains(ports, p) && free(p) {
			ports = append(ports, p)
		}
	}
	return ports, nil
}

// Port is Ports(1) for a test, failing it when no port is found.
func Port(t testing.TB) int {
	t.Helper()
	ports, err := Ports(1)
	if err != nil {
		t.Fatal(err)
	}
	return ports[0]
}

// free reports whether a listener can be opened on port now.
func free(port int) bool {
	ln, err := net.Listen("tcp", net.JoinHostPort("127.0.0.1", strconv.Itoa(port)))
	if err != nil {
		return false
	}
	return ln.Close() == nil
}

// ephemeralStart is the first port of the kernel's ephemeral range:
// Linux says it in /proc; elsewhere it is IANA's 49152 (macOS, Windows),
// and 32768, Linux's default, is taken when /proc does not say.
func ephemeralStart() int {
	b, err := os.ReadFile("/proc/sys/net/ipv4/ip_local_port_range")
	if err != nil {
		return 32768
	}
	fields := strings.Fields(string(b))
	if len(fields) == 0 {
		return 32768
	}
	p, err := strconv.Atoi(fields[0])
	if err != nil {
		return 32768
	}
	return p
}
