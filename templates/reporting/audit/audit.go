package audit

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/templates/reporting"
)

// Event is user data at a moment: a UserEvent's, or a call's after a
// change.
type Event struct {
	// Time is when it was distributed or changed (zero: unknown; the
	// rules about moments are then skipped).
	Time time.Time
	Data telephony.UserData
}

// CallKind says how a call belongs to a callback.
type CallKind uint8

// The kinds of calls.
const (
	// Outbound: a call the callback created (a dial attempt).
	Outbound CallKind = iota + 1
	// Origin: the inbound call an in-queue offer was made on.
	Origin
	// Customer: the customer's own call of a customer-originated callback.
	Customer
)

// Call is one call of a callback and its attached data.
type Call struct {
	// ConnID is T-Server's connection id, CallID its call ID.
	ConnID, CallID string
	Kind           CallKind
	// Created is when the callback created or got the call (zero:
	// unknown).
	Created time.Time
	// Data is the call's whole user data after each change, oldest
	// first, its data at creation first when it had some.
	Data []Event
}

// Submit is a fact of routing: a queue submit of one of the callback's
// interactions.
type Submit struct {
	Queue   string
	Targets []string
	// Agent is the agent (id or DN) the submit found; "" when none.
	Agent string
	// Virtual marks the reservation of an agent with the callback's
	// virtual interaction.
	Virtual bool
}

// Transfer is a fact of routing: a transfer of the callback's call to an
// agent.
type Transfer struct {
	To string
	OK bool
	// Reserved says To is the agent reserved for the callback's virtual
	// interaction.
	Reserved bool
}

// Callback is what the checker reads of one callback.
type Callback struct {
	// Events are its UserEvents at the reporting DN, in the order they
	// were distributed.
	Events []Event
	// Calls are its calls.
	Calls []Call
	// Request holds the callback request's parameters (the _cb_* ones
	// are checked); nil when unknown.
	Request map[string]string
	// Options hold the service's options, defaults included; nil when
	// unknown.
	Options map[string]string
	// Routing and Transfers, when known, are the queue submits (in
	// order) and the transfers to agents of the callback's
	// interactions.
	Routing   []Submit
	Transfers []Transfer
	// Slack is how far apart two clocks (the strategy's, the switch's)
	// may read the same moment; 2s when zero. A run on a sped-up clock
	// (the simulator at 100 times real time) needs more.
	Slack time.Duration
}

// Violation is a rule the callback breaks.
type Violation struct {
	// Rule names the rule (see the package documentation).
	Rule string
	// Event is the UserEvent concerned (0 start, 1 final), -1 when none.
	Event int
	// Key is the KVP concerned, if one is.
	Key string
	Msg string
}

// String returns "rule [event] key: message".
func (v Violation) String() string {
	var b strings.Builder
	b.WriteString(v.Rule)
	if v.Event >= 0 {
		fmt.Fprintf(&b, " [%s]", map[int]string{0: "start", 1: "final"}[min(v.Event, 1)])
	}
	if v.Key != "" {
		b.WriteString(" " + v.Key)
	}
	b.WriteString(": " + v.Msg)
	return b.String()
}

// values are one event's KVPs, checked and normalized (ints and strings).
type values map[string]any

func (v values) has(k string) bool { _, ok := v[k]; return ok }

func (v values) int(k string) (int, bool) {
	n, ok := v[k].(int)
	return n, ok
}

func (v values) str(k string) string {
	s, _ := v[k].(string)
	return s
}

// is reports whether flag k is n.
func (v values) is(k string, n int) bool {
	x, ok := v.int(k)
	return ok && x == n
}

// checker holds a check in progress.
type checker struct {
	cb    Callback
	cat   *reporting.Catalogue
	evs   []values
	start values
	final values
	out   []Violation
	slack int64 // seconds
}

// Check returns every rule cb breaks, in rule order; none means it
// reported as the seeds require.
func Check(cb Callback) []Violation {
	c := &checker{cb: cb, cat: reporting.Default(), slack: defaultSlack}
	if cb.Slack > 0 {
		c.slack = int64((cb.Slack + time.Second - 1) / time.Second)
	}
	c.structure()
	if c.final == nil {
		return c.out
	}
	c.times()
	c.counts()
	c.dispositions()
	c.meanings()
	c.calls()
	return c.out
}

// fail records a violation.
func (c *checker) fail(rule string, ev int, key, format string, args ...any) {
	c.out = append(c.out, Violation{Rule: rule, Event: ev, Key: key, Msg: fmt.Sprintf(format, args...)})
}

// normalize checks and normalizes user data; bad keys and values are
// catalogue violations and are left out.
func (c *checker) normalize(ev int, ud telephony.UserData) values {
	out := make(values, len(ud))
	for _, kv := range ud {
		k, v, err := c.cat.Check(kv.Key, kv.Value)
		switch {
		case err != nil:
			c.fail("catalogue", ev, kv.Key, "%v", err)
		case k != kv.Key:
			c.fail("catalogue", ev, kv.Key, "sent under the PDF copy's spelling, not %s", k)
		default:
			out[k] = v
		}
	}
	return out
}

// structure checks the start and final UserEvents.
func (c *checker) structure() {
	for i, e := range c.cb.Events {
		c.evs = append(c.evs, c.normalize(i, e.Data))
	}
	starts, finals := 0, 0
	for i, v := range c.evs {
		switch f, ok := v.int("_CB_FINAL_RECORD"); {
		case !ok:
			c.fail("start", i, "_CB_FINAL_RECORD", "missing: the event is neither start nor final")
		case f == 0:
			starts++
			if i != 0 {
				c.fail("start", i, "", "a start UserEvent after another event")
			}
			c.start = v
		default:
			finals++
			if i != len(c.evs)-1 {
				c.fail("final", i, "", "a final UserEvent before another event")
			}
			c.final = v
		}
	}
	if starts != 1 {
		c.fail("start", -1, "", "%d start UserEvents, want 1", starts)
	}
	if finals != 1 {
		c.fail("final", -1, "", "%d final UserEvents, want 1", finals)
		c.final = nil
		return
	}
	if c.start == nil {
		c.start = values{}
	}
	for i, v := range c.evs {
		for _, k := range c.cat.Mandatory() {
			if !v.has(k) {
				c.fail("mandatory", i, k, "missing: Info Mart makes no record of the event")
			}
		}
	}
	for _, k := range []string{"_CB_SERVICE_ID", "_CB_ORS_SESSION_ID", "_CB_TENANT_DBID"} {
		if c.start.has(k) && c.final.has(k) && c.start[k] != c.final[k] {
			c.fail("same-callback", 1, k, "%v in the final event, %v in the start event", c.final[k], c.start[k])
		}
	}
	for _, k := range stableKeys() {
		if c.start.has(k) && c.final[k] != c.start[k] {
			c.fail("stable", 1, k, "%v in the final event, %v in the start event", show(c.final[k]), show(c.start[k]))
		}
	}
	if c.start.has(endKey) {
		c.fail("end", 0, endKey, "the start event has a service end")
	}
	if !c.final.has(endKey) {
		c.fail("end", 1, endKey, "missing in the final event")
	}
	if !c.final.has("_CB_DISPOSITION") {
		c.fail("disposition", 1, "_CB_DISPOSITION", "the final event reports no disposition")
	}
}

// stableKeys are the KVPs whose value, once sent, does not change.
func stableKeys() []string {
	keys := []string{"_CB_SERVICE_ID", "_CB_T_SERVICE_START", "_CB_T_CALLBACK_OFFERED", "_CB_N_CALLBACK_OFFERED",
		"_CB_T_CALLBACK_ACCEPTED", "_CB_N_CALLBACK_ACCEPTED", "_CB_T_READY_TO_START_MEDIA_IXN", "_CB_FIRST_OUT_IXN_ID",
		"_CB_DIM_CHANNEL", "_CB_CUSTOMER_ANI", "_CB_DIM_CALL_DIRECTION", "_CB_DIM_TYPE", "_CB_DIM_OFFER_TIMING",
		"_CB_DIM_CALLBACK_OFFER_TYPE", "_CB_ORIGINATION_IXN_ID", "_CB_EWT_WHEN_CALLBACK_WAS_OFFERED",
		"_CB_POS_WHEN_CALLBACK_WAS_OFFERED", "_CB_D_CUSTOMER_WAITED_BEFORE_OFFER", "_CB_OFFER_EWT_INBOUND_VQ",
		"_CB_EWT_THRESHOLD_WHEN_OFFERED", "_CB_EWT_WHEN_READY_TO_START_MEDIA_IXN", "_CB_POS_WHEN_READY_TO_START_MEDIA_IXN",
		"_CB_PRIORITY_WHEN_CALLBACK_ACCEPTED", "_CB_CUSTOMER_PHONE_NUMBER"}
	for i := 1; i <= 5; i++ {
		keys = append(keys, fmt.Sprintf("_CB_DIAL_%d_RESULT", i), fmt.Sprintf("_CB_T_DIAL_%d", i))
	}
	return keys
}

const endKey = "_CB_T_SERVICE_END"

// show formats a value for a message.
func show(v any) string {
	if v == nil {
		return "nothing"
	}
	return fmt.Sprint(v)
}

// connecting reports whether a dial result reached the customer.
func connecting(r string) bool {
	return slices.Contains([]string{"CONNECTED", "PERSON", "USERORIGINATED_CONNECTED"}, r)
}
