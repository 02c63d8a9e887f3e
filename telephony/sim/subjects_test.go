package sim

import (
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/orca-scxml/orca/telephony/wire"
)

// TestSubjects: the kept subjects are those wire makes, for DNs and
// instances that need escaping too, and they stay bounded.
func TestSubjects(t *testing.T) {
	var c subjects
	for _, dn := range []string{"7001", "RP_Callback", "a.b c", ""} {
		for _, name := range []string{"EventRinging", "EventACK"} {
			assert.Equal(t, wire.EventSubject("SIP_Switch", dn, name), c.event("SIP_Switch", dn, name))
			assert.Equal(t, wire.ReplySubject("SIP_Switch", dn, name), c.reply("SIP_Switch", dn, name))
		}
	}
	assert.NotEqual(t, c.event("S", "x", "E"), c.reply("S", "x", "E"), "kinds are kept apart")
	for i := range subjectsMax + 10 {
		dn := fmt.Sprint(i)
		assert.Equal(t, wire.EventSubject("S", dn, "EventRinging"), c.event("S", dn, "EventRinging"))
	}
	assert.LessOrEqual(t, len(c.m), subjectsMax)
	allocs := testing.AllocsPerRun(100, func() { _ = c.event("S", "7", "EventRinging") })
	assert.Zero(t, allocs, "a kept subject is not made again")
}
