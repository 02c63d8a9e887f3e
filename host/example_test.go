package host_test

import (
	"context"
	"fmt"
	"time"

	"github.com/orca-scxml/orca/host"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
)

const reminder = `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">
	<state id="waiting">
		<onentry><send event="remind" delay="1h"/></onentry>
		<transition event="remind" target="done"><log expr="'reminded'"/></transition>
	</state>
	<final id="done"/>
</scxml>`

// A host on virtual time, driven by its caller: an hour of delays costs
// nothing.
func ExampleHost_Advance() {
	doc, _ := scxml.Parse("reminder.scxml", []byte(reminder), nil)
	chart, _ := interp.Compile(doc, host.Datamodels())
	clock := interp.NewVirtualClock(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	h, _ := host.New(host.Config{
		Engine: interp.Options{
			Datamodels: host.Datamodels(),
			Log:        func(_ *interp.Session, _, msg string) { fmt.Println(clock.Now().Format("15:04"), msg) },
		},
		Clock: clock,
	})
	defer h.Close()
	s, _ := h.Start(chart, interp.StartOptions{})
	fmt.Println(s.Active()) // the first macrostep has run
	_ = h.Advance(2 * time.Hour)
	fmt.Println(s.Final().ID)
	// Output:
	// [waiting]
	// 11:00 reminded
	// done
}

const counter2 = `<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">
	<datamodel><data id="n" expr="0"/></datamodel>
	<state id="s"><transition event="inc"><assign location="n" expr="n + 1"/></transition></state>
</scxml>`

// A host running its shards on goroutines of its own, as a server does:
// any goroutine sends events, and reads a session between its macrosteps
// with Do.
func ExampleHost_Go() {
	doc, _ := scxml.Parse("counter.scxml", []byte(counter2), nil)
	chart, _ := interp.Compile(doc, host.Datamodels())
	h, _ := host.New(host.Config{Engine: interp.Options{Datamodels: host.Datamodels()}, Shards: 4})
	h.OnDone(func(s *interp.Session) { fmt.Println(s.ID(), "ended") })
	_ = h.Go(context.Background())
	s, _ := h.Start(chart, interp.StartOptions{ID: "counter"})
	for range 3 {
		_ = h.Send(s.ID(), &interp.Event{Name: "inc"})
	}
	// Calls run after the events sent before them.
	_ = h.Do(context.Background(), "counter", func(s *interp.Session) {
		n, _ := s.Datamodel().Eval(&scxml.Expr{Kind: scxml.ValueExpr, Src: "n", Index: -1})
		fmt.Println("n =", n)
	})
	_ = h.Drain(context.Background(), 0)
	// Output:
	// n = 3
	// counter ended
}
