package console_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/templates/reporting"
)

// newRuntime returns the ORS function modules with the reporting actions
// registered, as orca validate and the server load strategies with.
func newRuntime(t testing.TB) *ors.Runtime {
	port := telephony.NewMemory(telephony.MemoryOptions{})
	rep, err := reporting.New(reporting.Options{Port: port, TenantDBID: 101})
	require.NoError(t, err)
	t.Cleanup(rep.Close)
	rt := ors.New(ors.Options{Port: port})
	t.Cleanup(rt.Close)
	rep.Register(rt.Registry())
	return rt
}
