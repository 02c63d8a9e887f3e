// Package dnstest is a DNS server on a loopback UDP port for tests: it
// answers A and AAAA queries from a fixed table, so that a test can make a
// host name resolve to any address (a cloud metadata address, loopback)
// without touching the system's resolver or the network.
package dnstest

import (
	"context"
	"encoding/binary"
	"errors"
	"net"
	"net/netip"
	"strings"
	"sync"
)

// Server is a running DNS server.
type Server struct {
	conn    net.PacketConn
	records map[string][]netip.Addr
	wg      sync.WaitGroup
}

// Start answers for records: a name (without trailing dot, any case) →
// its addresses. Other names get NXDOMAIN.
func Start(records map[string][]netip.Addr) (*Server, error) {
	conn, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	s := &Server{conn: conn, records: make(map[string][]netip.Addr, len(records))}
	for k, v := range records {
		s.records[strings.ToLower(strings.TrimSuffix(k, "."))] = v
	}
	s.wg.Add(1)
	go s.serve()
	return s, nil
}

// Addr returns the server's address.
func (s *Server) Addr() string { return s.conn.LocalAddr().String() }

// Resolver returns a resolver that asks only this server.
func (s *Server) Resolver() *net.Resolver {
	return &net.Resolver{PreferGo: true, Dial: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "udp", s.Addr())
	}}
}

// Close stops the server.
func (s *Server) Close() error {
	err := s.conn.Close()
	s.wg.Wait()
	return err
}

func (s *Server) serve() {
	defer s.wg.Done()
	buf := make([]byte, 1500)
	for {
		n, from, err := s.conn.ReadFrom(buf)
		if err != nil {
			return
		}
		if resp, err := s.answer(buf[:n]); err == nil {
			_, _ = s.conn.WriteTo(resp, from)
		}
	}
}

// answer builds the response to one query (RFC 1035 §4.1).
func (s *Server) answer(q []byte) ([]byte, error) {
	if len(q) < 12 || binary.BigEndian.Uint16(q[4:6]) != 1 {
		return nil, errors.New("not a single-question query")
	}
	// The question: labels, then type and class.
	i := 12
	var labels []string
	for {
		if i >= len(q) {
			return nil, errors.New("truncated question")
		}
		l := int(q[i])
		i++
		if l == 0 {
			break
		}
		if l > 63 || i+l > len(q) {
			return nil, errors.New("bad label")
		}
		labels = append(labels, string(q[i:i+l]))
		i += l
	}
	if i+4 > len(q) {
		return nil, errors.New("truncated question")
	}
	qtype := binary.BigEndian.Uint16(q[i : i+2])
	question := q[12 : i+4]
	addrs, known := s.records[strings.ToLower(strings.Join(labels, "."))]
	var answers [][]byte
	for _, a := range addrs {
		switch {
		case qtype == 1 && a.Is4():
			b := a.As4()
			answers = append(answers, b[:])
		case qtype == 28 && a.Is6() && !a.Is4In6():
			b := a.As16()
			answers = append(answers, b[:])
		}
	}
	out := make([]byte, 12, 12+len(question)+len(answers)*28)
	copy(out[0:2], q[0:2])
	flags := uint16(0x8180) // response, recursion desired and available
	if !known {
		flags |= 3 // NXDOMAIN
	}
	binary.BigEndian.PutUint16(out[2:4], flags)
	binary.BigEndian.PutUint16(out[4:6], 1)
	binary.BigEndian.PutUint16(out[6:8], uint16(len(answers)))
	out = append(out, question...)
	for _, rdata := range answers {
		rr := []byte{0xc0, 12} // the name: a pointer to the question's
		rr = binary.BigEndian.AppendUint16(rr, qtype)
		rr = binary.BigEndian.AppendUint16(rr, 1) // IN
		rr = binary.BigEndian.AppendUint32(rr, 5) // TTL
		rr = binary.BigEndian.AppendUint16(rr, uint16(len(rdata)))
		out = append(append(out, rr...), rdata...)
	}
	return out, nil
}
