// Package jsack reads JetStream's acknowledgements of published messages
// by hand: the answer a stream sends to the reply subject of a publish,
// {"stream":"S","seq":N} or {"error":{...}}, or a status without a body.
// The session store and the wire's Publisher both publish with replies on
// one inbox of their own and read the answers with it, rather than
// through nats.go's jetstream package, which allocates a future, a timer
// and a decoded struct per message.
package jsack
