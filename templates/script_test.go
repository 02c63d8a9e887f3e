package templates

import (
	"testing"
	"time"

	"github.com/dop251/goja"
	"github.com/orca-scxml/orca/interp"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// helpers is a runtime that has run the templates' helpers (callback.js).
func helpers(t *testing.T) *goja.Runtime {
	t.Helper()
	src, err := strategies.ReadFile("strategies/include/callback.js")
	require.NoError(t, err)
	rt := goja.New()
	_, err = rt.RunString(string(src))
	require.NoError(t, err)
	return rt
}

// TestCallResults checks the dial result the templates' helper gives each
// spelling of a call result: T-Server's names as it spells them, the
// same in any case, their aliases, and what is no result.
func TestCallResults(t *testing.T) {
	rt := helpers(t)
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

// TestDelays checks the <send> delay the templates' helper gives a number
// of seconds: a CSS2 time, as delayexpr must give, of whole seconds, none
// for what is not a positive number.
func TestDelays(t *testing.T) {
	rt := helpers(t)
	tests := []struct {
		in   string
		want time.Duration
	}{
		{"30", 30 * time.Second}, {"'30'", 30 * time.Second}, {"86400", 24 * time.Hour},
		{"1.9", time.Second}, {"'2.5'", 2 * time.Second}, {"0.4", 0},
		{"0", 0}, {"-5", 0}, {"''", 0}, {"'x'", 0}, {"undefined", 0}, {"null", 0},
		{"60 + 5", 65 * time.Second}, {"'60' + 5", 605 * time.Second},
	}
	for _, tt := range tests {
		v, err := rt.RunString("cbDelay(" + tt.in + ")")
		require.NoError(t, err, tt.in)
		assert.Regexp(t, `^[0-9]+s$`, v.Export(), "%s: a CSS2 time (SCXML 6.2.2)", tt.in)
		d, err := interp.ParseDelay(v.String())
		require.NoError(t, err, tt.in)
		assert.Equal(t, tt.want, d, tt.in)
	}
}
