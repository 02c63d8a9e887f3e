package wire

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"

	"github.com/orca-scxml/orca/internal/box"
	"github.com/orca-scxml/orca/telephony"
)

// Decode parses a message and checks its version and name.
//
// It reads the message in one pass: the input is copied once into a
// string, and every string of the message that needs no unescaping (all
// of them, in practice) is a part of that copy. Members may come in any
// order, unknown members are skipped, and null leaves a field empty, as
// encoding/json would; member names must match exactly.
func Decode(data []byte) (Message, error) {
	return decode(string(data))
}

// DecodeOwned is Decode for data the caller hands over: the message's
// strings are parts of data itself rather than of a copy, so data must
// never be changed afterwards. A NATS subscriber's message data (a copy
// the client made for that message) is such data once the handler
// decodes it and keeps no other use of it.
func DecodeOwned(data []byte) (Message, error) {
	return decode(unsafe.String(unsafe.SliceData(data), len(data)))
}

func decode(data string) (Message, error) { return decodeWith(data, nil) }

func decodeWith(data string, memo *UserDataMemo) (Message, error) {
	var m Message
	d := decoder{memo: memo}
	if err := d.message(data, &m); err != nil {
		return Message{}, fmt.Errorf("decode message: %w", err)
	}
	if m.V < OldestSchemaVersion || m.V > SchemaVersion {
		return Message{}, fmt.Errorf("decode %s: schema version %d, want %d to %d", m.Name, m.V, OldestSchemaVersion, SchemaVersion)
	}
	if m.V < 2 && d.compact {
		return Message{}, fmt.Errorf("decode %s: schema version %d with user data in the compact form of version 2", m.Name, m.V)
	}
	if m.Name == "" {
		return Message{}, errors.New("decode message: no name")
	}
	return m, nil
}

// FromOrigin reports whether the encoded message data has origin origin
// (not ""). It reads the members up to "origin" and no further, keeping
// none of their values: a receiver that drops the copies of its own
// messages need not decode them. Data that cannot be read has no origin.
func FromOrigin(data []byte, origin string) bool {
	if origin == "" {
		return false
	}
	// The decoder keeps nothing of data past this call: no copy.
	d := decoder{s: unsafe.String(unsafe.SliceData(data), len(data))}
	var got string
	err := d.object(func(name string) error {
		if name != "origin" {
			return d.skip(1)
		}
		if err := d.strField(&got); err != nil {
			return err
		}
		return errFound
	})
	return err == errFound && got == origin
}

// errFound ends a read of an object at the member looked for.
var errFound = errors.New("found")

// maxDepth bounds the nesting of arrays and objects the decoder follows.
const maxDepth = 1000

// decoder reads one JSON text held in s from position i.
type decoder struct {
	s string
	i int
	// box boxes the KVP values (telephony.KV.Value is an any), those of
	// a message from one slice.
	box box.Cells
	// compact is set once user data in the compact form was read.
	compact bool
	// sized counts the lists of the message whose slices were sized by
	// what follows them (sizeList): its user data and its parameters.
	sized int
	// memo, when not nil, gives user data decoded before.
	memo *UserDataMemo
}

func (d *decoder) errorf(format string, args ...any) error {
	return fmt.Errorf("offset %d: "+format, append([]any{d.i}, args...)...)
}

func (d *decoder) ws() {
	for d.i < len(d.s) {
		switch d.s[d.i] {
		case ' ', '\t', '\n', '\r':
			d.i++
		default:
			return
		}
	}
}

// eat consumes c when it comes next.
func (d *decoder) eat(c byte) bool {
	if d.i < len(d.s) && d.s[d.i] == c {
		d.i++
		return true
	}
	return false
}

// null consumes a null literal when it comes next.
func (d *decoder) null() bool {
	if strings.HasPrefix(d.s[d.i:], "null") {
		d.i += 4
		return true
	}
	return false
}

// end checks that only white space follows.
func (d *decoder) end() error {
	d.ws()
	if d.i != len(d.s) {
		return d.errorf("unexpected %q after the value", d.s[d.i])
	}
	return nil
}

// object reads the members of an object, calling member with each name
// once the decoder is at its value, which member must consume.
func (d *decoder) object(member func(name string) error) error {
	d.ws()
	if !d.eat('{') {
		return d.errorf("expected an object")
	}
	d.ws()
	if d.eat('}') {
		return nil
	}
	for {
		d.ws()
		name, err := d.str()
		if err != nil {
			return err
		}
		d.ws()
		if !d.eat(':') {
			return d.errorf("expected ':' after %q", name)
		}
		d.ws()
		if err := member(name); err != nil {
			return err
		}
		d.ws()
		if d.eat(',') {
			continue
		}
		if d.eat('}') {
			return nil
		}
		return d.errorf("expected ',' or '}' in an object")
	}
}

func (d *decoder) message(data string, m *Message) error {
	d.s, d.i = data, 0
	*m = Message{}
	if err := d.object(func(name string) error {
		if err := d.field(m, name); err != nil {
			return fmt.Errorf("%q: %w", name, err)
		}
		return nil
	}); err != nil {
		return err
	}
	return d.end()
}

// field reads the value of the member name into m.
func (d *decoder) field(m *Message, name string) error {
	var err error
	switch name {
	case "v":
		err = d.intField(&m.V)
	case "name":
		err = d.strField(&m.Name)
	case "switch":
		err = d.strField(&m.Switch)
	case "thisDN":
		err = d.strField(&m.ThisDN)
	case "otherDN":
		err = d.strField(&m.OtherDN)
	case "connID":
		err = d.strField(&m.ConnID)
	case "callID":
		err = d.strField(&m.CallID)
	case "customerID":
		err = d.strField(&m.CustomerID)
	case "referenceID":
		err = d.uintField(&m.ReferenceID)
	case "origin":
		err = d.strField(&m.Origin)
	case "msgID":
		err = d.strField(&m.MsgID)
	case "seq":
		err = d.uintField(&m.Seq)
	case "timeinSecs":
		err = d.int64Field(&m.TimeinSecs)
	case "timeinuSecs":
		err = d.intField(&m.TimeinuSecs)
	case "callType":
		err = d.strField(&m.CallType)
	case "ani":
		err = d.strField(&m.ANI)
	case "dnis":
		err = d.strField(&m.DNIS)
	case "userData":
		if d.memo != nil {
			m.UserData, err = d.memo.userData(d)
		} else {
			m.UserData, err = d.userData(0)
		}
	case "destination":
		err = d.strField(&m.Destination)
	case "timeoutMs":
		err = d.int64Field(&m.TimeoutMs)
	case "routeType":
		err = d.strField(&m.RouteType)
	case "treatment":
		err = d.strField(&m.Treatment)
	case "resource":
		err = d.strField(&m.Resource)
	case "durationMs":
		err = d.int64Field(&m.DurationMs)
	case "params":
		m.Params, err = d.userData(0)
	case "queue":
		err = d.strField(&m.Queue)
	case "routePoint":
		err = d.strField(&m.RoutePoint)
	case "targets":
		m.Targets, err = d.strings()
	case "priority":
		err = d.intField(&m.Priority)
	case "submitRef":
		err = d.uintField(&m.SubmitRef)
	case "request":
		err = d.strField(&m.Request)
	case "target":
		err = d.strField(&m.Target)
	case "callResult":
		err = d.strField(&m.CallResult)
	case "errorCode":
		err = d.intField(&m.ErrorCode)
	case "errorMessage":
		err = d.strField(&m.ErrorMessage)
	case "agentID":
		err = d.strField(&m.AgentID)
	case "place":
		err = d.strField(&m.Place)
	case "reason":
		err = d.strField(&m.Reason)
	case "callRef":
		err = d.uintField(&m.CallRef)
	case "afterSeq":
		err = d.uintField(&m.AfterSeq)
	case "callState":
		err = d.strField(&m.CallState)
	case "waiting":
		err = d.intField(&m.Waiting)
	case "distributed":
		err = d.intField(&m.Distributed)
	case "aqtMs":
		err = d.int64Field(&m.AQTMs)
	case "ewtMs":
		err = d.int64Field(&m.EWTMs)
	case "position":
		err = d.intField(&m.Position)
	case "waitedMs":
		err = d.int64Field(&m.WaitedMs)
	case "ixnEwtMs":
		err = d.int64Field(&m.IxnEWTMs)
	case "queued":
		m.Queued, err = d.queued()
	case "version":
		err = d.uintField(&m.Version)
	default:
		err = d.skip(0)
	}
	return err
}

// unlessNull reads a value into *p with read, unless the value is null,
// which leaves *p as it is (as encoding/json does).
func unlessNull[T any](d *decoder, p *T, read func(*decoder) (T, error)) error {
	if d.null() {
		return nil
	}
	v, err := read(d)
	if err == nil {
		*p = v
	}
	return err
}

func (d *decoder) strField(p *string) error { return unlessNull(d, p, (*decoder).str) }

func (d *decoder) int64Field(p *int64) error { return unlessNull(d, p, (*decoder).integer) }

func (d *decoder) intField(p *int) error {
	return unlessNull(d, p, func(d *decoder) (int, error) {
		n, err := d.integer()
		return int(n), err
	})
}

func (d *decoder) uintField(p *uint64) error {
	if d.null() {
		return nil
	}
	start := d.i
	if err := d.number(); err != nil {
		return err
	}
	n, err := strconv.ParseUint(d.s[start:d.i], 10, 64)
	if err != nil {
		return d.errorf("%s is not an unsigned 64-bit integer", d.s[start:d.i])
	}
	*p = n
	return nil
}

// integer reads a number that must be a 64-bit integer.
func (d *decoder) integer() (int64, error) {
	start := d.i
	if err := d.number(); err != nil {
		return 0, err
	}
	n, err := strconv.ParseInt(d.s[start:d.i], 10, 64)
	if err != nil {
		return 0, d.errorf("%s is not a 64-bit integer", d.s[start:d.i])
	}
	return n, nil
}

// number consumes a JSON number.
func (d *decoder) number() error {
	s, i := d.s, d.i
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
	default:
		return d.errorf("expected a number")
	}
	if i < len(s) && s[i] == '.' {
		i++
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return d.errorf("expected a digit after '.'")
		}
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		j := i
		for i < len(s) && s[i] >= '0' && s[i] <= '9' {
			i++
		}
		if i == j {
			return d.errorf("expected a digit in the exponent")
		}
	}
	d.i = i
	return nil
}

// str reads a string. Without escapes and invalid UTF-8 it is a part of
// d.s and costs no allocation.
func (d *decoder) str() (string, error) {
	if !d.eat('"') {
		return "", d.errorf("expected a string")
	}
	start := d.i
	q := strings.IndexByte(d.s[start:], '"')
	if q < 0 {
		d.i = len(d.s)
		return "", d.errorf("unterminated string")
	}
	s := d.s[start : start+q]
	ascii := true
	for j := 0; j < len(s); j++ {
		switch c := s[j]; {
		case c == '\\':
			return d.unquote(start)
		case c < 0x20:
			d.i = start + j
			return "", d.errorf("control character %#x in a string", c)
		case c >= utf8.RuneSelf:
			ascii = false
		}
	}
	if !ascii && !utf8.ValidString(s) {
		return d.unquote(start)
	}
	d.i = start + q + 1
	return s, nil
}

// unquote reads the string that starts at start, resolving escapes and
// writing invalid UTF-8 as U+FFFD, as encoding/json does.
func (d *decoder) unquote(start int) (string, error) {
	var b strings.Builder
	s := d.s
	for i := start; i < len(s); {
		c := s[i]
		switch {
		case c == '"':
			d.i = i + 1
			return b.String(), nil
		case c < 0x20:
			d.i = i
			return "", d.errorf("control character %#x in a string", c)
		case c == '\\':
			if i+1 >= len(s) {
				d.i = len(s)
				return "", d.errorf("unterminated string")
			}
			switch e := s[i+1]; e {
			case '"', '\\', '/':
				b.WriteByte(e)
			case 'b':
				b.WriteByte('\b')
			case 'f':
				b.WriteByte('\f')
			case 'n':
				b.WriteByte('\n')
			case 'r':
				b.WriteByte('\r')
			case 't':
				b.WriteByte('\t')
			case 'u':
				r, ok := hex4(s[i+2:])
				if !ok {
					d.i = i
					return "", d.errorf(`bad \u escape`)
				}
				i += 6
				if utf16.IsSurrogate(r) {
					if strings.HasPrefix(s[i:], `\u`) {
						if r2, ok := hex4(s[i+2:]); ok {
							if dec := utf16.DecodeRune(r, r2); dec != utf8.RuneError {
								b.WriteRune(dec)
								i += 6
								continue
							}
						}
					}
					r = utf8.RuneError
				}
				b.WriteRune(r)
				continue
			default:
				d.i = i
				return "", d.errorf("bad escape \\%c", e)
			}
			i += 2
		case c < utf8.RuneSelf:
			b.WriteByte(c)
			i++
		default:
			r, size := utf8.DecodeRuneInString(s[i:])
			b.WriteRune(r)
			i += size
		}
	}
	d.i = len(s)
	return "", d.errorf("unterminated string")
}

// hex4 reads the four hex digits at the start of s.
func hex4(s string) (rune, bool) {
	if len(s) < 4 {
		return 0, false
	}
	var r rune
	for _, c := range []byte(s[:4]) {
		switch {
		case c >= '0' && c <= '9':
			c -= '0'
		case c >= 'a' && c <= 'f':
			c -= 'a' - 10
		case c >= 'A' && c <= 'F':
			c -= 'A' - 10
		default:
			return 0, false
		}
		r = r<<4 | rune(c)
	}
	return r, true
}

// strings reads an array of strings (a null element is ""), or null.
func (d *decoder) strings() ([]string, error) {
	if d.null() {
		return nil, nil
	}
	out := []string{}
	err := d.array(func() error {
		var s string
		err := d.strField(&s)
		out = append(out, s)
		return err
	})
	return out, err
}

// array reads the elements of an array with elem, which must consume
// each.
func (d *decoder) array(elem func() error) error {
	if !d.eat('[') {
		return d.errorf("expected an array")
	}
	d.ws()
	if d.eat(']') {
		return nil
	}
	for {
		d.ws()
		if err := elem(); err != nil {
			return err
		}
		d.ws()
		if d.eat(',') {
			continue
		}
		if d.eat(']') {
			return nil
		}
		return d.errorf("expected ',' or ']' in an array")
	}
}

// skip consumes any value, checking its syntax.
func (d *decoder) skip(depth int) error {
	if depth > maxDepth {
		return d.errorf("nested too deep")
	}
	if d.i >= len(d.s) {
		return d.errorf("unexpected end of input")
	}
	switch c := d.s[d.i]; {
	case c == '"':
		_, err := d.str()
		return err
	case c == '{':
		return d.object(func(string) error { return d.skip(depth + 1) })
	case c == '[':
		d.i++
		d.ws()
		if d.eat(']') {
			return nil
		}
		for {
			d.ws()
			if err := d.skip(depth + 1); err != nil {
				return err
			}
			d.ws()
			if d.eat(']') {
				return nil
			}
			if !d.eat(',') {
				return d.errorf("expected ',' or ']' in an array")
			}
		}
	case c == '-' || c >= '0' && c <= '9':
		return d.number()
	}
	for _, lit := range []string{"null", "true", "false"} {
		if strings.HasPrefix(d.s[d.i:], lit) {
			d.i += len(lit)
			return nil
		}
	}
	return d.errorf("unexpected %q", d.s[d.i])
}

// userData reads a KVList, or null: an array of pairs in the typed form
// ({"key", "type", "value"} objects) or the compact form ([key, value]
// arrays). The first pair decides the form of the list; the others must
// take it too.
func (d *decoder) userData(depth int) (telephony.UserData, error) {
	if d.null() {
		return nil, nil
	}
	if depth > maxDepth {
		return nil, d.errorf("nested too deep")
	}
	if !d.eat('[') {
		return nil, d.errorf("expected an array")
	}
	d.ws()
	if d.eat(']') {
		return telephony.UserData{}, nil
	}
	var open byte
	if d.i < len(d.s) {
		open = d.s[d.i]
	}
	if open != '{' && open != '[' {
		return nil, d.errorf("user data: a pair must be an object {\"key\",\"type\",\"value\"} or an array [key, value]")
	}
	if open == '[' {
		d.compact = true
	}
	n := 4
	if depth == 0 && d.sized < 2 {
		d.sized++
		n, d.box.Want = sizeList(d.s[d.i:], open)
	}
	out := make(telephony.UserData, 0, n)
	for {
		d.ws()
		var kv telephony.KV
		var err error
		switch {
		case d.i < len(d.s) && d.s[d.i] != open:
			err = d.errorf("user data: pair %d is not in the form of the first", len(out)+1)
		case open == '[':
			kv, err = d.pair(depth)
		default:
			kv, err = d.kv(depth)
		}
		if err != nil {
			return nil, err
		}
		out = append(out, kv)
		d.ws()
		if d.eat(',') {
			continue
		}
		if d.eat(']') {
			return out, nil
		}
		return nil, d.errorf("expected ',' or ']' in an array")
	}
}

// Bounds of sizeList's estimates.
const (
	// listHint is the most pairs, and the most values to box, an
	// estimate allows: a longer list grows its slices as it is read.
	listHint = 256
	// The fewest bytes a pair takes (with the comma before the next):
	// `["",0],` in the compact form, `{"key":"","type":"int","value":0},`
	// in the typed one.
	minCompactPair = 7
	minTypedPair   = 34
)

// sizeList estimates, for a list of pairs of the form that open opens
// ('{' typed, '[' compact) which rest begins, how many pairs it holds and
// how many values of them are to be boxed, so that one allocation holds
// the pairs and one the values. It counts the patterns that open a pair
// and that come before a boxed value: a typed pair is an object that
// names its value's type ("list" needs no box), a compact pair opens
// with `["` and its value follows `",`, unless it is a list. The patterns
// are counted in what follows the list too, and a string may hold them,
// so each count is bounded by the pairs rest could hold and by listHint;
// counting stops there.
func sizeList(rest string, open byte) (pairs, values int) {
	if open == '{' {
		limit := min(len(rest)/minTypedPair+1, listHint)
		pairs = count(rest, "{", 0, limit)
		values = count(rest, `"`+TypeStr+`"`, 0, limit)
		values += count(rest, `"`+TypeInt+`"`, 0, limit-values)
		return pairs, values
	}
	limit := min(len(rest)/minCompactPair+1, listHint)
	return count(rest, `["`, 0, limit), count(rest, `",`, '[', limit)
}

// count counts the occurrences of pattern in s that the byte not does not
// follow (0: any), up to limit.
func count(s, pattern string, not byte, limit int) int {
	n := 0
	for n < limit {
		i := strings.Index(s, pattern)
		if i < 0 {
			break
		}
		s = s[i+len(pattern):]
		if not == 0 || s == "" || s[0] != not {
			n++
		}
	}
	return n
}

// value reads the value of a pair: a string, an integer, a nested list
// or null; kind is 's', 'i', 'l' or 'n'.
func (d *decoder) value(depth int) (v any, kind byte, err error) {
	if d.i >= len(d.s) {
		return nil, 0, d.errorf("unexpected end of input")
	}
	switch c := d.s[d.i]; {
	case c == '"':
		s, err := d.str()
		return d.box.String(s), 's', err
	case c == '-' || c >= '0' && c <= '9':
		n, err := d.integer()
		return d.box.Int(int(n)), 'i', err
	case c == '[':
		l, err := d.userData(depth + 1)
		return l, 'l', err
	case d.null():
		return nil, 'n', nil
	}
	return nil, 0, d.errorf("a value must be a string, an integer or a list")
}

// pair reads one [key, value] array of the compact form: the value's JSON
// type is its type (string, integer, nested list); null is refused.
func (d *decoder) pair(depth int) (telephony.KV, error) {
	var kv telephony.KV
	d.eat('[')
	d.ws()
	if d.i >= len(d.s) || d.s[d.i] != '"' {
		return kv, d.errorf("user data: a pair must start with its key, a string")
	}
	key, err := d.str()
	if err != nil {
		return kv, fmt.Errorf("user data: %w", err)
	}
	kv.Key = key
	wrap := func(err error) (telephony.KV, error) { return kv, fmt.Errorf("user data key %q: %w", key, err) }
	d.ws()
	if !d.eat(',') {
		return wrap(d.errorf("a pair must be [key, value]"))
	}
	d.ws()
	var kind byte
	if kv.Value, kind, err = d.value(depth); err != nil {
		return wrap(err)
	}
	if kind == 'n' {
		return wrap(d.errorf("null value (a string, an integer or a list)"))
	}
	d.ws()
	if !d.eat(']') {
		return wrap(d.errorf("a pair must be [key, value]"))
	}
	return kv, nil
}

// kv reads one {"key", "type", "value"} object of the typed form; its
// members may come in any order.
func (d *decoder) kv(depth int) (telephony.KV, error) {
	var kv telephony.KV
	var typ string
	var kind byte // 's', 'i', 'l', 'n' (null); 0 when there is no value
	err := d.object(func(name string) error {
		switch name {
		case "key":
			return d.strField(&kv.Key)
		case "type":
			return d.strField(&typ)
		case "value":
			var err error
			kv.Value, kind, err = d.value(depth)
			return err
		}
		return d.skip(depth + 1)
	})
	if err != nil {
		if kv.Key != "" {
			return kv, fmt.Errorf("user data key %q: %w", kv.Key, err)
		}
		return kv, fmt.Errorf("user data: %w", err)
	}
	bad := func(what string) (telephony.KV, error) {
		return kv, fmt.Errorf("user data key %q: type %q with %s", kv.Key, typ, what)
	}
	switch {
	case kind == 0:
		return bad("no value")
	case typ == TypeStr && kind == 'n':
		kv.Value = ""
	case typ == TypeList && kind == 'n':
		kv.Value = telephony.UserData{}
	case typ == TypeStr && kind == 's', typ == TypeInt && kind == 'i', typ == TypeList && kind == 'l':
	case typ != TypeStr && typ != TypeInt && typ != TypeList:
		return kv, fmt.Errorf("user data key %q: unknown type %q", kv.Key, typ)
	default:
		return bad(map[byte]string{'s': "a string", 'i': "an integer", 'l': "a list", 'n': "null"}[kind])
	}
	return kv, nil
}

// queued reads the line of a queue: an array of {"connID", "priority",
// "waitedMs"} objects (other members are skipped), or null.
func (d *decoder) queued() ([]Queued, error) {
	if d.null() {
		return nil, nil
	}
	out := []Queued{}
	err := d.array(func() error {
		var q Queued
		err := d.object(func(name string) error {
			switch name {
			case "connID":
				return d.strField(&q.ConnID)
			case "priority":
				return d.intField(&q.Priority)
			case "waitedMs":
				return d.int64Field(&q.WaitedMs)
			}
			return d.skip(1)
		})
		out = append(out, q)
		return err
	})
	return out, err
}
