package ors

import "github.com/orca-scxml/orca/telephony"

// routedEvents are the types of the unasked events (those of the DNs the
// port registered, not answers to the runtime's requests) that route acts
// on: the events of a call's state, which announce an interaction, change
// its parties, data or result, or end it. A user event another client
// distributes on a DN changes nothing of a call, so the port need not read
// it for the runtime (the reporting DN's EventUserEvents, 4.9 KB each, are
// most of what a registered port receives).
func routedEvents() []telephony.EventType {
	return []telephony.EventType{
		telephony.EventRouteRequest, telephony.EventRinging, telephony.EventDialing,
		telephony.EventEstablished, telephony.EventPartyChanged, telephony.EventAbandoned,
		telephony.EventReleased, telephony.EventRouteUsed, telephony.EventAttachedDataChanged,
		telephony.EventTreatmentEnd, telephony.EventTargetSelected, telephony.EventCallProgress,
	}
}
