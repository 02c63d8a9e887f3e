package audit

import (
	"fmt"
	"strconv"
	"strings"
)

// dialKeys returns _CB_DIAL_n_RESULT and _CB_T_DIAL_n.
func dialKeys(n int) (result, at string) {
	return fmt.Sprintf("_CB_DIAL_%d_RESULT", n), fmt.Sprintf("_CB_T_DIAL_%d", n)
}

// times checks the order of the timestamps and the durations.
func (c *checker) times() {
	f := c.final
	ts := func(k string) (int, bool) { return f.int(k) }
	// before checks a ≤ b when both are known.
	before := func(a, b string) {
		x, okA := ts(a)
		y, okB := ts(b)
		if okA && okB && x > y {
			c.fail("order", 1, a, "%s %d is after %s %d", a, x, b, y)
		}
	}
	before("_CB_T_CALLBACK_OFFERED", "_CB_T_CALLBACK_ACCEPTED")
	before("_CB_T_CALLBACK_ACCEPTED", "_CB_T_READY_TO_START_MEDIA_IXN")
	before("_CB_T_SERVICE_START", "_CB_T_READY_TO_START_MEDIA_IXN")
	before("_CB_T_READY_TO_START_MEDIA_IXN", "_CB_T_CUSTOMER_CONNECTED")
	before("_CB_T_SERVICE_START", "_CB_T_CUSTOMER_CONNECTED")
	before("_CB_T_SERVICE_START", endKey)
	if r, ok := ts("_CB_T_READY_TO_START_MEDIA_IXN"); ok {
		if d1, ok := ts("_CB_T_DIAL_1"); ok && d1 != r {
			c.fail("order", 1, "_CB_T_READY_TO_START_MEDIA_IXN", "%d is not the first dial attempt's time %d (set once, before the first dial attempt)", r, d1)
		}
	}
	prev := ""
	for n := 1; n <= 5; n++ {
		_, at := dialKeys(n)
		if !f.has(at) {
			break
		}
		if prev != "" {
			before(prev, at)
		}
		prev = at
	}
	if attempts, ok := f.int("_CB_N_CALLBACK_MEDIA_ATTEMPTS"); ok && attempts > 0 {
		_, at := dialKeys(min(attempts, 5))
		last, okLast := ts("_CB_T_LAST_DIAL_ATTEMPT")
		dial, okDial := ts(at)
		switch {
		case !okLast || !okDial:
		case attempts <= 5 && last != dial:
			c.fail("order", 1, "_CB_T_LAST_DIAL_ATTEMPT", "%d is not the last attempt's time %s %d", last, at, dial)
		case attempts > 5 && last < dial:
			c.fail("order", 1, "_CB_T_LAST_DIAL_ATTEMPT", "%d is before %s %d", last, at, dial)
		}
	}
	if end, ok := ts(endKey); ok {
		for k, v := range f {
			t, isInt := v.(int)
			if !isInt || !isTimestamp(k) || k == "_CB_T_NEXT_REDIAL_ATTEMPT" {
				continue
			}
			if t > end {
				c.fail("order", 1, k, "%d is after the service end %d", t, end)
			}
		}
		if next, ok := ts("_CB_T_NEXT_REDIAL_ATTEMPT"); ok && next > end {
			c.fail("stale", 1, "_CB_T_NEXT_REDIAL_ATTEMPT", "a redial at %d, after the service ended at %d, will never come", next, end)
		}
	}
	for i, e := range c.cb.Events {
		if e.Time.IsZero() || i >= len(c.evs) {
			continue
		}
		for k, v := range c.evs[i] {
			if t, ok := v.(int); ok && isTimestamp(k) && k != "_CB_T_NEXT_REDIAL_ATTEMPT" && int64(t) > e.Time.Unix()+c.slack {
				c.fail("order", i, k, "%d is after the event was sent (%d)", t, e.Time.Unix())
			}
		}
	}
	c.durations()
}

// defaultSlack is how many seconds apart two clocks (the strategy's,
// the switch's) may read the same moment unless Callback.Slack says.
const defaultSlack = 2

// isTimestamp reports whether k is a timestamp KVP.
func isTimestamp(k string) bool { return strings.HasPrefix(k, "_CB_T_") }

// durations checks the durations against their moments.
func (c *checker) durations() {
	f := c.final
	end, _ := f.int(endKey)
	offered, hasOffered := f.int("_CB_T_CALLBACK_OFFERED")
	accepted, hasAccepted := f.int("_CB_T_CALLBACK_ACCEPTED")
	// _CB_D_CALLBACK_OFFER.
	if d, ok := f.int("_CB_D_CALLBACK_OFFER"); ok {
		req, fromReq := c.request("_cb_d_callback_offer")
		switch {
		case fromReq:
			if want, err := strconv.Atoi(req); err == nil && d != want {
				c.fail("offer-time", 1, "_CB_D_CALLBACK_OFFER", "%d, not the request's %d", d, want)
			}
		case f.is("_CB_N_CALLBACK_OFFERED", 0):
			if d != 0 {
				c.fail("offer-time", 1, "_CB_D_CALLBACK_OFFER", "%d for a callback not offered", d)
			}
		case hasOffered && hasAccepted:
			if d != accepted-offered {
				c.fail("offer-time", 1, "_CB_D_CALLBACK_OFFER", "%d, not accepted − offered = %d", d, accepted-offered)
			}
		case hasOffered && end > 0 && d > end-offered:
			c.fail("offer-time", 1, "_CB_D_CALLBACK_OFFER", "%d is longer than the service (%d)", d, end-offered)
		}
	}
	connected, hasConnected := f.int("_CB_T_CUSTOMER_CONNECTED")
	// _CB_D_ESTABLISH_MEDIA_IXN: from the attempt that connected.
	if d, ok := f.int("_CB_D_ESTABLISH_MEDIA_IXN"); ok {
		switch at, found := c.connectingAttempt(connected); {
		case !hasConnected:
			c.fail("establish-time", 1, "_CB_D_ESTABLISH_MEDIA_IXN", "no customer was connected")
		case found && d != connected-at:
			c.fail("establish-time", 1, "_CB_D_ESTABLISH_MEDIA_IXN", "%d, not the time from the connecting attempt (%d) to the connection (%d): %d", d, at, connected, connected-at)
		}
	} else if _, found := c.connectingAttempt(connected); hasConnected && found {
		c.fail("establish-time", 1, "_CB_D_ESTABLISH_MEDIA_IXN", "missing for a customer connected by an attempt")
	}
	if d, ok := f.int("_CB_D_CUSTOMER_CONNECTED_WAITING_FOR_AGENT"); ok {
		switch {
		case !hasConnected:
			c.fail("waiting-times", 1, "_CB_D_CUSTOMER_CONNECTED_WAITING_FOR_AGENT", "no customer was connected")
		case end > 0 && d > end-connected:
			c.fail("waiting-times", 1, "_CB_D_CUSTOMER_CONNECTED_WAITING_FOR_AGENT", "%d is longer than from the connection to the end (%d)", d, end-connected)
		}
	}
	if d, ok := f.int("_CB_D_WAITING_FOR_AGENT_OFFLINE"); ok {
		from, hasFrom := accepted, hasAccepted
		if !hasFrom {
			from, hasFrom = f.int("_CB_T_SERVICE_START")
		}
		ready, hasReady := f.int("_CB_T_READY_TO_START_MEDIA_IXN")
		switch {
		case f.is("_CB_N_CALLBACK_ACCEPTED", 0):
			c.fail("waiting-times", 1, "_CB_D_WAITING_FOR_AGENT_OFFLINE", "present for a callback not accepted")
		case hasFrom && hasReady && d != max(ready-from, 0):
			c.fail("waiting-times", 1, "_CB_D_WAITING_FOR_AGENT_OFFLINE", "%d, not ready − accepted = %d", d, ready-from)
		case hasFrom && !hasReady && end > 0 && d != max(end-from, 0):
			c.fail("waiting-times", 1, "_CB_D_WAITING_FOR_AGENT_OFFLINE", "%d, not end − accepted = %d (no attempt was made)", d, end-from)
		}
	}
}

// connectingAttempt returns the time of the last attempt, at or before
// connected, whose result reached the customer.
func (c *checker) connectingAttempt(connected int) (int, bool) {
	best, found := 0, false
	for n := 1; n <= 5; n++ {
		r, at := dialKeys(n)
		t, ok := c.final.int(at)
		if ok && t <= connected && connecting(c.final.str(r)) {
			best, found = t, true
		}
	}
	return best, found
}

// request returns the request parameter name, if the request gave it.
func (c *checker) request(name string) (string, bool) {
	v, ok := c.cb.Request[name]
	return v, ok
}
