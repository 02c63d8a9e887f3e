package ecmascript

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// askingSystem counts the times the session is asked for its processors.
type askingSystem struct {
	*system
	asked int
}

func (s *askingSystem) IOProcessors() map[string]string {
	s.asked++
	return s.system.IOProcessors()
}

// _ioprocessors asks the session for its processors' locations when a
// script first looks into it, once, and behaves as if they had been asked
// for at the start.
func TestIOProcessorsAskedWhenFirstRead(t *testing.T) {
	tests := []struct {
		src   string
		want  any
		asked int
	}{
		{"typeof _ioprocessors", "object", 0},
		{"_ioprocessors === _ioprocessors", true, 0},
		{"_ioprocessors.scxml.location", "#_scxml_sess-1", 1},
		{"'scxml' in _ioprocessors", true, 1},
		{"'nosuch' in _ioprocessors", false, 1},
		{"Object.keys(_ioprocessors).join(' ')", "http://www.w3.org/TR/scxml/#SCXMLEventProcessor scxml", 1},
		{"_ioprocessors.nosuch", nil, 1},
		{"JSON.stringify(_ioprocessors)", `{"http://www.w3.org/TR/scxml/#SCXMLEventProcessor":{"location":"#_scxml_sess-1"},"scxml":{"location":"#_scxml_sess-1"}}`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.src, func(t *testing.T) {
			b := newBuilder()
			p, err := Compile(b.doc)
			require.NoError(t, err)
			dm, err := p.NewDatamodel()
			require.NoError(t, err)
			t.Cleanup(dm.Close)
			sys := &askingSystem{system: newSystem()}
			require.NoError(t, dm.Setup(sys))
			assert.Zero(t, sys.asked, "asked at setup")
			m := dm.(*Model)
			assert.Equal(t, tt.want, eval(t, m, tt.src))
			assert.Equal(t, tt.asked, sys.asked)
			eval(t, m, tt.src)
			assert.Equal(t, tt.asked, sys.asked, "asked again")
		})
	}
}

// namedSystem is a session whose name is not its document's.
type namedSystem struct {
	*system
	name string
}

func (s *namedSystem) Name() string { return s.name }

// _name is the session's name: the document's, shared by its sessions,
// or the one the session gives.
func TestNameIsTheSessions(t *testing.T) {
	for _, name := range []string{"test", "other", ""} {
		t.Run(name, func(t *testing.T) {
			p, err := Compile(newBuilder().doc)
			require.NoError(t, err)
			dm, err := p.NewDatamodel()
			require.NoError(t, err)
			t.Cleanup(dm.Close)
			require.NoError(t, dm.Setup(&namedSystem{system: newSystem(), name: name}))
			assert.Equal(t, name, eval(t, dm.(*Model), "_name"))
		})
	}
}
