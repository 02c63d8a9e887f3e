package templates

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orca-scxml/orca/ors"
)

// Kind is the type of an option's value.
type Kind int

// The option kinds.
const (
	// Bool is true or false (also 1/0, yes/no, on/off).
	Bool Kind = iota + 1
	// Int is a whole number.
	Int
	// Duration is a whole number of seconds.
	Duration
	// String is any text.
	String
	// Enum is one of the option's Values.
	Enum
	// Time is an ISO-8601 UTC timestamp such as 2026-11-21T10:00:00.000Z.
	Time
	// BusinessHours are opening hours such as "Mon-Fri 08:00-18:00,
	// Sat 09:00-12:00" (see Hours); empty means always open.
	BusinessHours
	// Zone is a time zone: an IANA name, a Genesys zone name or an
	// offset such as +05:30.
	Zone
)

// String returns the kind's name as the options table shows it.
func (k Kind) String() string {
	switch k {
	case Bool:
		return "bool"
	case Int:
		return "int"
	case Duration:
		return "duration-seconds"
	case String:
		return "string"
	case Enum:
		return "enum"
	case Time:
		return "time"
	case BusinessHours:
		return "business-hours"
	case Zone:
		return "time-zone"
	}
	return "kind(" + strconv.Itoa(int(k)) + ")"
}

// Option describes one option of a callback service: how it is written
// in the service's configuration, what it defaults to and which values it
// accepts.
type Option struct {
	Name string
	Kind Kind
	// Default is the value when the configuration has none, written as
	// in a configuration ("" for strings means empty).
	Default string
	// Values are the accepted values of an Enum.
	Values []string
	// Min and Max bound Int and Duration values (Max 0: no upper bound).
	Min, Max int64
	// Required says the option must have a non-empty value.
	Required bool
	// Fallback says the host's configuration is the option's default (the
	// reporting: section of orca.yaml for the _rep_userevent_* options):
	// unset, the option is left out of the service's values.
	Fallback bool
	// Service says the service reads the option itself, for every
	// template (when it loads, or to make the session's parameters).
	Service bool
	// Description is one line for the options table.
	Description string
}

// The values of the enum options.
const (
	DirectionUserTerminated = "USERTERMINATED"
	DirectionUserOriginated = "USERORIGINATED"
	FirstPartyCustomer      = "CUSTOMER"
	FirstPartyAgent         = "AGENT"
)

// ServiceOptions returns the options table of callback services, in the
// order the documentation lists them. Each call returns a new slice.
func ServiceOptions() []Option {
	return []Option{
		{Name: "_rep_userevent_enable", Kind: Bool, Fallback: true, Description: "send the reporting UserEvents (unset: the host's reporting: enable, false when none)"},
		{Name: "_rep_userevent_dn", Kind: String, Fallback: true, Description: "DN the reporting UserEvents are distributed on (unset: the host's reporting: dn; reporting enabled needs one)"},
		{Name: "_rep_userevent_switch", Kind: String, Fallback: true, Description: "switch of the reporting DN (unset: the host's reporting: switch, else the telephony switch)"},
		{Name: "_call_direction", Service: true, Kind: Enum, Default: DirectionUserTerminated, Values: []string{DirectionUserTerminated, DirectionUserOriginated},
			Description: "who places the callback call: the contact center (USERTERMINATED) or the customer after a push notification (USERORIGINATED)"},
		{Name: "_userterminated_first_connect_party", Service: true, Kind: Enum, Default: FirstPartyCustomer, Values: []string{FirstPartyCustomer, FirstPartyAgent},
			Description: "customer first (dial, then find an agent) or agent first (find an agent, then dial)"},
		{Name: "_wait_for_agent", Kind: Bool, Default: "false", Description: "customer first: wait until an agent is reserved before dialing the customer"},
		{Name: "_wait_for_user_confirm", Kind: Bool, Default: "false", Description: "play the confirmation dialog to the customer before looking for an agent"},
		{Name: "_agent_preview", Kind: Bool, Default: "false", Description: "agent first: the reserved agent previews the callback and accepts or rejects it"},
		{Name: "_max_dial_attempts", Kind: Int, Default: "3", Min: 1, Max: 10, Description: "dial attempts before the callback fails with REDIAL_LIMIT_REACHED"},
		{Name: "_dial_retry_timeout", Kind: Duration, Default: "300", Min: 1, Description: "wait between two dial attempts"},
		{Name: "_snooze_duration", Kind: Duration, Default: "300", Min: 1, Description: "delay when the customer snoozes the callback in the confirmation dialog"},
		{Name: "_target", Kind: String, Required: true, Description: "routing target the agent is found in (agent, group or skill expression); reported as _CB_DIM_FINAL_TARGET"},
		{Name: "_urs_virtual_queue", Kind: String, Default: "VQ_Callback", Description: "virtual queue the callback waits for an agent in (agent first, _wait_for_agent): the virtual callbacks' queue"},
		{Name: "_urs_queued_ttl", Kind: Duration, Default: "14400", Min: 1, Description: "longest wait in a virtual queue for an agent"},
		{Name: "_urs_call_priority", Kind: Int, Default: "0", Min: 0, Description: "priority of the callback's interactions in the virtual queues"},
		{Name: "_ttl", Service: true, Kind: Duration, Default: "86400", Min: 1, Description: "longest life of the callback; then FAIL_TIMEOUT_TTL"},
		{Name: "_route_point", Kind: String, Description: "DN outbound calls are placed from and customer-originated calls arrive on"},
		{Name: "_vq_for_outbound_calls", Kind: String, Default: "VQ_Callback_Outbound", Description: "virtual queue the connected outbound call waits for an agent in: the outbound calls' queue"},
		{Name: "_vq_for_inbound_calls", Kind: String, Default: "VQ_Callback_Inbound", Description: "in-queue: virtual queue the caller waits in, where declined and not offered calls stay: the inbound calls' queue (ours)"},
		{Name: "_media_type", Service: true, Kind: Enum, Default: "voice", Values: []string{"voice"}, Description: "media of the callback interaction"},
		{Name: "_ixn_createcall_timeout", Kind: Duration, Default: "32", Min: 1, Max: 600, Description: "ring time of an outbound dial attempt before NO_ANSWER"},
		{Name: "_agent_connect_timeout", Kind: Duration, Default: "30", Min: 1, Description: "longest wait for the transfer to the agent to complete; then it counts as failed (ours)"},
		{Name: "_agent_preview_timeout", Kind: Duration, Default: "30", Min: 1, Description: "agent first with preview: the agent's answer to the preview; none is a rejection"},
		{Name: "_max_time_to_wait_for_agent_on_the_call", Kind: Duration, Default: "3600", Min: 1, Description: "longest time from the customer's answer to the agent's (ROUTING); then FAIL_QUEUEING"},
		{Name: "_max_processing_time", Kind: Duration, Default: "14400", Min: 1, Description: "longest conversation with the agent (PROCESSING); then the callback ends AGENT_CONNECTED, PROCESSING.CONNECTED (ours)"},
		{Name: "_offer_ewt_threshold", Kind: Duration, Default: "0", Min: 0, Description: "in-queue: the offer is made when the inbound queue's expected wait is at least this (ours)"},
		{Name: "_offer_timeout", Kind: Duration, Default: "120", Min: 1, Description: "in-queue: longest wait for the caller's answer to the offer (ours)"},
		{Name: "_business_hours", Service: true, Kind: BusinessHours, Description: "business hours, such as Mon-Fri 08:00-18:00, Sat 09:00-12:00 (empty: always open): _CB_DIM_OFFER_TIMING; in-queue, after hours the offer is a callback at the next opening (ours)"},
		{Name: "_business_hours_zone", Service: true, Kind: Zone, Default: "UTC", Description: "time zone of _business_hours (ours)"},
		{Name: "_push_notification_url", Kind: String, Description: "user originated: URL the push notification is posted to (ours)"},
		{Name: "_push_confirm_timeout", Kind: Duration, Default: "300", Min: 1, Description: "user originated: wait for the customer's call after the push notification (ours)"},
		{Name: "_business_hours_service", Kind: String, Description: "name of the office-hours service consulted before scheduling (passed through)"},
		{Name: "_capacity_service", Kind: String, Description: "name of the capacity service consulted before scheduling (passed through)"},
		{Name: OverwritableOptions, Service: true, Kind: String, Description: "comma-separated options a callback request may override with a parameter of the same name; a request naming any other option is refused"},
	}
}

// OverwritableOptions is the option that lists, comma-separated, the
// options a callback request may override (GMS's _overwritable_options).
const OverwritableOptions = "_overwritable_options"

// Overwritable returns the options v lists in _overwritable_options.
func (v Values) Overwritable() []string {
	var out []string
	for _, name := range strings.Split(v.Str(OverwritableOptions), ",") {
		if name = strings.TrimSpace(name); name != "" {
			out = append(out, name)
		}
	}
	return out
}

// RequestParams returns the parameters a callback request may carry
// besides user data: _customer_number and _desired_time, the originating
// interaction, and the _cb_* reporting values known to the application
// that requested the callback.
func RequestParams() []Option {
	out := []Option{
		{Name: "_customer_number", Kind: String, Required: true, Description: "number to call back"},
		{Name: "_desired_time", Kind: Time, Description: "when to call back (absent: immediately)"},
		{Name: "_originating_interaction_id", Kind: String, Description: "interaction of the inbound call the callback was offered on"},
	}
	// The _cb_* reporting values pass through as given: the reporting
	// action checks each against the catalogue, and a bad one refuses
	// that KVP only, not the callback.
	for _, p := range []string{"_cb_t_callback_offered", "_cb_d_callback_offer", "_cb_ewt_when_callback_was_offered",
		"_cb_pos_when_callback_was_offered", "_cb_t_callback_accepted", "_cb_dim_channel", "_cb_dim_callback_offer_type",
		"_cb_dim_offer_timing", "_cb_n_callback_offers_per_session", "_cb_d_last_callback_offer", "_cb_origination_ixn_id"} {
		out = append(out, Option{Name: p, Kind: String, Description: strings.ToUpper(p) + ", passed through unchanged (a value that does not fit refuses that KVP, reported, not the callback)"})
	}
	return out
}

// Values are parsed option values as a strategy sees them in _data:
// booleans, numbers (float64; durations in seconds), strings (enums as
// written, times as ISO-8601 UTC with milliseconds).
type Values map[string]any

// OptionError is a bad option value.
type OptionError struct {
	Option string
	Value  string
	Reason string
}

// Error returns "option NAME: VALUE: REASON".
func (e *OptionError) Error() string {
	return fmt.Sprintf("option %s: %q %s", e.Option, e.Value, e.Reason)
}

// ParseOptions checks the configured options of a service against
// ServiceOptions and returns every option's value, defaults filled in;
// the options whose default is the host's (Option.Fallback: the
// reporting ones) are left out when unset.
// Unknown names starting with "_" are errors (a misspelt option must not
// be ignored silently); other names are the user's own options and pass
// through as strings. All problems are reported together, each an
// *OptionError.
func ParseOptions(raw map[string]string) (Values, error) {
	vals := make(Values)
	var errs []error
	for _, o := range ServiceOptions() {
		s, ok := raw[o.Name]
		if !ok && o.Fallback {
			continue
		}
		if !ok {
			s = o.Default
		}
		v, err := o.Parse(s)
		if err != nil {
			errs = append(errs, err)
			continue
		}
		vals[o.Name] = v
	}
	known := optionIndex(ServiceOptions())
	for _, name := range slices.Sorted(maps.Keys(raw)) {
		if _, ok := known[name]; ok {
			continue
		}
		if strings.HasPrefix(name, "_") {
			errs = append(errs, &OptionError{Option: name, Value: raw[name], Reason: "is not a known option"})
			continue
		}
		vals[name] = raw[name]
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return vals, nil
}

// Parse converts s, a configured value of o, to the value a strategy
// sees, or returns an *OptionError saying why it is not valid.
func (o Option) Parse(s string) (any, error) {
	s = strings.TrimSpace(s)
	bad := func(reason string) error { return &OptionError{Option: o.Name, Value: s, Reason: reason} }
	if s == "" {
		if o.Required {
			return nil, bad("is empty; the option is required")
		}
		if o.Kind == String || o.Kind == Time || o.Kind == BusinessHours || o.Kind == Enum && o.Default == "" {
			return "", nil
		}
	}
	switch o.Kind {
	case Bool:
		switch strings.ToLower(s) {
		case "true", "1", "yes", "on":
			return true, nil
		case "false", "0", "no", "off":
			return false, nil
		}
		return nil, bad("is not a boolean (true or false)")
	case Int, Duration:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			if o.Kind == Duration {
				return nil, bad("is not a whole number of seconds")
			}
			return nil, bad("is not a whole number")
		}
		if n < o.Min {
			return nil, bad(fmt.Sprintf("is below the minimum %d", o.Min))
		}
		if o.Max != 0 && n > o.Max {
			return nil, bad(fmt.Sprintf("is above the maximum %d", o.Max))
		}
		return float64(n), nil
	case Enum:
		for _, v := range o.Values {
			if s == v {
				return v, nil
			}
		}
		return nil, bad("is not one of " + strings.Join(o.Values, ", "))
	case Time:
		t, err := ParseTime(s)
		if err != nil {
			return nil, bad("is not an ISO-8601 time such as 2026-11-21T10:00:00.000Z")
		}
		return FormatTime(t), nil
	case BusinessHours:
		if _, err := ParseHours(s); err != nil {
			return nil, bad("is not business hours: " + err.Error())
		}
	case Zone:
		if _, err := zone(s); err != nil {
			return nil, bad("is not a time zone: " + err.Error())
		}
	}
	return s, nil
}

// zone returns the time zone name stands for, as ORS reads zones (see
// ors.Environment.Zone).
func zone(name string) (*time.Location, error) {
	return (*ors.Environment)(nil).Zone(name)
}

// ParseTime parses an ISO-8601 time as GMS writes _desired_time; a time
// without zone is UTC.
func ParseTime(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999", "2006-01-02T15:04"} {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is not an ISO-8601 time", s)
}

// FormatTime formats t as GMS does: UTC with milliseconds.
func FormatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

// Int returns the whole number value of option name (0 when absent).
func (v Values) Int(name string) int64 {
	f, _ := v[name].(float64)
	if math.IsNaN(f) {
		return 0
	}
	return int64(f)
}

// Seconds returns the duration value of option name.
func (v Values) Seconds(name string) time.Duration {
	return time.Duration(v.Int(name)) * time.Second
}

// Str returns the string value of option name ("" when absent).
func (v Values) Str(name string) string {
	s, _ := v[name].(string)
	return s
}

// Bool returns the boolean value of option name.
func (v Values) Bool(name string) bool {
	b, _ := v[name].(bool)
	return b
}

func optionIndex(opts []Option) map[string]Option {
	m := make(map[string]Option, len(opts))
	for _, o := range opts {
		m[o.Name] = o
	}
	return m
}
