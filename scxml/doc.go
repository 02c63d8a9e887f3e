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
// actions; a Registry maps them to parsers supplied by the host. A parser
// receives an ActionContext through which it registers its expressions in
// Document.Exprs, builds nested executable content and reports errors.
//
// # Dialects
//
// A document is either W3C (SCXML 1.0) or ORS (the dialect of Genesys
// Orchestration Server strategies, from the SCXML Working Draft of May
// 2009); Document.Dialect says which. Options.Dialect can force one;
// otherwise a document is ORS when its <scxml> element
//
//   - declares a namespace whose URI starts with http://www.genesyslab.com/
//     (such as xmlns:queue="http://www.genesyslab.com/modules/queue"),
//   - carries profile="ecmascript", or
//   - has an attribute in no namespace whose name starts with "_" (such as
//     _persist="false"),
//
// and W3C otherwise. An inline <scxml> in the <content> of an <invoke> of
// an ORS document is ORS too. In an ORS document:
//
//   - the event, target, type and delay attributes of <send> hold
//     expressions: they fill Send.EventExpr, TargetExpr, TypeExpr and
//     DelayExpr, and the literal fields stay empty;
//   - attributes in no namespace whose name starts with "_" are accepted on
//     every element, and profile (whose value must be "ecmascript") on
//     <scxml>;
//   - <scxml> may have any number of <script> children (Document.Scripts);
//   - child elements of states in Genesys namespaces are kept in
//     State.Extensions.
//
// W3C documents are loaded as SCXML 1.0 says, with one extension shared by
// both dialects: <log> accepts a level attribute (Log.Level).
//
// # XInclude
//
// In both dialects, <xi:include> elements (namespace XIncludeNS) are
// replaced by what they include before the document is built, anywhere in
// the document:
//
//   - parse="text" includes the file as text. Inside a <script>, the
//     program is the included texts and the non-blank inline text in
//     document order; it is positioned where its first part starts (line 1,
//     column 1 of the included file when that comes first).
//   - parse="xml" (the default) splices the elements the xpointer attribute
//     selects in the included file (see the forms below); when it selects
//     the <scxml> root element of the included file, its child elements are
//     spliced instead. The placeholder PrefixPlaceholder ("$$_MY_PREFIX_$$")
//     in the attribute values and text of the spliced elements is replaced
//     by the include's prefix: its resolveid attribute, or else the id of
//     the nearest enclosing element that has one, or else "". States
//     spliced by an include record its prefix in State.Prefix. Namespace
//     declarations in scope in the included file stay in scope on the
//     spliced elements.
//
// An href is resolved against the file that holds the <xi:include> (see
// Resolve); the positions of spliced elements, and the src references in
// them, are those of the included file. A file that cannot be read is an
// error ("xi:include: open path: ...") unless the include has an
// <xi:fallback>, whose content is then used. Including a file into itself
// (directly or not), nesting includes more than 16 deep or processing more
// than 1024 includes is an error.
//
// The xpointer forms supported are: none (the root element); a bare id
// ("main", matching id or xml:id); element() with an id and/or a child
// sequence ("element(/1)", "element(/1/2)", "element(main/3)"); and
// xpointer() with absolute location paths of child steps, each a local name
// or "*" with optional [n] and [@name='value'] predicates, optionally
// starting with id('x') ("xpointer(/scxml/*)",
// "xpointer(/scxml/state[@id='x']/*)"). Parts are tried in order until one
// selects something; xmlns() and other parts are skipped, and name tests
// compare local names only.
package scxml
