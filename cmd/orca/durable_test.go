package main

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/internal/loopback"
	"github.com/orca-scxml/orca/internal/natstest"
	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/telephony/sim"
	"github.com/orca-scxml/orca/telephony/wire"
	"github.com/orca-scxml/orca/templates"
)

// crashSpeed is how much faster than the wall clock the crash tests run.
const crashSpeed = 50

// crashEnv is an orca serve process that a test kills and starts again,
// with what outlives it: the NATS server, the switch (the simulator, on
// the same scaled clock), the customers' app and the data directory.
type crashEnv struct {
	t        *testing.T
	bin      string
	work     string
	nats     *bridge.Embedded
	natsDir  string
	natsPort int
	natsURL  string
	clock    *interp.ScaledClock
	origin   time.Time
	sim      *sim.Sim
	push     *httptest.Server
	httpPort int
	orca     *process
	// logs are the standard errors of every orca serve process started,
	// killed ones included.
	logs   []*watchWriter
	starts int
	// retention is sessions.retention (the default when empty).
	retention string
}

// newCrashEnv starts NATS and the simulator, whose agents talk for
// handle, and writes orca serve's configuration.
func newCrashEnv(t *testing.T, bin string, handle time.Duration) *crashEnv {
	t.Helper()
	ports, err := loopback.Ports(2)
	require.NoError(t, err)
	c := &crashEnv{t: t, bin: bin, work: t.TempDir(), natsPort: ports[0], httpPort: ports[1]}
	c.natsDir = filepath.Join(c.work, "nats")
	c.startNATS()
	t.Cleanup(func() {
		if c.nats != nil {
			c.nats.Shutdown()
		}
	})
	c.origin = time.Now()
	c.clock = interp.NewScaledClockFrom(crashSpeed, c.origin)

	cfg := sim.DefaultConfig()
	cfg.Clock = c.clock
	cfg.Switch.RoutePoints = []string{"RP_Callback", "RP_IN"}
	cfg.Switch.AnyDN = true
	cfg.Agents.Count = 4
	cfg.Agents.Answer = sim.Span{Min: time.Second, Max: time.Second}
	cfg.Agents.Handle = sim.Span{Min: handle, Max: handle}
	cfg.Agents.WrapUp = sim.Span{}
	cfg.Customers.Ring = sim.Span{Min: time.Second, Max: time.Second}
	cfg.Dialogs = map[string]sim.DialogConfig{
		"callback_offer": {Duration: sim.Duration(2 * time.Second), Outcomes: []sim.DialogOutcome{
			{Odds: 1, Attach: map[string]string{"_callback_offer_result": "accepted"}}}},
	}
	cfg.OnError = func(err error) { t.Logf("sim: %v", err) }
	c.sim, err = sim.New(c.connect(bridge.RoleSwitch, "tsim"), cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, c.sim.Start(ctx))
	t.Cleanup(c.sim.Stop)

	// The customers' app: a push notification makes the customer call.
	c.push = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		go func() {
			time.Sleep(c.clock.Wall(2 * time.Second))
			if _, err := c.sim.InboundCall(r.Form.Get("_access_number"), r.Form.Get("_customer_number"), nil); err != nil {
				t.Logf("push: inbound call: %v", err)
			}
		}()
		_, _ = w.Write([]byte(`{"status":"delivered"}`))
	}))
	t.Cleanup(c.push.Close)
	c.writeConfig()
	return c
}

func (c *crashEnv) startNATS() {
	e, err := bridge.StartEmbedded(bridge.Options{DataDir: c.natsDir, Port: c.natsPort, JetStream: true})
	require.NoError(c.t, err)
	c.nats, c.natsURL = e, e.URL()
}

func (c *crashEnv) stopNATS() {
	c.nats.Shutdown()
	c.nats = nil
}

func (c *crashEnv) seed(role bridge.Role) string {
	creds, err := bridge.LoadCredentials(filepath.Join(c.natsDir, "bus"), false)
	require.NoError(c.t, err)
	return creds.SeedFile(role)
}

func (c *crashEnv) connect(role bridge.Role, name string) *nats.Conn {
	c.t.Helper()
	nc, err := bridge.Connect(c.natsURL, bridge.ConnectOptions{Name: name, NKeyFile: c.seed(role), ReconnectWait: 20 * time.Millisecond})
	require.NoError(c.t, err)
	c.t.Cleanup(nc.Close)
	return nc
}

// writeConfig writes orca.yaml: the external NATS, a data directory, the
// shared scaled clock, and a service of every template family.
func (c *crashEnv) writeConfig() {
	opts := `{_rep_userevent_enable: true, _rep_userevent_dn: REPORTING, _rep_userevent_switch: SIP_Switch,
      _target: Callback_Agents, _route_point: RP_Callback, _ixn_createcall_timeout: 20, _urs_queued_ttl: 120`
	cfg := fmt.Sprintf(`
listen: 127.0.0.1:%d
nats:
  url: %s
  nkey_file: %s
  data_dir: orca-data
  max_age: 10m
sessions:
  time_scale: %d
  time_origin: %s
  retention: %s
services:
  - {name: immediate, template: callback-immediate, options: %s}}
  - {name: scheduled, template: callback-scheduled, options: %s}}
  - {name: agent-first, template: callback-agent-first, options: %s, _userterminated_first_connect_party: AGENT}}
  - {name: in-queue, template: callback-in-queue, options: %s}}
  - {name: user-originated, template: callback-user-originated, options: %s, _call_direction: USERORIGINATED,
      _push_notification_url: %q, _push_confirm_timeout: 60}}
`, c.httpPort, c.natsURL, c.seed(bridge.RoleOrca), crashSpeed, c.origin.UTC().Format(time.RFC3339Nano),
		cmp.Or(c.retention, "1h"), opts, opts, opts, opts, opts, c.push.URL)
	require.NoError(c.t, os.WriteFile(filepath.Join(c.work, "orca.yaml"), []byte(cfg), 0o644))
}

// startOrca starts orca serve and waits until it listens.
func (c *crashEnv) startOrca() {
	c.t.Helper()
	c.orca = start(c.t, c.bin, c.work, "serve", "--config", "orca.yaml")
	c.logs = append(c.logs, c.orca.stderr)
	c.orca.waitFor(c.orca.stderr, "orca serve: listening on ")
	c.starts++
}

// kill kills orca serve with SIGKILL: no shutdown runs.
func (c *crashEnv) kill() {
	c.t.Helper()
	require.NoError(c.t, c.orca.cmd.Process.Signal(syscall.SIGKILL))
	<-c.orca.done
}

func (c *crashEnv) base() string { return "http://127.0.0.1:" + strconv.Itoa(c.httpPort) }

// request places a callback; it reports false when orca serve did not
// answer (it was killed meanwhile).
func (c *crashEnv) request(service string, params url.Values) (string, bool) {
	id, err := placeCallback(&http.Client{Timeout: 10 * time.Second}, c.base()+"/genesys/1/service/callback/"+service, params)
	return id, err == nil
}

// userEvents reads the reporting stream: the EventUserEvents of the
// reporting DN by service id, in order.
func (c *crashEnv) userEvents() map[string][]map[string]any {
	c.t.Helper()
	nc := c.connect(bridge.RoleReader, "audit")
	defer nc.Close()
	return readUserEvents(c.t, nc)
}

// readUserEvents reads the reporting stream through nc: the
// EventUserEvents of the reporting DN by service id, in order.
func readUserEvents(t *testing.T, nc *nats.Conn) map[string][]map[string]any {
	t.Helper()
	subject := wire.EventSubject("SIP_Switch", "REPORTING", "EventUserEvent")
	out := map[string][]map[string]any{}
	eachReported(t, nc, func(m *jetstream.RawStreamMsg) {
		if m.Subject != subject {
			return
		}
		msg, err := wire.Decode(m.Data)
		require.NoError(t, err)
		kv := map[string]any{}
		for _, x := range msg.UserData {
			kv[x.Key] = x.Value
		}
		id := fmt.Sprint(kv["_CB_SERVICE_ID"])
		out[id] = append(out[id], kv)
	})
	return out
}

// eachReported calls f with each message of the reporting stream, read
// through nc, in order.
func eachReported(t *testing.T, nc *nats.Conn, f func(m *jetstream.RawStreamMsg)) {
	t.Helper()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, wire.DefaultStream)
	require.NoError(t, err)
	info, err := st.Info(ctx)
	require.NoError(t, err)
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && seq > 0; seq++ {
		if m, err := st.GetMsg(ctx, seq); err == nil {
			f(m)
		}
	}
}

// placed is a callback the API accepted.
type placed struct {
	id, service, number string
	desired             time.Time
	// conn is the inbound call an in-queue callback is offered on.
	conn string
}

// stream places n callbacks of every family, one every gap, from a
// goroutine; requests that meet a dead server are placed again.
func (c *crashEnv) stream(rng *rand.Rand, n int, gap time.Duration) (func() []placed, func()) {
	var mu sync.Mutex
	var out []placed
	done := make(chan struct{})
	families := []string{"immediate", "scheduled", "agent-first", "in-queue", "user-originated"}
	type plan struct {
		service string
		number  string
	}
	plans := make([]plan, n)
	for i := range plans {
		plans[i] = plan{families[i%len(families)], fmt.Sprintf("55591%02d", i)}
	}
	rng.Shuffle(len(plans), func(i, j int) { plans[i], plans[j] = plans[j], plans[i] })
	go func() {
		defer close(done)
		for _, p := range plans {
			for {
				params := url.Values{"_customer_number": {p.number}}
				var desired time.Time
				var conn string
				switch p.service {
				case "scheduled":
					desired = c.clock.Now().Add(90 * time.Second).Truncate(time.Millisecond)
					params.Set("_desired_time", templates.FormatTime(desired))
				case "in-queue":
					var err error
					conn, err = c.sim.InboundCall("RP_IN", p.number, nil)
					if err != nil {
						c.t.Logf("inbound call: %v", err)
						time.Sleep(50 * time.Millisecond)
						continue
					}
					time.Sleep(30 * time.Millisecond) // the route request reaches orca
					params.Set("_originating_interaction_id", conn)
				}
				if id, ok := c.request(p.service, params); ok {
					mu.Lock()
					out = append(out, placed{id: id, service: p.service, number: p.number, desired: desired, conn: conn})
					mu.Unlock()
					break
				}
				time.Sleep(50 * time.Millisecond)
			}
			time.Sleep(gap)
		}
	}()
	return func() []placed {
			mu.Lock()
			defer mu.Unlock()
			return append([]placed(nil), out...)
		}, func() {
			<-done
		}
}

// TestCallbacksSurviveKill9 places a stream of callbacks of every template
// family while orca serve is killed with SIGKILL at random moments and
// started again on the same store: every callback completes exactly once,
// the reporting DN gets exactly one start and one final UserEvent for
// each, and scheduled callbacks are dialled no earlier than their time.
func TestCallbacksSurviveKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts orca serve processes; not in -short")
	}
	bin := buildOrca(t)
	for _, seed := range []uint64{1, 2, 3} {
		t.Run(fmt.Sprintf("seed %d", seed), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(seed, 0x0dca))
			c := newCrashEnv(t, bin, 5*time.Second)
			c.startOrca()
			placedSoFar, wait := c.stream(rng, 10, 120*time.Millisecond)
			for range 3 {
				time.Sleep(time.Duration(200+rng.IntN(600)) * time.Millisecond)
				c.kill()
				time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
				c.startOrca()
			}
			wait()
			cbs := placedSoFar()
			require.Len(t, cbs, 10)

			var evs map[string][]map[string]any
			ok := assert.Eventually(t, func() bool {
				evs = c.userEvents()
				for _, cb := range cbs {
					if len(evs[cb.id]) < 2 {
						return false
					}
				}
				return true
			}, 60*time.Second, 200*time.Millisecond)
			if !ok {
				for _, cb := range cbs {
					t.Logf("%s %s: %d UserEvents", cb.service, cb.id, len(evs[cb.id]))
				}
			}
			// Any late duplicate has had time to arrive.
			time.Sleep(500 * time.Millisecond)
			evs = c.userEvents()
			for id, list := range evs {
				assert.LessOrEqual(t, len(list), 2, "callback %s: UserEvents %v", id, list)
			}
			for _, cb := range cbs {
				list := evs[cb.id]
				if !assert.Len(t, list, 2, "%s callback %s: a start and a final UserEvent", cb.service, cb.id) {
					c.explain(cb)
					continue
				}
				assert.EqualValues(t, 0, list[0]["_CB_FINAL_RECORD"], "%s %s: the start first", cb.service, cb.id)
				assert.EqualValues(t, 1, list[1]["_CB_FINAL_RECORD"], "%s %s: then the final", cb.service, cb.id)
				if !cb.desired.IsZero() {
					for _, call := range c.sim.Calls() {
						// The call's attached data names its callback: a
						// request cut short by a kill may have placed
						// another callback for the same number before the
						// stream placed this one again.
						if sid, _ := call.UserData.Get("_CB_SERVICE_ID"); call.CallType == "Outbound" && sid == cb.id {
							assert.False(t, call.Started.Before(cb.desired.Add(-time.Second)),
								"scheduled callback %s dialled at %v, before its time %v", cb.id, call.Started, cb.desired)
						}
					}
				}
			}
			t.Logf("seed %d: %d starts of orca serve", seed, c.starts)
		})
	}
}

// explain logs what a test can see of a callback that did not end as it
// should: the lines of every orca serve process that name it or its
// inbound call, the reporting stream's messages about either, and the
// simulator's calls for its number.
func (c *crashEnv) explain(cb placed) {
	t := c.t
	t.Helper()
	names := func(s string) bool {
		return strings.Contains(s, cb.id) || (cb.conn != "" && strings.Contains(s, cb.conn))
	}
	var b strings.Builder
	fmt.Fprintf(&b, "%s callback %s (customer %s, inbound call %q):\n", cb.service, cb.id, cb.number, cb.conn)
	for i, log := range c.logs {
		fmt.Fprintf(&b, "orca serve #%d:\n", i+1)
		for line := range strings.Lines(log.String()) {
			if names(line) || strings.Contains(line, "level=ERROR") || strings.Contains(line, "level=WARN") || strings.HasPrefix(line, "orca serve") {
				b.WriteString("  " + line)
			}
		}
	}
	b.WriteString("reporting stream:\n")
	nc := c.connect(bridge.RoleReader, "explain")
	defer nc.Close()
	eachReported(t, nc, func(m *jetstream.RawStreamMsg) {
		if names(string(m.Data)) {
			fmt.Fprintf(&b, "  #%d %s %s %s\n", m.Sequence, m.Time.Format("15:04:05.000"), m.Subject, m.Data)
		}
	})
	client := &http.Client{Timeout: 5 * time.Second}
	// The metrics first: the query below loads a session kept out of
	// memory.
	if resp, err := client.Get(c.base() + "/metrics"); err == nil {
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		for line := range strings.Lines(string(body)) {
			if strings.HasPrefix(line, "orca_sessions_") || strings.HasPrefix(line, "orca_snapshot") {
				b.WriteString("  " + line)
			}
		}
	}
	for _, u := range []string{"/genesys/1/service/callback/" + cb.service + "/" + cb.id, "/scxml/session/" + cb.id + "/query"} {
		if resp, err := client.Get(c.base() + u); err == nil {
			body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
			resp.Body.Close()
			fmt.Fprintf(&b, "GET %s: %s %s\n", u, resp.Status, body)
		}
	}
	b.WriteString("simulator:\n")
	for _, call := range c.sim.Calls() {
		if call.ANI == cb.number || call.DNIS == cb.number || call.OtherDN == cb.number || call.ConnID == cb.conn {
			fmt.Fprintf(&b, "  %+v\n", call)
		}
	}
	t.Log(b.String())
}

// state returns a callback's _callback_state as the GMS API answers it,
// or "" when orca serve does not answer.
func (c *crashEnv) state(service, id string) string {
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(c.base() + "/genesys/1/service/callback/" + service + "/" + id)
	if err != nil {
		return ""
	}
	defer resp.Body.Close()
	var out map[string]any
	if json.NewDecoder(resp.Body).Decode(&out) != nil {
		return ""
	}
	s, _ := out["_callback_state"].(string)
	return s
}

// TestUserEventsSurviveNATSDownAndKill9 completes callbacks while the
// external NATS is down, so that their final UserEvents wait in the
// outbox and their sessions' last snapshots in memory, kills orca serve
// with SIGKILL, and starts NATS and orca serve again: every UserEvent
// arrives at the reporting DN exactly once.
func TestUserEventsSurviveNATSDownAndKill9(t *testing.T) {
	if testing.Short() {
		t.Skip("kills and restarts orca serve processes; not in -short")
	}
	c := newCrashEnv(t, buildOrca(t), 10*time.Minute)
	c.startOrca()
	ids := make([]string, 4) // one per agent
	for i := range ids {
		id, ok := c.request("immediate", url.Values{"_customer_number": {fmt.Sprintf("555920%d", i)}})
		require.True(t, ok)
		ids[i] = id
	}
	for _, id := range ids {
		require.Eventually(t, func() bool { return c.state("immediate", id) == "PROCESSING" }, 20*time.Second, 20*time.Millisecond)
	}
	require.Eventually(t, func() bool {
		evs := c.userEvents()
		for _, id := range ids {
			if len(evs[id]) != 1 {
				return false
			}
		}
		return true
	}, 10*time.Second, 50*time.Millisecond, "the start UserEvents are stored")

	c.stopNATS()
	client := &http.Client{Timeout: 5 * time.Second}
	for _, id := range ids {
		req, err := http.NewRequest(http.MethodPut, c.base()+"/genesys/1/service/callback/immediate/"+id,
			strings.NewReader(url.Values{"_callback_state": {"COMPLETED"}}.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := client.Do(req)
		require.NoError(t, err)
		resp.Body.Close()
		require.Equal(t, http.StatusOK, resp.StatusCode)
	}
	for _, id := range ids {
		require.Eventually(t, func() bool { return c.state("immediate", id) == "COMPLETED" }, 10*time.Second, 20*time.Millisecond)
	}
	time.Sleep(100 * time.Millisecond) // the final UserEvents are journalled
	c.kill()

	c.startNATS()
	c.startOrca()
	require.Eventually(t, func() bool {
		evs := c.userEvents()
		for _, id := range ids {
			if len(evs[id]) < 2 {
				return false
			}
		}
		return true
	}, 30*time.Second, 100*time.Millisecond, "the final UserEvents come out of the outbox on disk")
	// The restored sessions, whose last snapshots were still in memory,
	// are with their agents again; when the agents hang up they run their
	// end again, and their final UserEvent is the one the stream has
	// stored already.
	time.Sleep(c.clock.Wall(11 * time.Minute))
	evs := c.userEvents()
	for _, id := range ids {
		require.Len(t, evs[id], 2, "callback %s: %v", id, evs[id])
		assert.EqualValues(t, 0, evs[id][0]["_CB_FINAL_RECORD"])
		assert.EqualValues(t, 1, evs[id][1]["_CB_FINAL_RECORD"])
	}
	for id, list := range evs {
		assert.LessOrEqual(t, len(list), 2, "callback %s", id)
	}
}

// clusterMember is one orca serve instance of the cluster.
type clusterMember struct {
	name string
	port int
	dir  string
	p    *process
}

func (m *clusterMember) base() string { return "http://127.0.0.1:" + strconv.Itoa(m.port) }

// TestClusterTakesOverAKilledInstance runs three orca serve instances on a
// three-node NATS cluster, places a stream of callbacks on all three and
// kills one with SIGKILL in the middle: once its lease has ended the
// others take its sessions over, every callback completes with exactly
// one start and one final UserEvent, no instance's write is fenced (no
// session ran on two), and a callback can be read through any instance.
func TestClusterTakesOverAKilledInstance(t *testing.T) {
	if testing.Short() {
		t.Skip("runs a NATS cluster and three orca serve processes; not in -short")
	}
	bin := buildOrca(t)
	nc := natstest.StartCluster(t, 3)
	work := t.TempDir()
	origin := time.Now()
	clock := interp.NewScaledClockFrom(crashSpeed, origin)

	conn, err := nats.Connect(strings.Join(nc.URLs, ","), nats.MaxReconnects(-1), nats.ReconnectWait(20*time.Millisecond))
	require.NoError(t, err)
	t.Cleanup(conn.Close)
	cfg := sim.DefaultConfig()
	cfg.Clock = clock
	cfg.Switch.RoutePoints = []string{"RP_Callback"}
	cfg.Switch.AnyDN = true
	cfg.Agents.Count = 4
	cfg.Agents.Answer = sim.Span{Min: time.Second, Max: time.Second}
	cfg.Agents.Handle = sim.Span{Min: 5 * time.Second, Max: 5 * time.Second}
	cfg.Agents.WrapUp = sim.Span{}
	cfg.Customers.Ring = sim.Span{Min: time.Second, Max: time.Second}
	cfg.OnError = func(err error) { t.Logf("sim: %v", err) }
	s, err := sim.New(conn, cfg)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	require.NoError(t, s.Start(ctx))
	t.Cleanup(s.Stop)

	opts := `{_rep_userevent_enable: true, _rep_userevent_dn: REPORTING, _rep_userevent_switch: SIP_Switch,
      _target: Callback_Agents, _route_point: RP_Callback, _ixn_createcall_timeout: 20, _urs_queued_ttl: 120}`
	members := make([]*clusterMember, 3)
	ports, err := loopback.Ports(len(members))
	require.NoError(t, err)
	for i := range members {
		m := &clusterMember{name: fmt.Sprintf("orca-%c", 'a'+i), port: ports[i], dir: filepath.Join(work, fmt.Sprintf("m%d", i))}
		require.NoError(t, os.MkdirAll(m.dir, 0o755))
		conf := fmt.Sprintf(`
listen: 127.0.0.1:%d
nats: {url: %q, data_dir: data, max_age: 10m}
persistence: {replicas: 3}
cluster: {enable: true, instance: %s, lease: 2s}
sessions: {time_scale: %d, time_origin: %s}
services:
  - {name: immediate, template: callback-immediate, options: %s}
  - {name: scheduled, template: callback-scheduled, options: %s}
`, m.port, strings.Join(nc.URLs, ","), m.name, crashSpeed, origin.UTC().Format(time.RFC3339Nano), opts, opts)
		require.NoError(t, os.WriteFile(filepath.Join(m.dir, "orca.yaml"), []byte(conf), 0o644))
		m.p = start(t, bin, m.dir, "serve", "--config", "orca.yaml")
		members[i] = m
	}
	began := time.Now()
	for _, m := range members {
		m.p.waitFor(m.p.stderr, "orca serve: listening on ")
		t.Logf("%s listening after %v", m.name, time.Since(began))
	}

	type cb struct {
		id, service, number string
		at                  int
	}
	var cbs []cb
	client := &http.Client{Timeout: 10 * time.Second}
	victim := members[1]
	killed := false
	for i := range 12 {
		m := members[i%3]
		if killed && m == victim {
			m = members[0]
		}
		service := "immediate"
		params := url.Values{"_customer_number": {fmt.Sprintf("55593%02d", i)}}
		if i%2 == 1 {
			service = "scheduled"
			params.Set("_desired_time", templates.FormatTime(clock.Now().Add(60*time.Second)))
		}
		id, err := placeCallback(client, m.base()+"/genesys/1/service/callback/"+service, params)
		require.NoError(t, err, "instance %s did not take callback %d", m.name, i)
		cbs = append(cbs, cb{id: id, service: service, number: params.Get("_customer_number"), at: slices.Index(members, m)})
		if i == 7 {
			require.NoError(t, victim.p.cmd.Process.Signal(syscall.SIGKILL))
			<-victim.p.done
			killed = true
		}
		time.Sleep(60 * time.Millisecond)
	}
	survivors := []*clusterMember{members[0], members[2]}

	reader, err := nats.Connect(strings.Join(nc.URLs, ","))
	require.NoError(t, err)
	t.Cleanup(reader.Close)
	userEvents := func() map[string][]map[string]any { return readUserEvents(t, reader) }
	var evs map[string][]map[string]any
	ok := assert.Eventually(t, func() bool {
		evs = userEvents()
		for _, c := range cbs {
			if len(evs[c.id]) < 2 {
				return false
			}
		}
		return true
	}, 60*time.Second, 200*time.Millisecond, "every callback ends, those of the killed instance on the others")
	if !ok {
		for _, c := range cbs {
			t.Logf("%s %s (on %s): %d UserEvents", c.service, c.id, members[c.at].name, len(evs[c.id]))
		}
		for _, m := range survivors {
			t.Logf("%s:\n%s", m.name, m.p.stderr.String())
		}
	}
	time.Sleep(500 * time.Millisecond)
	evs = userEvents()
	for _, c := range cbs {
		if assert.Len(t, evs[c.id], 2, "%s callback %s placed on %s", c.service, c.id, members[c.at].name) {
			assert.EqualValues(t, 0, evs[c.id][0]["_CB_FINAL_RECORD"])
			assert.EqualValues(t, 1, evs[c.id][1]["_CB_FINAL_RECORD"])
		}
	}
	metric := func(m *clusterMember, name string) float64 {
		resp, err := client.Get(m.base() + "/metrics")
		require.NoError(t, err)
		defer resp.Body.Close()
		b, err := io.ReadAll(resp.Body)
		require.NoError(t, err)
		for _, line := range strings.Split(string(b), "\n") {
			if v, ok := strings.CutPrefix(line, name+" "); ok {
				f, err := strconv.ParseFloat(v, 64)
				require.NoError(t, err)
				return f
			}
		}
		t.Fatalf("no metric %s", name)
		return 0
	}
	adopted := 0.0
	for _, m := range survivors {
		adopted += metric(m, "orca_sessions_adopted_total")
		assert.Zero(t, metric(m, "orca_snapshots_fenced_total"), "%s: no write of %s was fenced off: no session ran on two instances", m.name, m.name)
	}
	assert.Positive(t, adopted, "the survivors took the killed instance's sessions over")

	// Any instance answers for any callback it does not run: the query
	// is gathered from every instance, a request about one callback is
	// forwarded to its owner. (An ended callback's record lives in the
	// memory of the instance it ended on: those that ended on the killed
	// instance are gone with it.)
	for _, c := range cbs {
		if c.at == 1 {
			continue
		}
		m := survivors[0]
		if c.at == 0 {
			m = survivors[1]
		}
		resp, err := client.Get(m.base() + "/genesys/1/service/callback?_customer_number=" + c.number)
		require.NoError(t, err)
		var list []map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&list))
		resp.Body.Close()
		require.Len(t, list, 1, "callback %s through %s", c.id, m.name)
		assert.Equal(t, c.id, list[0]["_id"])
		resp, err = client.Get(m.base() + "/genesys/1/service/callback/" + c.service + "/" + c.id)
		require.NoError(t, err)
		var one map[string]any
		require.NoError(t, json.NewDecoder(resp.Body).Decode(&one))
		resp.Body.Close()
		assert.Equal(t, http.StatusOK, resp.StatusCode, "%v", one)
		assert.Equal(t, "COMPLETED", one["_callback_state"], "callback %s through %s", c.id, m.name)
	}
}

// placeCallback starts a callback through the GMS API at base (the
// service's URL) with params, and returns its id.
func placeCallback(client *http.Client, base string, params url.Values) (string, error) {
	resp, err := client.PostForm(base, params)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		msg, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
		return "", fmt.Errorf("POST %s: %s: %s", base, resp.Status, msg)
	}
	var body struct {
		ID string `json:"_id"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&body); err != nil || body.ID == "" {
		return "", fmt.Errorf("POST %s: no _id in the answer (%v)", base, err)
	}
	return body.ID, nil
}
