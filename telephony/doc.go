// Package telephony is the port through which strategies reach the
// telephony layer, and the only one: the function modules of package ors
// turn their actions into requests on a Port and turn the events the Port
// sends back into SCXML events.
//
// The model is T-Server's. A request (make a call, attach user data,
// distribute a user event, route, release, play a treatment, find a target
// through a virtual queue) returns at once with a ReferenceID; its outcome
// arrives later as an Event carrying that ReferenceID: EventACK or
// EventError, or the call event the request produces (EventDialing,
// EventAttachedDataChanged, EventRouteUsed, EventReleased,
// EventTreatmentEnd, EventTargetSelected, ...). Call events that no request
// caused (a new call ringing on a route point, a caller hanging up, another
// client changing the attached data) arrive on the same stream.
//
// Memory is an in-memory Port for tests and the simulator: its answers are
// scripted per request kind, its time moves only when told to, and it
// records every request. A Port over NATS, talking to the Genesys side,
// lives in package bridge; package wire defines what travels on the bus
// and package sim is a simulated switch on it.
package telephony
