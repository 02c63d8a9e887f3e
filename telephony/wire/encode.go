package wire

import (
	"bytes"
	"fmt"
	"strconv"
	"sync"

	"github.com/orca-scxml/orca/internal/jsontext"
	"github.com/orca-scxml/orca/telephony"
)

// Encode returns the JSON form of m in the schema SchemaVersion (see
// AppendMessage).
func Encode(m Message) ([]byte, error) {
	return AppendMessage(make([]byte, 0, sizeHint(&m)), &m)
}

// sizeHint is about the length of the JSON form of m, so that encoding
// into a new buffer allocates once.
func sizeHint(m *Message) int {
	return 384 + 72*(len(m.UserData)+len(m.Params)) + 32*len(m.Targets) + 64*len(m.Queued)
}

// AppendMessage appends the JSON form of m in the schema SchemaVersion to
// dst and returns the extended buffer (see AppendMessageSchema).
func AppendMessage(dst []byte, m *Message) ([]byte, error) {
	return AppendMessageSchema(dst, m, SchemaVersion)
}

// AppendMessageSchema appends the JSON form of m in the schema schema (1
// or 2; 0 is SchemaVersion) to dst and returns the extended buffer. The
// schema decides the form of the user data (userData, params): typed in
// version 1, compact in version 2. "v" is the oldest version that reads
// the message, whatever m.V says: 2 for user data in the compact form, 1
// otherwise. Fields are written in the order of Message, empty ones
// omitted, as encoding/json writes the struct; strings are escaped as
// JSON requires (no HTML escaping), invalid UTF-8 becoming U+FFFD.
func AppendMessageSchema(dst []byte, m *Message, schema int) ([]byte, error) {
	if m.Name == "" {
		return dst, fmt.Errorf("encode message: no name")
	}
	if schema == 0 {
		schema = SchemaVersion
	}
	if err := CheckSchema(schema); err != nil {
		return dst, fmt.Errorf("encode %s: %w", m.Name, err)
	}
	compact := schema >= 2
	v := byte('1')
	if compact && (len(m.UserData) > 0 || len(m.Params) > 0) {
		v = '2'
	}
	b := append(dst, `{"v":`...)
	b = append(b, v)
	b = append(b, `,"name":`...)
	b = jsontext.AppendString(b, m.Name)
	b = appendStr(b, `,"switch":`, m.Switch)
	b = appendStr(b, `,"thisDN":`, m.ThisDN)
	b = appendStr(b, `,"otherDN":`, m.OtherDN)
	b = appendStr(b, `,"connID":`, m.ConnID)
	b = appendStr(b, `,"callID":`, m.CallID)
	b = appendStr(b, `,"customerID":`, m.CustomerID)
	b = appendUint(b, `,"referenceID":`, m.ReferenceID)
	b = appendStr(b, `,"origin":`, m.Origin)
	b = appendStr(b, `,"msgID":`, m.MsgID)
	b = appendUint(b, `,"seq":`, m.Seq)
	b = appendInt(b, `,"timeinSecs":`, m.TimeinSecs)
	b = appendInt(b, `,"timeinuSecs":`, int64(m.TimeinuSecs))
	b = appendStr(b, `,"callType":`, m.CallType)
	b = appendStr(b, `,"ani":`, m.ANI)
	b = appendStr(b, `,"dnis":`, m.DNIS)
	var err error
	if len(m.UserData) > 0 {
		b = append(b, `,"userData":`...)
		if b, err = appendUserDataForm(b, m.UserData, compact); err != nil {
			return dst, fmt.Errorf("encode %s: %w", m.Name, err)
		}
	}
	b = appendStr(b, `,"destination":`, m.Destination)
	b = appendInt(b, `,"timeoutMs":`, m.TimeoutMs)
	b = appendStr(b, `,"routeType":`, m.RouteType)
	b = appendStr(b, `,"treatment":`, m.Treatment)
	b = appendStr(b, `,"resource":`, m.Resource)
	b = appendInt(b, `,"durationMs":`, m.DurationMs)
	if len(m.Params) > 0 {
		b = append(b, `,"params":`...)
		if b, err = appendUserDataForm(b, m.Params, compact); err != nil {
			return dst, fmt.Errorf("encode %s: params: %w", m.Name, err)
		}
	}
	b = appendStr(b, `,"queue":`, m.Queue)
	b = appendStr(b, `,"routePoint":`, m.RoutePoint)
	if len(m.Targets) > 0 {
		b = append(b, `,"targets":[`...)
		for i, t := range m.Targets {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsontext.AppendString(b, t)
		}
		b = append(b, ']')
	}
	b = appendInt(b, `,"priority":`, int64(m.Priority))
	b = appendUint(b, `,"submitRef":`, m.SubmitRef)
	b = appendStr(b, `,"request":`, m.Request)
	b = appendStr(b, `,"target":`, m.Target)
	b = appendStr(b, `,"callResult":`, m.CallResult)
	b = appendInt(b, `,"errorCode":`, int64(m.ErrorCode))
	b = appendStr(b, `,"errorMessage":`, m.ErrorMessage)
	b = appendStr(b, `,"agentID":`, m.AgentID)
	b = appendStr(b, `,"place":`, m.Place)
	b = appendStr(b, `,"reason":`, m.Reason)
	b = appendUint(b, `,"callRef":`, m.CallRef)
	b = appendUint(b, `,"afterSeq":`, m.AfterSeq)
	b = appendStr(b, `,"callState":`, m.CallState)
	b = appendInt(b, `,"waiting":`, int64(m.Waiting))
	b = appendInt(b, `,"distributed":`, int64(m.Distributed))
	b = appendInt(b, `,"aqtMs":`, m.AQTMs)
	b = appendInt(b, `,"ewtMs":`, m.EWTMs)
	b = appendInt(b, `,"position":`, int64(m.Position))
	b = appendInt(b, `,"waitedMs":`, m.WaitedMs)
	b = appendInt(b, `,"ixnEwtMs":`, m.IxnEWTMs)
	if len(m.Queued) > 0 {
		b = append(b, `,"queued":[`...)
		for i, q := range m.Queued {
			if i > 0 {
				b = append(b, ',')
			}
			b = jsontext.AppendString(append(b, `{"connID":`...), q.ConnID)
			b = appendInt(b, `,"priority":`, int64(q.Priority))
			b = appendInt(b, `,"waitedMs":`, q.WaitedMs)
			b = append(b, '}')
		}
		b = append(b, ']')
	}
	b = appendUint(b, `,"version":`, m.Version)
	return append(b, '}'), nil
}

// MarshalJSON writes the wire form of m (see AppendMessage), so that
// encoding/json writes messages as the wire does, always in schema
// version SchemaVersion (user data in the compact form); a writer held
// to an older version (wire_schema: 1) encodes with AppendMessageSchema
// or a Pool instead.
func (m Message) MarshalJSON() ([]byte, error) { return Encode(m) }

// UnmarshalJSON reads the wire form (see Decode) without checking the
// version or the name.
func (m *Message) UnmarshalJSON(data []byte) error {
	var d decoder
	return d.message(string(data), m)
}

func appendStr(b []byte, key, v string) []byte {
	if v == "" {
		return b
	}
	return jsontext.AppendString(append(b, key...), v)
}

func appendInt(b []byte, key string, v int64) []byte {
	if v == 0 {
		return b
	}
	return strconv.AppendInt(append(b, key...), v, 10)
}

func appendUint(b []byte, key string, v uint64) []byte {
	if v == 0 {
		return b
	}
	return strconv.AppendUint(append(b, key...), v, 10)
}

// CheckSchema checks that an encoder can write the schema version schema
// (0 is SchemaVersion): a setting's check.
func CheckSchema(schema int) error {
	if schema != 0 && (schema < OldestSchemaVersion || schema > SchemaVersion) {
		return fmt.Errorf("no schema version %d (versions %d to %d)", schema, OldestSchemaVersion, SchemaVersion)
	}
	return nil
}

// appendUserData appends the typed form of u.
func appendUserData(b []byte, u telephony.UserData) ([]byte, error) {
	return appendUserDataForm(b, u, false)
}

// appendUserDataForm appends u in the compact form, an array of [key,
// value] pairs whose value's JSON type is its type, or in the typed form,
// an array of {"key", "type", "value"} objects.
func appendUserDataForm(b []byte, u telephony.UserData, compact bool) ([]byte, error) {
	b = append(b, '[')
	for i, kv := range u {
		if i > 0 {
			b = append(b, ',')
		}
		if compact {
			b = append(jsontext.AppendString(append(b, '['), kv.Key), ',')
		} else {
			b = jsontext.AppendString(append(b, `{"key":`...), kv.Key)
		}
		var n int64
		switch v := kv.Value.(type) {
		case string:
			if !compact {
				b = append(b, `,"type":"str","value":`...)
			}
			b = jsontext.AppendString(b, v)
		case telephony.UserData:
			if !compact {
				b = append(b, `,"type":"list","value":`...)
			}
			var err error
			if b, err = appendUserDataForm(b, v, compact); err != nil {
				return b, fmt.Errorf("user data key %q: %w", kv.Key, err)
			}
		case int, int32, int64:
			switch v := v.(type) {
			case int:
				n = int64(v)
			case int32:
				n = int64(v)
			case int64:
				n = v
			}
			if !compact {
				b = append(b, `,"type":"int","value":`...)
			}
			b = strconv.AppendInt(b, n, 10)
		default:
			return b, fmt.Errorf("user data key %q: a KVList value cannot be %T", kv.Key, kv.Value)
		}
		if compact {
			b = append(b, ']')
		} else {
			b = append(b, '}')
		}
	}
	return append(b, ']'), nil
}

// Pool keeps encoding buffers for reuse, so that publishing a message
// allocates nothing once the pool is warm. The zero Pool is ready to use
// and writes the schema SchemaVersion; it is safe for concurrent use.
type Pool struct {
	// Schema is the schema version the pool writes (AppendMessageSchema;
	// 0 is SchemaVersion). Set it before the first use: 1 keeps writing
	// what readers older than version 2 read, until every reader of the
	// deployment reads version 2.
	Schema int

	p sync.Pool
}

// Buffer is an encoded message from a Pool. Bytes is valid until Release.
type Buffer struct {
	Bytes []byte
	pool  *Pool
}

// maxPooled is the largest buffer a Pool keeps: an occasional huge
// message does not stay in memory.
const maxPooled = 64 << 10

// Encode encodes m into a buffer of the pool. The caller calls Release
// once it no longer needs the bytes (after nats.Conn.Publish returns, for
// example, which copies them).
func (p *Pool) Encode(m *Message) (*Buffer, error) {
	buf, _ := p.p.Get().(*Buffer)
	if buf == nil {
		buf = &Buffer{Bytes: make([]byte, 0, 1024), pool: p}
	}
	var err error
	buf.Bytes, err = AppendMessageSchema(buf.Bytes[:0], m, p.Schema)
	if err != nil {
		buf.Release()
		return nil, err
	}
	return buf, nil
}

// Clone encodes m into a buffer of the pool and returns a copy of its
// own, of the message's length: for a message kept after it is sent
// (Encode sizes its buffer by estimate, and grows it when short).
func (p *Pool) Clone(m *Message) ([]byte, error) {
	buf, err := p.Encode(m)
	if err != nil {
		return nil, err
	}
	defer buf.Release()
	return bytes.Clone(buf.Bytes), nil
}

// Release returns the buffer to its pool.
func (b *Buffer) Release() {
	if b == nil || b.pool == nil || cap(b.Bytes) > maxPooled {
		return
	}
	b.Bytes = b.Bytes[:0]
	b.pool.p.Put(b)
}
