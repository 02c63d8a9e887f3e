package sim

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/orca-scxml/orca/telephony"
)

// TestCallUserDataShared: an event shares the call's user data, and keeps
// what it carried when the call's data changes after.
func TestCallUserDataShared(t *testing.T) {
	ud := make(telephony.UserData, 0, 8) // room to append in place
	ud = append(ud, telephony.KV{Key: "a", Value: "1"}, telephony.KV{Key: "n", Value: telephony.UserData{{Key: "x", Value: 1}}})
	c := &call{Call: Call{ConnID: "c1", UserData: ud}}
	before := c.msg(telephony.EventRinging).UserData
	want := telephony.UserData{{Key: "a", Value: "1"}, {Key: "n", Value: telephony.UserData{{Key: "x", Value: 1}}}}

	c.editUserData().Set("a", "2")
	c.editUserData().Delete("n")
	c.UserData = append(c.sharedUserData(), telephony.KV{Key: "b", Value: 3})
	assert.Equal(t, want, before)
	assert.Equal(t, telephony.UserData{{Key: "a", Value: "2"}, {Key: "b", Value: 3}}, c.UserData)

	// Appending to the call's data does not write into an event's.
	c = &call{Call: Call{ConnID: "c2", UserData: ud[:1]}}
	ev := c.msg(telephony.EventRinging).UserData
	c.UserData = append(c.sharedUserData(), telephony.KV{Key: "c", Value: "4"})
	other := c.msg(telephony.EventEstablished).UserData
	ev = append(ev, telephony.KV{Key: "d", Value: "5"}) // a reader appending to its copy
	assert.Equal(t, "4", other[1].Value)
	assert.Equal(t, "5", ev[1].Value)
}
