package audit

import (
	"slices"
	"strings"

	"github.com/orca-scxml/orca/templates/reporting"
)

// counts checks the attempts and the flags.
func (c *checker) counts() {
	f := c.final
	attempts, _ := f.int("_CB_N_CALLBACK_MEDIA_ATTEMPTS")
	for n := 1; n <= 5; n++ {
		r, at := dialKeys(n)
		want := n <= attempts
		if f.has(r) != want || f.has(at) != want {
			c.fail("attempts", 1, r, "%s present %v, %s present %v, with %d attempts", r, f.has(r), at, f.has(at), attempts)
		}
	}
	if fr := f.str("_CB_DIM_FINAL_DIAL_RESULT"); attempts > 0 && attempts <= 5 && slices.Contains(reporting.DialResults(), fr) {
		r, _ := dialKeys(attempts)
		if f.str(r) != fr {
			c.fail("attempts", 1, "_CB_DIM_FINAL_DIAL_RESULT", "%s, not the last attempt's %s", fr, f.str(r))
		}
	}
	if attempts == 0 && f.has("_CB_T_LAST_DIAL_ATTEMPT") {
		c.fail("attempts", 1, "_CB_T_LAST_DIAL_ATTEMPT", "a last dial attempt without attempts")
	}
	flag := func(k string) int { n, _ := f.int(k); return n }
	if (flag("_CB_N_CALLBACK_ACCEPTED") == 1) != f.has("_CB_T_CALLBACK_ACCEPTED") {
		c.fail("flags", 1, "_CB_N_CALLBACK_ACCEPTED", "%d with _CB_T_CALLBACK_ACCEPTED present %v", flag("_CB_N_CALLBACK_ACCEPTED"), f.has("_CB_T_CALLBACK_ACCEPTED"))
	}
	if flag("_CB_N_CALLBACK_ACCEPTED") == 1 && !f.is("_CB_N_CALLBACK_OFFERED", 1) {
		c.fail("flags", 1, "_CB_N_CALLBACK_ACCEPTED", "accepted, but not offered")
	}
	if flag("_CB_N_ABANDONED_DURING_CALLBACK_OFFER") == 1 && !f.is("_CB_N_CALLBACK_ACCEPTED", 0) {
		c.fail("flags", 1, "_CB_N_ABANDONED_DURING_CALLBACK_OFFER", "abandoned during the offer, but accepted is not 0")
	}
	connected := f.has("_CB_T_CUSTOMER_CONNECTED")
	if flag("_CB_N_AGENT_ADDED_TO_IXN") == 1 {
		for _, k := range []string{"_CB_T_CUSTOMER_CONNECTED", "_CB_DIM_FINAL_TARGET", "_CB_DIM_VQ"} {
			if !f.has(k) {
				c.fail("flags", 1, k, "missing, with an agent added to the interaction")
			}
		}
	}
	if (flag("_CB_N_IXN_REQ_AGENT") == 1) != connected {
		c.fail("flags", 1, "_CB_N_IXN_REQ_AGENT", "%d, with a customer connected %v", flag("_CB_N_IXN_REQ_AGENT"), connected)
	}
	for _, k := range []string{"_CB_N_CUSTOMER_ABANDONED_WHILE_WAITING_FOR_AGENT", "_CB_N_TIMEOUT_WHILE_WAITING_FOR_AGENT"} {
		if flag(k) == 1 && (!connected || flag("_CB_N_AGENT_ADDED_TO_IXN") == 1) {
			c.fail("flags", 1, k, "set, with a customer connected %v and an agent added %v", connected, flag("_CB_N_AGENT_ADDED_TO_IXN") == 1)
		}
	}
	if connected {
		if _, ok := c.connectingAttempt(0x7fffffff); !ok && attempts > 0 && attempts <= 5 {
			c.fail("flags", 1, "_CB_T_CUSTOMER_CONNECTED", "a customer connected, but no attempt reached one")
		}
	}
	if v, ok := f.int("_CB_IXN_START_IGNORING_AVAILABILITY"); ok && v != 0 {
		c.fail("flags", 1, "_CB_IXN_START_IGNORING_AVAILABILITY", "%d: for premise callback it is always 0", v)
	}
}

// dispositions checks the final disposition against the other KVPs.
func (c *checker) dispositions() {
	f := c.final
	d := f.str("_CB_DISPOSITION")
	state, sub, ok := strings.Cut(d, ".")
	if !ok {
		return
	}
	agent := f.is("_CB_N_AGENT_ADDED_TO_IXN", 1)
	attempts, _ := f.int("_CB_N_CALLBACK_MEDIA_ATTEMPTS")
	_, reached := c.connectingAttempt(0x7fffffff)
	bad := func(format string, args ...any) {
		c.fail("disposition-state", 1, "_CB_DISPOSITION", d+": "+format, args...)
	}
	switch state {
	case "COMPLETED", "PROCESSING":
		if !agent {
			bad("no agent was added to the interaction")
		}
	case "ROUTING":
		if !reached && attempts <= 5 {
			bad("no attempt reached the customer")
		}
	}
	switch sub {
	case "AGENT":
		if state != "COMPLETED" {
			bad("only a completed callback ends with the agent")
		}
	case "REDIAL_LIMIT_REACHED":
		r, _ := dialKeys(min(attempts, 5))
		if attempts == 0 || (attempts <= 5 && connecting(f.str(r))) {
			bad("the last attempt did not fail (%d attempts, %s)", attempts, f.str(r))
		}
	case "REJECTED":
		if !f.is("_CB_N_CALLBACK_OFFERED", 1) || !f.is("_CB_N_CALLBACK_ACCEPTED", 0) || f.is("_CB_N_ABANDONED_DURING_CALLBACK_OFFER", 1) {
			bad("the offer was not declined")
		}
	case "ABANDONED_IN_QUEUE":
		switch {
		case state == "QUEUED" && f.is("_CB_N_CALLBACK_ACCEPTED", 0) && !f.is("_CB_N_ABANDONED_DURING_CALLBACK_OFFER", 1):
			bad("an offer abandoned without _CB_N_ABANDONED_DURING_CALLBACK_OFFER=1")
		case state == "ROUTING" && f.has("_CB_T_CUSTOMER_CONNECTED") && !f.is("_CB_N_CUSTOMER_ABANDONED_WHILE_WAITING_FOR_AGENT", 1):
			bad("a customer waiting for an agent abandoned without _CB_N_CUSTOMER_ABANDONED_WHILE_WAITING_FOR_AGENT=1")
		}
	}
}
