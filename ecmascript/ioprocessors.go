package ecmascript

import (
	"maps"
	"slices"

	"github.com/dop251/goja"
)

// ioProcessors is the goja.DynamicObject behind _ioprocessors (§5.10):
// for each Event I/O Processor type, an object whose location is the
// processor's address for the session. The object is read-only (Set and
// Delete fail, which is a TypeError in strict code), and so are their
// locations.
//
// The session is asked for its processors when a script first looks into
// _ioprocessors, and the objects are made when first read, so that a
// session that never reads _ioprocessors does not make its processors'
// locations at every start. (A processor that accepts a session's events
// from its start does not depend on the read: the engine tells it of each
// session it creates, interp.Acceptor.)
type ioProcessors struct {
	m *Model
	// procs maps the types to the locations, once asked for.
	procs  map[string]string
	loaded bool
	objs   map[string]*goja.Object
}

// load asks the session for its processors' locations, once.
func (p *ioProcessors) load() {
	if p.loaded || p.m.sys == nil {
		return
	}
	p.loaded = true
	p.procs = p.m.sys.IOProcessors()
}

// Get returns the object of processor type t.
func (p *ioProcessors) Get(t string) goja.Value {
	if o := p.objs[t]; o != nil {
		return o
	}
	p.load()
	loc, ok := p.procs[t]
	if !ok {
		return nil
	}
	rt := p.m.rt
	o := rt.NewObject()
	if err := o.DefineDataProperty("location", rt.ToValue(loc), goja.FLAG_FALSE, goja.FLAG_FALSE, goja.FLAG_TRUE); err != nil {
		panic(err)
	}
	if p.objs == nil {
		p.objs = make(map[string]*goja.Object)
	}
	p.objs[t] = o
	return o
}

// Has reports the processor types.
func (p *ioProcessors) Has(t string) bool {
	p.load()
	_, ok := p.procs[t]
	return ok
}

// Set refuses.
func (p *ioProcessors) Set(string, goja.Value) bool { return false }

// Delete refuses.
func (p *ioProcessors) Delete(string) bool { return false }

// Keys lists the processor types, sorted.
func (p *ioProcessors) Keys() []string {
	p.load()
	return slices.Sorted(maps.Keys(p.procs))
}
