// Package sandbox says where strategies may be loaded from: a set of
// directories and of http(s) URL prefixes, the strategies: section of
// orca serve's configuration.
//
// Resolve turns the src of an ORS start request or of a service into the
// path or URL of a document inside the sandbox; ReadFile, given to the
// loader (scxml.Options.ReadFile), reads the document and every part it
// names — scripts, data, XInclude files — only when that part is inside
// too. A path is checked as written and again with its symbolic links
// resolved, so a link cannot lead out; a URL must be clean (no "..", no
// user information) and start with one of the prefixes, and its host is
// dialled through the outbound policy of package egress, which refuses
// the addresses a strategy's host must never resolve to. Everything
// refused wraps ErrForbidden, which orca serve answers 403.
package sandbox
