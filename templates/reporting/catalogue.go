package reporting

import (
	"fmt"
	"math"
	"slices"
	"strings"
)

// Entry describes one KVP of the catalogue.
type Entry struct {
	// Key is the KVP's name as it is sent (the web copy's spelling).
	Key string
	// Aliases are other spellings accepted for Key (the PDF copy's
	// extraction slips I_XN, IGNOREING and OR_S); values given under an
	// alias are sent under Key.
	Aliases []string
	Kind    Kind
	// Values are the allowed values of a Dimension (none: any non-empty
	// string).
	Values []string
	// Open are prefixes of further values a Dimension accepts: PREFIX
	// followed by a reason of letters, digits and underscores (the agent's
	// COMPLETED.<reason> dispositions).
	Open []string
	// Numeric marks an ID that is a DBID, sent as an integer.
	Numeric bool
	// Targets are the Info Mart columns the KVP feeds; none when the
	// seeds name none.
	Targets []string
	// Mandatory KVPs must be in every UserEvent: Info Mart makes no
	// record without them.
	Mandatory bool
	// CallAttached KVPs are also attached to the call (TEvent user data),
	// so that Info Mart can tie the callback to the interaction.
	CallAttached bool
	// Introduced is the GMS release that added the KVP, when the seeds
	// give one.
	Introduced string
	// Param is the callback request parameter (_cb_...) that sets the
	// KVP, if any.
	Param string
	// Derived, when set, says how the value is computed from two moments;
	// strategies cannot set the KVP themselves.
	Derived *Derivation
	// Reserved KVPs are set by the action itself (_CB_FINAL_RECORD).
	Reserved bool
	// Description is the seeds' description.
	Description string
}

// Clone returns a deep copy of e.
func (e Entry) Clone() Entry {
	e.Aliases = slices.Clone(e.Aliases)
	e.Values = slices.Clone(e.Values)
	e.Open = slices.Clone(e.Open)
	e.Targets = slices.Clone(e.Targets)
	if e.Derived != nil {
		d := *e.Derived
		d.From = slices.Clone(d.From)
		d.To = slices.Clone(d.To)
		e.Derived = &d
	}
	return e
}

// Catalogue is a set of KVP entries with lookups by key, alias and request
// parameter. It is immutable once built and safe for concurrent use.
type Catalogue struct {
	entries []Entry
	byKey   map[string]int
	params  map[string]int
}

// Default returns the catalogue of every KVP the seeds name.
func Default() *Catalogue {
	c, err := NewCatalogue()
	if err != nil {
		panic("reporting: built-in catalogue: " + err.Error())
	}
	return c
}

// NewCatalogue returns the built-in catalogue extended with extra entries:
// the KVPs of a user's own strategies. An extra entry needs a key that
// does not start with _CB_ (that prefix belongs to Genesys) and is not
// taken, and a kind; it may not be mandatory, call-attached, derived or
// reserved.
func NewCatalogue(extra ...Entry) (*Catalogue, error) {
	c := &Catalogue{byKey: make(map[string]int), params: make(map[string]int)}
	for _, e := range builtinEntries() {
		if err := c.add(e); err != nil {
			return nil, err
		}
	}
	for _, e := range extra {
		switch {
		case strings.HasPrefix(strings.ToUpper(e.Key), "_CB_"):
			return nil, fmt.Errorf("reporting: extra KVP %q: the _CB_ prefix is reserved for the Genesys catalogue", e.Key)
		case e.Mandatory || e.CallAttached || e.Derived != nil || e.Reserved || e.Param != "":
			return nil, fmt.Errorf("reporting: extra KVP %q: only the built-in KVPs can be mandatory, call-attached, derived, reserved or request parameters", e.Key)
		}
		if err := c.add(e.Clone()); err != nil {
			return nil, err
		}
	}
	return c, nil
}

// add adds e and its aliases.
func (c *Catalogue) add(e Entry) error {
	if e.Key == "" || strings.ContainsAny(e.Key, " \t\n") {
		return fmt.Errorf("reporting: KVP key %q is not a valid name", e.Key)
	}
	if e.Kind < Timestamp || e.Kind > Text {
		return fmt.Errorf("reporting: KVP %s has no kind", e.Key)
	}
	if (len(e.Values) > 0 || len(e.Open) > 0) && e.Kind != Dimension {
		return fmt.Errorf("reporting: KVP %s: only dimensions have a list of values", e.Key)
	}
	i := len(c.entries)
	if i > math.MaxUint16 {
		// A collector holds its values by catalogue index in 16 bits.
		return fmt.Errorf("reporting: KVP %s: a catalogue holds at most %d KVPs", e.Key, math.MaxUint16+1)
	}
	for _, k := range append([]string{e.Key}, e.Aliases...) {
		if _, dup := c.byKey[k]; dup {
			return fmt.Errorf("reporting: KVP %s is defined twice", k)
		}
		c.byKey[k] = i
	}
	if e.Param != "" {
		c.params[e.Param] = i
	}
	c.entries = append(c.entries, e)
	return nil
}

// Lookup returns the entry of key, which may be an alias.
func (c *Catalogue) Lookup(key string) (Entry, bool) {
	e := c.entry(key)
	if e == nil {
		return Entry{}, false
	}
	return e.Clone(), true
}

// entry returns the entry of key or alias, or nil.
func (c *Catalogue) entry(key string) *Entry {
	i, ok := c.byKey[key]
	if !ok {
		return nil
	}
	return &c.entries[i]
}

// Canonical returns the key under which key (possibly an alias) is sent.
func (c *Catalogue) Canonical(key string) (string, bool) {
	e := c.entry(key)
	if e == nil {
		return "", false
	}
	return e.Key, true
}

// ForParam returns the entry a callback request parameter (_cb_...) sets.
func (c *Catalogue) ForParam(param string) (Entry, bool) {
	i, ok := c.params[param]
	if !ok {
		return Entry{}, false
	}
	return c.entries[i].Clone(), true
}

// Params returns the callback request parameters the catalogue knows, in
// catalogue order.
func (c *Catalogue) Params() []string {
	var out []string
	for _, e := range c.entries {
		if e.Param != "" {
			out = append(out, e.Param)
		}
	}
	return out
}

// Entries returns a copy of every entry, in catalogue order.
func (c *Catalogue) Entries() []Entry {
	out := make([]Entry, len(c.entries))
	for i, e := range c.entries {
		out[i] = e.Clone()
	}
	return out
}

// Keys returns every key (not the aliases), in catalogue order.
func (c *Catalogue) Keys() []string {
	return c.keys(func(*Entry) bool { return true })
}

// Mandatory returns the keys every UserEvent must carry.
func (c *Catalogue) Mandatory() []string {
	return c.keys(func(e *Entry) bool { return e.Mandatory })
}

// CallAttached returns the keys that are also attached to the call.
func (c *Catalogue) CallAttached() []string {
	return c.keys(func(e *Entry) bool { return e.CallAttached })
}

func (c *Catalogue) keys(keep func(*Entry) bool) []string {
	var out []string
	for i := range c.entries {
		if keep(&c.entries[i]) {
			out = append(out, c.entries[i].Key)
		}
	}
	return out
}

// Check checks a value for key against the catalogue and returns the key
// to send (the canonical spelling) and the value to send.
func (c *Catalogue) Check(key string, v any) (string, any, error) {
	e := c.entry(key)
	if e == nil {
		return "", nil, fmt.Errorf("%s is not a KVP of the catalogue", key)
	}
	n, err := e.normalize(v)
	if err != nil {
		return e.Key, nil, fmt.Errorf("%s (%s): %w", e.Key, e.Kind, err)
	}
	return e.Key, n, nil
}

// slips returns the PDF copy's misspellings of key: IXN written I_XN,
// IGNORING written IGNOREING, ORS written OR_S, in every combination.
func slips(key string) []string {
	pairs := [][2]string{{"IXN", "I_XN"}, {"IGNORING", "IGNOREING"}, {"_ORS_", "_OR_S_"}}
	variants := []string{key}
	for _, p := range pairs {
		if !strings.Contains(key, p[0]) {
			continue
		}
		for _, v := range variants {
			variants = append(variants, strings.ReplaceAll(v, p[0], p[1]))
		}
	}
	return variants[1:]
}
