// Package egress is the outbound policy of Orca: where the HTTP requests
// that sessions and API clients can cause may go.
//
// A session reaches the network through <session:fetch>, through the Basic
// HTTP Event I/O Processor's <send>, and through the push notifications of
// the callback templates (a <session:fetch> to a URL a service option
// names). Each of these is an opening for server-side request forgery: a
// strategy or a request that names http://169.254.169.254/ would read the
// cloud instance's credentials and hand them back through the session's
// data. A Policy closes it in two places:
//
//   - the URL of every request, redirects included, must start with one
//     of the allowed prefixes (scheme, host, port and a path prefix on a
//     "/" boundary); nothing is allowed unless configured;
//   - the address each connection is made to, after name resolution, is
//     checked again in the dialer (net.Dialer.ControlContext): loopback,
//     link-local (169.254.0.0/16, fe80::/10, where metadata services
//     answer), the known metadata addresses of other clouds, the
//     unspecified address and NAT64 or 6to4 forms of these are refused
//     unless the prefix that allowed the request names that address itself
//     (an IP literal, or "localhost" for loopback) or AllowNetworks lists
//     it. A name that resolves, or is rebound, to such an address cannot
//     escape through DNS.
//
// A refusal is a *Refusal error naming the rule that refused it; hosts
// turn it into the error event the session sees (error.session.fetch,
// error.communication) and count it.
//
// Client returns an *http.Client that applies a policy; it ignores the
// HTTP_PROXY environment, since a proxy would make every connection one to
// the proxy and the dial-time check meaningless.
package egress
