package store_test

import (
	"context"
	"net"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/store"
)

// lossy is a TCP proxy between a client and the bus that can lose what
// the server sends back: a write reaches JetStream, its acknowledgement
// never reaches the writer, until the connection is cut and the client
// reconnects.
type lossy struct {
	ln     net.Listener
	target string

	mu    sync.Mutex
	lose  bool
	conns []net.Conn
}

func startLossy(t *testing.T, target int) *lossy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	p := &lossy{ln: ln, target: "127.0.0.1:" + itoa(target)}
	var wg sync.WaitGroup
	t.Cleanup(func() {
		_ = ln.Close()
		p.cut()
		wg.Wait()
	})
	wg.Go(func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			srv, err := net.Dial("tcp", p.target)
			if err != nil {
				_ = c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, srv)
			p.mu.Unlock()
			wg.Go(func() {
				buf := make([]byte, 32<<10)
				for {
					n, err := c.Read(buf)
					if n > 0 {
						if _, werr := srv.Write(buf[:n]); werr != nil {
							err = werr
						}
					}
					if err != nil {
						_ = srv.Close()
						return
					}
				}
			})
			wg.Go(func() {
				buf := make([]byte, 32<<10)
				for {
					n, err := srv.Read(buf)
					if n > 0 && !p.losing() {
						if _, werr := c.Write(buf[:n]); werr != nil {
							err = werr
						}
					}
					if err != nil {
						_ = c.Close()
						return
					}
				}
			})
		}
	})
	return p
}

func (p *lossy) port() int { return p.ln.Addr().(*net.TCPAddr).Port }

func (p *lossy) losing() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.lose
}

// loseAnswers drops what the server sends from now on.
func (p *lossy) loseAnswers() {
	p.mu.Lock()
	p.lose = true
	p.mu.Unlock()
}

// cut ends the connections (their streams, cut mid-way, cannot go on)
// and passes everything again: the client reconnects.
func (p *lossy) cut() {
	p.mu.Lock()
	conns := p.conns
	p.conns, p.lose = nil, false
	p.mu.Unlock()
	for _, c := range conns {
		_ = c.Close()
	}
}

// lossyWorld is a world whose store reaches the bus through a lossy
// proxy, with session S1 started and stored.
func lossyWorld(t *testing.T, owner string) (*bus, *lossy, *world, *interp.VirtualClock) {
	t.Helper()
	b := startBus(t)
	p := startLossy(t, b.port)
	clock := interp.NewVirtualClock(time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC))
	w := newWorld(t, b.connectTo(p.port()), clock, store.Options{Owner: owner, Linger: -1,
		AckWait: 1500 * time.Millisecond, RetryMin: 10 * time.Millisecond, RetryMax: 50 * time.Millisecond})
	_, err := w.h.Start(w.chart, interp.StartOptions{ID: "S1"})
	require.NoError(t, err)
	require.NoError(t, w.h.Settle())
	flush(t, w.st)
	return b, p, w, clock
}

// A write whose acknowledgement is lost (JetStream stored it; the
// answer did not come back before the connection was cut) is tried
// again naming the revision it replaced, and JetStream refuses the retry
// as it refuses a stale writer's. The writer finds its own unanswered
// write as the key's last message and goes on from it: the session is
// neither dropped nor counted fenced, and its later snapshots are
// stored. With a newer snapshot made meanwhile, that one is written on
// the revision found; with none, nothing more is written. A write of
// another instance after the unanswered one still fences the session
// off.
func TestALostAcknowledgementFencesNothing(t *testing.T) {
	for _, c := range []struct {
		name   string
		pings  int    // pings while answers are lost
		writes uint64 // snapshots stored once the store answers again
		taken  bool   // another instance writes the session meanwhile
		copied bool   // another store of the same owner name writes the same message meanwhile
	}{
		{name: "the same snapshot", pings: 1, writes: 1},
		{name: "a newer snapshot", pings: 2, writes: 2},
		{name: "another instance's write after it", pings: 1, taken: true},
		{name: "another store's same message after it", pings: 1, copied: true},
	} {
		t.Run(c.name, func(t *testing.T) {
			b, p, w, clock := lossyWorld(t, "")
			before := w.st.Stats()

			p.loseAnswers()
			for i := range c.pings {
				require.NoError(t, w.h.Send("S1", &interp.Event{Name: "ping"}))
				require.NoError(t, w.h.Settle())
				settleUntil(t, w.h, func() bool { return w.st.Stats().Failures > before.Failures+uint64(i) },
					"the write's answer is lost: %+v", w.st.Stats())
			}
			if c.copied {
				// Two processes of one owner name, the same state: the
				// message alike but for the store that wrote it.
				js, err := jetstream.New(b.connect())
				require.NoError(t, err)
				ctx := context.Background()
				stream, err := js.Stream(ctx, "KV_"+store.DefaultBucket)
				require.NoError(t, err)
				last, err := stream.GetLastMsgForSubject(ctx, "$KV."+store.DefaultBucket+".S1")
				require.NoError(t, err)
				m := nats.NewMsg(last.Subject)
				m.Data, m.Header = last.Data, nats.Header{}
				for k, v := range last.Header {
					m.Header[k] = v
				}
				m.Header.Set(store.HeaderWriter, "another")
				m.Header.Set(jetstream.ExpectedLastSubjSeqHeader, strconv.FormatUint(last.Sequence, 10))
				_, err = js.PublishMsg(ctx, m)
				require.NoError(t, err)
				p.cut()
				settleUntil(t, w.h, func() bool { return w.st.Stats().Fenced == 1 },
					"another store's message, however alike, fences the session off: %+v", w.st.Stats())
				settleUntil(t, w.h, func() bool { return !w.h.Live("S1") })
				return
			}
			if c.taken {
				w2 := newWorld(t, b.connect(), clock, store.Options{})
				require.NoError(t, w2.h.Settle())
				require.NoError(t, w2.h.Send("S1", &interp.Event{Name: "ping"}))
				require.NoError(t, w2.h.Settle())
				flush(t, w2.st)
				p.cut()
				settleUntil(t, w.h, func() bool { return w.st.Stats().Fenced == 1 },
					"a message not its own fences the session off: %+v", w.st.Stats())
				settleUntil(t, w.h, func() bool { return !w.h.Live("S1") })
				assert.Equal(t, 2.0, w2.n(t, "S1"), "the other instance's snapshot (on the unanswered one) stays")
				return
			}
			p.cut()
			flush(t, w.st)
			st := w.st.Stats()
			assert.Zero(t, st.Fenced, "the write refused was refused because of this instance's own: %+v", st)
			assert.Equal(t, before.Writes+c.writes, st.Writes, "the unanswered write stored counts, once")
			assert.True(t, w.h.Live("S1"), "the session is not dropped")
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			require.NoError(t, w.st.Sync(ctx, "S1"))

			require.NoError(t, w.h.Send("S1", &interp.Event{Name: "ping"}))
			require.NoError(t, w.h.Settle())
			flush(t, w.st)
			assert.Zero(t, w.st.Stats().Fenced)
			assert.Equal(t, st.Writes+1, w.st.Stats().Writes, "a later snapshot is stored")
			want := float64(c.pings + 1)
			assert.Equal(t, want, w.n(t, "S1"))

			w.h.Close()
			w.st.Close()
			w2 := newWorld(t, b.connect(), clock, store.Options{})
			require.NoError(t, w2.h.Settle())
			assert.Equal(t, want, w2.n(t, "S1"), "the bucket holds the last snapshot")
		})
	}
}

// The deletion of an ended session whose acknowledgement is lost is
// tried again and refused: the marker found is the writer's own, so the
// session counts deleted, not fenced.
func TestALostAcknowledgementOfADeletion(t *testing.T) {
	b, p, w, clock := lossyWorld(t, "orca-1")
	require.NoError(t, w.h.Advance(time.Hour))
	flush(t, w.st)
	before := w.st.Stats()

	p.loseAnswers()
	require.NoError(t, w.h.Send("S1", &interp.Event{Name: "stop"}))
	require.NoError(t, w.h.Settle())
	require.False(t, w.h.Live("S1"))
	require.Eventually(t, func() bool { return w.st.Stats().Failures > before.Failures }, 10*time.Second, 5*time.Millisecond,
		"the deletion's answer is lost: %+v", w.st.Stats())
	p.cut()
	flush(t, w.st)
	st := w.st.Stats()
	assert.Zero(t, st.Fenced, "%+v", st)
	assert.Equal(t, before.Deletes+1, st.Deletes, "%+v", st)

	w.h.Close()
	w.st.Close()
	w2 := newWorld(t, b.connect(), clock, store.Options{Owner: "orca-1"})
	require.NoError(t, w2.h.Settle())
	assert.False(t, w2.h.Live("S1"), "deleted from the bucket")
}
