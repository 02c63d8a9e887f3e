package scxml

import "github.com/beevik/etree"

// ActionParser turns a custom action element found in executable content
// into the value stored in Custom.Action. pos is where the element starts.
type ActionParser func(el *etree.Element, pos Pos) (any, error)

// Registry maps elements of other namespaces in executable content to the
// parsers of the custom actions they stand for. Register all parsers before
// loading documents with the registry; it is safe to share between
// concurrent loads afterwards.
type Registry struct {
	parsers map[string]map[string]ActionParser
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry {
	return &Registry{parsers: make(map[string]map[string]ActionParser)}
}

// Register sets p as the parser of the element with local name local in
// namespace ns, replacing any earlier one.
func (r *Registry) Register(ns, local string, p ActionParser) {
	if r.parsers == nil {
		r.parsers = make(map[string]map[string]ActionParser)
	}
	m := r.parsers[ns]
	if m == nil {
		m = make(map[string]ActionParser)
		r.parsers[ns] = m
	}
	m[local] = p
}

// lookup returns the parser for ns and local, and whether ns has any
// registered parser.
func (r *Registry) lookup(ns, local string) (p ActionParser, known bool) {
	if r == nil {
		return nil, false
	}
	m, ok := r.parsers[ns]
	if !ok {
		return nil, false
	}
	return m[local], true
}
