package server

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/orca-scxml/orca/templates"
)

// Bounds of what a callback request may carry.
const (
	// maxParams bounds the parameters of one request.
	maxParams = 256
	// maxParamName bounds a parameter's name, maxParamValue its value.
	maxParamName  = 128
	maxParamValue = 8 << 10
	// maxNumber bounds a phone number: E.164 allows 15 digits; the rest
	// is room for a "+", separators and an extension.
	maxNumber = 32
	// maxID bounds a callback or session id.
	maxID = 64
	// desiredSkew is how far in the future a _desired_time given to an
	// immediate service may be (the client's clock may be ahead).
	desiredSkew = 10 * time.Second
)

// immediate reports whether template calls back at once: it ignores
// _desired_time, so a request for a later time is refused.
func immediate(template string) bool {
	switch template {
	case "callback-immediate", "callback-agent-first", "callback-in-queue":
		return true
	}
	return false
}

// numberError is a bad phone number: GMS answers it with
// CallbackExceptionNumber.
func numberError(field, v, reason string) error {
	return &httpError{code: http.StatusBadRequest, exception: exceptionNumber,
		msg: fmt.Sprintf("%s %q: %s (want up to %d characters: digits, a leading +, spaces, - . ( ) * #)", field, clip(v), reason, maxNumber)}
}

// checkNumber checks a phone number (a customer number or DN): 1 to
// maxNumber characters, at least one digit, only digits, a leading "+",
// and the separators people write.
func checkNumber(field, v string) error {
	if v == "" {
		return numberError(field, v, "is empty")
	}
	if len(v) > maxNumber {
		return numberError(field, v, fmt.Sprintf("is %d characters long", len(v)))
	}
	digits := 0
	for i, r := range v {
		switch {
		case r >= '0' && r <= '9':
			digits++
		case r == '+' && i == 0:
		case strings.ContainsRune(" -.()*#", r):
		default:
			return numberError(field, v, fmt.Sprintf("has %q", r))
		}
	}
	if digits == 0 {
		return numberError(field, v, "has no digit")
	}
	return nil
}

// checkID checks a callback or session id from a path or query: 1 to
// maxID letters, digits, '-', '_' or '.'.
func checkID(field, v string) error {
	if v == "" || len(v) > maxID {
		return errorf(http.StatusBadRequest, "%s %q: want 1 to %d characters", field, clip(v), maxID)
	}
	for _, r := range v {
		if !(r < utf8.RuneSelf && (unicode.IsLetter(r) || unicode.IsDigit(r) || r == '-' || r == '_' || r == '.')) {
			return errorf(http.StatusBadRequest, "%s %q: only letters, digits, '-', '_' and '.' are allowed", field, clip(v))
		}
	}
	return nil
}

// checkParams checks the count, names and sizes of a callback request's
// parameters, and the fields that have a shape of their own.
func checkParams(raw map[string]string) error {
	if len(raw) > maxParams {
		return errorf(http.StatusBadRequest, "%d parameters: at most %d are allowed", len(raw), maxParams)
	}
	if v, ok := raw["_customer_number"]; ok {
		if err := checkNumber("_customer_number", strings.TrimSpace(v)); err != nil {
			return err
		}
	}
	for _, k := range slices.Sorted(maps.Keys(raw)) {
		v := raw[k]
		if k == "" || len(k) > maxParamName || strings.IndexFunc(k, func(r rune) bool { return r < ' ' || r == 0x7f }) >= 0 {
			return errorf(http.StatusBadRequest, "parameter name %q: want 1 to %d printable characters", clip(k), maxParamName)
		}
		if len(v) > maxParamValue {
			return errorf(http.StatusBadRequest, "parameter %s: value of %d bytes, at most %d are allowed", k, len(v), maxParamValue)
		}
		if !utf8.ValidString(v) {
			return errorf(http.StatusBadRequest, "parameter %s: not valid UTF-8", k)
		}
	}
	if v, ok := raw["_originating_interaction_id"]; ok && v != "" {
		if err := checkID("_originating_interaction_id", v); err != nil {
			return err
		}
	}
	return nil
}

// checkOverrides refuses request parameters that name an option of sv
// which sv does not list in _overwritable_options. Options a template
// fixes (_call_direction, _userterminated_first_connect_party) and
// _overwritable_options itself are never overridable.
func checkOverrides(sv *service, raw map[string]string) error {
	allowed := sv.svc.Options.Overwritable()
	var refused []string
	for k := range raw {
		if _, isOption := sv.svc.Options[k]; isOption && !slices.Contains(allowed, k) {
			refused = append(refused, k)
		}
	}
	if len(refused) == 0 {
		return nil
	}
	slices.Sort(refused)
	listed := "lists none"
	if len(allowed) > 0 {
		listed = "lists only " + strings.Join(allowed, ", ")
	}
	return errorf(http.StatusBadRequest, "request parameters %s name options of service %s that a request may not override: its %s %s",
		strings.Join(refused, ", "), sv.svc.Name, templates.OverwritableOptions, listed)
}

// fixedOption reports whether a request can never override option name:
// the template implies it, or it is the list of overridable options
// itself.
func fixedOption(name string) bool {
	switch name {
	case "_call_direction", "_userterminated_first_connect_party", templates.OverwritableOptions:
		return true
	}
	return false
}

// checkOverwritable checks a service's _overwritable_options: every name
// must be an option of the service, and none of the fixed ones.
func checkOverwritable(name string, vals templates.Values) error {
	for _, o := range vals.Overwritable() {
		if fixedOption(o) {
			return fmt.Errorf("service %q: option %s: %s cannot be overridden by a request", name, templates.OverwritableOptions, o)
		}
		if _, ok := vals[o]; !ok {
			return fmt.Errorf("service %q: option %s: %s is not an option of the service", name, templates.OverwritableOptions, o)
		}
	}
	return nil
}

// checkDurations checks that every duration option in vals is at most
// limit (durations are whole seconds; a larger one would overflow
// time.Duration or outlive any callback). what names the values in
// errors ("request parameter", "option").
func checkDurations(what string, vals templates.Values, limit time.Duration) error {
	maxSec := int64(limit / time.Second)
	for _, o := range templates.ServiceOptions() {
		if o.Kind != templates.Duration {
			continue
		}
		v, ok := vals[o.Name].(float64)
		if !ok {
			continue
		}
		if v > float64(maxSec) {
			return errorf(http.StatusBadRequest, "%s %s %.0f: out of range; allowed %d to %d seconds (callbacks.max_duration %v)",
				what, o.Name, v, o.Min, maxSec, limit)
		}
	}
	return nil
}

// checkDesiredTime checks a requested _desired_time t against the
// service and the configured horizon, at time now.
func (s *Server) checkDesiredTime(sv *service, field string, t, now time.Time) error {
	if t.IsZero() {
		return nil
	}
	if immediate(sv.svc.Template) && t.After(now.Add(desiredSkew)) {
		return errorf(http.StatusBadRequest, "%s %s: service %s is an immediate callback service (template %s); it calls back at once and takes no later time",
			field, templates.FormatTime(t), sv.svc.Name, sv.svc.Template)
	}
	limit := s.cfg.Callbacks.MaxDesiredDelay
	if t.Sub(now) > limit {
		return errorf(http.StatusBadRequest, "%s %s: out of range; allowed up to %s (callbacks.max_desired_delay %v after now)",
			field, templates.FormatTime(t), templates.FormatTime(now.Add(limit)), limit)
	}
	return nil
}

// clip shortens a value quoted in an error message.
func clip(v string) string {
	const n = 40
	if len(v) <= n {
		return v
	}
	return v[:n] + "..."
}
