// Package httpapi is what Orca's HTTP APIs share: the error that carries
// the status it is answered with, JSON answers, and the parameters of a
// request read from its query and its body (a form or a JSON object).
// The ORS session API (package server) and the GMS callback API (package
// gms) are written with it, so both read requests and answer errors
// alike.
package httpapi
