package main

import (
	"context"
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// serviceKey is the user-data key of the callback service id.
const serviceKey = "_CB_SERVICE_ID"

// eventFilter selects the events "orca events" prints.
type eventFilter struct {
	sw, dn, service string
}

func (f eventFilter) match(m wire.Message) bool {
	if f.sw != "" && m.Switch != f.sw || f.dn != "" && m.ThisDN != f.dn {
		return false
	}
	return f.service == "" || m.UserData.String(serviceKey) == f.service
}

// formatBlock writes one event as a readable block: a header line, the
// user data one pair per line, and a blank line.
func formatBlock(m wire.Message) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s %s %s/%s", m.Time().Format("2006-01-02T15:04:05.000Z07:00"), m.Name, m.Switch, m.ThisDN)
	for _, f := range []struct{ k, v string }{{"conn", m.ConnID}, {"service", m.UserData.String(serviceKey)},
		{"customer", m.CustomerID}, {"origin", m.Origin}} {
		if f.v != "" {
			fmt.Fprintf(&b, " %s=%s", f.k, f.v)
		}
	}
	if m.ReferenceID != 0 {
		fmt.Fprintf(&b, " ref=%d", m.ReferenceID)
	}
	if m.Seq != 0 {
		fmt.Fprintf(&b, " seq=%d", m.Seq)
	}
	b.WriteString("\n")
	b.WriteString(m.UserData.Format())
	b.WriteString("\n")
	return b.String()
}

// runEvents is "orca events": UserEvents and attached-data changes as
// they flow, until interrupted (or --duration).
func runEvents(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := newFlagSet("events", "[--server URL | --data DIR] [--switch S] [--dn DN] [--service ID] [--replay] [--duration DUR]", stderr)
	var bf busFlags
	bf.register(fs)
	var f eventFilter
	fs.StringVar(&f.sw, "switch", "", "only events of this switch")
	fs.StringVar(&f.dn, "dn", "", "only events on this DN")
	fs.StringVar(&f.service, "service", "", "only events whose "+serviceKey+" is this service id")
	replay := fs.Bool("replay", false, "print the reporting stream from its start first, then go on live")
	duration := fs.Duration("duration", 0, "stop after this long (0: run until interrupted)")
	pos, code, ok := parseFlags(fs, args)
	if !ok {
		return code
	}
	if len(pos) > 0 {
		return usageError(fs, stderr, "events", "unexpected argument %q: orca events takes flags only", pos[0])
	}
	nc, b, err := bf.connect(bridge.RoleReader, "orca-events")
	if err != nil {
		fmt.Fprintf(stderr, "orca events: %v\n", err)
		return exitFail
	}
	defer nc.Close()
	out := &lockedWriter{w: stdout}
	print := func(m wire.Message) {
		if f.match(m) {
			io.WriteString(out, formatBlock(m))
		}
	}
	if *duration > 0 {
		var stop context.CancelFunc
		ctx, stop = context.WithTimeout(ctx, *duration)
		defer stop()
	}
	names := []string{string(telephony.EventUserEvent), string(telephony.EventAttachedDataChanged)}
	if *replay {
		// Reading the stream gives every stored event once; live copies
		// would repeat them, so the replay goes on instead of a
		// subscription.
		js, err := jetstream.New(nc)
		if err != nil {
			fmt.Fprintf(stderr, "orca events: %v\n", err)
			return exitFail
		}
		var subjects []string
		for _, n := range names {
			subjects = append(subjects, wire.EventFilter(f.sw, f.dn, n))
		}
		stop, err := wire.ConsumeReporting(ctx, js, wire.ConsumeOptions{Subjects: subjects}, func(m wire.Message) error {
			print(m)
			return nil
		})
		if err != nil {
			fmt.Fprintf(stderr, "orca events: %v\n", err)
			return exitFail
		}
		defer stop()
	} else {
		for _, n := range names {
			sub, err := nc.Subscribe(wire.EventFilter(f.sw, f.dn, n), func(msg *nats.Msg) {
				m, err := wire.Decode(msg.Data)
				if err != nil {
					fmt.Fprintf(stderr, "orca events: %s: %v\n", msg.Subject, err)
					return
				}
				print(m)
			})
			if err != nil {
				fmt.Fprintf(stderr, "orca events: subscribe: %v\n", err)
				return exitFail
			}
			defer sub.Unsubscribe()
		}
		if err := flushConn(ctx, nc); err != nil {
			fmt.Fprintf(stderr, "orca events: %v\n", err)
			return exitFail
		}
	}
	fmt.Fprintf(stderr, "orca events: listening on %s (switch %s, dn %s, service %s)\n", where(b), orAny(f.sw), orAny(f.dn), orAny(f.service))
	<-ctx.Done()
	return exitOK
}

// flushConn waits until the server has the subscriptions, so that events
// published after it are seen.
func flushConn(ctx context.Context, nc *nats.Conn) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := nc.FlushWithContext(ctx); err != nil {
		return fmt.Errorf("reach NATS: %w", err)
	}
	return nil
}

func orAny(s string) string {
	if s == "" {
		return "*"
	}
	return s
}
