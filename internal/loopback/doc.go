// Package loopback hands tests TCP ports on 127.0.0.1 for servers they
// configure by port number (a NATS server's client and route ports, an
// orca serve's listen address, a PostgreSQL cluster).
//
// A port asked of the kernel with port 0 lies in its ephemeral range,
// where, once the asking listener has closed it, any outgoing connection
// of any process on the machine may be given it before the server that
// was meant to have it listens. Under a full "go test ./..." the
// machine makes thousands of loopback connections a second, and a
// server then fails to start. Ports lies below the ephemeral range,
// which the kernel never gives to outgoing connections.
package loopback
