package conformance

import (
	"fmt"
	"path/filepath"
	"testing"
	"time"

	"github.com/orca-scxml/orca/internal/host"
	"github.com/orca-scxml/orca/interp"
)

func TestZZProbe(t *testing.T) {
	for _, id := range []string{"178", "230", "250", "301", "307", "313", "314", "415"} {
		path := filepath.Join("/work/shared/w3c/ecma", "test"+id+".scxml")
		chart, err := host.LoadChart(path, nil)
		if err != nil {
			fmt.Println(id, "LOAD ERR", err)
			continue
		}
		clock := interp.NewVirtualClock(time.Now())
		eng := interp.NewEngine(interp.Options{Clock: clock, Datamodels: host.Datamodels(),
			Log: func(s *interp.Session, label, msg string) {
				p := ""
				if s.Parent() != nil {
					p = "child of " + s.Parent().ID()[:6]
				}
				fmt.Printf("%s LOG [%s %s] %q %q\n", id, s.ID()[:6], p, label, msg)
			},
			OnError: func(s *interp.Session, err error) { fmt.Printf("%s ERR [%s] %v\n", id, s.ID()[:6], err) },
			OnStart: func(s *interp.Session) { fmt.Printf("%s START %s\n", id, s.ID()) },
			OnDone: func(s *interp.Session) { fmt.Printf("%s DONE %s final=%v err=%v\n", id, s.ID()[:6], s.Final() != nil, s.Err()) },
			OnMacrostep: func(s *interp.Session, ev *interp.Event) { if ev != nil { fmt.Printf("%s MACRO [%s] %+v\n", id, s.ID()[:6], *ev) } },
		})
		s, err := eng.Start(chart, interp.StartOptions{})
		if err != nil {
			t.Fatal(err)
		}
		for {
			eng.Run()
			if s.Done() {
				break
			}
			due, ok := eng.NextDue()
			if !ok {
				break
			}
			clock.Set(due)
		}
		fin := ""
		if s.Final() != nil {
			fin = s.Final().ID
		}
		fmt.Println(id, "END final", fin, "err", s.Err())
	}
}
