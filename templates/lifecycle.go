package templates

import "strings"

// The callback states of the GMS API (_callback_state). Every template
// walks them in this order and ends in StateCompleted with a
// _callback_reason.
const (
	StateScheduled  = "SCHEDULED"
	StateQueued     = "QUEUED"
	StateRouting    = "ROUTING"
	StateProcessing = "PROCESSING"
	StateCompleted  = "COMPLETED"
)

// States returns the callback states in the order a callback goes
// through them.
func States() []string {
	return []string{StateScheduled, StateQueued, StateRouting, StateProcessing, StateCompleted}
}

// ParseStateLog reads the line a template logs (__Log) at each change of
// its lifecycle, "_callback_state=STATE[ _callback_reason=REASON]". ok is
// false for any other line.
func ParseStateLog(msg string) (state, reason string, ok bool) {
	rest, ok := strings.CutPrefix(msg, "_callback_state=")
	if !ok {
		return "", "", false
	}
	state, reason, _ = strings.Cut(rest, " ")
	return state, strings.TrimPrefix(reason, "_callback_reason="), true
}

// ReservesAgent reports whether a callback of template, with the session
// parameters param reads, reserves an agent (with a virtual interaction)
// before the customer is dialled: callback-agent-first, and user-terminated
// callbacks whose first party is the agent or that wait for an agent
// (_wait_for_agent).
func ReservesAgent(template string, param func(string) any) bool {
	if template == "callback-agent-first" {
		return true
	}
	if param("_call_direction") != DirectionUserTerminated {
		return false
	}
	wait, _ := param("_wait_for_agent").(bool)
	return wait || param("_userterminated_first_connect_party") == FirstPartyAgent
}

// The dial results of a user-originated callback that only the
// customer's application knows, as the seeds say
// ("FAILED_TO_ESTABLISH_CUSTOMER_ORIGINATED_MEDIA is a result that must be
// reported by the user application; otherwise, there is no CTI data"):
// the application reports them with _dial_result on the callback (GMS
// Update Callback), and each is an event to the callback's session, which
// callback-user-originated reports as _CB_DIAL_n_RESULT.
const (
	PushDelivered    = "PUSH_DELIVERY_CONFIRMED"
	PushMediaFailed  = "FAILED_TO_ESTABLISH_CUSTOMER_ORIGINATED_MEDIA"
	EventPushConfirm = "callback.push.delivered"
	EventMediaFailed = "callback.media.failed"
)

// PushResultEvent returns the name of the event a _dial_result the
// customer's application reports is to the callback's session; ok is
// false for a result the application does not report.
func PushResultEvent(result string) (event string, ok bool) {
	switch result {
	case PushDelivered:
		return EventPushConfirm, true
	case PushMediaFailed:
		return EventMediaFailed, true
	}
	return "", false
}

// SendsPush reports whether a service whose template (or, for a service
// of a strategy of its own, src) is template may send push notifications:
// callback-user-originated does, the other templates do not, and a
// strategy of the service's own decides for itself.
func SendsPush(template string) bool {
	if _, ok := Lookup(template); ok {
		return template == "callback-user-originated"
	}
	return true
}
