// Package sim is a telephony simulator on the subjects of package wire:
// the switch side that Orca's telephony port (package bridge) talks to, so
// that Orca runs end to end with no Genesys stack ("orca tsim", and in-process in tests and
// "orca serve --demo").
//
// # The switch
//
// A Sim answers the requests of one switch through a Responder, the
// switch side of the wire: it receives the requests (reporting ones from
// a durable JetStream consumer, acknowledged in batches; the others from
// one core subscription per request name, so that the server does not
// send it the reporting ones twice) and publishes answers and events. A switch
// adapter to a real T-Server would build on it the same way.
// Its DNs are the reporting DN, routing points, other DNs and the agents'
// DNs; a request on another DN gets EventError (ErrCodeInvalidDN) unless
// SwitchConfig.AnyDN. The answers:
//
//   - RequestMakeCall: after the ring time, EventDialing answers the
//     request carrying the call progress result (callResult: Answer, Busy,
//     NoAnswer, AnsweringMachine, Fax, SIT), which is where ORS reads the
//     result of ixn:createcall; then EventCallProgress, and EventEstablished
//     for an answer or EventReleased with the result for the others. A
//     NoAnswer rings for the request's timeout. ResultError answers with
//     EventError at once.
//   - Attach/Update/DeleteUserData: EventAttachedDataChanged with the
//     call's whole user data.
//   - RequestDistributeUserEvent: EventACK to the requester and
//     EventUserEvent to the clients registered on the DN (the reporting DN
//     when the request names none).
//   - RequestQueueSubmit: EventTargetSelected (target "AgentID@Switch.A",
//     otherDN the agent's DN) when an agent the targets name (by ID, DN,
//     place or group) is ready, the one ready longest, or when one becomes
//     ready; EventError with ErrCodeTimeout after the submit's timeout;
//     ErrCodeCancelled on RequestQueueCancel. A selected agent is reserved
//     for the call for AgentsConfig.Reserve: it takes that call, or any call
//     the Orca instance that reserved it routes to it (T-Server's agent
//     reservation holds the agent for the client that made it).
//   - RequestRouteCall / RequestRedirectCall to an agent: EventRouteUsed,
//     EventRinging on the agent's DN, EventEstablished after the agent's
//     answer time, EventReleased after the handle time; the agent goes
//     through wrap-up (EventAgentNotReady, reason AfterCallWork) and is
//     ready again (EventAgentReady). To a busy agent: EventError.
//   - RequestReleaseCall: EventReleased. RequestApplyTreatment:
//     EventTreatmentEnd after its duration; a treatment whose resource is a
//     configured dialog (DialogConfig) ends with one of the dialog's
//     weighted outcomes, which may attach data or fail with EventError.
//
// A customer who answered and is not with an agent within the patience of
// the outcome hangs up: EventAbandoned. Events of a call go to the reply
// subject of the Orca instance that owns it (the one that made it, or
// first sent a request about an inbound call) and are broadcast on its DN.
//
// # Outcomes
//
// Outcomes of dial attempts come from Config.Script (per number, in order),
// Sim.Script and Sim.ScriptNext for exact, deterministic tests, or else are
// drawn from CustomersConfig's odds with a PRNG seeded by Config.Seed:
// the same seed and the same order of requests give the same outcomes.
//
// # Time
//
// Every delay runs on a Clock. ScaledClock (the default, Config.Speed)
// runs on the wall clock, Speed times faster: it suits end-to-end runs
// against a real Orca, whose own timers run on their own clock (with a
// speed of 60, a 30s handle time takes half a second). ManualClock is a
// virtual clock a test advances; delays then cost no wall time and their
// order is exact, but the test must let NATS deliver a request (Sim.Wait)
// before advancing past its delay.
//
// # The monitor
//
// The monitor is registered on the reporting DN: it reads the
// EventUserEvent of that DN from the reporting stream with a durable
// consumer (wire.ConsumeReporting) and skips message ids it already
// recorded, so each event is recorded once, even across restarts of the
// simulator (after a crash, those of its last 20 ms, recorded and not yet
// acknowledged, may be recorded again). It writes each to Config.Log formatted by FormatEvent, the
// T-Server log style of the seeds, and keeps a Record of it
// (UserEvents, WaitUserEvents).
//
// # Go API
//
// An end-to-end test starts a NATS server (Orca's embedded one,
// bridge.StartEmbedded, or any other), then:
//
//	s, err := sim.New(nc, cfg) // cfg from sim.DefaultConfig() or sim.LoadConfig
//	err = s.Start(ctx)
//	defer s.Stop()
//	s.Script("5551234", sim.Outcome{Result: sim.ResultAnswer, Ring: time.Second})
//	recs, err := s.WaitUserEvents(ctx, 2)        // start and final UserEvents
//	calls := s.Calls()                           // ConnID, State, Result, Events, UserData
//	ud, ok := s.AttachedData(calls[0].ConnID)    // the call's attached KVPs
//
// Sim.Wait waits for any condition; Agents, SetReady, InboundCall, Abandon
// and Hangup drive and inspect the rest. Config.Plan lists the scenario's
// stream of callback requests for a demo to place.
//
// # Scenario files
//
// LoadConfig reads YAML (see the comment in load.go for why); errors are
// "file:line: field: message" with the bad value:
//
//	seed: 7
//	speed: 60                  # simulated time runs 60x faster
//	switch: {name: SIP_Switch, customer_id: Environment, reporting_dn: REPORTING, route_points: [RP_Callback]}
//	agents: {count: 5, groups: [Callback_Agents], answer: 1s, handle: 30s..90s, wrap_up: 5s}
//	customers:
//	  odds: {answer: 80, busy: 6, no_answer: 6, answering_machine: 4, fax: 1, error_tone: 2, error: 1}
//	  ring: 2s..8s
//	  abandon: 0.1             # share of customers who hang up waiting for an agent
//	  patience: 20s..60s
//	dialogs:
//	  callback_confirm: {duration: 5s, outcomes: [{odds: 9}, {odds: 1, error: no input}]}
//	script:
//	  "5550001": [busy, {result: answer, ring: 1s, patience: 10s}]
//	requests: {service: samples, count: 20, every: 3s, params: {_cb_dim_channel: WEB}}
package sim
