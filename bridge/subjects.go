package bridge

import "github.com/orca-scxml/orca/telephony/wire"

// requestSubjects are the subjects of the requests to the port's switch,
// made once, so that a request does not build its subject anew (an
// allocation a request). The map is not changed once made: it is read
// without a lock.
type requestSubjects struct {
	sw string
	m  map[string]string // by request name
}

func newRequestSubjects(sw string) requestSubjects {
	names := wire.Requests()
	m := make(map[string]string, len(names))
	for _, n := range names {
		m[n] = wire.RequestSubject(sw, n)
	}
	return requestSubjects{sw: sw, m: m}
}

// of returns wire.RequestSubject(sw, name).
func (r requestSubjects) of(sw, name string) string {
	if sw == r.sw {
		if s, ok := r.m[name]; ok {
			return s
		}
	}
	return wire.RequestSubject(sw, name)
}
