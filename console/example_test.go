package console_test

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"time"

	"github.com/orca-scxml/orca/console"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/trace"
)

// A host tells a Memory about its sessions and records their macrosteps;
// the console's handler serves them.
func Example() {
	doc, err := scxml.Parse("door.scxml", []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" name="door">
		<state id="closed"><transition event="open" target="opened"/></state>
		<final id="opened"/>
	</scxml>`), nil)
	if err != nil {
		panic(err)
	}
	m := console.NewMemory(console.MemoryOptions{Recorder: console.RecorderOptions{Steps: 100}})
	start := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

	// From the host's hooks: a session starts, logs, completes macrosteps
	// and ends.
	m.Start(console.Summary{ID: "S1", Service: "doors", Document: doc.Name, Started: start}, doc)
	rec := m.Recorder()
	rec.Record("S1", &trace.Step{Time: start, Atomic: []string{"closed"}, Active: []string{"closed"}})
	rec.Log("S1", "", "opening")
	rec.Record("S1", &trace.Step{Time: start.Add(time.Second), Event: &trace.Event{Name: "open", Type: "external"},
		Atomic: []string{"opened"}, Active: []string{"opened"}, Final: true})
	m.End("S1", start.Add(time.Second))

	page, _ := m.Sessions(context.Background(), console.Query{Service: "doors"})
	s := page.Sessions[0]
	fmt.Println(page.Total, s.ID, s.State, s.Steps, s.Atomic)

	// The pages, as a server mounts them.
	srv := httptest.NewServer(console.NewHandler(console.Options{Source: m}))
	defer srv.Close()
	resp, err := http.Get(srv.URL + "/session/S1")
	if err != nil {
		panic(err)
	}
	resp.Body.Close()
	fmt.Println(resp.Status)
	// Output:
	// 1 S1 ended 2 [opened]
	// 200 OK
}

// NewLayout draws a document's chart; the page renders it as SVG.
func ExampleNewLayout() {
	doc, err := scxml.Parse("p.scxml", []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0">
		<parallel id="p">
			<state id="a"><transition event="go" target="b"/><state id="a1"/></state>
			<state id="b"><state id="b1"/></state>
		</parallel>
	</scxml>`), nil)
	if err != nil {
		panic(err)
	}
	l := console.NewLayout(doc, console.LayoutOptions{})
	for _, n := range l.Nodes {
		fmt.Printf("%s %s in %q, %d rows\n", n.Kind, n.ID, n.Parent, len(n.Rows))
	}
	fmt.Println(len(l.Edges), "arrows,", len(l.Check()), "problems")
	// Output:
	// root #scxml0 in "", 0 rows
	// parallel p in "#scxml0", 0 rows
	// compound a in "p", 1 rows
	// atomic a1 in "a", 0 rows
	// compound b in "p", 0 rows
	// atomic b1 in "b", 0 rows
	// 4 arrows, 0 problems
}
