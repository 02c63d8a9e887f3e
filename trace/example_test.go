package trace_test

import (
	"fmt"
	"os"
	"strings"

	"github.com/orca-scxml/orca/trace"
)

// A host writes one line per macrostep; a viewer reads the file back.
func Example() {
	var out strings.Builder
	enc := trace.NewEncoder(&out)
	enc.Header(trace.Header{Session: "S1", Document: "chart.scxml"})
	enc.Step(&trace.Step{Atomic: []string{"idle"}, Active: []string{"idle"}})
	enc.Step(&trace.Step{Index: 1, Event: &trace.Event{Name: "go", Type: "external"},
		Atomic: []string{"done"}, Active: []string{"done"}, Final: true,
		Logs: []trace.Log{{Message: "bye"}}})
	os.Stdout.WriteString(out.String())

	f, err := trace.Read(strings.NewReader(out.String()))
	if err != nil {
		panic(err)
	}
	fmt.Println(f.Header.Document, len(f.Steps), f.Steps[1].Event.Name, f.Steps[1].Final)
	// Output:
	// {"trace":"orca","version":1,"session":"S1","document":"chart.scxml"}
	// {"event":null,"atomic":["idle"],"active":["idle"],"final":false,"index":0}
	// {"event":"go","atomic":["done"],"active":["done"],"final":true,"index":1,"eventtype":"external","logs":[{"message":"bye"}]}
	// chart.scxml 2 go true
}
