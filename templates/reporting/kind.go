package reporting

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Kind says what a KVP's value is and how it is checked and sent.
type Kind uint8

// The kinds of KVPs.
const (
	// Timestamp is a UTC time in whole seconds since 1970, sent as an
	// integer. Accepted: a non-negative number of seconds, a numeric
	// string, an RFC 3339 string or a time.Time (a JavaScript Date).
	Timestamp Kind = iota + 1
	// Duration is a number of seconds, sent as an integer. Accepted: a
	// non-negative number (rounded to whole seconds) or numeric string.
	Duration
	// Count is a non-negative integer: a count, a position in queue, a
	// priority. Sent as an integer.
	Count
	// Flag is 0 (No) or 1 (Yes), sent as an integer. Accepted: 0, 1,
	// true, false and their string forms.
	Flag
	// Dimension is one of the entry's Values, sent as a string. An entry
	// without Values takes any non-empty string (a virtual queue name, a
	// routing target).
	Dimension
	// ID is an identifier, sent as a non-empty string; an entry marked
	// Numeric (a DBID) takes a non-negative integer and sends it as one.
	ID
	// Text is free text, sent as a string (empty allowed).
	Text
)

var kindNames = [...]string{"", "timestamp", "duration", "count", "flag", "dimension", "id", "text"}

// String returns the kind's name as the documentation writes it.
func (k Kind) String() string {
	if int(k) < len(kindNames) && k != 0 {
		return kindNames[k]
	}
	return "Kind(" + strconv.Itoa(int(k)) + ")"
}

// normalize checks v against entry e and returns the value to send: an int
// for timestamps, durations, counts, flags and numeric IDs, a string for
// the others.
func (e *Entry) normalize(v any) (any, error) {
	x, err := e.value(v)
	if err != nil {
		return nil, err
	}
	return x.any(), nil
}

// value is normalize's value unboxed.
func (e *Entry) value(v any) (val, error) {
	switch e.Kind {
	case Timestamp:
		if t, ok := v.(time.Time); ok {
			if t.IsZero() || t.Unix() < 0 {
				return val{}, fmt.Errorf("%v is not a UTC time after 1970", t)
			}
			return intVal(int(t.Unix())), nil
		}
		if s, ok := v.(string); ok {
			if t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s)); err == nil {
				return e.value(t)
			}
		}
		return wholeVal(v, true, "a UTC timestamp in seconds")
	case Duration:
		return wholeVal(v, true, "a duration in seconds")
	case Count:
		return wholeVal(v, false, "a non-negative integer")
	case Flag:
		switch x := v.(type) {
		case bool:
			if x {
				return intVal(1), nil
			}
			return intVal(0), nil
		case string:
			switch strings.TrimSpace(x) {
			case "true":
				return intVal(1), nil
			case "false":
				return intVal(0), nil
			}
		}
		n, err := wholeNumber(v, false, "0 or 1")
		if err != nil {
			return val{}, err
		}
		if n != 0 && n != 1 {
			return val{}, fmt.Errorf("%s is not 0 or 1", show(v))
		}
		return intVal(n), nil
	case Dimension:
		s, ok := v.(string)
		if !ok {
			return val{}, fmt.Errorf("%s is not a string", show(v))
		}
		if len(e.Values) == 0 {
			if s == "" {
				return val{}, fmt.Errorf("the value must not be empty")
			}
			return strVal(s), nil
		}
		if !slices.Contains(e.Values, s) && !e.opens(s) {
			list := strings.Join(e.Values, ", ")
			for _, p := range e.Open {
				list += ", " + p + "<reason>"
			}
			return val{}, fmt.Errorf("%q is not one of %s", s, list)
		}
		return strVal(s), nil
	case ID:
		if e.Numeric {
			return wholeVal(v, false, "a DBID (a non-negative integer)")
		}
		s, err := scalarString(v)
		if err != nil {
			return val{}, err
		}
		if s == "" {
			return val{}, fmt.Errorf("an id must not be empty")
		}
		return strVal(s), nil
	case Text:
		s, err := scalarString(v)
		if err != nil {
			return val{}, err
		}
		return strVal(s), nil
	}
	return val{}, fmt.Errorf("entry %s has no kind", e.Key)
}

// wholeVal is wholeNumber as a val.
func wholeVal(v any, round bool, what string) (val, error) {
	n, err := wholeNumber(v, round, what)
	if err != nil {
		return val{}, err
	}
	return intVal(n), nil
}

// wholeNumber converts v to a non-negative int. Fractions are rounded when
// round is set and refused otherwise.
func wholeNumber(v any, round bool, what string) (int, error) {
	var f float64
	switch x := v.(type) {
	case int:
		f = float64(x)
	case int64:
		f = float64(x)
	case int32:
		f = float64(x)
	case float64:
		f = x
	case string:
		p, err := strconv.ParseFloat(strings.TrimSpace(x), 64)
		if err != nil {
			return 0, fmt.Errorf("%q is not %s", x, what)
		}
		f = p
	default:
		return 0, fmt.Errorf("%s is not %s", show(v), what)
	}
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > math.MaxInt32*float64(1<<20) {
		return 0, fmt.Errorf("%s is not %s", show(v), what)
	}
	if f != math.Trunc(f) {
		if !round {
			return 0, fmt.Errorf("%s is not %s", show(v), what)
		}
		f = math.Round(f)
	}
	return int(f), nil
}

// scalarString converts a string, number or boolean to a string.
func scalarString(v any) (string, error) {
	switch x := v.(type) {
	case string:
		return x, nil
	case int:
		return strconv.Itoa(x), nil
	case int64:
		return strconv.FormatInt(x, 10), nil
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64), nil
	case bool:
		return strconv.FormatBool(x), nil
	}
	return "", fmt.Errorf("%s is not a string", show(v))
}

// show describes a value in an error message.
func show(v any) string {
	switch x := v.(type) {
	case nil:
		return "null"
	case string:
		return strconv.Quote(x)
	case map[string]any:
		return "an object"
	case []any:
		return "an array"
	}
	return fmt.Sprint(v)
}

// opens reports whether s is one of the entry's open values: a prefix of
// Open followed by a reason of letters, digits and underscores.
func (e *Entry) opens(s string) bool {
	for _, p := range e.Open {
		reason, ok := strings.CutPrefix(s, p)
		if ok && reason != "" && strings.IndexFunc(reason, func(r rune) bool {
			return !(r == '_' || r >= '0' && r <= '9' || r >= 'A' && r <= 'Z' || r >= 'a' && r <= 'z')
		}) < 0 {
			return true
		}
	}
	return false
}
