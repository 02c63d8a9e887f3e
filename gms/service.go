package gms

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/orca-scxml/orca/internal/httpapi"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/templates"
)

// Service is a callback service ready to start sessions: its name,
// template (or the document of a strategy of its own) and options, and
// the compiled chart every callback of the service runs.
type Service struct {
	*templates.Service
	Chart *interp.Chart
}

// immediate reports whether template calls back at once: it ignores
// _desired_time, so a request for a later time is refused.
func immediate(template string) bool {
	switch template {
	case "callback-immediate", "callback-agent-first", "callback-in-queue":
		return true
	}
	return false
}

// CheckService checks what the API adds to the options vals of service
// name: _overwritable_options names options a request may override, and
// no duration exceeds MaxDuration. The server calls it when it loads a
// service.
func (l Limits) CheckService(name string, vals templates.Values) error {
	if err := checkOverwritable(name, vals); err != nil {
		return err
	}
	if err := l.checkDurations("option", vals, durationOptions()); err != nil {
		return fmt.Errorf("service %q: %w", name, err)
	}
	return nil
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
// MaxDuration (durations are whole seconds; a larger one would overflow
// time.Duration or outlive any callback). what names the values in
// errors ("request parameter", "option"); durations are the duration
// options (durationOptions).
func (l Limits) checkDurations(what string, vals templates.Values, durations []templates.Option) error {
	limit := l.MaxDuration
	maxSec := int64(limit / time.Second)
	for _, o := range durations {
		v, ok := vals[o.Name].(float64)
		if !ok {
			continue
		}
		if v > float64(maxSec) {
			return httpapi.Errorf(http.StatusBadRequest, "%s %s %.0f: out of range; allowed %d to %d seconds (callbacks.max_duration %v)",
				what, o.Name, v, o.Min, maxSec, limit)
		}
	}
	return nil
}

// durationOptions returns the services' options that are durations.
func durationOptions() []templates.Option {
	return slices.DeleteFunc(templates.ServiceOptions(), func(o templates.Option) bool { return o.Kind != templates.Duration })
}

// checkOverrides refuses request parameters that name an option of sv
// which sv does not list in _overwritable_options. Options a template
// fixes (_call_direction, _userterminated_first_connect_party) and
// _overwritable_options itself are never overridable.
func checkOverrides(sv *Service, raw map[string]string) error {
	// The list is read only for a request that names an option: most
	// name none.
	var allowed []string
	read := false
	var refused []string
	for k := range raw {
		if _, isOption := sv.Options[k]; !isOption {
			continue
		}
		if !read {
			allowed, read = sv.Options.Overwritable(), true
		}
		if !slices.Contains(allowed, k) {
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
	return httpapi.Errorf(http.StatusBadRequest, "request parameters %s name options of service %s that a request may not override: its %s %s",
		strings.Join(refused, ", "), sv.Name, templates.OverwritableOptions, listed)
}

// checkDesiredTime checks a requested _desired_time t against the
// service and MaxDesiredDelay, at time now.
func (l Limits) checkDesiredTime(sv *Service, field string, t, now time.Time) error {
	if t.IsZero() {
		return nil
	}
	if immediate(sv.Template) && t.After(now.Add(desiredSkew)) {
		return httpapi.Errorf(http.StatusBadRequest, "%s %s: service %s is an immediate callback service (template %s); it calls back at once and takes no later time",
			field, templates.FormatTime(t), sv.Name, sv.Template)
	}
	limit := l.MaxDesiredDelay
	if t.Sub(now) > limit {
		return httpapi.Errorf(http.StatusBadRequest, "%s %s: out of range; allowed up to %s (callbacks.max_desired_delay %v after now)",
			field, templates.FormatTime(t), templates.FormatTime(now.Add(limit)), limit)
	}
	return nil
}
