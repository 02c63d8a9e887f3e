package bridge

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/orca-scxml/orca/telephony"
)

// UserData is telephony.UserData with an explicitly typed JSON form, so
// that an integer stays an integer and a nested list stays a list: a JSON
// array of {"key": K, "type": T, "value": V} with T one of "str" (V a
// string), "int" (V an integer) or "list" (V an array of the same form).
// Keys keep their order and may repeat.
type UserData telephony.UserData

// The value types of the JSON form of UserData.
const (
	TypeStr  = "str"
	TypeInt  = "int"
	TypeList = "list"
)

type wireKV struct {
	Key   string          `json:"key"`
	Type  string          `json:"type"`
	Value json.RawMessage `json:"value"`
}

// MarshalJSON writes the typed JSON form.
func (u UserData) MarshalJSON() ([]byte, error) {
	if u == nil {
		return []byte("null"), nil
	}
	out := make([]wireKV, 0, len(u))
	for _, kv := range u {
		w := wireKV{Key: kv.Key}
		var err error
		switch v := kv.Value.(type) {
		case string:
			w.Type = TypeStr
			w.Value, err = json.Marshal(v)
		case int:
			w.Type, w.Value = TypeInt, strconv.AppendInt(nil, int64(v), 10)
		case int32:
			w.Type, w.Value = TypeInt, strconv.AppendInt(nil, int64(v), 10)
		case int64:
			w.Type, w.Value = TypeInt, strconv.AppendInt(nil, v, 10)
		case telephony.UserData:
			w.Type = TypeList
			w.Value, err = json.Marshal(UserData(v))
		case UserData:
			w.Type = TypeList
			w.Value, err = json.Marshal(v)
		default:
			return nil, fmt.Errorf("user data key %q: a KVList value cannot be %T", kv.Key, kv.Value)
		}
		if err != nil {
			return nil, fmt.Errorf("user data key %q: %w", kv.Key, err)
		}
		if w.Type == TypeList && bytes.Equal(w.Value, []byte("null")) {
			w.Value = []byte("[]")
		}
		out = append(out, w)
	}
	return json.Marshal(out)
}

// UnmarshalJSON reads the typed JSON form; nested lists become
// telephony.UserData values.
func (u *UserData) UnmarshalJSON(data []byte) error {
	if bytes.Equal(bytes.TrimSpace(data), []byte("null")) {
		*u = nil
		return nil
	}
	var in []wireKV
	if err := json.Unmarshal(data, &in); err != nil {
		return fmt.Errorf("user data: %w", err)
	}
	out := make(UserData, 0, len(in))
	for _, w := range in {
		kv := telephony.KV{Key: w.Key}
		switch w.Type {
		case TypeStr:
			var s string
			if err := json.Unmarshal(w.Value, &s); err != nil {
				return fmt.Errorf("user data key %q: %w", w.Key, err)
			}
			kv.Value = s
		case TypeInt:
			n, err := strconv.ParseInt(string(bytes.TrimSpace(w.Value)), 10, 64)
			if err != nil {
				return fmt.Errorf("user data key %q: not an integer: %w", w.Key, err)
			}
			kv.Value = int(n)
		case TypeList:
			var l UserData
			if err := l.UnmarshalJSON(w.Value); err != nil {
				return fmt.Errorf("user data key %q: %w", w.Key, err)
			}
			if l == nil {
				l = UserData{}
			}
			kv.Value = telephony.UserData(l)
		default:
			return fmt.Errorf("user data key %q: unknown type %q", w.Key, w.Type)
		}
		out = append(out, kv)
	}
	*u = out
	return nil
}

// MarshalUserData returns the typed JSON form of u.
func MarshalUserData(u telephony.UserData) ([]byte, error) {
	return UserData(u).MarshalJSON()
}

// UnmarshalUserData parses the typed JSON form.
func UnmarshalUserData(data []byte) (telephony.UserData, error) {
	var u UserData
	if err := u.UnmarshalJSON(data); err != nil {
		return nil, err
	}
	return telephony.UserData(u), nil
}
