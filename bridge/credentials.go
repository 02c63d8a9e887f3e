package bridge

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nkeys"

	"github.com/orca-scxml/orca/telephony/wire"
)

// Role is an identity on the bus. Each has its own NKey and subject
// permissions (Permissions), so that what one may publish another cannot.
type Role string

// The roles.
const (
	// RoleOrca is Orca itself ("orca serve"): it sends every request,
	// reporting included, owns the JetStream streams and reads
	// everything, but publishes no switch event.
	RoleOrca Role = "orca"
	// RoleSwitch is the switch side ("orca tsim", a T-Server adapter): it
	// reads requests and publishes answers and events, reporting events
	// into the reporting stream, and the notifications of opened
	// statistics, but sends no request.
	RoleSwitch Role = "switch"
	// RoleReader observes ("orca events", "orca infomart"): it reads
	// events, the notifications of opened statistics and the reporting
	// stream, with consumers of its own, and publishes nothing on the
	// telephony subjects.
	RoleReader Role = "reader"
)

// Roles lists every role.
func Roles() []Role { return []Role{RoleOrca, RoleSwitch, RoleReader} }

// SubjectRules are the subjects a role may publish or subscribe to:
// Allow lists what it may, Deny what it may not even if allowed.
type SubjectRules struct {
	Allow, Deny []string
}

// Permissions returns the subject permissions of role on a bus whose
// reporting stream is stream (wire.DefaultStream when empty). An external
// cluster gives its users the same ones (see docs/bridge.md, "Security").
func Permissions(role Role, stream string) (publish, subscribe SubjectRules) {
	if stream == "" {
		stream = wire.DefaultStream
	}
	req := wire.Root + ".*." + wire.KindReq + ".>"
	evt := wire.Root + ".*." + wire.KindEvt + ".>"
	rsp := wire.Root + ".*." + wire.KindRsp + ".>"
	stat := wire.Root + ".*." + wire.KindStat + ".>"
	// What reading the reporting stream with a consumer takes.
	consume := []string{
		"$JS.API.INFO",
		"$JS.API.STREAM.INFO." + stream,
		"$JS.API.CONSUMER.CREATE." + stream + ".>",
		"$JS.API.CONSUMER.DURABLE.CREATE." + stream + ".>",
		"$JS.API.CONSUMER.INFO." + stream + ".>",
		"$JS.API.CONSUMER.MSG.NEXT." + stream + ".>",
		"$JS.ACK." + stream + ".>",
	}
	switch role {
	case RoleOrca:
		return SubjectRules{Allow: []string{">"}, Deny: []string{evt, rsp, stat}},
			SubjectRules{Allow: []string{">"}}
	case RoleSwitch:
		pub := append([]string{evt, rsp, stat,
			"$JS.API.STREAM.CREATE." + stream,
			"$JS.API.STREAM.UPDATE." + stream,
		}, consume...)
		return SubjectRules{Allow: pub, Deny: []string{req}},
			SubjectRules{Allow: []string{req, "_INBOX.>"}}
	case RoleReader:
		pub := append([]string{
			"$JS.API.STREAM.MSG.GET." + stream,
			"$JS.API.DIRECT.GET." + stream + ".>",
		}, consume...)
		return SubjectRules{Allow: pub, Deny: []string{wire.Root + ".>"}},
			SubjectRules{Allow: []string{evt, stat, "_INBOX.>"}}
	}
	return SubjectRules{}, SubjectRules{}
}

// Credentials are the NKeys of the roles of an embedded bus, one seed
// file per role (<role>.nk, mode 0600) in a directory of mode 0700.
type Credentials struct {
	dir  string
	keys map[Role]string // public keys
}

// credentialsDir is where a data directory keeps the bus's credentials
// and URL.
func credentialsDir(dataDir string) string { return filepath.Join(dataDir, "bus") }

// LoadCredentials reads the credentials kept in dir, creating the seeds
// that are missing when create is set. It refuses seed files that other
// users may read, as ssh refuses such keys.
func LoadCredentials(dir string, create bool) (*Credentials, error) {
	if create {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, fmt.Errorf("bus credentials: %w", err)
		}
	}
	c := &Credentials{dir: dir, keys: make(map[Role]string)}
	for _, r := range Roles() {
		path := c.SeedFile(r)
		seed, err := readSeed(path)
		if errors.Is(err, fs.ErrNotExist) && create {
			seed, err = writeSeed(path)
		}
		if err != nil {
			return nil, fmt.Errorf("bus credentials: %w", err)
		}
		kp, err := nkeys.FromSeed(seed)
		if err != nil {
			return nil, fmt.Errorf("bus credentials: %s: %w", path, err)
		}
		pub, err := kp.PublicKey()
		kp.Wipe()
		if err != nil {
			return nil, fmt.Errorf("bus credentials: %s: %w", path, err)
		}
		c.keys[r] = pub
	}
	return c, nil
}

func readSeed(path string) ([]byte, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	if info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("%s: others may read it (mode %04o); run chmod 600 on it", path, info.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return bytes.TrimSpace(data), nil
}

func writeSeed(path string) ([]byte, error) {
	kp, err := nkeys.CreateUser()
	if err != nil {
		return nil, err
	}
	defer kp.Wipe()
	s, err := kp.Seed()
	if err != nil {
		return nil, err
	}
	seed := bytes.Clone(s) // Wipe clears s
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	_, err = f.Write(append(seed, '\n'))
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return seed, nil
}

// Dir returns the directory of the credentials.
func (c *Credentials) Dir() string { return c.dir }

// SeedFile returns the path of role's seed file, what "nats --nkey"
// takes.
func (c *Credentials) SeedFile(r Role) string { return filepath.Join(c.dir, string(r)+".nk") }

// PublicKey returns role's public NKey.
func (c *Credentials) PublicKey(r Role) string { return c.keys[r] }

// Connect returns the connection options that authenticate as role.
func (c *Credentials) Connect(r Role) ConnectOptions {
	return ConnectOptions{NKeyFile: c.SeedFile(r)}
}

// users returns the server's users: one per role, with its permissions.
func (c *Credentials) users(stream string) []*server.NkeyUser {
	var out []*server.NkeyUser
	for _, r := range Roles() {
		pub, sub := Permissions(r, stream)
		out = append(out, &server.NkeyUser{Nkey: c.keys[r], Permissions: &server.Permissions{
			Publish:   &server.SubjectPermission{Allow: pub.Allow, Deny: pub.Deny},
			Subscribe: &server.SubjectPermission{Allow: sub.Allow, Deny: sub.Deny},
		}})
	}
	return out
}
