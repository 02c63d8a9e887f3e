package bridge

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/nats-io/nats-server/v2/server"
	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"

	"github.com/orca-scxml/orca/telephony/wire"
)

// journalStream is the stream of an outbox journal.
const journalStream = "ORCA_OUTBOX"

// journal keeps the reporting messages of an outbox on disk until the
// bus has stored them: a stream of an in-process nats-server that listens
// on no port, with JetStream under the outbox directory. The outbox
// appends a message before it returns from the request and removes it
// when the bus acknowledges it; a port started again on the directory
// takes up what is left.
type journal struct {
	srv  *server.Server
	nc   *nats.Conn
	st   jetstream.Stream
	js   jetstream.JetStream
	lock *os.File
}

// journalEntry is a message the journal kept.
type journalEntry struct {
	seq  uint64
	data []byte
	at   time.Time
}

func openJournal(dir string) (_ *journal, err error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("outbox %s: %w", dir, err)
	}
	lock, err := lockFile(filepath.Join(dir, "lock"))
	if err != nil {
		return nil, fmt.Errorf("outbox %s: in use by another port: %w", dir, err)
	}
	j := &journal{lock: lock}
	defer func() {
		if err != nil {
			j.close()
		}
	}()
	// No system account: the journal publishes no server events, and
	// their teardown cannot hold up its shutdown.
	s, err := server.NewServer(&server.Options{ServerName: "orca-outbox", DontListen: true, NoSigs: true, NoLog: true, NoSystemAccount: true,
		JetStream: true, StoreDir: filepath.Join(dir, "jetstream")})
	if err != nil {
		return nil, fmt.Errorf("outbox %s: %w", dir, err)
	}
	j.srv = s
	go s.Start()
	if !s.ReadyForConnections(10 * time.Second) {
		return nil, fmt.Errorf("outbox %s: its store did not start", dir)
	}
	if j.nc, err = nats.Connect("", nats.InProcessServer(s), nats.Name("orca-outbox")); err != nil {
		return nil, fmt.Errorf("outbox %s: %w", dir, err)
	}
	if j.js, err = jetstream.New(j.nc); err != nil {
		return nil, fmt.Errorf("outbox %s: %w", dir, err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	j.st, err = j.js.CreateOrUpdateStream(ctx, jetstream.StreamConfig{
		Name: journalStream, Description: "Orca's reporting messages not yet stored by the bus",
		Subjects: []string{"outbox.>"}, Storage: jetstream.FileStorage, Retention: jetstream.LimitsPolicy,
		Discard: jetstream.DiscardNew,
	})
	if err != nil {
		return nil, fmt.Errorf("outbox %s: %w", dir, err)
	}
	return j, nil
}

// append stores the encoded message m and returns its sequence number.
func (j *journal) append(m *wire.Message, data []byte) (uint64, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	ack, err := j.js.Publish(ctx, "outbox."+wire.RequestSubject(m.Switch, m.Name), data)
	if err != nil {
		return 0, fmt.Errorf("outbox journal: %w", err)
	}
	return ack.Sequence, nil
}

// remove deletes a message the bus has stored.
func (j *journal) remove(seq uint64) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := j.st.DeleteMsg(ctx, seq); err != nil && !errors.Is(err, jetstream.ErrMsgNotFound) {
		return fmt.Errorf("outbox journal: delete %d: %w", seq, err)
	}
	return nil
}

// removeBefore deletes the messages before seq, which the bus has all
// stored: one request for a batch rather than one for each message.
func (j *journal) removeBefore(seq uint64) error {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := j.st.Purge(ctx, jetstream.WithPurgeSequence(seq)); err != nil {
		return fmt.Errorf("outbox journal: remove before %d: %w", seq, err)
	}
	return nil
}

// entries returns the messages kept, oldest first.
func (j *journal) entries() ([]journalEntry, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	info, err := j.st.Info(ctx)
	if err != nil {
		return nil, fmt.Errorf("outbox journal: %w", err)
	}
	var out []journalEntry
	for seq := info.State.FirstSeq; info.State.Msgs > 0 && seq <= info.State.LastSeq; seq++ {
		m, err := j.st.GetMsg(ctx, seq)
		if errors.Is(err, jetstream.ErrMsgNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("outbox journal: message %d: %w", seq, err)
		}
		out = append(out, journalEntry{seq: seq, data: m.Data, at: m.Time})
	}
	return out, nil
}

func (j *journal) close() {
	if j.nc != nil {
		j.nc.Close()
	}
	if j.srv != nil {
		j.srv.Shutdown()
		j.srv.WaitForShutdown()
	}
	unlockFile(j.lock)
}
