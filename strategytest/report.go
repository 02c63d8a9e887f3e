package strategytest

import (
	"encoding/xml"
	"fmt"
	"io"
	"strings"
	"time"
)

// WriteTable writes the results as a table, one line per test, each
// failure indented below its test, and a total line.
func WriteTable(w io.Writer, results []Result) error {
	width := [2]int{}
	for _, r := range results {
		width[0] = max(width[0], len(r.Suite))
		width[1] = max(width[1], len(r.Name))
	}
	passed := 0
	var b strings.Builder
	for _, r := range results {
		status := "FAIL"
		if r.Passed() {
			status = "PASS"
			passed++
		}
		final := r.Final
		if final == "" {
			final = "-"
		}
		fmt.Fprintf(&b, "%s  %-*s  %-*s  final %s  %v virtual  %v\n", status, width[0], r.Suite, width[1], r.Name,
			final, r.Virtual, r.Wall.Round(time.Microsecond))
		for _, f := range r.Failures {
			for line := range strings.SplitSeq(f, "\n") {
				fmt.Fprintf(&b, "      %s\n", line)
			}
		}
	}
	fmt.Fprintf(&b, "%d passed, %d failed, %d tests\n", passed, len(results)-passed, len(results))
	_, err := io.WriteString(w, b.String())
	return err
}

// JUnit XML, as CI systems read it.
type junitSuites struct {
	XMLName xml.Name     `xml:"testsuites"`
	Tests   int          `xml:"tests,attr"`
	Fails   int          `xml:"failures,attr"`
	Time    string       `xml:"time,attr"`
	Suites  []junitSuite `xml:"testsuite"`
}

type junitSuite struct {
	Name  string      `xml:"name,attr"`
	Tests int         `xml:"tests,attr"`
	Fails int         `xml:"failures,attr"`
	Time  string      `xml:"time,attr"`
	Cases []junitCase `xml:"testcase"`
}

type junitCase struct {
	Name      string        `xml:"name,attr"`
	Classname string        `xml:"classname,attr"`
	Time      string        `xml:"time,attr"`
	Failure   *junitFailure `xml:"failure,omitempty"`
	SystemOut string        `xml:"system-out,omitempty"`
}

type junitFailure struct {
	Message string `xml:"message,attr"`
	Type    string `xml:"type,attr"`
	Text    string `xml:",chardata"`
}

// WriteJUnit writes the results as JUnit XML: a testsuite per suite, a
// testcase per test whose time is its wall time, and a failure element
// listing what failed; the strategy's log goes to system-out.
func WriteJUnit(w io.Writer, results []Result) error {
	doc := junitSuites{}
	var total time.Duration
	index := make(map[string]int)
	for _, r := range results {
		i, ok := index[r.Suite]
		if !ok {
			i = len(doc.Suites)
			index[r.Suite] = i
			doc.Suites = append(doc.Suites, junitSuite{Name: r.Suite})
		}
		s := &doc.Suites[i]
		c := junitCase{Name: r.Name, Classname: r.Suite, Time: seconds(r.Wall), SystemOut: strings.Join(r.Logs, "\n")}
		if !r.Passed() {
			c.Failure = &junitFailure{Message: r.Failures[0], Type: "expectation", Text: strings.Join(r.Failures, "\n")}
			s.Fails++
			doc.Fails++
		}
		s.Cases = append(s.Cases, c)
		s.Tests++
		doc.Tests++
		total += r.Wall
	}
	for i := range doc.Suites {
		var d time.Duration
		for _, r := range results {
			if r.Suite == doc.Suites[i].Name {
				d += r.Wall
			}
		}
		doc.Suites[i].Time = seconds(d)
	}
	doc.Time = seconds(total)
	if _, err := io.WriteString(w, xml.Header); err != nil {
		return err
	}
	enc := xml.NewEncoder(w)
	enc.Indent("", "  ")
	if err := enc.Encode(doc); err != nil {
		return err
	}
	_, err := io.WriteString(w, "\n")
	return err
}

func seconds(d time.Duration) string { return fmt.Sprintf("%.3f", d.Seconds()) }
