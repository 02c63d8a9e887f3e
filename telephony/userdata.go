package telephony

import (
	"fmt"
	"math"
	"sort"
	"strconv"
	"strings"
)

// KV is one key-value pair of a UserData list. Value is a string, an int or
// a nested UserData, as in a T-Server KVList.
type KV struct {
	Key   string
	Value any
}

// UserData is an ordered key-value list, as T-Server's KVList: keys may
// repeat, values are strings, integers or nested lists. The zero value is
// an empty list.
type UserData []KV

// Get returns the value of the first pair with the given key.
func (u UserData) Get(key string) (any, bool) {
	for _, kv := range u {
		if kv.Key == key {
			return kv.Value, true
		}
	}
	return nil, false
}

// String returns the value of key as a string ("" when absent).
func (u UserData) String(key string) string {
	v, ok := u.Get(key)
	if !ok {
		return ""
	}
	switch v := v.(type) {
	case string:
		return v
	case int:
		return strconv.Itoa(v)
	}
	return fmt.Sprint(v)
}

// Set replaces the value of the first pair with the given key, or appends
// the pair when the key is absent.
func (u *UserData) Set(key string, v any) {
	for i := range *u {
		if (*u)[i].Key == key {
			(*u)[i].Value = v
			return
		}
	}
	*u = append(*u, KV{Key: key, Value: v})
}

// Delete removes every pair with the given key and reports whether there
// was one.
func (u *UserData) Delete(key string) bool {
	out := (*u)[:0]
	found := false
	for _, kv := range *u {
		if kv.Key == key {
			found = true
			continue
		}
		out = append(out, kv)
	}
	clear((*u)[len(out):])
	*u = out
	return found
}

// Update sets every pair of other in u, in order (RequestUpdateUserData).
func (u *UserData) Update(other UserData) {
	for _, kv := range other {
		u.Set(kv.Key, kv.Value)
	}
}

// Keys returns the keys in order, each once.
func (u UserData) Keys() []string {
	seen := make(map[string]bool, len(u))
	keys := make([]string, 0, len(u))
	for _, kv := range u {
		if !seen[kv.Key] {
			seen[kv.Key] = true
			keys = append(keys, kv.Key)
		}
	}
	return keys
}

// Clone returns a deep copy of u.
func (u UserData) Clone() UserData {
	if u == nil {
		return nil
	}
	out := make(UserData, len(u))
	for i, kv := range u {
		if n, ok := kv.Value.(UserData); ok {
			kv.Value = n.Clone()
		}
		out[i] = kv
	}
	return out
}

// Neutral returns u as a data-model-neutral object (map[string]any):
// integers become float64, nested lists objects. When a key repeats, the
// first value wins.
func (u UserData) Neutral() map[string]any {
	m := make(map[string]any, len(u))
	for _, kv := range u {
		if _, dup := m[kv.Key]; dup {
			continue
		}
		switch v := kv.Value.(type) {
		case int:
			m[kv.Key] = float64(v)
		case UserData:
			m[kv.Key] = v.Neutral()
		default:
			m[kv.Key] = v
		}
	}
	return m
}

// FromNeutral converts a data-model-neutral object to UserData, keys in
// sorted order. Integral numbers become ints, other numbers and booleans
// strings, objects nested lists; arrays and nil are errors, as a KVList
// cannot hold them.
func FromNeutral(v any) (UserData, error) {
	m, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("user data must be an object, not %s", describe(v))
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return nil, nil
	}
	sort.Strings(keys)
	u := make(UserData, 0, len(keys))
	for _, k := range keys {
		val, err := kvValue(m[k])
		if err != nil {
			return nil, fmt.Errorf("user data key %q: %w", k, err)
		}
		u = append(u, KV{Key: k, Value: val})
	}
	return u, nil
}

func kvValue(v any) (any, error) {
	switch v := v.(type) {
	case string:
		return v, nil
	case int:
		return v, nil
	case int64:
		return int(v), nil
	case float64:
		if v == math.Trunc(v) && math.Abs(v) < 1<<53 {
			return int(v), nil
		}
		return strconv.FormatFloat(v, 'g', -1, 64), nil
	case bool:
		return strconv.FormatBool(v), nil
	case map[string]any:
		return FromNeutral(v)
	case UserData:
		return v.Clone(), nil
	}
	return nil, fmt.Errorf("a KVList value cannot be %s", describe(v))
}

func describe(v any) string {
	switch v.(type) {
	case nil:
		return "null"
	case []any:
		return "an array"
	}
	return fmt.Sprintf("%T", v)
}

// Format writes u as T-Server logs a KVList: one "'key' value" per line,
// nested lists indented.
func (u UserData) Format() string {
	var b strings.Builder
	u.format(&b, "\t")
	return b.String()
}

func (u UserData) format(b *strings.Builder, indent string) {
	for _, kv := range u {
		switch v := kv.Value.(type) {
		case UserData:
			fmt.Fprintf(b, "%s'%s' (list)\n", indent, kv.Key)
			v.format(b, indent+"\t")
		case int:
			fmt.Fprintf(b, "%s'%s' %d\n", indent, kv.Key, v)
		default:
			fmt.Fprintf(b, "%s'%s' '%v'\n", indent, kv.Key, v)
		}
	}
}
