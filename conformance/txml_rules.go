package conformance

import (
	"regexp"
	"strings"

	"github.com/beevik/etree"
)

// Character classes of XML Schema regular expressions, which
// xsl:analyze-string uses, written for package regexp: \w, \W, \s, \S and
// the dot (which does not match line ends).
const (
	xsdWord     = `[^\p{P}\p{Z}\p{C}]`
	xsdNonWord  = `[\p{P}\p{Z}\p{C}]`
	xsdSpace    = `[ \t\n\r]`
	xsdNonSpace = `[^ \t\n\r]`
	xsdAny      = `[^\n\r]`
)

// Patterns of the stylesheet's xsl:analyze-string instructions.
const (
	// relationPattern is "([0-9]+)([=<>]=?)(.*)": a variable number, a
	// comparison operator and the rest.
	relationPattern = `([0-9]+)([=<>]=?)(` + xsdAny + `*)`
	// varPairPattern is "([0-9]+)(\W+)([0-9]+)": two variable numbers.
	varPairPattern = `([0-9]+)(` + xsdNonWord + `+)([0-9]+)`
	// compareIDPattern is "([0-9]+)([=<>]=?)([0-9+])", whose last group is
	// one character, as the stylesheet has it.
	compareIDPattern = `([0-9]+)([=<>]=?)([0-9+])`
	// prefixPattern is "(\w+)(\W)(\w+)".
	prefixPattern = `(` + xsdWord + `+)(` + xsdNonWord + `)(` + xsdWord + `+)`
	// arrayValPattern is "([0-9]+)(\W+)(.*)".
	arrayValPattern = `([0-9]+)(` + xsdNonWord + `+)(` + xsdAny + `*)`
	// numberPattern is "([0-9]+)".
	numberPattern = `([0-9]+)`
	// paramPattern is "(\S+)(\s+)(\S+)".
	paramPattern = `(` + xsdNonSpace + `+)(` + xsdSpace + `+)(` + xsdNonSpace + `+)`
)

// startsWithFunc is the body of the varPrefix condition: underscore.string's
// startsWith on one line, as the stylesheet writes it.
const startsWithFunc = `(function(str, starts){if (starts === '') return true;if (str == null || starts == null) return false;str = String(str); starts = String(starts);return str.length >= starts.length && str.slice(0, starts.length) === starts;})(`

// scxmlEventExprHead and scxmlEventExprTail surround the value of
// conf:scxmlEventExpr, kept byte for byte as the stylesheet has them.
const (
	scxmlEventExprHead = `'<message source="' + _ioprocessors['basichttp'] + '"'` + "\n" +
		`+ 'xmlns:scxml="http://www.w3.org/2005/07/scxml" version="1.0"  xmlns:xsi=:http://www.w3.org/2001/XMLSchema-instance"` + "\n" +
		`xsi:schemaLocation="http://www.w3.org/2005/07/scxml scxml-message.xsd" sourcetype=:scxml"'` + "\n" +
		`+' 'name="name"' + '"' + `
	scxmlEventExprTail = ` + '"' + />'`
)

// analyze is xsl:analyze-string with only an xsl:matching-substring: it
// returns the concatenation of match(groups) over the non-overlapping
// matches of pattern in s, and drops the text between them.
func analyze(pattern, s string, match func(g []string) string) string {
	var b strings.Builder
	for _, g := range regexp.MustCompile(pattern).FindAllStringSubmatch(s, -1) {
		b.WriteString(match(g))
	}
	return b.String()
}

// relation returns the operator op, or eq when op is "=": the stylesheet's
// xsl:choose on the comparison operator.
func relation(op, eq string) string {
	if op == "=" {
		return eq
	}
	return op
}

// confAttr applies the stylesheet's rule for the attribute conf:local with
// value v. It returns the attribute that replaces it, or ok false when the
// stylesheet has no rule for it.
func confAttr(local, v string) (name, value string, ok bool) {
	switch local {
	// Success and failure criteria, data model.
	case "targetpass":
		return "target", "pass", true
	case "targetfail":
		return "target", "fail", true
	case "datamodel":
		return "datamodel", "ecmascript", true

	// Ids, names and locations.
	case "id":
		return "id", "Var" + v, true
	case "name":
		return "name", "Var" + v, true
	case "location":
		return "location", "Var" + v, true
	case "invalidLocation":
		return "location", "foo.bar.baz ", true
	case "systemVarLocation":
		return "location", v, true

	// Expressions.
	case "expr", "systemVarExpr":
		return "expr", v, true
	case "targetVar":
		return "targetexpr", "Var" + v, true
	case "quoteExpr":
		return "expr", "'" + v + "'", true
	case "varExpr", "varChildExpr":
		return "expr", "Var" + v, true
	case "varNonexistentStruct":
		return "expr", "Var" + v + ".bar", true
	case "illegalExpr":
		return "expr", "return", true
	case "illegalTarget":
		return "target", "baz", true
	case "unreachableTarget":
		return "target", "#_scxml_foo", true
	case "invalidSessionID", "invalidSendTypeExpr":
		return "expr", "27", true
	case "invalidSendType":
		return "type", "27", true

	// Event fields.
	case "eventName":
		return "expr", "_event.name", true
	case "eventType":
		return "expr", "_event.type", true
	case "eventSendid":
		return "expr", "_event.sendid", true
	case "eventField":
		return "expr", "_event." + v, true
	case "eventRaw":
		return "expr", "_event.raw", true
	case "eventDataFieldValue", "eventDataParamValue":
		return "expr", "_event.data." + v, true
	case "eventDataNamelistValue":
		return "expr", "_event.data.Var" + v, true
	case "scxmlEventIOLocation":
		return "expr", "_ioprocessors['http://www.w3.org/TR/scxml/#SCXMLEventProcessor'].location", true

	// The expr forms of the <send> attributes.
	case "eventExpr":
		return "eventexpr", "Var" + v, true
	case "targetExpr":
		return "targetexpr", "Var" + v, true
	case "typeExpr":
		return "typeexpr", "Var" + v, true
	case "delayFromVar":
		return "delayexpr", "Var" + v, true
	case "delay":
		return "delayexpr", "'" + v + "s'", true
	case "idlocation":
		return "idlocation", "Var" + v, true
	case "sendIDExpr":
		return "sendidexpr", "Var" + v, true
	case "srcExpr":
		return "srcexpr", "Var" + v, true
	case "namelist":
		return "namelist", "Var" + v, true
	case "invalidNamelist":
		return "namelist", `"foo`, true

	// Transition conditions.
	case "idVal":
		return "cond", analyze(relationPattern, v, func(g []string) string {
			return "Var" + g[1] + relation(g[2], "==") + g[3]
		}), true
	case "varIdVal":
		return "cond", analyze(relationPattern, v, func(g []string) string {
			return "Var" + g[1] + relation(g[2], "==") + "Var" + g[3]
		}), true
	case "namelistIdVal":
		return "cond", analyze(relationPattern, v, func(g []string) string {
			return "Var" + g[1] + relation(g[2], "===") + g[3]
		}), true
	case "VarEqVar":
		return "cond", analyze(varPairPattern, v, func(g []string) string {
			return "Var" + g[1] + "===Var" + g[3]
		}), true
	case "VarEqVarStruct":
		return "cond", analyze(varPairPattern, v, func(g []string) string {
			return "Var" + g[1] + "==Var" + g[3]
		}), true
	case "idQuoteVal":
		return "cond", analyze(relationPattern, v, func(g []string) string {
			return "Var" + g[1] + relation(g[2], "==") + "'" + g[3] + "'"
		}), true
	case "compareIDVal":
		return "cond", analyze(compareIDPattern, v, func(g []string) string {
			return "Var" + g[1] + relation(g[2], "=") + "Var" + g[3]
		}), true
	case "idSomeVal":
		return "cond", "Var" + v + " == 123", true
	case "eventNameVal":
		return "cond", "_event.name == '" + v + "'", true
	case "eventvarVal":
		return "cond", analyze(relationPattern, v, func(g []string) string {
			return "_event.data['Var" + g[1] + "']" + relation(g[2], "==") + g[3]
		}), true
	case "idSystemVarVal":
		return "cond", analyze(relationPattern, v, func(g []string) string {
			return "Var" + g[1] + relation(g[2], "==") + g[3]
		}), true
	case "eventdataVal":
		return "cond", "_event.data == " + v, true
	case "eventdataSomeVal":
		return "cond", "_event.data == 123", true
	case "emptyEventData":
		return "cond", "typeof _event.data === 'undefined'", true
	case "nameVarVal":
		return "cond", "_name  === '" + v + "'", true
	case "varPrefix":
		return "cond", analyze(prefixPattern, v, func(g []string) string {
			return startsWithFunc + "Var" + g[3] + ", Var" + g[1] + ")"
		}), true
	case "inState":
		return "cond", "In('" + v + "')", true
	case "nonBoolean":
		return "cond", "return", true
	case "isBound":
		return "cond", "Var" + v, true
	case "unboundVar":
		return "cond", "typeof Var" + v + " === 'undefined' ", true
	case "systemVarIsBound":
		return "cond", v, true
	case "noValue":
		return "cond", "!Var" + v, true
	case "true":
		return "cond", "true", true
	case "false":
		return "cond", "false", true
	case "eventFieldsAreBound":
		return "cond", "'name' in _event && 'type' in _event && 'sendid' in _event && 'origin' in _event && " +
			"'origintype' in _event && 'invokeid' in _event && 'data' in _event", true
	case "eventDataHasField":
		return "cond", v + " in _event.data", true
	case "eventFieldHasNoValue":
		return "cond", "typeof _event." + v + " === 'undefined' ", true
	case "eventLanguageMatchesDatamodel":
		return "cond", " _event.language == 'ecmascript'", true
	case "originTypeEq":
		return "cond", " _event.origintype == '" + v + "'", true

	// Scripting.
	case "scriptGoodSrc":
		return "src", `D:\W3C\SCXMLTests\test300.js`, true
	case "scriptBadSrc":
		return "src", `D:\foo`, true

	// foreach.
	case "arrayVar", "arrayTextVar":
		return "array", "Var" + v, true
	case "arrayExpr123":
		return "expr", "1, 2, 3]", true
	case "illegalArray":
		return "expr", "7", true
	case "item":
		return "item", "Var" + v, true
	case "illegalItem":
		return "item", "'continue'", true
	case "index":
		return "index", "Var" + v, true
	case "multiDimensionalArrayExpr":
		return "expr", "[[" + v + "," + v + "],[" + v + "," + v + "]]", true
	case "arrayVal":
		return "cond", analyze(arrayValPattern, v, func(g []string) string {
			a, x := "Var"+g[1], g[3]
			return a + "[0][0]== " + x + " && " + a + "[0][1] == " + x + "  && " +
				a + "[1][0] == " + x + " && " + a + "[1][1] == " + x
		}), true

	// Basic HTTP Event I/O Processor.
	case "testOnServer":
		return "target", "SITE_SPECIFIC_ADDRESS" + v, true
	case "basicHTTPAccessURI":
		return "expr", "_ioprocessors['basichttp']['location']", true
	case "basicHTTPAccessURITarget":
		return "targetexpr", "_ioprocessors['basichttp']['location']", true
	case "methodIsPost":
		return "cond", "_event.raw.search('POST') !== -1", true
	case "multipleNamelist":
		return "namelist", analyze(numberPattern, v, func(g []string) string {
			return "Var" + g[1] + "\n"
		}), true
	case "eventIsExternal":
		return "cond", "_event.type === 'external'", true
	case "eventIdParamHasValue":
		return "cond", analyze(paramPattern, v, func(g []string) string {
			return "_event.raw.search(/Var" + g[1] + "=" + g[3] + "/) !== -1"
		}), true
	case "eventNamedParamHasValue":
		return "cond", analyze(paramPattern, v, func(g []string) string {
			return "_event.raw.search('" + g[1] + "=" + g[3] + "') !== -1"
		}), true
	case "messageBodyEquals":
		return "cond", "_event.raw.search(/" + v + "/) !== -1", true
	case "getNamedParamVal":
		return "expr", "_event.raw.match(/" + v + `=(\S+)$/)[1]`, true
	case "getIDParamVal":
		return "expr", "_event.raw.match(/Var" + v + `=(\S+)$/)[1]`, true
	case "getNthParamName":
		return "expr", `txt.match(/\n\n(.*)/)[2].split('&')[` + v + "].split('=')[0]", true
	case "getNthParamVal":
		return "expr", `txt.match(/\n\n(.*)/)[2].split('&')[` + v + "].split('=')[1]", true
	case "scxmlEventExpr":
		return "expr", scxmlEventExprHead + v + scxmlEventExprTail, true
	case "msgIsBody":
		return "cond", `_event.raw.match(/\n\naddress=(.*)$/)`, true
	}
	return "", "", false
}

// confElement applies the stylesheet's rule for the conf: element src,
// appending its result to parent. It reports false, and appends nothing,
// when the stylesheet has no rule for the element. The rules do not look at
// the element's children.
func confElement(parent, src *etree.Element) bool {
	attr := func(name string) string { return src.SelectAttrValue(name, "") }
	switch src.Tag {
	case "pass", "fail":
		final := literal(parent, "final")
		final.CreateAttr("id", src.Tag)
		log := literalChild(literalChild(final, "onentry"), "log")
		log.CreateAttr("label", "Outcome")
		log.CreateAttr("expr", "'"+src.Tag+"'")
	case "incrementID":
		assign := literal(parent, "assign")
		assign.CreateAttr("location", "Var"+attr("id"))
		assign.CreateAttr("expr", "Var"+attr("id")+" + 1")
	case "concatVars", "sumVars":
		assign := literal(parent, "assign")
		assign.CreateAttr("location", "Var"+attr("id1"))
		assign.CreateAttr("expr", "Var"+attr("id1")+" + Var"+attr("id2"))
	case "illegalContent":
		literal(parent, "content").SetText(" xyz ")
	case "contentFoo":
		literal(parent, "content").SetText("foo")
	case "someInlineVal":
		parent.AddChild(etree.NewText("123"))
	case "script":
		literal(parent, "script").SetText("var Var1 = 1")
	case "sendToSender":
		send := literal(parent, "send")
		send.CreateAttr("event", attr("name"))
		send.CreateAttr("targetexpr", "_event.origin")
		send.CreateAttr("typeexpr", "_event.origintype")
	case "array123":
		parent.AddChild(etree.NewText("[1,2,3]"))
	case "extendArray":
		assign := literal(parent, "assign")
		assign.CreateAttr("location", "Var"+attr("id"))
		assign.CreateAttr("expr", "[].concat(Var"+attr("id")+", [4])")
	case "incrementArray":
		a := "Var" + attr("id")
		foreach := literal(parent, "foreach")
		foreach.CreateAttr("item", "item")
		foreach.CreateAttr("index", "index")
		foreach.CreateAttr("array", a)
		literalChild(foreach, "script").SetText(
			a + "[index][0] = " + a + "[index][0] + 1\n" +
				a + "[index][1] = " + a + "[index][1] + 1\n")
	case "setUpHTTPTest":
		// The ECMAScript sheet sets up nothing.
	case "msgContent":
		literal(parent, "content").CreateAttr("expr", `'address=' + _ioprocessors['basichttp'] + "'"`)
	default:
		return false
	}
	return true
}
