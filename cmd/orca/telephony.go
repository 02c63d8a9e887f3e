package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/telephony"
)

// kvFlag collects repeated NAME=VALUE flags.
type kvFlag map[string]string

func (f kvFlag) String() string { return "" }

// listFlag is a repeatable string flag.
type listFlag []string

func (f *listFlag) String() string { return strings.Join(*f, ",") }

func (f *listFlag) Set(v string) error {
	*f = append(*f, v)
	return nil
}

func (f kvFlag) Set(v string) error {
	k, val, ok := strings.Cut(v, "=")
	if !ok || k == "" {
		return fmt.Errorf("want NAME=VALUE, not %q", v)
	}
	f[k] = val
	return nil
}

// ixnHost is what "orca run" puts around an ORS strategy: the function
// modules' runtime and an in-memory telephony port that standard input
// drives. The port is a participant of the host: its events fall due on
// the host's clock and reach sessions through Deliver.
type ixnHost struct {
	port *telephony.Memory
	rt   *ors.Runtime
	main string
	// last is the call that arrived last, the one commands with an
	// empty ConnID act on.
	last telephony.ConnID
}

// conn returns the ConnID a command names, or the last call's.
func (h *ixnHost) conn(id string) telephony.ConnID {
	if id == "" {
		return h.last
	}
	return telephony.ConnID(id)
}

// newIxnHost makes the runtime and the port, whose clock starts at start;
// deliver hands their events to sessions, client makes <session:fetch>'s
// requests, log takes the strategies' __Log lines.
func newIxnHost(log func(s *interp.Session, msg string), cfg ors.Config, start time.Time, client *http.Client, deliver func(id string, ev *interp.Event)) *ixnHost {
	h := &ixnHost{}
	h.port = telephony.NewMemory(telephony.MemoryOptions{Start: start, Switch: cfg.Switch})
	h.rt = ors.New(ors.Options{
		Port:       h.port,
		HTTPClient: client,
		Deliver:    deliver,
		// Calls that arrive on their own belong to the session run.
		Assign: func(ors.Interaction) string { return h.main },
		Log:    log,
		Config: cfg,
	})
	return h
}

// ixnCommand is a line of standard input that drives the telephony port
// instead of sending an event: a call arriving, and what happens to it.
// An empty ConnID names the call that arrived last.
type ixnCommand struct {
	Call *struct {
		ThisDN string         `json:"thisdn"`
		ANI    string         `json:"ani"`
		DNIS   string         `json:"dnis"`
		Type   string         `json:"type"`
		UData  map[string]any `json:"udata"`
	} `json:"call"`
	Abandon *string `json:"abandon"`
	Hangup  *string `json:"hangup"`
	Party   *struct {
		ConnID string `json:"connid"`
		DN     string `json:"dn"`
	} `json:"party"`
	UData *struct {
		ConnID string         `json:"connid"`
		Data   map[string]any `json:"data"`
	} `json:"udata"`
}

// isCommand reports whether an input line is a telephony command rather
// than an event.
func isCommand(line []byte) bool {
	var keys map[string]json.RawMessage
	if json.Unmarshal(line, &keys) != nil {
		return false
	}
	for _, k := range []string{"call", "abandon", "hangup", "party", "udata"} {
		if _, ok := keys[k]; ok {
			return true
		}
	}
	return false
}

// command applies a telephony command; a new call's ConnID is returned.
func (h *ixnHost) command(line []byte) (telephony.ConnID, error) {
	var c ixnCommand
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&c); err != nil {
		return "", fmt.Errorf("not a telephony command: %v", err)
	}
	switch {
	case c.Call != nil:
		ud, err := telephony.FromNeutral(c.Call.UData)
		if err != nil {
			return "", fmt.Errorf("call udata: %w", err)
		}
		if c.Call.ThisDN == "" {
			return "", errors.New(`call needs "thisdn"`)
		}
		h.last = h.port.NewCall(telephony.Call{
			ThisDN: c.Call.ThisDN, ANI: c.Call.ANI, DNIS: c.Call.DNIS, Type: c.Call.Type, UserData: ud,
		})
		return h.last, nil
	case c.Abandon != nil:
		return "", h.port.Abandon(h.conn(*c.Abandon))
	case c.Hangup != nil:
		return "", h.port.Hangup(h.conn(*c.Hangup))
	case c.Party != nil:
		return "", h.port.ChangeParty(h.conn(c.Party.ConnID), c.Party.DN)
	case c.UData != nil:
		ud, err := telephony.FromNeutral(c.UData.Data)
		if err != nil {
			return "", fmt.Errorf("udata: %w", err)
		}
		return "", h.port.ChangeUserData(h.conn(c.UData.ConnID), ud)
	}
	return "", errors.New("empty telephony command")
}
