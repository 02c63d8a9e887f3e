package audit

import (
	"slices"
	"strings"
)

// meanings checks what the KVPs stand for.
func (c *checker) meanings() {
	c.requestValues()
	c.queue()
	c.target()
	c.outIDs()
	c.transfers()
}

// requestValues: each _cb_* request parameter whose value fits its KVP
// is that KVP's value in every event that carries it, and in the final
// one.
func (c *checker) requestValues() {
	for name, raw := range c.cb.Request {
		e, ok := c.cat.ForParam(name)
		if !ok {
			continue
		}
		_, want, err := c.cat.Check(e.Key, raw)
		if err != nil {
			continue // refused: the catalogue rule checks what was sent
		}
		if !c.final.has(e.Key) {
			c.fail("request", 1, e.Key, "the request's %s=%s is not reported", name, raw)
		}
		for i, v := range c.evs {
			if v.has(e.Key) && v[e.Key] != want {
				c.fail("request", i, e.Key, "%v, not the request's %s=%v", v[e.Key], name, want)
			}
		}
	}
}

// found returns the last submit that found an agent.
func (c *checker) found() (Submit, bool) {
	for i := len(c.cb.Routing) - 1; i >= 0; i-- {
		if s := c.cb.Routing[i]; s.Agent != "" {
			return s, true
		}
	}
	return Submit{}, false
}

// queue: _CB_DIM_VQ is the queue the agent was found through; a callback
// not accepted or not offered stays in the inbound calls' queue.
func (c *checker) queue() {
	f := c.final
	vq := f.str("_CB_DIM_VQ")
	opt := c.cb.Options
	agent := f.is("_CB_N_AGENT_ADDED_TO_IXN", 1)
	switch {
	case agent && len(c.cb.Routing) > 0:
		if s, ok := c.found(); ok && s.Queue != vq {
			c.fail("vq", 1, "_CB_DIM_VQ", "%s, but the agent was found through %s", vq, s.Queue)
		}
	case agent && opt != nil:
		// Without the routing facts, the service's options say which
		// queue finds the agent: the outbound calls' queue for a
		// customer-first callback, the virtual callbacks' queue when an
		// agent is reserved first (agent first), either with
		// _wait_for_agent (a reservation lost sends the call to the
		// outbound calls' queue).
		want := []string{opt["_vq_for_outbound_calls"]}
		switch {
		case strings.HasPrefix(f.str("_CB_DIM_CONNECT_ORDER"), "AGENT_FIRST"):
			want = []string{opt["_urs_virtual_queue"]}
		case opt["_wait_for_agent"] == "true":
			want = append(want, opt["_urs_virtual_queue"])
		}
		if !slices.Contains(want, vq) && !slices.Contains(want, "") {
			c.fail("vq", 1, "_CB_DIM_VQ", "%s, but the agent was found through %s", vq, strings.Join(want, " or "))
		}
	case opt != nil && opt["_vq_for_inbound_calls"] != "" && c.origin() != nil &&
		(f.is("_CB_N_CALLBACK_OFFERED", 0) || f.is("_CB_N_CALLBACK_ACCEPTED", 0)):
		if want := opt["_vq_for_inbound_calls"]; vq != want {
			c.fail("vq", 1, "_CB_DIM_VQ", "%s for a callback not offered or not accepted, not the inbound calls' queue %s", vq, want)
		}
	}
}

// target: _CB_DIM_FINAL_TARGET is the target submitted, not the agent.
func (c *checker) target() {
	f := c.final
	t := f.str("_CB_DIM_FINAL_TARGET")
	if t == "" {
		return
	}
	if s, ok := c.found(); ok {
		if !slices.Contains(s.Targets, t) {
			c.fail("target", 1, "_CB_DIM_FINAL_TARGET", "%s is not a target of the submit that found the agent (%s)", t, strings.Join(s.Targets, ", "))
		}
		if name, _, _ := strings.Cut(t, "@"); name == s.Agent && !slices.ContainsFunc(s.Targets, func(x string) bool { return strings.HasPrefix(x, s.Agent+"@") || x == s.Agent }) {
			c.fail("target", 1, "_CB_DIM_FINAL_TARGET", "%s is the agent found, not the routing target", t)
		}
		return
	}
	if want := c.cb.Options["_target"]; want != "" && t != want {
		c.fail("target", 1, "_CB_DIM_FINAL_TARGET", "%s, not the routing target %s", t, want)
	}
}

// outIDs: the out call IDs are those of the first and last outbound
// calls; every outbound call is an attempt.
func (c *checker) outIDs() {
	f := c.final
	if f.str("_CB_DIM_CALL_DIRECTION") == "CUSTOMER_ORIGINATED" {
		for _, k := range []string{"_CB_FIRST_OUT_IXN_ID", "_CB_LAST_OUT_IXN_ID"} {
			if f.has(k) {
				c.fail("out-ids", 1, k, "a customer-originated callback created no outbound call")
			}
		}
	}
	var out []Call
	for _, cl := range c.cb.Calls {
		if cl.Kind == Outbound {
			out = append(out, cl)
		}
	}
	if len(out) == 0 {
		return
	}
	id := func(cl Call) string {
		if cl.CallID != "" {
			return cl.CallID
		}
		return cl.ConnID
	}
	if got := f.str("_CB_FIRST_OUT_IXN_ID"); got != id(out[0]) {
		c.fail("out-ids", 1, "_CB_FIRST_OUT_IXN_ID", "%q, not the call ID of the first outbound call %q", got, id(out[0]))
	}
	if got := f.str("_CB_LAST_OUT_IXN_ID"); got != id(out[len(out)-1]) {
		c.fail("out-ids", 1, "_CB_LAST_OUT_IXN_ID", "%q, not the call ID of the last outbound call %q", got, id(out[len(out)-1]))
	}
	if n, _ := f.int("_CB_N_CALLBACK_MEDIA_ATTEMPTS"); n < len(out) {
		c.fail("out-ids", 1, "_CB_N_CALLBACK_MEDIA_ATTEMPTS", "%d attempts for %d outbound calls", n, len(out))
	}
}

// transfers: the reserved agent takes the call; failed transfers are
// counted.
func (c *checker) transfers() {
	if len(c.cb.Transfers) == 0 {
		return
	}
	failed := 0
	for _, t := range c.cb.Transfers {
		if t.OK {
			continue
		}
		failed++
		if t.Reserved {
			c.fail("reserved-agent", 1, "_CB_N_TRANSFER_TO_AGENT_FAILED", "the agent reserved for the callback (%s) refused its call", t.To)
		}
	}
	if n, _ := c.final.int("_CB_N_TRANSFER_TO_AGENT_FAILED"); n != failed {
		c.fail("reserved-agent", 1, "_CB_N_TRANSFER_TO_AGENT_FAILED", "%d, for %d failed transfers", n, failed)
	}
}

// origin returns the in-queue call, if there is one.
func (c *checker) origin() *Call {
	for i := range c.cb.Calls {
		if c.cb.Calls[i].Kind == Origin {
			return &c.cb.Calls[i]
		}
	}
	return nil
}
