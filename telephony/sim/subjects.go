package sim

import (
	"strings"
	"sync"

	"github.com/orca-scxml/orca/telephony/wire"
)

// subjectsMax bounds the subjects a responder keeps: beyond it (a switch
// with very many DNs or instances) they are forgotten and made again.
const subjectsMax = 4096

// subjectKey names a subject: its kind (wire.KindEvt or wire.KindRsp),
// the switch, the DN or instance, and the event's name.
type subjectKey struct{ kind, sw, to, name string }

// subjects keeps the subjects a responder publishes on, so that an event
// does not build its reply and broadcast subjects anew (two allocations
// an event): the DNs, instances and event names of a switch are few.
type subjects struct {
	mu sync.Mutex
	m  map[subjectKey]string
}

// event returns wire.EventSubject(sw, dn, name).
func (c *subjects) event(sw, dn, name string) string {
	return c.get(subjectKey{wire.KindEvt, sw, dn, name}, wire.EventSubject)
}

// reply returns wire.ReplySubject(sw, inst, name).
func (c *subjects) reply(sw, inst, name string) string {
	return c.get(subjectKey{wire.KindRsp, sw, inst, name}, wire.ReplySubject)
}

func (c *subjects) get(k subjectKey, build func(sw, to, name string) string) string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s, ok := c.m[k]; ok {
		return s
	}
	if c.m == nil || len(c.m) >= subjectsMax {
		c.m = map[subjectKey]string{}
	}
	s := build(k.sw, k.to, k.name)
	// The key's strings may be cut from a decoded message: copies keep
	// the message from being held as long as the subject is kept.
	k.sw, k.to, k.name = strings.Clone(k.sw), strings.Clone(k.to), strings.Clone(k.name)
	c.m[k] = s
	return s
}
