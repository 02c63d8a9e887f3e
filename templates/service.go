package templates

import (
	"crypto/rand"
	"errors"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/templates/reporting"
)

// Service is a configured callback service: a template and its options,
// checked when the service is loaded.
type Service struct {
	// Name is the service name of the GMS API path
	// (/genesys/1/service/callback/{Name}).
	Name string
	// Template is the name of the template the service runs.
	Template string
	// Options are the parsed options, defaults filled in.
	Options Values

	// name and template are Name and Template boxed once (LoadService),
	// for the start parameters of every session.
	name, template any
}

// LoadService checks a service's configuration: the template must exist
// and every option must be valid (see ParseOptions). The error names the
// service and lists every bad option with its value.
func LoadService(name, template string, options map[string]string) (*Service, error) {
	if name == "" {
		return nil, errors.New("service: no name")
	}
	if _, err := lookup(template); err != nil {
		return nil, fmt.Errorf("service %s: %w", name, err)
	}
	vals, err := ParseOptions(options)
	if err != nil {
		return nil, fmt.Errorf("service %s: %w", name, err)
	}
	if err := checkFit(template, options, vals); err != nil {
		return nil, fmt.Errorf("service %s: %w", name, err)
	}
	return &Service{Name: name, Template: template, Options: vals, name: name, template: template}, nil
}

// checkFit makes the options that pick the scenario agree with the
// template (GMS picks the scenario from these options, Orca from the
// template): _call_direction and _userterminated_first_connect_party take
// the value the template implies, and a service configured with another
// value, or with _wait_for_agent on a template that cannot wait, is
// refused rather than silently run otherwise.
func checkFit(template string, raw map[string]string, vals Values) error {
	implied := map[string]string{
		"_call_direction":                     DirectionUserTerminated,
		"_userterminated_first_connect_party": FirstPartyCustomer,
	}
	switch template {
	case "callback-user-originated":
		implied["_call_direction"] = DirectionUserOriginated
	case "callback-agent-first":
		implied["_userterminated_first_connect_party"] = FirstPartyAgent
	}
	for _, name := range []string{"_call_direction", "_userterminated_first_connect_party"} {
		if _, set := raw[name]; set && vals.Str(name) != implied[name] {
			return fmt.Errorf("option %s=%s does not fit template %s (it is %s)", name, vals.Str(name), template, implied[name])
		}
		vals[name] = implied[name]
	}
	if vals.Bool("_wait_for_agent") && template != "callback-immediate" && template != "callback-scheduled" {
		return fmt.Errorf("option _wait_for_agent=true needs template callback-immediate or callback-scheduled, not %s", template)
	}
	return nil
}

// Request is a parsed callback request: what the client posted to
// /genesys/1/service/callback/{service}.
type Request struct {
	// CustomerNumber is _customer_number.
	CustomerNumber string
	// DesiredTime is _desired_time; zero means immediately.
	DesiredTime time.Time
	// Params are the request's parameters as the strategy sees them:
	// the known ones parsed (numbers as float64), user data as strings.
	Params Values
}

// DesiredDelay is the _desired_delay of a callback desired at t, now: the
// seconds until t, whole and rounded up, so that the callback is never
// dialled before its time; 0 for no time or one past.
func DesiredDelay(t, now time.Time) float64 {
	if t.IsZero() || !t.After(now) {
		return 0
	}
	return math.Ceil(t.Sub(now).Seconds())
}

// ParseRequest checks the parameters of a callback request against
// RequestParams. Parameters naming a service option override it for this
// callback and are checked like it; other parameters are user data and
// pass through as strings, except unknown _cb_ names, which are errors.
// A server parsing many requests keeps a RequestParser instead, which
// builds the tables of parameters and options once.
func ParseRequest(params map[string]string) (Request, error) {
	return NewRequestParser().Parse(params)
}

// RequestParser parses callback requests (ParseRequest) with the tables
// of RequestParams and ServiceOptions built once. It is safe for
// concurrent use.
type RequestParser struct {
	request []Option
	known   map[string]Option
	opts    map[string]Option
}

// NewRequestParser returns a RequestParser.
func NewRequestParser() *RequestParser {
	request := RequestParams()
	return &RequestParser{request: request, known: optionIndex(request), opts: optionIndex(ServiceOptions())}
}

// Parse is ParseRequest.
func (p *RequestParser) Parse(params map[string]string) (Request, error) {
	req := Request{Params: make(Values, len(params))}
	known, opts := p.known, p.opts
	var errs []error
	for _, o := range p.request {
		s, ok := params[o.Name]
		if !ok && !o.Required {
			continue
		}
		v, err := o.Parse(s)
		if err != nil {
			errs = append(errs, requestError(err))
			continue
		}
		req.Params[o.Name] = v
	}
	// The names no request parameter has, in order (errors come in the
	// same order every time); a request has few of them, often none.
	var buf [8]string
	others := buf[:0]
	for name := range params {
		if _, ok := known[name]; !ok {
			others = append(others, name)
		}
	}
	slices.Sort(others)
	for _, name := range others {
		if o, ok := opts[name]; ok {
			v, err := o.Parse(params[name])
			if err != nil {
				errs = append(errs, requestError(err))
				continue
			}
			req.Params[name] = v
			continue
		}
		if strings.HasPrefix(name, "_cb_") {
			errs = append(errs, fmt.Errorf("request parameter %s: not a reporting parameter (see RequestParams)", name))
			continue
		}
		req.Params[name] = params[name]
	}
	if err := errors.Join(errs...); err != nil {
		return Request{}, err
	}
	req.CustomerNumber = req.Params.Str("_customer_number")
	if s := req.Params.Str("_desired_time"); s != "" {
		req.DesiredTime, _ = ParseTime(s)
	}
	return req, nil
}

func requestError(err error) error {
	var oe *OptionError
	if errors.As(err, &oe) {
		return fmt.Errorf("request parameter %s: %q %s", oe.Option, oe.Value, oe.Reason)
	}
	return err
}

// SessionParams returns the start parameters (_data) of the session that
// serves req with id as its service id (_id, which _CB_SERVICE_ID
// carries), at time now, in one map: see SessionStart.
func (s *Service) SessionParams(id string, req Request, now time.Time) map[string]any {
	so := s.SessionStart(id, req, now)
	p := make(map[string]any, len(so.Defaults)+len(so.Params))
	maps.Copy(p, so.Defaults)
	maps.Copy(p, so.Params)
	return p
}

// SessionStart returns the start options of the session that serves req
// with id as its service id (_id, which _CB_SERVICE_ID carries), at time
// now. Its start parameters are the service's options (Defaults: the
// service's own map, which every session shares and none changes),
// overridden by the session's own (Params): the request's parameters,
// plus
//
//	_id               the service id
//	_service_name     the service's name
//	_template         the template's name
//	_desired_delay    whole seconds from now to _desired_time, rounded up (0 when immediate or past)
//	_offer_timing     ON-HOURS or OFF-HOURS: now in _business_hours (_business_hours_zone)
//	_next_open_delay  seconds from now to the next opening (0 when open, or when they never open)
func (s *Service) SessionStart(id string, req Request, now time.Time) interp.StartOptions {
	p := make(map[string]any, len(req.Params)+6)
	maps.Copy(p, req.Params)
	p["_id"] = id
	p["_service_name"] = boxed(s.name, s.Name)
	p["_template"] = boxed(s.template, s.Template)
	p["_desired_delay"] = DesiredDelay(req.DesiredTime, now)
	so := interp.StartOptions{ID: id, Params: p, Defaults: s.Options}
	p["_offer_timing"], p["_next_open_delay"] = s.timing(so.Param, now)
	return so
}

// boxed returns b when it holds s, else s boxed anew (a Service made
// without LoadService, or whose names were changed).
func boxed(b any, s string) any {
	if v, ok := b.(string); ok && v == s {
		return b
	}
	return s
}

// timing says whether now falls in the business hours of the options
// vals, and how many seconds remain until they open.
func (s *Service) timing(param func(string) (any, bool), now time.Time) (string, float64) {
	str := func(key string) string {
		v, _ := param(key)
		s, _ := v.(string)
		return s
	}
	h, err := ParseHours(str("_business_hours"))
	if err != nil {
		return "ON-HOURS", 0 // checked when the service was loaded
	}
	z := str("_business_hours_zone")
	loc, err := zone(z)
	if err != nil || z == "" {
		loc = time.UTC
	}
	if h.Open(now, loc) {
		return "ON-HOURS", 0
	}
	next, ok := h.NextOpen(now, loc)
	if !ok {
		return "OFF-HOURS", 0
	}
	return "OFF-HOURS", next.Sub(now).Truncate(time.Second).Seconds()
}

// Reporting returns the service's reporting settings: its
// _rep_userevent_* options, each falling back, when unset, to fallback
// (the host's reporting: section). It is an error when reporting is
// enabled and no DN is set either way.
func (s *Service) Reporting(fallback reporting.Service) (reporting.Service, error) {
	r := fallback
	if v, ok := s.Options[reporting.OptEnable].(bool); ok {
		r.Enable = v
	}
	if v, ok := s.Options[reporting.OptDN].(string); ok {
		r.DN = v
	}
	if v, ok := s.Options[reporting.OptSwitch].(string); ok && v != "" {
		r.Switch = v
	}
	if r.Enable && r.DN == "" {
		return r, fmt.Errorf("service %s: reporting is enabled but no DN is set: give %s, or dn in the reporting: section", s.Name, reporting.OptDN)
	}
	return r, nil
}

// Start starts the session serving req on eng, running chart (the
// service's template compiled for eng). id is the service id, which is
// also the session id; "" generates one.
func (s *Service) Start(eng *interp.Engine, chart *interp.Chart, id string, req Request) (*interp.Session, error) {
	if id == "" {
		id = NewID()
	}
	sess, err := eng.Start(chart, s.SessionStart(id, req, eng.Clock().Now()))
	if err != nil {
		return nil, fmt.Errorf("service %s: start callback %s: %w", s.Name, id, err)
	}
	return sess, nil
}

// NewID returns a new 32-hex-digit service id, as ORS session ids are.
func NewID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	const digits = "0123456789ABCDEF"
	var h [32]byte
	for i, c := range b {
		h[2*i], h[2*i+1] = digits[c>>4], digits[c&15]
	}
	return string(h[:])
}
