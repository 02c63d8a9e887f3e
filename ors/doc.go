// Package ors runs strategies written for Genesys Orchestration Server:
// the Genesys function modules as custom actions, the script environment
// ORS documents expect (_genesys, _data, __Log, toSource, ...), and the
// routing of telephony events to the sessions that own the interactions.
//
// A host makes one Runtime per engine (or per set of engines sharing a
// telephony.Port), registers its actions in the registry it loads
// documents with, and compiles documents with its Datamodels:
//
//	rt := ors.New(ors.Options{Port: port, Deliver: inbox.Put, Config: cfg})
//	eng := interp.NewEngine(interp.Options{Datamodels: rt.Datamodels(), LoadOptions: rt.LoadOptions(), OnDone: rt.SessionDone})
//	doc, err := scxml.Load(path, rt.LoadOptions())
//
// Every module action is asynchronous as in ORS. It evaluates its
// attributes (all of them expressions), writes a new request id into its
// requestid location when it has one, and sends its request. Later the
// session receives <module>.<action>.done (interaction.redirect.done,
// queue.submit.done, session.fetch.done, ...) or error.<module>.<action>,
// both external events whose data holds requestid, and error and
// description on failure. Interaction events (interaction.added,
// interaction.partystatechanged, interaction.udata.changed,
// interaction.abandoned, interaction.callprogress, interaction.deleted)
// go to the session that owns the interaction.
//
// Call results (Answer, Busy, NoAnswer, AnsweringMachine, Fax, SIT, ...)
// reach a session three ways: callresult in interaction.createcall.done (from
// EventDialing), interaction.callprogress with callresult for each
// EventCallProgress of the call, and callresult in interaction.deleted
// when a result was reported for the call before it ended.
// interaction.callprogress is Orca's name: the ORS SCXML reference
// documents no event for T-Server's EventCallProgress.
//
// A host gives a session work that has no call yet with
// Runtime.CreateVirtual: a virtual interaction the session owns, which
// can wait in a virtual queue and is released with the session. ORS has
// no SCXML action for this (its virtual calls are URS's), so it is a
// host API, not a module action.
//
// Choices ORS leaves open, made here: the interaction id of a voice call
// is its ConnID; attribute names follow the ORS SCXML reference where it
// names them, and are listed on each module's registration otherwise.
package ors
