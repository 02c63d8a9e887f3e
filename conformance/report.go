package conformance

import (
	"fmt"
	"io"
	"text/tabwriter"
	"time"
)

// Totals counts the outcomes of a report.
type Totals struct {
	Tests, Passed              int
	Mandatory, MandatoryPassed int
	Optional, OptionalPassed   int
	Failed, Errors, TimedOut   int
}

// Totals returns the counts of r.
func (r Report) Totals() Totals {
	var t Totals
	for _, res := range r.Results {
		t.Tests++
		pass := res.Status == Pass
		if res.Mandatory {
			t.Mandatory++
		} else {
			t.Optional++
		}
		switch res.Status {
		case Pass:
			t.Passed++
		case Fail:
			t.Failed++
		case Error:
			t.Errors++
		case Timeout:
			t.TimedOut++
		}
		if pass && res.Mandatory {
			t.MandatoryPassed++
		} else if pass {
			t.OptionalPassed++
		}
	}
	return t
}

// String summarises the totals on one line.
func (t Totals) String() string {
	return fmt.Sprintf("%d/%d passed (mandatory %d/%d, optional %d/%d); %d failed, %d errors, %d timed out",
		t.Passed, t.Tests, t.MandatoryPassed, t.Mandatory, t.OptionalPassed, t.Optional,
		t.Failed, t.Errors, t.TimedOut)
}

// WriteTable writes one row per test (id, section, conformance, result,
// duration, reason) and then the totals. With failuresOnly, passing tests
// are left out of the table but still counted.
func WriteTable(w io.Writer, r Report, failuresOnly bool) error {
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "TEST\tSECTION\tCONFORMANCE\tRESULT\tTIME\tREASON")
	for _, res := range r.Results {
		if failuresOnly && res.Status == Pass {
			continue
		}
		conf := "optional"
		if res.Mandatory {
			conf = "mandatory"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", res.ID, res.Section, conf, res.Status,
			res.Duration.Round(time.Millisecond), res.Reason)
	}
	if err := tw.Flush(); err != nil {
		return fmt.Errorf("writing table: %w", err)
	}
	_, err := fmt.Fprintf(w, "\n%s in %v (suite %s)\n", r.Totals(), r.Elapsed.Round(time.Millisecond), r.Dir)
	if err != nil {
		return fmt.Errorf("writing totals: %w", err)
	}
	return nil
}
