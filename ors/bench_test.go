package ors_test

import (
	"path/filepath"
	"runtime"
	"testing"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/scxml"
	"github.com/stretchr/testify/require"
)

// BenchmarkORSSessionMemory reports the heap each live session of a
// Composer-shaped strategy (testdata/composer.scxml) holds once it has
// started and waits for its interaction: the session, its goja runtime
// with the ORS script environment, the strategy's datamodel and script
// library. "idle" sessions never read _genesys; "genesys" sessions read
// _genesys.session in their entry block.
func BenchmarkORSSessionMemory(b *testing.B) {
	for _, bc := range []struct {
		name    string
		genesys bool
	}{{"idle", false}, {"genesys", true}} {
		b.Run(bc.name, func(b *testing.B) {
			rt := ors.New(ors.Options{
				Log: func(*interp.Session, string) {},
				Config: ors.Config{
					Tenant: "Environment", TenantID: 101, ServerName: "ORS_1", Switch: "SIP_Switch",
					Options: map[string]string{"vq": "VQ_Sales"},
				},
			})
			defer rt.Close()
			eng := interp.NewEngine(interp.Options{
				Clock: interp.NewVirtualClock(epoch), Datamodels: rt.Datamodels(), LoadOptions: rt.LoadOptions(),
				OnDone:  rt.SessionDone,
				OnError: func(_ *interp.Session, err error) { b.Error(err) },
			})
			doc, err := scxml.Load(filepath.Join("testdata", "composer.scxml"), rt.LoadOptions())
			require.NoError(b, err)
			c, err := eng.Compile(doc)
			require.NoError(b, err)
			params := map[string]any{"vq": "VQ_Sales", "genesys": bc.genesys}
			const n = 1000
			for i := 0; i < b.N; i++ {
				var before, after runtime.MemStats
				runtime.GC()
				runtime.ReadMemStats(&before)
				ss := make([]*interp.Session, n)
				for j := range ss {
					s, err := eng.Start(c, interp.StartOptions{Params: params})
					require.NoError(b, err)
					ss[j] = s
				}
				eng.Run()
				runtime.GC()
				runtime.ReadMemStats(&after)
				b.ReportMetric(float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/n, "B/session")
				for _, s := range ss {
					require.False(b, s.Done())
					require.Subset(b, s.Active(), []string{"App_Entry", "ipd_Wait"})
				}
				for _, s := range ss {
					eng.Cancel(s.ID())
				}
				eng.Run()
				runtime.KeepAlive(ss)
			}
		})
	}
}
