// Package ecmascript is the ECMAScript data model of SCXML (Appendix B.2 of
// the SCXML Recommendation) on the goja JavaScript engine.
//
// Compile compiles every expression of a document once into goja programs;
// the result is shared by all sessions of the document, each of which gets
// its own goja runtime from NewDatamodel. Expressions that do not compile
// are reported by Problems and raise their error when evaluated.
//
// A session data model (Model) binds the system variables of §5.10:
// _sessionid, _name, _ioprocessors (an object of objects with a location),
// _x, and the read-only _event, which is undefined until the first event;
// and the In() predicate. Value expressions are evaluated in parentheses,
// so that object literals and function expressions are values; locations
// are assigned in strict mode, so that assigning an undeclared variable or
// a system variable is an error; scripts run in the global scope.
//
// Values cross the data model boundary in neutral form: nil, bool,
// float64, string, []any, map[string]any and *interp.XMLNode. Values coming
// in are converted to native JavaScript values, and XML to a small
// read-only DOM (documentElement, getElementsByTagName, getAttribute,
// childNodes, nodeName, nodeType, nodeValue, textContent, ...), which is
// exported back as *interp.XMLNode. A host that only reads a value while
// it acts evaluates with EvalShared, which hands over an object of event
// data no script changed as the event's own Go value instead of a copy.
//
// Scripts can be stopped: Interrupt stops the evaluation in progress, and a
// Watchdog interrupts data models that stay busy in one macrostep longer
// than their time budget, or whose macrostep grows the heap beyond a
// bound. For the watchdog to work, the interpreter brackets every
// macrostep with the Budgeted methods (interp does):
//
//	if b, ok := dm.(ecmascript.Budgeted); ok {
//		b.BeginMacrostep()
//		defer b.EndMacrostep()
//	}
//
// and the host gives each goroutine that runs sessions a lane, to which it
// attaches every session it runs there:
//
//	w := ecmascript.NewWatchdog(ecmascript.WatchdogOptions{Budget: time.Second, Memory: 64 << 20})
//	defer w.Stop()
//	lane := w.Lane()
//	// in interp.Options.OnStart:
//	err := lane.Attach(session)
//
// Model.Size estimates the memory a session's data holds, for a host that
// bounds it across macrosteps (package host does).
package ecmascript
