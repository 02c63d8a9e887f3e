package reporting

import "slices"

// endCause is how a callback's session ended, for the disposition of a
// callback the strategy did not give one.
type endCause uint8

const (
	// endStrategy: the strategy sent the final UserEvent itself.
	endStrategy endCause = iota
	// endCancelled: the session was cancelled from outside (an ORS
	// terminate request, a shutdown).
	endCancelled
	// endFailed: the session ended on an error.
	endFailed
)

// Keys the closing rules use.
const (
	endKey        = "_CB_T_SERVICE_END"
	nextRedialKey = "_CB_T_NEXT_REDIAL_ATTEMPT"
	dispKey       = "_CB_DISPOSITION"
	offeredKey    = "_CB_N_CALLBACK_OFFERED"
	acceptedKey   = "_CB_N_CALLBACK_ACCEPTED"
)

// closeOut completes what a callback that ends now leaves open, before its
// final UserEvent:
//
//   - the attempt in progress (a dial still ringing, a push without an
//     answer) is recorded with its pending result;
//   - an offer the customer neither accepted nor declined is not accepted
//     (_CB_N_CALLBACK_ACCEPTED=0);
//   - a callback without a disposition gets <state>.<sub state> from the
//     state the strategy reported last: CONNECTED when the customer was
//     on the call (ROUTING, PROCESSING), CANCELLED when the session was
//     cancelled from outside, FAILED otherwise.
func (o *op) closeOut(cause endCause) {
	c := o.c
	if c.dialing {
		o.closeAttempt()
	}
	if v, ok := c.lookup(offeredKey); ok && v.String() == "1" {
		if !c.has(acceptedKey) {
			o.storeVal(acceptedKey, intVal(0))
		}
	}
	if c.has(dispKey) || c.state == "" {
		return
	}
	sub := "FAILED"
	switch {
	case slices.Contains([]string{"ROUTING", "PROCESSING"}, c.state):
		sub = "CONNECTED"
	case cause == endCancelled:
		sub = "CANCELLED"
	}
	o.storeVal(dispKey, strVal(c.state+"."+sub))
}

// final closes the callback out (see closeOut) and sends its final
// UserEvent, unless it was sent or held already.
func (o *op) final(cause endCause) {
	if o.c.final == notSent {
		o.closeOut(cause)
	}
	o.send(true)
}
