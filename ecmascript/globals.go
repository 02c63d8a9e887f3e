package ecmascript

import (
	"errors"

	"github.com/dop251/goja"
)

// Globals returns the names of the global variables the session's data
// and scripts made: the enumerable own properties of the global object
// whose values are not functions, in the order they were made. Built-ins,
// system variables and the host's environment (not enumerable) are left
// out. Like Size it reads no getter and makes none of goja's lazily built
// globals (listing the global object's keys from a script makes them all,
// about 150 KB a session), so a host may call it after every macrostep.
func (m *Model) Globals() (names []string) {
	if m.closed {
		return nil
	}
	defer func() {
		if recover() != nil {
			names = nil
		}
	}()
	z, err := m.reflection()
	if err != nil {
		return nil
	}
	for _, k := range z.ownNames(m.global) {
		if isBuiltin(k) || isSystem(k) {
			continue
		}
		v, enumerable := z.globalProp(m.global, k)
		if !enumerable {
			continue
		}
		if _, fn := goja.AssertFunction(v); fn {
			continue
		}
		names = append(names, k)
	}
	return names
}

// reflection returns a sizer with Object.getOwnPropertyDescriptor, which
// reads a property without running its getter.
func (m *Model) reflection() (*sizer, error) {
	z := &sizer{rt: m.rt, seen: make(map[*goja.Object]struct{})}
	if o, ok := m.rt.Get("Object").(*goja.Object); ok {
		z.desc, _ = goja.AssertFunction(o.Get("getOwnPropertyDescriptor"))
	}
	if z.desc == nil {
		return nil, errors.New("Object.getOwnPropertyDescriptor is not a function")
	}
	return z, nil
}
