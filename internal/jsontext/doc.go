// Package jsontext writes JSON text by hand where encoding/json would
// cost a reflection walk and an allocation per value: the bus's messages
// (telephony/wire) and session snapshots (interp, ecmascript) append to
// reused buffers with it.
package jsontext
