package icon

import (
	"fmt"
	"strconv"
	"time"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// The events ICON stores: the user events, and the call events whose
// UserData is the call's attached data (EventAttachedDataChanged and the
// call events of wire.CallDataEvents: EventDialing, EventEstablished,
// EventReleased, ...).
const (
	EventUserEvent           = string(telephony.EventUserEvent)
	EventAttachedDataChanged = string(telephony.EventAttachedDataChanged)
)

// Event is one T-Server event as ICON receives it.
type Event struct {
	// MsgID identifies the event for de-duplication: the reporting
	// stream's message id.
	MsgID string
	// Name is EventUserEvent, or a call event that carries the call's
	// attached data (wire.CarriesCallData).
	Name string
	// Switch, ThisDN, ConnID, CallID and CustomerID are T-Server's
	// attributes of the same names.
	Switch, ThisDN, ConnID, CallID, CustomerID string
	// Seq is AttributeEventSequenceNumber.
	Seq uint64
	// Time is the event time (AttributeTimeinSecs, AttributeTimeinuSecs).
	Time time.Time
	// UserData is AttributeUserData: the user event's KVPs, or the call's
	// whole attached data (after the change, for EventAttachedDataChanged).
	UserData telephony.UserData
}

// before reports whether e happened before the event at time t with
// sequence number seq, by the switch's clock and then its sequence
// numbers.
func (e *Event) before(t time.Time, seq uint64) bool {
	if !e.Time.Equal(t) {
		return e.Time.Before(t)
	}
	return e.Seq < seq
}

// Check reports what makes e impossible to store.
func (e *Event) Check() error {
	if e.MsgID == "" {
		return fmt.Errorf("icon: %s has no message id", e.Name)
	}
	switch {
	case e.Name == EventUserEvent:
	case wire.CarriesCallData(e.Name):
		if e.callID() == "" {
			return fmt.Errorf("icon: %s %s names no call", e.Name, e.MsgID)
		}
	default:
		return fmt.Errorf("icon: %s: ICON stores EventUserEvent and the call events that carry attached data, not %q", e.MsgID, e.Name)
	}
	return nil
}

// callID is the call the event is about: CallID, else ConnID.
func (e *Event) callID() string {
	if e.CallID != "" {
		return e.CallID
	}
	return e.ConnID
}

// valueString returns a KVP value as ICON stores it, and false for a list
// (KVList), which ICON ignores.
func valueString(v any) (string, bool) {
	switch x := v.(type) {
	case string:
		return x, true
	case int:
		return strconv.Itoa(x), true
	case int64:
		return strconv.FormatInt(x, 10), true
	case int32:
		return strconv.FormatInt(int64(x), 10), true
	case uint64:
		return strconv.FormatUint(x, 10), true
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), true
	case bool:
		return strconv.FormatBool(x), true
	case telephony.UserData, []telephony.KV, nil:
		return "", false
	}
	return fmt.Sprint(v), true
}
