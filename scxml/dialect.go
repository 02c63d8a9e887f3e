package scxml

import (
	"strings"

	"github.com/beevik/etree"
)

// Dialect is the flavour of SCXML a document is written in.
type Dialect uint8

// The dialects. AutoDialect, the zero value, is only meaningful in Options:
// it asks the loader to recognise the dialect (see the package
// documentation). A loaded Document is always W3C or ORS.
const (
	AutoDialect Dialect = iota
	// W3C is SCXML 1.0 as the W3C Recommendation defines it.
	W3C
	// ORS is the dialect of Genesys Orchestration Server strategies, based
	// on the SCXML Working Draft of May 2009.
	ORS
)

// String returns "auto", "w3c" or "ors".
func (d Dialect) String() string {
	switch d {
	case W3C:
		return "w3c"
	case ORS:
		return "ors"
	}
	return "auto"
}

// GenesysNS is the prefix of the namespace URIs of Genesys extensions
// (function modules such as http://www.genesyslab.com/modules/queue), in
// the spelling the loader gives them (see CanonicalNS).
const GenesysNS = "http://www.genesyslab.com/"

// genesysHost is a Genesys namespace URI without its scheme, as the ORS
// Developer's Guide writes every module namespace
// (xmlns:queue="www.genesyslab.com/modules/queue").
const genesysHost = "www.genesyslab.com/"

// IsGenesysNS reports whether uri is a Genesys namespace, in any of the
// spellings of CanonicalNS.
func IsGenesysNS(uri string) bool {
	return CanonicalNS(uri) != uri || strings.HasPrefix(uri, GenesysNS)
}

// CanonicalNS returns the spelling the loader gives a Genesys namespace
// URI: "http://www.genesyslab.com/..." for "www.genesyslab.com/...",
// "https://www.genesyslab.com/..." and "http://www.genesyslab.com/...",
// without a trailing slash after a module name. Other URIs are returned
// unchanged. ORS accepts the module namespaces with and without a
// scheme: the Developer's Guide writes them without one ("Orchestration
// Extensions"), Composer with http://.
func CanonicalNS(uri string) string {
	rest := uri
	switch {
	case strings.HasPrefix(rest, "http://"):
		rest = rest[len("http://"):]
	case strings.HasPrefix(rest, "https://"):
		rest = rest[len("https://"):]
	}
	if !strings.HasPrefix(rest, genesysHost) {
		return uri
	}
	if rest != genesysHost {
		rest = strings.TrimSuffix(rest, "/")
	}
	return "http://" + rest
}

// normalizeNamespaces rewrites, in el and its descendants, the
// declarations of Genesys namespaces to their canonical spelling, so that
// the rest of the loader and the hosts see one URI per module.
func normalizeNamespaces(el *etree.Element) {
	for i, a := range el.Attr {
		if a.Space == "xmlns" || a.Space == "" && a.Key == "xmlns" {
			el.Attr[i].Value = CanonicalNS(a.Value)
		}
	}
	for _, c := range el.ChildElements() {
		normalizeNamespaces(c)
	}
}

// DetectDialect returns the dialect of the document whose <scxml> element
// is root: ORS when root declares a namespace under GenesysNS, carries
// profile="ecmascript", or has an attribute in no namespace whose name
// starts with "_" (such as _persist); W3C otherwise.
func DetectDialect(root *etree.Element) Dialect {
	for _, a := range root.Attr {
		switch {
		case (a.Space == "xmlns" || a.Space == "" && a.Key == "xmlns") && IsGenesysNS(a.Value):
			return ORS
		case a.Space == "" && a.Key == "profile" && a.Value == "ecmascript":
			return ORS
		case a.Space == "" && strings.HasPrefix(a.Key, "_"):
			return ORS
		}
	}
	return W3C
}

// dialectOf returns the dialect of a document with root element root:
// forced by the options, inherited from an enclosing ORS document (for an
// inline <scxml> in <content>), or recognised.
func (l *loader) dialectOf(root *etree.Element, outer Dialect) Dialect {
	switch {
	case l.opts.Dialect == W3C || l.opts.Dialect == ORS:
		return l.opts.Dialect
	case outer == ORS:
		return ORS
	}
	return DetectDialect(root)
}
