package templates

import (
	"testing"

	"github.com/dop251/goja"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestCallResults checks the dial result the templates' helper gives each
// spelling of a call result: T-Server's names as it spells them, the
// same in any case, their aliases, and what is no result.
func TestCallResults(t *testing.T) {
	src, err := strategies.ReadFile("strategies/include/callback.js")
	require.NoError(t, err)
	rt := goja.New()
	_, err = rt.RunString(string(src))
	require.NoError(t, err)
	tests := []struct {
		in   string
		want string
	}{
		{"undefined", ""}, {"null", ""}, {"''", ""}, {"0", ""},
		{"'Answer'", "PERSON"}, {"'answer'", "PERSON"}, {"'ANSWER'", "PERSON"}, {"'Person'", "PERSON"},
		{"'Busy'", "BUSY"}, {"'BUSY'", "BUSY"},
		{"'NoAnswer'", "NO_ANSWER"}, {"'no_answer'", "NO_ANSWER"},
		{"'AnsweringMachine'", "ANSWERING_MACHINE"}, {"'answering_machine'", "ANSWERING_MACHINE"}, {"'AM'", "ANSWERING_MACHINE"},
		{"'Fax'", "FAX"}, {"'fax'", "FAX"},
		{"'SIT'", "ERROR_TONE"}, {"'sit'", "ERROR_TONE"}, {"'ErrorTone'", "ERROR_TONE"}, {"'SITDetected'", "ERROR_TONE"},
		{"'Dropped'", "NO_ANSWER"},
	}
	for _, tt := range tests {
		v, err := rt.RunString("cbCallResult(" + tt.in + ")")
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, v.Export(), tt.in)
	}
}
