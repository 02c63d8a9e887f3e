package ecmascript

import (
	"slices"

	"github.com/dop251/goja"
)

// ioProcessors is the goja.DynamicObject behind _ioprocessors (§5.10):
// for each Event I/O Processor type, an object whose location is the
// processor's address for the session. The objects are made on first
// read; the object is read-only (Set and Delete fail, which is a
// TypeError in strict code), and so are their locations.
type ioProcessors struct {
	m *Model
	// procs maps the types to the locations.
	procs map[string]string
	objs  map[string]*goja.Object
}

// Get returns the object of processor type t.
func (p *ioProcessors) Get(t string) goja.Value {
	if o := p.objs[t]; o != nil {
		return o
	}
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
	_, ok := p.procs[t]
	return ok
}

// Set refuses.
func (p *ioProcessors) Set(string, goja.Value) bool { return false }

// Delete refuses.
func (p *ioProcessors) Delete(string) bool { return false }

// Keys lists the processor types, sorted.
func (p *ioProcessors) Keys() []string {
	keys := make([]string, 0, len(p.procs))
	for t := range p.procs {
		keys = append(keys, t)
	}
	slices.Sort(keys)
	return keys
}
