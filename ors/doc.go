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
// session receives <module>.<action>.done (ixn.redirect.done,
// queue.submit.done, session.fetch.done, ...) or error.<module>.<action>,
// both external events whose data holds requestid, and error and
// description on failure. Interaction events (interaction.added,
// interaction.partystatechanged, interaction.udata.changed,
// interaction.abandoned, interaction.deleted) go to the session that owns
// the interaction.
//
// Choices ORS leaves open, made here: the interaction id of a voice call
// is its ConnID; attribute names follow the ORS SCXML reference where it
// names them, and are listed on each module's registration otherwise.
package ors
