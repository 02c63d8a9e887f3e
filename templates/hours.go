package templates

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// Hours are a service's business hours, written as GMS's office-hours
// service writes its regular hours: ranges of days with a time range,
// separated by commas or semicolons, such as
//
//	Mon-Fri 08:00-18:00, Sat 09:00-12:00
//
// Days are Mon, Tue, Wed, Thu, Fri, Sat, Sun (a range may wrap: Sat-Mon);
// a day may have several ranges; 24:00 ends a range at midnight. The zero
// Hours are always open.
type Hours struct {
	spans []span
}

// span is one day's open time range, in minutes from midnight.
type span struct {
	day        time.Weekday
	from, till int
}

var weekdays = map[string]time.Weekday{"sun": time.Sunday, "mon": time.Monday, "tue": time.Tuesday, "wed": time.Wednesday,
	"thu": time.Thursday, "fri": time.Friday, "sat": time.Saturday}

// ParseHours parses business hours; "" is always open.
func ParseHours(s string) (Hours, error) {
	var h Hours
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ',' || r == ';' }) {
		fields := strings.Fields(part)
		if len(fields) != 2 {
			return Hours{}, fmt.Errorf("%q is not DAYS HH:MM-HH:MM (such as Mon-Fri 08:00-18:00)", strings.TrimSpace(part))
		}
		days, err := parseDays(fields[0])
		if err != nil {
			return Hours{}, err
		}
		from, till, err := parseRange(fields[1])
		if err != nil {
			return Hours{}, err
		}
		for _, d := range days {
			h.spans = append(h.spans, span{day: d, from: from, till: till})
		}
	}
	return h, nil
}

func parseDays(s string) ([]time.Weekday, error) {
	first, last, isRange := strings.Cut(s, "-")
	a, ok := weekdays[strings.ToLower(first)]
	if !ok {
		return nil, fmt.Errorf("%q is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)", first)
	}
	if !isRange {
		return []time.Weekday{a}, nil
	}
	b, ok := weekdays[strings.ToLower(last)]
	if !ok {
		return nil, fmt.Errorf("%q is not a day (Mon, Tue, Wed, Thu, Fri, Sat, Sun)", last)
	}
	out := []time.Weekday{a}
	for d := a; d != b; {
		d = (d + 1) % 7
		out = append(out, d)
	}
	return out, nil
}

func parseRange(s string) (from, till int, err error) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return 0, 0, fmt.Errorf("%q is not a time range HH:MM-HH:MM", s)
	}
	if from, err = parseClock(a); err != nil {
		return 0, 0, err
	}
	if till, err = parseClock(b); err != nil {
		return 0, 0, err
	}
	if till <= from {
		return 0, 0, fmt.Errorf("%q ends before it starts", s)
	}
	return from, till, nil
}

func parseClock(s string) (int, error) {
	var h, m int
	if n, err := fmt.Sscanf(s, "%d:%d", &h, &m); err != nil || n != 2 || len(s) != 5 || h < 0 || m < 0 || m > 59 || h > 24 || h == 24 && m > 0 {
		return 0, fmt.Errorf("%q is not a time HH:MM", s)
	}
	return h*60 + m, nil
}

// Open reports whether t (read in loc) falls in the business hours.
func (h Hours) Open(t time.Time, loc *time.Location) bool {
	if len(h.spans) == 0 {
		return true
	}
	t = t.In(loc)
	mins := t.Hour()*60 + t.Minute()
	return slices.ContainsFunc(h.spans, func(s span) bool { return s.day == t.Weekday() && mins >= s.from && mins < s.till })
}

// NextOpen returns when the business hours next open after t (t itself
// when they are open): the start of the next open range, in loc. ok is
// false when they never open.
func (h Hours) NextOpen(t time.Time, loc *time.Location) (next time.Time, ok bool) {
	if h.Open(t, loc) {
		return t, true
	}
	t = t.In(loc)
	midnight := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, loc)
	for d := 0; d <= 7; d++ {
		day := midnight.AddDate(0, 0, d)
		best := -1
		for _, s := range h.spans {
			if s.day != day.Weekday() {
				continue
			}
			if at(day, s.from, loc).After(t) && (best < 0 || s.from < best) {
				best = s.from
			}
		}
		if best >= 0 {
			return at(day, best, loc), true
		}
	}
	return time.Time{}, false
}

// at is mins minutes after midnight on day's date, in loc.
func at(day time.Time, mins int, loc *time.Location) time.Time {
	return time.Date(day.Year(), day.Month(), day.Day(), 0, mins, 0, 0, loc)
}
