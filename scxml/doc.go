// Package scxml is the syntax stage of Orca: it reads SCXML 1.0 text
// (https://www.w3.org/TR/scxml/) into the typed document model of this
// package and validates it.
//
// Load and Parse build a Document from a file or from bytes. Loading checks
// everything that can be checked without running the document: well-formed
// XML, known elements and attributes in the places the Recommendation allows
// them, required and mutually exclusive attributes, unique ids, transition
// targets, initial states and history defaults, and that every <script src>
// and <data src> can be read (their text is loaded into the model). All the
// errors found are reported together as an ErrorList, each as
// "file:line:col: message".
//
// Expressions are not parsed here: every expression of a document is an
// Expr in Document.Exprs, which the data model compiles. The interpreter in
// package interp runs the resulting Document.
//
// Elements of other namespaces inside executable content are custom
// actions; a Registry maps them to parsers supplied by the host.
package scxml
