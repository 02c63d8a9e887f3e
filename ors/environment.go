package ors

import (
	"bytes"
	"errors"
	"fmt"
	"maps"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/orca-scxml/orca/internal/yamlerr"
	"go.yaml.in/yaml/v3"
)

// Environment is the part of a Genesys configuration that strategies look
// up at run time: what Configuration Server, Stat Server and URS would
// answer. It is read from a YAML file (LoadEnvironment) with snake_case
// keys:
//
//	tenant: Environment           # _genesys.session.tenant
//	tenant_id: 101                # _genesys.session.tenantid
//	server: ORS_1                 # _genesys.session.server.name
//	switch: SIP_Switch            # the switch of DNs that name none
//	time_zone: ECT                # the zone of dates that name none
//	options:                      # _genesys.session.getConfigOption
//	  vq: VQ_Sales
//	lists:                        # Genesys List Objects: list → item → key → value
//	  OPM:
//	    Sales: {open: "08:00", close: "18:00"}
//	special_days:                 # statistical tables → statistical days → dates
//	  Holidays:
//	    Christmas: ["12-25"]      # every year; or 2026-12-25, or 2026-12-24..2026-12-26,
//	    Inventory: ["2026-11-23 14:00-18:00"]   # optionally with a time range
//	time_zones:                   # zone names of the configuration: IANA names or offsets
//	  BKK: Asia/Bangkok
//	  HQ: "+05:30"
//	agents:
//	  - {id: Agent1, dn: "7001", place: Place_7001, groups: [Sales], skills: {English: 5}}
//	  - {id: Agent2, dn: "7002", groups: [Sales], ready: false}
//	queues:
//	  - {name: VQ_Sales, dbid: 301, groups: [Sales]}  # a virtual queue (its DN's DBID) and the agents it finds
//	  - {name: "8001", type: acd, agents: [Agent1]}
//	statistics:                   # object → statistic → value (_genesys.statistic, statistic:subscribe)
//	  Agent1@StatServer.A: {StatTimeInReadyState: 30}
//	params:                       # start parameters (_data)
//	  OPM_Transaction: OPM
//
// A zero Environment is usable: every lookup finds nothing.
type Environment struct {
	Tenant   string `yaml:"tenant"`
	TenantID int    `yaml:"tenant_id"`
	Server   string `yaml:"server"`
	Cluster  string `yaml:"cluster"`
	Switch   string `yaml:"switch"`
	// TimeZone is the zone of dates and times that name none: the
	// time_zone of _genesys.session; UTC when empty.
	TimeZone    string                                  `yaml:"time_zone"`
	Options     map[string]string                       `yaml:"options"`
	Lists       map[string]map[string]map[string]string `yaml:"lists"`
	SpecialDays map[string]map[string][]string          `yaml:"special_days"`
	TimeZones   map[string]string                       `yaml:"time_zones"`
	Agents      []Agent                                 `yaml:"agents"`
	Queues      []Queue                                 `yaml:"queues"`
	Statistics  map[string]map[string]float64           `yaml:"statistics"`
	Params      map[string]any                          `yaml:"params"`
}

// Agent is an agent a queue submit can find.
type Agent struct {
	// ID is the agent's employee id (targets "Agent1@StatServer.A").
	ID string `yaml:"id"`
	// DN is the agent's extension, where a call is routed; Switch its
	// switch (Environment.Switch when empty).
	DN     string `yaml:"dn"`
	Switch string `yaml:"switch"`
	// Place is the agent's place (targets "Place_7001.P").
	Place string `yaml:"place"`
	// Groups are the agent groups the agent belongs to (".GA" targets).
	Groups []string `yaml:"groups"`
	// Skills are the agent's skills and levels, for skill expressions.
	Skills map[string]float64 `yaml:"skills"`
	// Ready says the agent is ready at the start (true when absent).
	Ready *bool `yaml:"ready"`
}

// Queue is a virtual queue or an ACD queue and the agents it finds.
type Queue struct {
	Name string `yaml:"name"`
	// DBID is the configuration DBID of the queue's DN object (0: not
	// configured); reporting sends it as _CB_DIM_VQ_DBID.
	DBID int `yaml:"dbid"`
	// Kind is "virtual" (the default) or "acd".
	Kind   string   `yaml:"type"`
	DN     string   `yaml:"dn"`
	Agents []string `yaml:"agents"`
	Groups []string `yaml:"groups"`
}

// IsReady reports whether the agent is ready at the start.
func (a Agent) IsReady() bool { return a.Ready == nil || *a.Ready }

// LoadEnvironment reads an environment file. Errors name the file and
// line.
func LoadEnvironment(path string) (*Environment, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("environment: %w", err)
	}
	return ParseEnvironment(path, data)
}

// ParseEnvironment parses an environment; name is the file name errors
// carry.
func ParseEnvironment(name string, data []byte) (*Environment, error) {
	env := &Environment{}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return nil, yamlerr.Rewrite(name, err)
	}
	if len(root.Content) == 0 {
		return env, nil
	}
	if err := yamlerr.SnakeKeys(name, &root, env); err != nil {
		return nil, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(env); err != nil {
		return nil, yamlerr.Rewrite(name, err)
	}
	var msgs []string
	for _, e := range env.check() {
		msgs = append(msgs, fmt.Sprintf("%s:%d: %s: %s", name, lineOf(root.Content[0], e.path), e.path, e.msg))
	}
	if len(msgs) > 0 {
		return nil, errors.New(strings.Join(msgs, "\n"))
	}
	return env, nil
}

// envError is a problem with the value at a path of the file.
type envError struct {
	path string
	msg  string
}

// check validates what decoding cannot: zones, dates and agents.
func (e *Environment) check() []envError {
	var errs []envError
	if e.TimeZone != "" {
		if _, err := e.Zone(e.TimeZone); err != nil {
			errs = append(errs, envError{"time_zone", err.Error()})
		}
	}
	for _, name := range slices.Sorted(maps.Keys(e.TimeZones)) {
		if _, err := zoneByName(e.TimeZones[name]); err != nil {
			errs = append(errs, envError{"time_zones." + name, err.Error()})
		}
	}
	for _, table := range slices.Sorted(maps.Keys(e.SpecialDays)) {
		for _, day := range slices.Sorted(maps.Keys(e.SpecialDays[table])) {
			for i, d := range e.SpecialDays[table][day] {
				if _, err := parseDayRule(d); err != nil {
					errs = append(errs, envError{fmt.Sprintf("special_days.%s.%s[%d]", table, day, i), err.Error()})
				}
			}
		}
	}
	ids := make(map[string]bool)
	for i, a := range e.Agents {
		switch {
		case a.ID == "":
			errs = append(errs, envError{fmt.Sprintf("agents[%d]", i), "agent has no id"})
		case ids[a.ID]:
			errs = append(errs, envError{fmt.Sprintf("agents[%d].id", i), "agent " + strconv.Quote(a.ID) + " is listed twice"})
		case a.DN == "":
			errs = append(errs, envError{fmt.Sprintf("agents[%d]", i), "agent " + strconv.Quote(a.ID) + " has no dn"})
		}
		ids[a.ID] = true
	}
	dbids := make(map[int]string)
	for i, q := range e.Queues {
		if q.Name == "" {
			errs = append(errs, envError{fmt.Sprintf("queues[%d]", i), "queue has no name"})
		}
		switch other, dup := dbids[q.DBID]; {
		case q.DBID < 0:
			errs = append(errs, envError{fmt.Sprintf("queues[%d].dbid", i), "a DBID is a positive integer, not " + strconv.Itoa(q.DBID)})
		case q.DBID > 0 && dup:
			errs = append(errs, envError{fmt.Sprintf("queues[%d].dbid", i), fmt.Sprintf("DBID %d is queue %s's too", q.DBID, strconv.Quote(other))})
		case q.DBID > 0:
			dbids[q.DBID] = q.Name
		}
		if q.Kind != "" && q.Kind != "virtual" && q.Kind != "acd" {
			errs = append(errs, envError{fmt.Sprintf("queues[%d].type", i), "want virtual or acd, not " + strconv.Quote(q.Kind)})
		}
		for _, id := range q.Agents {
			if !ids[id] {
				errs = append(errs, envError{fmt.Sprintf("queues[%d].agents", i), "no agent " + strconv.Quote(id)})
			}
		}
	}
	return errs
}

// Option returns the configuration option name ("" when it is not set).
func (e *Environment) Option(name string) (string, bool) {
	v, ok := e.Options[name]
	return v, ok
}

// ErrNoList is the error of a lookup in a list the environment lacks.
var ErrNoList = errors.New("no such list in the environment")

// ListItem returns the key/values of item in list.
func (e *Environment) ListItem(list, item string) (map[string]string, error) {
	l, ok := e.Lists[list]
	if !ok {
		return nil, fmt.Errorf("%w: %q", ErrNoList, list)
	}
	kv, ok := l[item]
	if !ok {
		return nil, fmt.Errorf("list %q has no item %q", list, item)
	}
	return kv, nil
}

// Agent returns the agent with the given id.
func (e *Environment) Agent(id string) (Agent, bool) {
	for _, a := range e.Agents {
		if a.ID == id {
			return a, true
		}
	}
	return Agent{}, false
}

// AgentAt returns the agent whose DN is dn.
func (e *Environment) AgentAt(dn string) (Agent, bool) {
	for _, a := range e.Agents {
		if a.DN == dn {
			return a, true
		}
	}
	return Agent{}, false
}

// Queue returns the queue with the given name (or DN).
func (e *Environment) Queue(name string) (Queue, bool) {
	for _, q := range e.Queues {
		if q.Name == name || q.DN != "" && q.DN == name {
			return q, true
		}
	}
	return Queue{}, false
}

// Statistic returns the value of statistic stat of object (a target such
// as "Agent1@StatServer.A"; the server part may be left out).
func (e *Environment) Statistic(object, stat string) (float64, bool) {
	if m, ok := e.Statistics[object]; ok {
		v, ok := m[stat]
		return v, ok
	}
	t := ParseTarget(object)
	for k, m := range e.Statistics {
		if kt := ParseTarget(k); kt.Name == t.Name && kt.Type == t.Type {
			v, ok := m[stat]
			return v, ok
		}
	}
	return 0, false
}

// IsSpecialDay reports whether the statistical day day of table covers t
// (its date, and its time of day too when useTime is set and the rule
// has a time range). An empty day means any day of the table.
func (e *Environment) IsSpecialDay(table, day string, t time.Time, useTime bool) (bool, error) {
	days, ok := e.SpecialDays[table]
	if !ok {
		return false, fmt.Errorf("no statistical table %q in the environment", table)
	}
	names := []string{day}
	if day == "" {
		names = slices.Sorted(maps.Keys(days))
	} else if _, ok := days[day]; !ok {
		return false, fmt.Errorf("statistical table %q has no day %q", table, day)
	}
	for _, n := range names {
		for _, r := range days[n] {
			rule, err := parseDayRule(r)
			if err != nil {
				return false, err
			}
			if rule.covers(t, useTime) {
				return true, nil
			}
		}
	}
	return false, nil
}

// dayRule is a date, a yearly date or a range of dates, with an optional
// time range.
type dayRule struct {
	from, to   string // YYYY-MM-DD or MM-DD
	start, end string // HH:MM, or "" for the whole day
}

var dayRulePattern = regexp.MustCompile(`^((?:\d{4}-)?\d{2}-\d{2})(?:\.\.((?:\d{4}-)?\d{2}-\d{2}))?(?:\s+(\d{2}:\d{2})-(\d{2}:\d{2}))?$`)

func parseDayRule(s string) (dayRule, error) {
	m := dayRulePattern.FindStringSubmatch(strings.TrimSpace(s))
	if m == nil {
		return dayRule{}, fmt.Errorf("%q is not a date (YYYY-MM-DD, MM-DD or FROM..TO, optionally followed by HH:MM-HH:MM)", s)
	}
	r := dayRule{from: m[1], to: m[2], start: m[3], end: m[4]}
	if r.to == "" {
		r.to = r.from
	}
	if len(r.from) != len(r.to) {
		return dayRule{}, fmt.Errorf("%q mixes a yearly date and a date", s)
	}
	for _, d := range []string{r.from, r.to} {
		layout := time.DateOnly
		if len(d) == 5 {
			d, layout = "2000-"+d, time.DateOnly // a leap year, so 02-29 parses
		}
		if _, err := time.Parse(layout, d); err != nil {
			return dayRule{}, fmt.Errorf("%q: %v", s, err)
		}
	}
	return r, nil
}

func (r dayRule) covers(t time.Time, useTime bool) bool {
	d := t.Format(time.DateOnly)
	if len(r.from) == 5 {
		d = d[5:]
	}
	if d < r.from || d > r.to {
		return false
	}
	if !useTime || r.start == "" {
		return true
	}
	hm := t.Format("15:04")
	return hm >= r.start && hm < r.end
}

// Zone returns the time zone name stands for: a zone of time_zones, a
// Genesys time zone name ("ECT", "PST", ...), an IANA name, or an offset
// from UTC ("+05:30", "GMT-3").
func (e *Environment) Zone(name string) (*time.Location, error) {
	if e != nil {
		if z, ok := e.TimeZones[name]; ok {
			return zoneByName(z)
		}
	}
	return zoneByName(name)
}

// Location returns the default zone of the environment (UTC when it
// names none).
func (e *Environment) Location() *time.Location {
	if e == nil || e.TimeZone == "" {
		return time.UTC
	}
	loc, err := e.Zone(e.TimeZone)
	if err != nil {
		return time.UTC
	}
	return loc
}

// lineOf returns the line of the value at path ("a.b[2].c") in the YAML
// tree n, or of the deepest part of it that exists.
func lineOf(n *yaml.Node, path string) int {
	line := n.Line
	for _, part := range strings.Split(path, ".") {
		key, idx := part, -1
		if i := strings.IndexByte(part, '['); i >= 0 && strings.HasSuffix(part, "]") {
			key = part[:i]
			idx, _ = strconv.Atoi(part[i+1 : len(part)-1])
		}
		next := (*yaml.Node)(nil)
		if n.Kind == yaml.MappingNode {
			for j := 0; j+1 < len(n.Content); j += 2 {
				if n.Content[j].Value == key {
					next = n.Content[j+1]
					break
				}
			}
		}
		if next == nil {
			return line
		}
		n, line = next, next.Line
		if idx >= 0 {
			if n.Kind != yaml.SequenceNode || idx >= len(n.Content) {
				return line
			}
			n, line = n.Content[idx], n.Content[idx].Line
		}
	}
	return line
}

// hasAny reports whether the two lists share an element.
func hasAny(a, b []string) bool {
	for _, x := range a {
		if slices.Contains(b, x) {
			return true
		}
	}
	return false
}
