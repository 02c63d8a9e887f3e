package sim

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/orca-scxml/orca/internal/yamlerr"
)

// The scenario file is YAML rather than JSON: it takes comments, which a
// scenario needs to say why its odds are what they are; durations read as
// "2s" and ranges as "2s..8s"; and the YAML parser keeps the line of every
// value, so that a bad value is reported as file:line. A JSON file is
// YAML too and loads the same way.

// LoadConfig reads a scenario file over DefaultConfig: what the file does
// not set keeps its default, except that odds given replace all the
// default odds. Errors name the file and line and the bad value.
func LoadConfig(path string) (Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return Config{}, fmt.Errorf("sim config: %w", err)
	}
	return ParseConfig(path, data)
}

// ParseConfig parses a scenario; name is the file name errors carry.
func ParseConfig(name string, data []byte) (Config, error) {
	cfg := DefaultConfig()
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		return Config{}, yamlError(name, err)
	}
	if len(root.Content) == 0 {
		return cfg, nil
	}
	if err := yamlerr.SnakeKeys(name, &root, &cfg); err != nil {
		return Config{}, err
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&cfg); err != nil {
		return Config{}, yamlError(name, err)
	}
	var msgs []string
	for _, e := range cfg.check() {
		msgs = append(msgs, fmt.Sprintf("%s:%d: %s: %s", name, lineOf(root.Content[0], e.path), e.path, e.msg))
	}
	if len(msgs) > 0 {
		return Config{}, errors.New(strings.Join(msgs, "\n"))
	}
	return cfg, nil
}

var yamlLine = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlError rewrites the errors of package yaml as file:line: message.
func yamlError(name string, err error) error {
	var le *lineError
	if errors.As(err, &le) {
		return fmt.Errorf("%s:%d: %s", name, le.line, le.msg)
	}
	var lines []string
	var te *yaml.TypeError
	if errors.As(err, &te) {
		lines = te.Errors
	} else {
		lines = []string{err.Error()}
	}
	for i, l := range lines {
		if m := yamlLine.FindStringSubmatch(l); m != nil {
			lines[i] = name + ":" + m[1] + ": " + m[2]
		} else {
			lines[i] = name + ": " + strings.TrimPrefix(l, "yaml: ")
		}
	}
	return errors.New(strings.Join(lines, "\n"))
}

// lineOf returns the line of the value at a dotted path (keys of
// mappings, indexes of sequences), or of the deepest part of it found.
func lineOf(n *yaml.Node, path string) int {
	line := n.Line
	for _, part := range strings.Split(path, ".") {
		var next *yaml.Node
		switch n.Kind {
		case yaml.MappingNode:
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == part {
					next = n.Content[i+1]
					line = n.Content[i].Line
				}
			}
		case yaml.SequenceNode:
			if i, err := strconv.Atoi(part); err == nil && i >= 0 && i < len(n.Content) {
				next = n.Content[i]
				line = next.Line
			}
		}
		if next == nil {
			return line
		}
		n = next
	}
	return line
}

// lineError is a bad value in the scenario file.
type lineError struct {
	line int
	msg  string
}

func (e *lineError) Error() string { return fmt.Sprintf("line %d: %s", e.line, e.msg) }

func badValue(n *yaml.Node, format string, args ...any) error {
	return &lineError{line: n.Line, msg: fmt.Sprintf(format, args...)}
}

// Duration is a time.Duration written "90s", "2m30s" or as a number of
// seconds.
type Duration time.Duration

// D returns d as a time.Duration.
func (d Duration) D() time.Duration { return time.Duration(d) }

// UnmarshalYAML reads "90s" or 90.
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := parseDuration(n.Value)
	if err != nil || n.Kind != yaml.ScalarNode {
		return badValue(n, "bad duration %q (want e.g. 90s, 1m30s or a number of seconds)", n.Value)
	}
	*d = Duration(v)
	return nil
}

func parseDuration(s string) (time.Duration, error) {
	s = strings.TrimSpace(s)
	if f, err := strconv.ParseFloat(s, 64); err == nil {
		if f < 0 {
			return 0, fmt.Errorf("negative")
		}
		return time.Duration(f * float64(time.Second)), nil
	}
	d, err := time.ParseDuration(s)
	if err == nil && d < 0 {
		return 0, fmt.Errorf("negative")
	}
	return d, err
}

// Span is a range of durations, written "2s..8s" (uniformly drawn) or as
// one duration.
type Span struct {
	Min, Max time.Duration
}

// String returns "MIN..MAX", or one duration when they are equal.
func (s Span) String() string {
	if s.Min == s.Max {
		return s.Min.String()
	}
	return s.Min.String() + ".." + s.Max.String()
}

// UnmarshalYAML reads "2s..8s", "5s" or 5.
func (s *Span) UnmarshalYAML(n *yaml.Node) error {
	lo, hi, ok := strings.Cut(n.Value, "..")
	if !ok {
		hi = lo
	}
	a, err1 := parseDuration(lo)
	b, err2 := parseDuration(hi)
	if n.Kind != yaml.ScalarNode || err1 != nil || err2 != nil || b < a {
		return badValue(n, "bad duration range %q (want e.g. 2s..8s or 5s)", n.Value)
	}
	*s = Span{a, b}
	return nil
}

// UnmarshalYAML reads the odds, replacing all the defaults.
func (o *Odds) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind != yaml.MappingNode {
		return badValue(n, "odds must be a mapping of %s", strings.Join(oddsKeys, ", "))
	}
	for i := 0; i < len(n.Content); i += 2 {
		if !slices.Contains(oddsKeys, n.Content[i].Value) {
			return badValue(n.Content[i], "unknown outcome %q in odds (want %s)", n.Content[i].Value, strings.Join(oddsKeys, ", "))
		}
	}
	type plain Odds
	var p plain
	if err := n.Decode(&p); err != nil {
		return err
	}
	*o = Odds(p)
	return nil
}

// UnmarshalYAML reads an outcome: a result name ("busy"), or a mapping
// {result, ring, patience}.
func (o *Outcome) UnmarshalYAML(n *yaml.Node) error {
	var res string
	switch n.Kind {
	case yaml.ScalarNode:
		res = n.Value
	case yaml.MappingNode:
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, v := n.Content[i], n.Content[i+1]
			var err error
			switch k.Value {
			case "result":
				res = v.Value
			case "ring":
				var d Duration
				err = d.UnmarshalYAML(v)
				o.Ring = d.D()
			case "patience":
				var d Duration
				err = d.UnmarshalYAML(v)
				o.Patience = d.D()
			default:
				return badValue(k, "unknown outcome field %q (want result, ring, patience)", k.Value)
			}
			if err != nil {
				return err
			}
		}
	default:
		return badValue(n, "an outcome is a result name or a mapping")
	}
	r, ok := ParseResult(res)
	if !ok {
		return badValue(n, "unknown call result %q (want one of %s)", res, strings.Join(resultNames(), ", "))
	}
	o.Result = r
	return nil
}
