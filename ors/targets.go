package ors

import (
	"fmt"
	"iter"
	"slices"
	"strconv"
	"strings"
	"unicode"
)

// Target is one target of a queue submit, in the syntax of URS target
// lists ("<queue:targetid>" of the ORS Queue Interface):
// "{threshold}[weight]name@statserver.type", or
// "?label:skill-expression@statserver.type" for a skill target.
type Target struct {
	// Name is the agent id, place, group, queue or DN.
	Name string
	// Server is the Stat Server (or switch) after '@'.
	Server string
	// Type is the type code after the last '.': A (agent), GA (agent
	// group), P (place), GP (place group), Q (ACD queue), RP (routing
	// point), DN; "" when the target names none.
	Type string
	// Skill is the skill expression of a skill target, "" otherwise.
	Skill string
	// Weight and Threshold are the "[weight]" and "{threshold}" parts.
	Weight    string
	Threshold string
}

// String returns the target in URS syntax.
func (t Target) String() string {
	// One allocation: the string, of the length its parts and their
	// delimiters make.
	var b strings.Builder
	b.Grow(len(t.Threshold) + len(t.Weight) + len(t.Name) + len(t.Skill) + len(t.Server) + len(t.Type) + 8)
	if t.Threshold != "" {
		b.WriteByte('{')
		b.WriteString(t.Threshold)
		b.WriteByte('}')
	}
	if t.Weight != "" {
		b.WriteByte('[')
		b.WriteString(t.Weight)
		b.WriteByte(']')
	}
	if t.Skill != "" {
		b.WriteByte('?')
		b.WriteString(t.Name)
		b.WriteByte(':')
		b.WriteString(t.Skill)
	} else {
		b.WriteString(t.Name)
	}
	if t.Server != "" || t.Type != "" {
		b.WriteByte('@')
		b.WriteString(t.Server)
	}
	if t.Type != "" {
		b.WriteByte('.')
		b.WriteString(t.Type)
	}
	return b.String()
}

// ParseTarget parses one target.
func ParseTarget(s string) Target {
	var t Target
	s = strings.TrimSpace(s)
	if strings.HasPrefix(s, "{") {
		if i := strings.IndexByte(s, '}'); i > 0 {
			t.Threshold, s = s[1:i], s[i+1:]
		}
	}
	if strings.HasPrefix(s, "[") {
		if i := strings.IndexByte(s, ']'); i > 0 {
			t.Weight, s = s[1:i], s[i+1:]
		}
	}
	rest := s
	if at := strings.LastIndexByte(s, '@'); at >= 0 {
		rest = s[:at]
		server := s[at+1:]
		if dot := strings.LastIndexByte(server, '.'); dot >= 0 {
			server, t.Type = server[:dot], server[dot+1:]
		}
		t.Server = server
	} else if dot := strings.LastIndexByte(s, '.'); dot > 0 && isTypeCode(s[dot+1:]) {
		rest, t.Type = s[:dot], s[dot+1:]
	}
	if strings.HasPrefix(rest, "?") {
		label, expr, _ := strings.Cut(rest[1:], ":")
		t.Name, t.Skill = label, expr
		if t.Skill == "" {
			t.Skill = label
		}
		return t
	}
	t.Name = rest
	return t
}

// ParseTargets parses a comma-separated target list.
func ParseTargets(s string) []Target {
	return slices.Collect(targetsOf(s))
}

// targetsOf yields the targets of a comma-separated target list.
func targetsOf(s string) iter.Seq[Target] {
	return func(yield func(Target) bool) {
		for part := range strings.SplitSeq(s, ",") {
			if strings.TrimSpace(part) != "" && !yield(ParseTarget(part)) {
				return
			}
		}
	}
}

// isTypeCode reports whether s is a URS target type code.
func isTypeCode(s string) bool {
	switch s {
	case "A", "GA", "P", "GP", "Q", "GQ", "RP", "DN", "GC", "ACD":
		return true
	}
	return false
}

// typeCode returns the URS type code of a <queue:target type>.
func typeCode(kind string) string {
	switch strings.ToLower(kind) {
	case "agent":
		return "A"
	case "agentgroup":
		return "GA"
	case "place":
		return "P"
	case "placegroup":
		return "GP"
	case "queue", "acdqueue":
		return "Q"
	case "routepoint":
		return "RP"
	case "dn":
		return "DN"
	case "campaigngroup":
		return "GC"
	case "skill":
		return "GA"
	}
	return ""
}

// Candidates returns the agents target t stands for, in the order of the
// environment: the agent, the members of a group, the agents of a queue,
// the agent at a DN, or those whose skills satisfy a skill expression.
func (e *Environment) Candidates(t Target) ([]Agent, error) {
	if e == nil {
		return nil, nil
	}
	if t.Skill != "" {
		match, err := parseSkillExpr(t.Skill)
		if err != nil {
			return nil, err
		}
		var out []Agent
		for _, a := range e.Agents {
			if match(a.Skills) {
				out = append(out, a)
			}
		}
		return out, nil
	}
	var out []Agent
	switch t.Type {
	case "A":
		if a, ok := e.Agent(t.Name); ok {
			out = append(out, a)
		}
	case "P":
		for _, a := range e.Agents {
			if a.Place == t.Name {
				out = append(out, a)
			}
		}
	case "GA", "GP":
		for _, a := range e.Agents {
			if slices.Contains(a.Groups, t.Name) {
				out = append(out, a)
			}
		}
		if q, ok := e.Queue(t.Name); ok && len(out) == 0 {
			out = e.queueAgents(q)
		}
	case "Q", "GQ":
		if q, ok := e.Queue(t.Name); ok {
			out = e.queueAgents(q)
		}
	default:
		if a, ok := e.AgentAt(t.Name); ok {
			out = append(out, a)
		} else if a, ok := e.Agent(t.Name); ok {
			out = append(out, a)
		} else if q, ok := e.Queue(t.Name); ok {
			out = e.queueAgents(q)
		}
	}
	return out, nil
}

// queueAgents returns the agents a queue finds.
func (e *Environment) queueAgents(q Queue) []Agent {
	var out []Agent
	for _, a := range e.Agents {
		if slices.Contains(q.Agents, a.ID) || hasAny(a.Groups, q.Groups) {
			out = append(out, a)
		}
	}
	return out
}

// parseSkillExpr compiles a URS skill expression ("English > 3 &
// (Sales = 1 | Support >= 5)") into a test of an agent's skills. A skill
// the agent lacks has level 0.
func parseSkillExpr(src string) (func(map[string]float64) bool, error) {
	p := &skillParser{src: src}
	f, err := p.or()
	if err != nil {
		return nil, err
	}
	p.space()
	if p.i < len(p.src) {
		return nil, fmt.Errorf("skill expression %q: unexpected %q", src, p.src[p.i:])
	}
	return f, nil
}

type skillParser struct {
	src string
	i   int
}

func (p *skillParser) space() {
	for p.i < len(p.src) && p.src[p.i] == ' ' {
		p.i++
	}
}

func (p *skillParser) eat(s string) bool {
	p.space()
	if strings.HasPrefix(p.src[p.i:], s) {
		p.i += len(s)
		return true
	}
	return false
}

func (p *skillParser) or() (func(map[string]float64) bool, error) {
	l, err := p.and()
	if err != nil {
		return nil, err
	}
	for p.eat("|") {
		p.eat("|")
		r, err := p.and()
		if err != nil {
			return nil, err
		}
		a, b := l, r
		l = func(m map[string]float64) bool { return a(m) || b(m) }
	}
	return l, nil
}

func (p *skillParser) and() (func(map[string]float64) bool, error) {
	l, err := p.term()
	if err != nil {
		return nil, err
	}
	for p.eat("&") {
		p.eat("&")
		r, err := p.term()
		if err != nil {
			return nil, err
		}
		a, b := l, r
		l = func(m map[string]float64) bool { return a(m) && b(m) }
	}
	return l, nil
}

func (p *skillParser) term() (func(map[string]float64) bool, error) {
	if p.eat("(") {
		f, err := p.or()
		if err != nil {
			return nil, err
		}
		if !p.eat(")") {
			return nil, fmt.Errorf("skill expression %q: missing )", p.src)
		}
		return f, nil
	}
	p.space()
	start := p.i
	for p.i < len(p.src) && (unicode.IsLetter(rune(p.src[p.i])) || unicode.IsDigit(rune(p.src[p.i])) || p.src[p.i] == '_' || p.src[p.i] == '.') {
		p.i++
	}
	name := p.src[start:p.i]
	if name == "" {
		return nil, fmt.Errorf("skill expression %q: want a skill name at %d", p.src, p.i+1)
	}
	var op string
	for _, o := range []string{">=", "<=", "!=", "==", "=", ">", "<"} {
		if p.eat(o) {
			op = o
			break
		}
	}
	if op == "" {
		return func(m map[string]float64) bool { return m[name] > 0 }, nil
	}
	p.space()
	start = p.i
	for p.i < len(p.src) && (p.src[p.i] >= '0' && p.src[p.i] <= '9' || p.src[p.i] == '.' || p.src[p.i] == '-') {
		p.i++
	}
	n, err := strconv.ParseFloat(p.src[start:p.i], 64)
	if err != nil {
		return nil, fmt.Errorf("skill expression %q: want a level after %s", p.src, op)
	}
	return func(m map[string]float64) bool {
		v := m[name]
		switch op {
		case ">=":
			return v >= n
		case "<=":
			return v <= n
		case "!=":
			return v != n
		case ">":
			return v > n
		case "<":
			return v < n
		}
		return v == n
	}, nil
}
