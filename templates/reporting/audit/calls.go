package audit

import "github.com/orca-scxml/orca/telephony"

// The call-attached KVPs and the offered moment the originating call
// receives.
var attachedKeys = []string{"_CB_SERVICE_ID", "_CB_T_SERVICE_START", "_CB_T_CALLBACK_ACCEPTED", "_CB_T_CUSTOMER_CONNECTED", "_CB_T_CALLBACK_OFFERED"}

// calls checks the data attached to the callback's calls.
func (c *checker) calls() {
	f := c.final
	accepted, hasAccepted := f.int("_CB_T_CALLBACK_ACCEPTED")
	connected, hasConnected := f.int("_CB_T_CUSTOMER_CONNECTED")
	carriesConnected := false
	for _, cl := range c.cb.Calls {
		last := c.callValues(cl)
		switch cl.Kind {
		case Outbound:
			need := []string{"_CB_SERVICE_ID", "_CB_T_SERVICE_START"}
			if hasAccepted && (cl.Created.IsZero() || int64(accepted) <= cl.Created.Unix()) {
				need = append(need, "_CB_T_CALLBACK_ACCEPTED")
			}
			c.carries("outbound-calls", cl, last, need...)
		case Origin:
			c.carries("origin-call", cl, last, "_CB_SERVICE_ID", "_CB_T_SERVICE_START", "_CB_T_CALLBACK_OFFERED")
			if f.is("_CB_N_CALLBACK_ACCEPTED", 1) {
				c.carries("origin-call", cl, last, "_CB_T_CALLBACK_ACCEPTED")
				if _, fromReq := c.request("_cb_t_callback_accepted"); !fromReq {
					c.attachedAt("origin-call", cl, "_CB_T_CALLBACK_ACCEPTED", accepted, true)
					c.attachedAt("origin-call", cl, "_CB_SERVICE_ID", accepted, false)
					c.attachedAt("origin-call", cl, "_CB_T_SERVICE_START", accepted, false)
				}
			}
		}
		if _, ok := last["_CB_T_CUSTOMER_CONNECTED"]; ok {
			carriesConnected = true
			c.attachedAt("connected-call", cl, "_CB_T_CUSTOMER_CONNECTED", connected, true)
		}
	}
	if hasConnected && !carriesConnected && len(c.cb.Calls) > 0 {
		c.fail("connected-call", 1, "_CB_T_CUSTOMER_CONNECTED", "no call carries it")
	}
}

// callValues checks the call-attached values on every snapshot of call
// cl against the events' and returns its last data.
func (c *checker) callValues(cl Call) values {
	var last values
	for _, snap := range cl.Data {
		v := c.attachedValues(snap.Data)
		for _, k := range attachedKeys {
			got, ok := v[k]
			if !ok {
				continue
			}
			if want, has := c.final[k]; has && got != want {
				c.fail("call-values", -1, k, "call %s carries %v, the events %v", cl.ConnID, got, want)
			}
			if _, has := c.final[k]; !has {
				c.fail("call-values", -1, k, "call %s carries %v, the events none", cl.ConnID, got)
			}
		}
		last = v
	}
	return last
}

// attachedValues normalizes the KVPs of attached data that the catalogue
// knows (the call's other data is the application's).
func (c *checker) attachedValues(ud telephony.UserData) values {
	out := values{}
	for _, kv := range ud {
		if k, v, err := c.cat.Check(kv.Key, kv.Value); err == nil && k == kv.Key {
			out[k] = v
		}
	}
	return out
}

// carries checks that call cl's last data has keys.
func (c *checker) carries(rule string, cl Call, last values, keys ...string) {
	for _, k := range keys {
		if _, ok := last[k]; !ok {
			c.fail(rule, -1, k, "call %s (%s) does not carry it", cl.ConnID, cl.Kind)
		}
	}
}

// attachedAt checks that key first appears on call cl at moment at
// (exactly), or by then (when the times are known).
func (c *checker) attachedAt(rule string, cl Call, key string, at int, exactly bool) {
	for _, snap := range cl.Data {
		if _, ok := c.attachedValues(snap.Data)[key]; !ok {
			continue
		}
		t := snap.Time.Unix()
		switch {
		case snap.Time.IsZero():
		case t > int64(at)+c.slack:
			c.fail(rule, -1, key, "attached to call %s at %d, after %d", cl.ConnID, t, at)
		case exactly && t < int64(at)-c.slack:
			c.fail(rule, -1, key, "attached to call %s at %d, before %d", cl.ConnID, t, at)
		}
		return
	}
}

// String names the kind.
func (k CallKind) String() string {
	switch k {
	case Outbound:
		return "outbound"
	case Origin:
		return "in-queue origin"
	case Customer:
		return "customer's"
	}
	return "call"
}
