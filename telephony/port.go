package telephony

import "time"

// Port is the telephony layer as strategies see it. Every request returns at
// once with the ReferenceID its answer will carry, or with an error when it
// could not be sent at all. A Port delivers events to the handlers given to
// Subscribe, never from inside a request method, so that the caller can
// record the ReferenceID before its answer arrives. Implementations are safe
// for concurrent use.
type Port interface {
	// MakeCall dials a number from a DN (RequestMakeCall); answered by
	// EventDialing with the new call's ConnID.
	MakeCall(r MakeCall) (ReferenceID, error)
	// UpdateUserData attaches, updates or deletes user data of a call
	// (RequestAttachUserData, RequestUpdateUserData,
	// RequestDeleteUserData); answered by EventAttachedDataChanged.
	UpdateUserData(r UserDataChange) (ReferenceID, error)
	// DistributeUserEvent sends a user event to the clients registered on
	// a DN (RequestDistributeUserEvent); answered by EventACK.
	DistributeUserEvent(r UserEvent) (ReferenceID, error)
	// Route routes a call waiting on a routing point, or redirects a call
	// from a DN (RequestRouteCall, RequestRedirectCall); answered by
	// EventRouteUsed.
	Route(r Route) (ReferenceID, error)
	// Release releases a call (RequestReleaseCall); answered by
	// EventReleased.
	Release(r Release) (ReferenceID, error)
	// PlayTreatment applies a treatment to a call (RequestApplyTreatment);
	// answered by EventTreatmentEnd when it has finished.
	PlayTreatment(r Treatment) (ReferenceID, error)
	// SubmitToQueue asks for a target through a virtual queue; answered by
	// EventTargetSelected, or EventError when none is found in time.
	SubmitToQueue(r QueueSubmit) (ReferenceID, error)
	// CancelQueue withdraws a submit; answered by EventACK. The submit,
	// if still pending, fails with ErrCodeCancelled.
	CancelQueue(r QueueCancel) (ReferenceID, error)
	// Subscribe adds a handler for every event of the port and returns a
	// function that removes it.
	Subscribe(h Handler) (unsubscribe func())
}

// Resyncer is implemented by ports that can ask the switch about a call
// again, as a T-Server client does after reconnecting. Resync makes the
// port hold call conn of switch sw (reported on dn) as if it had
// delivered its events up to sequence number seq, and ask the switch for
// the later ones and for the call's state: a host restoring a session
// that owns the call learns what happened to it meanwhile (the events it
// missed, an EventReleased when the call has ended).
type Resyncer interface {
	Resync(sw string, conn ConnID, dn string, seq uint64)
}

// UserDataOp says what an UserDataChange does.
type UserDataOp string

// The user data operations.
const (
	// Attach adds the pairs to the call's data.
	Attach UserDataOp = "attach"
	// Update replaces the values of the keys given and adds the others.
	Update UserDataOp = "update"
	// Delete removes the keys given (all data when no key is given).
	Delete UserDataOp = "delete"
)

// RouteType says how Route moves a call.
type RouteType string

// The route types.
const (
	// RouteDefault routes a call waiting on a routing point.
	RouteDefault RouteType = "route"
	// RouteRedirect redirects a call ringing on a DN.
	RouteRedirect RouteType = "redirect"
	// RouteDeliver delivers a call to an agent.
	RouteDeliver RouteType = "deliver"
)

// MakeCall is a make-call request.
type MakeCall struct {
	// ThisDN places the call; Destination is dialed.
	ThisDN      string
	Destination string
	Switch      string
	// Timeout bounds the dialing (0: the switch's default).
	Timeout  time.Duration
	UserData UserData
}

// UserDataChange is an attach, update or delete of a call's user data.
type UserDataChange struct {
	// Key, when set, identifies the change for de-duplication: a port
	// that stores requests durably keeps one per key, so a change sent
	// again (a retry, a restart) takes effect once.
	Key    string
	Op     UserDataOp
	ConnID ConnID
	ThisDN string
	// UserData holds the pairs to attach or update, or the keys to delete.
	UserData UserData
}

// UserEvent is a request to distribute a user event on a DN of a switch.
type UserEvent struct {
	// Key, when set, identifies the user event for de-duplication (see
	// UserDataChange.Key).
	Key      string
	ThisDN   string
	Switch   string
	ConnID   ConnID
	UserData UserData
}

// Route is a route, redirect or deliver request.
type Route struct {
	Type   RouteType
	ConnID ConnID
	// From is the routing point or DN the call is on, To the destination.
	From     string
	To       string
	Switch   string
	UserData UserData
}

// Release is a release request.
type Release struct {
	ConnID ConnID
	ThisDN string
}

// Treatment is a treatment request: music, an announcement, an IVR
// dialog.
type Treatment struct {
	ConnID ConnID
	ThisDN string
	// Kind is the treatment type ("Music", "PlayAnnouncement",
	// "IVR", ...).
	Kind string
	// Resource is what is played (a file, a prompt, an application URL).
	Resource string
	Duration time.Duration
	Params   UserData
}

// QueueSubmit asks a virtual queue to find one of the targets.
type QueueSubmit struct {
	ConnID ConnID
	// Queue is the virtual queue, Route the routing point the call waits
	// on.
	Queue    string
	Route    string
	Targets  []string
	Priority int
	// Timeout bounds the wait (0: no limit).
	Timeout time.Duration
}

// QueueCancel withdraws the submit whose ReferenceID is Submit.
type QueueCancel struct {
	Submit ReferenceID
	ConnID ConnID
	Queue  string
}
