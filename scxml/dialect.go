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
// (function modules such as http://www.genesyslab.com/modules/queue).
const GenesysNS = "http://www.genesyslab.com/"

// IsGenesysNS reports whether uri is a Genesys namespace.
func IsGenesysNS(uri string) bool {
	return strings.HasPrefix(uri, GenesysNS)
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
