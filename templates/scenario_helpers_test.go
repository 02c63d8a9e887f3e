package templates_test

import (
	"fmt"
	"maps"

	"github.com/orca-scxml/orca/telephony"
)

// baseOptions are the service options of the tests: reporting enabled on
// REPORTING@SIP_Switch, agents found in Agent1, calls placed from RP_CB.
func baseOptions(extra ...string) map[string]string {
	m := map[string]string{
		"_target": "Agent1@SIP_Switch.A", "_route_point": "RP_CB",
		"_rep_userevent_enable": "true", "_rep_userevent_dn": "REPORTING", "_rep_userevent_switch": "SIP_Switch",
	}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

// request is the callback request of the tests.
func request(extra ...string) map[string]string {
	m := map[string]string{"_customer_number": "5551234"}
	for i := 0; i+1 < len(extra); i += 2 {
		m[extra[i]] = extra[i+1]
	}
	return m
}

// failedDial scripts a dial attempt that ends with a call result: call
// OUTn is dialed, then released.
func failedDial(result string, n int) telephony.Answer {
	return telephony.Answer{Events: func(r telephony.Request) []telephony.Event {
		mc := r.Body.(telephony.MakeCall)
		conn := telephony.ConnID(fmt.Sprintf("OUT%d", n))
		return []telephony.Event{
			{Type: telephony.EventDialing, ConnID: conn, ThisDN: mc.ThisDN, OtherDN: mc.Destination, CallType: "Outbound", CallResult: result},
			{Type: telephony.EventReleased, ConnID: conn, CallResult: result},
		}
	}}
}

// with returns a copy of base with the pairs of kv set (nil values
// delete).
func with(base map[string]any, kv ...any) map[string]any {
	m := maps.Clone(base)
	for i := 0; i+1 < len(kv); i += 2 {
		k := kv[i].(string)
		if kv[i+1] == nil {
			delete(m, k)
			continue
		}
		m[k] = kv[i+1]
	}
	return m
}
