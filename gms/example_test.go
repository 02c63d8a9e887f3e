package gms_test

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/orca-scxml/orca/gms"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/templates"
)

// recordingSessions runs no session: it records what the API asks of
// the host, where orca serve starts sessions on its shards.
type recordingSessions struct {
	mu     sync.Mutex
	starts []interp.StartOptions
	events []string
}

func (r *recordingSessions) Start(_ *interp.Chart, so interp.StartOptions) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.starts = append(r.starts, so)
	return nil
}

func (r *recordingSessions) Send(id string, ev *interp.Event) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.events = append(r.events, ev.Name)
}

func (r *recordingSessions) Live(string) bool { return true }

func (r *recordingSessions) Durable(context.Context, string) {}

// compileTemplate compiles one of Orca's callback templates with the ORS
// function modules.
func compileTemplate(name string) (*interp.Chart, error) {
	rt := ors.New(ors.Options{})
	doc, err := templates.Load(name, rt.LoadOptions())
	if err != nil {
		return nil, err
	}
	return interp.Compile(doc, rt.Datamodels())
}

// A callback service served on an httptest server: a customer asks for a
// callback at 14:00, the strategy reports its progress, the customer
// cancels.
func Example() {
	svc, err := templates.LoadService("sales", "callback-scheduled", map[string]string{"_target": "Sales"})
	if err != nil {
		log.Fatal(err)
	}
	chart, err := compileTemplate("callback-scheduled")
	if err != nil {
		log.Fatal(err)
	}
	sessions := &recordingSessions{}
	callbacks, err := gms.New(gms.Options{
		Services:  []*gms.Service{{Service: svc, Chart: chart}},
		Sessions:  sessions,
		Clock:     interp.NewVirtualClock(time.Date(2025, 3, 4, 9, 0, 0, 0, time.UTC)),
		Limits:    gms.Limits{MaxDesiredDelay: 30 * 24 * time.Hour, MaxDuration: 30 * 24 * time.Hour},
		Retention: time.Hour,
	})
	if err != nil {
		log.Fatal(err)
	}
	mux := http.NewServeMux()
	callbacks.Register(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()

	// Start Callback.
	resp, err := http.PostForm(srv.URL+gms.Path+"/sales", url.Values{
		"_customer_number": {"5551234"}, "_desired_time": {"2025-03-04T14:00:00.000Z"}, "crm_case": {"C-17"}})
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	id := sessions.starts[0].ID
	fmt.Println("start:", resp.StatusCode, "session parameters _desired_delay", sessions.starts[0].Params["_desired_delay"])

	show := func() {
		cb, _ := callbacks.Get(id)
		f := callbacks.Fields(&cb)
		fmt.Println(f["_callback_state"], f["_callback_reason"], f["_desired_time"], f["crm_case"], strings.HasSuffix(f["_url"], "/sales/"+id))
	}
	show()

	// The strategy logs its lifecycle through __Log.
	callbacks.StrategyLog(id, "_callback_state=QUEUED")
	show()

	// Cancel Callback: the session is told, and ends.
	req, _ := http.NewRequest(http.MethodDelete, srv.URL+gms.Path+"/sales/"+id, nil)
	resp, err = http.DefaultClient.Do(req)
	if err != nil {
		log.Fatal(err)
	}
	resp.Body.Close()
	fmt.Println("cancel:", resp.StatusCode, sessions.events)
	callbacks.SessionEnded(id)
	show()
	// Output:
	// start: 200 session parameters _desired_delay 18000
	// SCHEDULED  2025-03-04T14:00:00.000Z C-17 true
	// QUEUED  2025-03-04T14:00:00.000Z C-17 true
	// cancel: 200 [callback.cancel]
	// COMPLETED CANCELLED 2025-03-04T14:00:00.000Z C-17 true
}
