package strategytest

import (
	"fmt"
	"maps"
	"reflect"
	"slices"
	"strings"

	"github.com/orca-scxml/orca/telephony"
)

// check compares a run with the test's expectations and returns what
// differs.
func (r *run) check(res Result) []string {
	e := r.test.Expect
	var fails []string
	failf := func(format string, args ...any) { fails = append(fails, fmt.Sprintf(format, args...)) }
	if e.Final != "" && res.Final != e.Final {
		if res.Final == "" {
			failf("final: want %s, but no top-level final state was reached (active states: %s)", e.Final, strings.Join(r.session.Active(), ", "))
		} else {
			failf("final: want %s, got %s", e.Final, res.Final)
		}
	}
	if missing, ok := inOrder(res.Visited, e.Visited); !ok {
		failf("visited: state %s not entered in the order given (entered: %s)", missing, strings.Join(res.Visited, ", "))
	}
	for _, s := range e.NotVisited {
		if slices.Contains(res.Visited, s) {
			failf("not_visited: state %s was entered", s)
		}
	}
	if missing, ok := inOrder(res.Events, e.Events); !ok {
		failf("events: event %s not processed in the order given (processed: %s)", missing, strings.Join(res.Events, ", "))
	}
	if e.Route != "" {
		routes := r.w.port.RequestsOf(telephony.KindRoute)
		switch {
		case e.Route == "none" && len(routes) > 0:
			failf("route: want none, the call was routed to %s", routes[0].Body.(telephony.Route).To)
		case e.Route != "none" && len(routes) == 0:
			failf("route: want %s, the call was not routed", e.Route)
		case e.Route != "none" && routes[0].Body.(telephony.Route).To != e.Route:
			failf("route: want %s, got %s", e.Route, routes[0].Body.(telephony.Route).To)
		}
	}
	if len(e.UData) > 0 {
		got := r.udata.Neutral()
		for _, k := range slices.Sorted(maps.Keys(e.UData)) {
			if v, ok := got[k]; !ok {
				failf("udata: the call has no %s (it has %s)", k, strings.Join(slices.Sorted(maps.Keys(got)), ", "))
			} else if !sameValue(v, e.UData[k]) {
				failf("udata: %s is %v, want %v", k, v, e.UData[k])
			}
		}
	}
	if len(e.UserEvents) > 0 {
		var sent []telephony.UserEvent
		for _, req := range r.w.port.RequestsOf(telephony.KindUserEvent) {
			sent = append(sent, req.Body.(telephony.UserEvent))
		}
		i := 0
		for _, want := range e.UserEvents {
			for i < len(sent) && !userEventMatches(sent[i], want) {
				i++
			}
			if i == len(sent) {
				failf("user_events: no UserEvent to %s with %v (in order; sent %d)", want.DN, want.Data, len(sent))
				break
			}
			i++
		}
	}
	for _, l := range e.Logs {
		if !slices.ContainsFunc(res.Logs, func(line string) bool { return strings.Contains(line, l) }) {
			failf("logs: no log line contains %q", l)
		}
	}
	if e.Within != 0 && (res.Final == "" || res.Virtual > e.Within.D()) {
		failf("within: the session took %v, want at most %v", res.Virtual, e.Within.D())
	}
	if !e.Errors && len(r.errs) > 0 {
		failf("errors: %s", strings.Join(r.errs, "; "))
	}
	return fails
}

// inOrder reports whether want is a subsequence of got; when it is not,
// it returns the first element of want not found.
func inOrder(got, want []string) (string, bool) {
	i := 0
	for _, w := range want {
		for i < len(got) && got[i] != w {
			i++
		}
		if i == len(got) {
			return w, false
		}
		i++
	}
	return "", true
}

// userEventMatches reports whether a UserEvent goes to want's DN and
// carries its KVPs.
func userEventMatches(ue telephony.UserEvent, want UserEvent) bool {
	if want.DN != "" && ue.ThisDN != want.DN {
		return false
	}
	got := ue.UserData.Neutral()
	for k, v := range want.Data {
		if g, ok := got[k]; !ok || !sameValue(g, v) {
			return false
		}
	}
	return true
}

// sameValue compares a value of the run with one of the YAML file, where
// numbers may be ints and strings may stand for numbers.
func sameValue(got, want any) bool {
	if reflect.DeepEqual(got, want) {
		return true
	}
	return fmt.Sprint(got) == fmt.Sprint(want)
}
