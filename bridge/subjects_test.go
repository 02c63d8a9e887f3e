package bridge

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/orca-scxml/orca/telephony/wire"
)

// TestRequestSubjects: the subjects kept are those wire.RequestSubject
// makes, for the port's switch and for any other (a request may name
// another switch), escaped switch names included.
func TestRequestSubjects(t *testing.T) {
	for _, sw := range []string{"SIP_Switch", "SW.1", ""} {
		r := newRequestSubjects(sw)
		for _, other := range []string{sw, "Other", "A*B"} {
			for _, n := range append(wire.Requests(), "RequestNotInTheList") {
				assert.Equal(t, wire.RequestSubject(other, n), r.of(other, n), "%q %q", other, n)
			}
		}
	}
}
