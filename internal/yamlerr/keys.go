package yamlerr

import (
	"errors"
	"fmt"
	"reflect"
	"strings"
	"unicode"

	"go.yaml.in/yaml/v3"
)

// SnakeKeys checks the keys of a YAML document against the type it is
// decoded into: every file Orca reads spells its keys in snake_case, so a
// key that names no field of its struct but whose snake_case spelling
// does (reportingDN, base-url) is refused with "file:line: key reportingDN:
// keys are snake_case: write reporting_dn". Keys that name nothing at all
// are left to the decoder's own error (KnownFields), and the keys of maps
// (option names, KVPs, list objects) are data, not checked.
//
// root is the parsed document, v a pointer to the value it is decoded
// into.
func SnakeKeys(file string, root *yaml.Node, v any) error {
	var errs []string
	walkKeys(root, reflect.TypeOf(v), func(k *yaml.Node, snake string) {
		errs = append(errs, fmt.Sprintf("%s:%d: key %s: keys are snake_case: write %s", file, k.Line, k.Value, snake))
	})
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "\n"))
	}
	return nil
}

// walkKeys walks n, decoded into a value of type t, calling bad for each
// key that names a field only in another spelling.
func walkKeys(n *yaml.Node, t reflect.Type, bad func(k *yaml.Node, snake string)) {
	if n == nil || t == nil {
		return
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch n.Kind {
	case yaml.DocumentNode:
		for _, c := range n.Content {
			walkKeys(c, t, bad)
		}
		return
	case yaml.AliasNode:
		walkKeys(n.Alias, t, bad)
		return
	}
	switch t.Kind() {
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			return
		}
		fields := map[string]reflect.Type{}
		structFields(t, fields)
		for i := 0; i+1 < len(n.Content); i += 2 {
			k := n.Content[i]
			if ft, ok := fields[k.Value]; ok {
				walkKeys(n.Content[i+1], ft, bad)
				continue
			}
			if s := Snake(k.Value); s != k.Value {
				if _, ok := fields[s]; ok {
					bad(k, s)
				}
			}
		}
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			return
		}
		for i := 1; i < len(n.Content); i += 2 {
			walkKeys(n.Content[i], t.Elem(), bad)
		}
	case reflect.Slice, reflect.Array:
		if n.Kind != yaml.SequenceNode {
			return
		}
		for _, c := range n.Content {
			walkKeys(c, t.Elem(), bad)
		}
	}
}

// structFields adds the YAML keys of t's fields, as package yaml names
// them (the tag's name, else the field's name in lower case; inline
// structs' fields as the struct's own), with their types.
func structFields(t reflect.Type, into map[string]reflect.Type) {
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() && !f.Anonymous {
			continue
		}
		tag := f.Tag.Get("yaml")
		if tag == "-" {
			continue
		}
		name, opts, _ := strings.Cut(tag, ",")
		if strings.Contains(","+opts+",", ",inline,") {
			ft := f.Type
			for ft.Kind() == reflect.Pointer {
				ft = ft.Elem()
			}
			if ft.Kind() == reflect.Struct {
				structFields(ft, into)
			}
			continue
		}
		if name == "" {
			name = strings.ToLower(f.Name)
		}
		into[name] = f.Type
	}
}

// Snake returns a key in snake_case: words of a camelCase or kebab-case
// key joined by "_", in lower case ("reportingDN" → "reporting_dn",
// "HTTPTimeout" → "http_timeout", "base-url" → "base_url").
func Snake(s string) string {
	r := []rune(s)
	var b strings.Builder
	for i, c := range r {
		switch {
		case c == '-' || c == ' ':
			b.WriteByte('_')
			continue
		case unicode.IsUpper(c) && i > 0:
			prev := r[i-1]
			nextLower := i+1 < len(r) && unicode.IsLower(r[i+1])
			if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
				b.WriteByte('_')
			}
		}
		b.WriteRune(unicode.ToLower(c))
	}
	return b.String()
}
