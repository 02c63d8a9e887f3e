package sim

import (
	"encoding/binary"
	"fmt"
	"strings"
	"time"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// LogVersion is the server version FormatEvent puts in the header line,
// as in the T-Server log of the seeds.
const LogVersion = "8.1.000.62"

// FormatEvent writes an event message the way T-Server logs the messages
// it sends, as in the "Verify Reporting Data" excerpt of the seeds:
//
//	@00:34:20.7570 [0] 8.1.000.62 distribute_user_event: message EventUserEvent
//		AttributeEventSequenceNumber	0000000000000ef9
//		AttributeCustomerID	'Environment'
//		AttributeTimeinuSecs	757000
//		AttributeTimeinSecs	1348817660 (00:34:20)
//		AttributeUserEvent	EventUserEvent
//		AttributeUserData	[347] 00 0c 00 00..
//			'gms_ServiceName'	'inbound-delay'
//			'gms_SessionEventSeq'	3
//		AttributeANI	'777'
//		AttributeDNIS	'333'
//		AttributeReferenceID	431
//		AttributeThisDN	'REPORTING'
//
// Clock times are shown in loc (UTC when nil). The size and first bytes
// of AttributeUserData are those of T-Lib's binary KVList encoding
// (KVListSize). Attributes the message does not carry are left out.
func FormatEvent(m wire.Message, loc *time.Location) string {
	if loc == nil {
		loc = time.UTC
	}
	t := m.Time().In(loc)
	fn := "send_to_client"
	if m.Name == string(telephony.EventUserEvent) {
		fn = "distribute_user_event"
	}
	var b strings.Builder
	fmt.Fprintf(&b, "@%s.%04d [0] %s %s: message %s\n", t.Format("15:04:05"), t.Nanosecond()/100000, LogVersion, fn, m.Name)
	attr := func(name, format string, args ...any) {
		fmt.Fprintf(&b, "\tAttribute%s\t"+format+"\n", append([]any{name}, args...)...)
	}
	attr("EventSequenceNumber", "%016x", m.Seq)
	if m.CustomerID != "" {
		attr("CustomerID", "'%s'", m.CustomerID)
	}
	attr("TimeinuSecs", "%d", m.TimeinuSecs)
	attr("TimeinSecs", "%d (%s)", m.TimeinSecs, t.Format("15:04:05"))
	switch {
	case m.Name == string(telephony.EventUserEvent):
		attr("UserEvent", "%s", m.Name)
	case m.Request != "":
		attr("UserEvent", "%s", m.Request)
	}
	if m.UserData != nil {
		ud := m.UserData
		attr("UserData", "[%d] % x..", KVListSize(ud), kvHeader(ud))
		formatKV(&b, ud, "\t\t")
	}
	for _, a := range []struct{ name, v string }{
		{"ConnID", strings.ToLower(m.ConnID)}, {"CallID", m.CallID}, {"CallType", m.CallType},
		{"ANI", m.ANI}, {"DNIS", m.DNIS}, {"OtherDN", m.OtherDN},
		{"CallState", m.CallResult}, {"ErrorMessage", m.ErrorMessage},
	} {
		if a.v != "" {
			attr(a.name, "'%s'", a.v)
		}
	}
	if m.ErrorCode != 0 {
		attr("ErrorCode", "%d", m.ErrorCode)
	}
	if m.ReferenceID != 0 {
		attr("ReferenceID", "%d", m.ReferenceID)
	}
	if m.ThisDN != "" {
		attr("ThisDN", "'%s'", m.ThisDN)
	}
	return b.String()
}

func formatKV(b *strings.Builder, u telephony.UserData, indent string) {
	for _, kv := range u {
		switch v := kv.Value.(type) {
		case telephony.UserData:
			fmt.Fprintf(b, "%s'%s'\t(list)\n", indent, kv.Key)
			formatKV(b, v, indent+"\t")
		case int, int32, int64:
			fmt.Fprintf(b, "%s'%s'\t%d\n", indent, kv.Key, v)
		default:
			fmt.Fprintf(b, "%s'%s'\t'%v'\n", indent, kv.Key, v)
		}
	}
}

// KVListSize is the size in bytes of u in T-Lib's binary KVList
// encoding, which T-Server prints in brackets after AttributeUserData: a
// 4-byte header (the pair count, then two zero bytes) and, per pair, a
// type byte, the key with a 2-byte length, and the value: a string with a
// 2-byte length, a 4-byte integer, or a nested list with a 2-byte length.
// The seeds' 12 pairs come to 347 bytes.
func KVListSize(u telephony.UserData) int {
	n := 4
	for _, kv := range u {
		n += 1 + 2 + len(kv.Key)
		switch v := kv.Value.(type) {
		case telephony.UserData:
			n += 2 + KVListSize(v)
		case int, int32, int64:
			n += 4
		default:
			n += 2 + len(fmt.Sprint(v))
		}
	}
	return n
}

func kvHeader(u telephony.UserData) []byte {
	h := make([]byte, 4)
	binary.BigEndian.PutUint16(h, uint16(len(u)))
	return h
}
