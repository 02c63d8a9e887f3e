package wire

import (
	"fmt"

	"github.com/orca-scxml/orca/telephony"
)

// The value types of the typed JSON form of user data (schema version 1):
// a JSON array of {"key": K, "type": T, "value": V} with T one of "str" (V
// a string), "int" (V an integer) or "list" (V an array of the same form).
// The compact form of schema version 2 keeps the same: a JSON array of
// [K, V] pairs whose V's JSON type is its type (a string, an integer, an
// array of pairs). In both, keys keep their order and may repeat; an
// integer stays an integer and a nested list stays a list.
const (
	TypeStr  = "str"
	TypeInt  = "int"
	TypeList = "list"
)

// MarshalUserData returns the typed JSON form of u ("null" for nil), which
// every version of this package reads (a session's snapshot keeps its
// user data so). Values are strings, integers (int, int32, int64) or
// nested telephony.UserData; anything else is an error naming the key.
func MarshalUserData(u telephony.UserData) ([]byte, error) {
	if u == nil {
		return []byte("null"), nil
	}
	return appendUserData(nil, u)
}

// UnmarshalUserData parses the typed or the compact JSON form; nested
// lists become telephony.UserData values, integers int.
func UnmarshalUserData(data []byte) (telephony.UserData, error) {
	d := decoder{s: string(data)}
	d.ws()
	u, err := d.userData(0)
	if err == nil {
		err = d.end()
	}
	if err != nil {
		return nil, fmt.Errorf("user data: %w", err)
	}
	return u, nil
}
