package interp

import (
	"maps"
	"slices"
)

// Param returns start parameter key of so: its value in Params, else in
// Defaults.
func (so StartOptions) Param(key string) (any, bool) {
	if v, ok := so.Params[key]; ok {
		return v, true
	}
	v, ok := so.Defaults[key]
	return v, ok
}

// Param returns the session's start parameter key (see Params): its own
// value, else the default it was started with. It reads both without
// copying either.
func (s *Session) Param(key string) (any, bool) {
	if s.rare == nil {
		return nil, false
	}
	if v, ok := s.params[key]; ok {
		return v, true
	}
	v, ok := s.defaults[key]
	return v, ok
}

// ParamNames returns the names of the session's start parameters, sorted.
func (s *Session) ParamNames() []string {
	if s.rare == nil {
		return nil
	}
	// One array, as large as both maps: a callback's seventy names
	// collected without it grew it eight times (ParamNames is read at
	// every snapshot).
	if len(s.params)+len(s.defaults) == 0 {
		return nil
	}
	names := make([]string, 0, len(s.params)+len(s.defaults))
	names = slices.AppendSeq(slices.AppendSeq(names, maps.Keys(s.params)), maps.Keys(s.defaults))
	slices.Sort(names)
	return slices.Compact(names)
}

// Params returns the values the session was started with
// (StartOptions.Params over StartOptions.Defaults; an invoking session's
// params and namelist). When the session has defaults the map is made
// at each call: read one value with Param.
func (s *Session) Params() map[string]any {
	if s.rare == nil {
		return nil
	}
	if len(s.defaults) == 0 {
		return s.params
	}
	m := maps.Clone(s.defaults)
	maps.Copy(m, s.params)
	return m
}
