// Package gms is the callback API of Genesys Mobile Services (GMS) as
// Orca serves it: the callback services, the callbacks requested through
// them, and the HTTP handlers of the Callback Services API under
// /genesys/1/service/callback (Start Callback, Query Callback by ID, by
// customer number and by properties, Reschedule Callback and property
// updates, Cancel Callback), with GMS's error bodies
// {"message", "exception"}.
//
// A Callbacks holds the configured services (Service: a templates.Service
// and the compiled chart its sessions run) and the table of callbacks,
// live and recently ended. A request is checked before anything starts
// (sizes, the customer number, option overrides against the service's
// _overwritable_options, durations and _desired_time against Limits),
// then the service's session is started through Sessions, the one hook
// into the host that runs sessions. What the API does to a callback's
// course is an event delivered to its session (callback.reschedule, with
// the new _desired_time also listed at once; callback.complete,
// callback.cancel, callback.preview.accept/reject, the push results);
// property updates change only what the API lists. The session answers
// by logging its lifecycle (templates.ParseStateLog), which StrategyLog
// turns into the state the API reports.
//
// Package server is the composition root: it loads and compiles the
// services, gives a Callbacks its Sessions (the host of shards), the ORS
// runtime's virtual interactions (Virtuals) and the clock, mounts the
// handlers with Register, and calls SessionEnded, StrategyLog and Assign
// from the host's and the runtime's hooks. Persistence keeps a callback's
// record in its session's snapshot through the session local Local
// (LocalKey) and brings it back with Restore, so that a restart or a
// cluster's take-over keeps every scheduled callback listed.
package gms
