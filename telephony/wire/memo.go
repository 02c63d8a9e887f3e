package wire

import (
	"strings"
	"unsafe"

	"github.com/orca-scxml/orca/telephony"
)

// memoSize is how many user data a UserDataMemo keeps: some calls' worth
// of events arrive interleaved on one subscription.
const memoSize = 16

// UserDataMemo keeps the user data of the last messages decoded with it,
// as sent and as decoded. A message whose user data is the same text as
// one of them is given the same telephony.UserData, shared, rather than a
// new one: a call's events all carry its attached data, which changes
// seldom, and decoding it again took a slice of pairs and one of boxed
// values an event. Whoever receives the messages must not change their
// user data (no reader does: they read it, or keep a clone). A memo is
// for one goroutine at a time; it keeps the data of the messages it
// remembers from being collected.
type UserDataMemo struct {
	ring [memoSize]memoEntry
	next int
}

type memoEntry struct {
	raw     string
	ud      telephony.UserData
	compact bool
}

// DecodeOwnedMemo is DecodeOwned, giving a message whose user data memo
// remembers the user data decoded before; with a nil memo it is
// DecodeOwned.
func DecodeOwnedMemo(data []byte, memo *UserDataMemo) (Message, error) {
	return decodeWith(unsafe.String(unsafe.SliceData(data), len(data)), memo)
}

// userData reads the user data at d's position: one remembered when its
// text is there, else decoded and remembered.
func (memo *UserDataMemo) userData(d *decoder) (telephony.UserData, error) {
	rest := d.s[d.i:]
	for i := range memo.ring {
		// The text of a whole JSON value: read from here, it would
		// end where it ends, and decode to what it decoded to.
		if e := &memo.ring[i]; e.raw != "" && strings.HasPrefix(rest, e.raw) {
			d.i += len(e.raw)
			d.compact = d.compact || e.compact
			return e.ud, nil
		}
	}
	start, compact := d.i, d.compact
	d.compact = false
	ud, err := d.userData(0)
	if err != nil || len(ud) == 0 {
		d.compact = d.compact || compact
		return ud, err
	}
	// Shared, it has no room to spare: an append to one message's user
	// data copies it rather than writing where another's would grow.
	ud = ud[:len(ud):len(ud)]
	memo.ring[memo.next] = memoEntry{raw: d.s[start:d.i], ud: ud, compact: d.compact}
	memo.next = (memo.next + 1) % memoSize
	d.compact = d.compact || compact
	return ud, nil
}
