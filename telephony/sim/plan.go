package sim

import (
	"fmt"
	"maps"
	"time"
)

// CallbackRequest is one callback request of a scenario's request
// stream, as a demo places it with the callback API (POST
// /genesys/1/service/callback/{Service}).
type CallbackRequest struct {
	// Index numbers the requests from 0.
	Index int
	// At is when to place it, from the start of the stream, in simulated
	// time (divide by Config.Speed for wall time).
	At time.Duration
	// Service is the callback service.
	Service string
	// Params are the request's parameters: _customer_number and the
	// scenario's Params.
	Params map[string]string
}

// Plan returns the scenario's request stream: Requests.Count requests,
// the first at Requests.Start, then one every Requests.Every, each to
// the next number of Requests.Numbers (in turn) or, without numbers, to
// Requests.NumberFormat of 1, 2, ...
func (c Config) Plan() []CallbackRequest {
	r := c.Requests
	format := r.NumberFormat
	if format == "" {
		format = "555%04d"
	}
	out := make([]CallbackRequest, r.Count)
	for i := range out {
		p := maps.Clone(r.Params)
		if p == nil {
			p = make(map[string]string)
		}
		if len(r.Numbers) > 0 {
			p["_customer_number"] = r.Numbers[i%len(r.Numbers)]
		} else {
			p["_customer_number"] = fmt.Sprintf(format, i+1)
		}
		out[i] = CallbackRequest{Index: i, At: r.Start.D() + time.Duration(i)*r.Every.D(), Service: r.Service, Params: p}
	}
	return out
}
