// Package basichttp is the SCXML Basic HTTP Event I/O Processor
// (SCXML 1.0 Appendix C.2) for Orca engines.
//
// One Processor serves every session of a host on a single HTTP listener.
// A session's access URI is the listener's URL followed by
// /basichttp/<session id>; Location returns it (and is what
// _ioprocessors['basichttp'].location holds). The listener accepts events
// for every session of the engines the Processor is registered with
// (Accept, which they call as they create a session) and for those whose
// location it has given; hosts call Forget when a session ends.
//
// # Receiving
//
// A POST to a session's access URI becomes an external event, handed to
// Options.Deliver (hosts pass an interp.Inbox's Put, so that the engine's
// goroutine is the only one that touches the engine). The answer is 200 as
// soon as the event is queued, before the session processes it (C.2.1).
//
//   - Name: the first _scxmleventname parameter (form body, then URL
//     query), else the _scxmleventname request header, else "HTTP." plus
//     the method ("HTTP.POST"; W3C tests 520 and 532).
//   - Data: for an application/x-www-form-urlencoded body (or no body),
//     the parameters of the body and the query other than
//     _scxmleventname, as a map from name to string; a name given more
//     than once maps to a list of its values in order. An application/json
//     body is parsed; an XML body becomes an *interp.XMLNode; any other
//     body is its text.
//   - Origin: the sender's access URI, from the SCXML-Origin header that
//     this package's Send sets; OriginType is Type.
//   - Raw: the request as received: request line, headers and body (W3C
//     test 509 looks for the method in it).
//
// Other methods answer 405, unknown sessions 404, and bodies that cannot
// be turned into an event 400, each with a message.
//
// # Sending
//
// Send POSTs the event to the target URL as an
// application/x-www-form-urlencoded body (C.2.2): _scxmleventname (the
// <send> event, when there is one), then the namelist and <param> values
// (strings as they are, other values as JSON, lists as one field per
// element), or the <content> value in a field named "content". Values are
// percent-encoded with %20 for spaces. The request carries the sending
// session's access URI in the SCXML-Origin header, so the receiver can
// reply. Send waits for the answer: an unreachable target, a timeout or a
// non-2xx status is an error, which the interpreter raises as
// error.communication; so is a missing or non-HTTP target, and a target
// the outbound policy (Options.Egress, package egress) refuses: by
// default a session can reach only the access URIs of this processor.
//
// A message to a live session of the sender's own engine still travels
// over HTTP, but the event the listener builds from it is handed back to
// Send, which puts it on the target's external queue before returning, so
// that events a session sends keep their order whatever processor carries
// them (W3C test 201). Every other event goes to Options.Deliver.
package basichttp
