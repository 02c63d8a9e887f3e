package server

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/internal/loopback"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/sim"
	"github.com/orca-scxml/orca/telephony/wire"
	"github.com/orca-scxml/orca/templates/reporting"
)

// speed is how much faster than the wall clock the end-to-end tests run.
const speed = 100

// natsServer is an embedded NATS server a test can stop and restart on
// the same port, store and credentials.
type natsServer struct {
	t    testing.TB
	dir  string
	port int
	url  string
	e    *bridge.Embedded
}

func startNATS(t testing.TB) *natsServer {
	t.Helper()
	n := &natsServer{t: t, dir: filepath.Join(t.TempDir(), "nats"), port: loopback.Port(t)}
	n.start()
	t.Cleanup(func() {
		if n.e != nil {
			n.e.Shutdown()
		}
	})
	return n
}

func (n *natsServer) start() {
	e, err := bridge.StartEmbedded(bridge.Options{DataDir: n.dir, Port: n.port, JetStream: true})
	require.NoError(n.t, err)
	n.url, n.e = e.URL(), e
}

func (n *natsServer) shutdown() {
	n.e.Shutdown()
	n.e = nil
}

// seed is the seed file of role's key on the server.
func (n *natsServer) seed(role bridge.Role) string {
	c, err := bridge.LoadCredentials(filepath.Join(n.dir, "bus"), false)
	require.NoError(n.t, err)
	return c.SeedFile(role)
}

// connect connects to the server as role.
func (n *natsServer) connect(role bridge.Role, name string) *nats.Conn {
	n.t.Helper()
	nc, err := bridge.Connect(n.url, bridge.ConnectOptions{Name: name, NKeyFile: n.seed(role), ReconnectWait: 20 * time.Millisecond})
	require.NoError(n.t, err)
	n.t.Cleanup(nc.Close)
	return nc
}

// e2e is a server and a simulator on one NATS server and one clock.
type e2e struct {
	t     testing.TB
	nats  *natsServer
	srv   *Server
	sim   *sim.Sim
	clock *sim.ScaledClock
	push  *httptest.Server
	// header goes with every request of request and others (the
	// credentials of a server that requires them).
	header http.Header

	// log holds what the server logged at level info and above.
	log logBuffer
}

// logBuffer is a log destination safe for concurrent use.
type logBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *logBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *logBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// simConfig is the tests' switch: three agents who answer after 1s and
// talk for handle, customers who answer after 1s, an in-queue offer that
// is accepted after 2s.
func simConfig(handle time.Duration) sim.Config {
	cfg := sim.DefaultConfig()
	cfg.Switch.RoutePoints = []string{"RP_Callback", "RP_IN"}
	cfg.Switch.AnyDN = true
	cfg.Agents.Count = 3
	cfg.Agents.Answer = sim.Span{Min: time.Second, Max: time.Second}
	cfg.Agents.Handle = sim.Span{Min: handle, Max: handle}
	cfg.Agents.WrapUp = sim.Span{}
	cfg.Customers.Ring = sim.Span{Min: time.Second, Max: time.Second}
	cfg.Dialogs = map[string]sim.DialogConfig{
		"callback_offer": {Duration: sim.Duration(2 * time.Second), Outcomes: []sim.DialogOutcome{
			{Odds: 1, Attach: map[string]string{"_callback_offer_result": "accepted"}}}},
	}
	return cfg
}

// reportingOptions are the options every test service shares.
func reportingOptions(extra ...any) map[string]any {
	o := map[string]any{
		"_rep_userevent_enable": true, "_rep_userevent_dn": "REPORTING", "_rep_userevent_switch": "SIP_Switch",
		"_target": "Callback_Agents", "_route_point": "RP_Callback", "_ixn_createcall_timeout": 20,
	}
	for i := 0; i+1 < len(extra); i += 2 {
		o[extra[i].(string)] = extra[i+1]
	}
	return o
}

// newE2E starts NATS, the simulator of scfg and a server with one service
// per callback family, all on a clock sp times faster than the wall clock.
func newE2E(t testing.TB, scfg sim.Config, sp float64, mutate func(*Config), opts ...func(*Options)) *e2e {
	t.Helper()
	e := &e2e{t: t, nats: startNATS(t), clock: sim.NewScaledClock(sp)}
	scfg.Clock = e.clock
	scfg.OnError = func(err error) { t.Logf("sim: %v", err) }
	var err error
	e.sim, err = sim.New(e.nats.connect(bridge.RoleSwitch, "tsim"), scfg)
	require.NoError(t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	require.NoError(t, e.sim.Start(ctx))
	t.Cleanup(e.sim.Stop)

	// The customer's app: a push notification makes the customer call the
	// access number.
	e.push = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		go func() {
			time.Sleep(e.clock.Wall(2 * time.Second))
			if _, err := e.sim.InboundCall(r.Form.Get("_access_number"), r.Form.Get("_customer_number"), nil); err != nil {
				t.Logf("push: inbound call: %v", err)
			}
		}()
		_, _ = w.Write([]byte(`{"status":"delivered"}`))
	}))
	t.Cleanup(e.push.Close)

	cfg := Config{
		Listen:     "127.0.0.1:0",
		NATS:       NATSConfig{URL: e.nats.url, NKeyFile: e.nats.seed(bridge.RoleOrca), MaxAge: time.Minute, DataDir: t.TempDir()},
		Strategies: StrategiesConfig{Dirs: []string{strategyDir(t)}},
		Services: []ServiceConfig{
			{Name: "immediate", Template: "callback-immediate", Options: reportingOptions()},
			{Name: "scheduled", Template: "callback-scheduled", Options: reportingOptions()},
			{Name: "agent-first", Template: "callback-agent-first", Options: reportingOptions("_userterminated_first_connect_party", "AGENT")},
			{Name: "in-queue", Template: "callback-in-queue", Options: reportingOptions()},
			{Name: "user-originated", Template: "callback-user-originated", Options: reportingOptions(
				"_call_direction", "USERORIGINATED", "_push_notification_url", e.push.URL, "_push_confirm_timeout", 60)},
		},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	o := Options{Clock: e.clock, Logger: slog.New(slog.NewTextHandler(&e.log, nil))}
	for _, f := range opts {
		f(&o)
	}
	e.srv, err = New(cfg, o)
	require.NoError(t, err)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = e.srv.Shutdown(ctx)
	})
	return e
}

// noPersistence turns persistence off: sessions live in memory only and
// shutdown cancels them.
func noPersistence(c *Config) {
	off := false
	c.Persistence.Enable = &off
}

// request places a callback and returns its service id.
func (e *e2e) request(service string, params url.Values) string {
	e.t.Helper()
	a := callWith(e.t, http.MethodPost, e.srv.URL()+"/genesys/1/service/callback/"+service, params, "", e.header)
	require.Equal(e.t, http.StatusOK, a.code, a.raw)
	id, _ := a.obj(e.t)["_id"].(string)
	require.NotEmpty(e.t, id)
	return id
}

// reports returns the UserEvents the reporting DN's monitor received for
// callback id, as maps, in order.
func (e *e2e) reports(id string) []map[string]any {
	var out []map[string]any
	for _, r := range e.sim.UserEvents() {
		kv := kvMap(r.Message.UserData)
		if kv["_CB_SERVICE_ID"] == id {
			out = append(out, kv)
		}
	}
	return out
}

// waitReports waits until the monitor has n UserEvents for id.
func (e *e2e) waitReports(id string, n int, within time.Duration) []map[string]any {
	e.t.Helper()
	eventually(e.t, within, func() bool { return len(e.reports(id)) >= n },
		"callback %s: want %d UserEvents at the reporting DN, have %d; callback: %v", id, n, len(e.reports(id)), e.state(id))
	return e.reports(id)
}

// state returns the callback's GMS fields.
func (e *e2e) state(id string) map[string]string {
	c, _ := e.srv.callbacks.Get(id)
	return e.srv.callbacks.Fields(&c)
}

// waitState waits up to d for callback id to be in the GMS state want,
// and fails naming the states it saw meanwhile.
func (e *e2e) waitState(t testing.TB, id, want string, d time.Duration) {
	t.Helper()
	var seen []string
	deadline := time.Now().Add(d)
	for {
		st := e.state(id)["_callback_state"]
		if st == want {
			return
		}
		if len(seen) == 0 || seen[len(seen)-1] != st {
			seen = append(seen, st)
		}
		if time.Now().After(deadline) {
			t.Fatalf("callback %s is not %s after %v: it was %s", id, want, d, strings.Join(seen, ", then "))
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func kvMap(ud telephony.UserData) map[string]any {
	m := map[string]any{}
	for _, kv := range ud {
		m[kv.Key] = kv.Value
	}
	return m
}

// streamUserEvents reads the reporting stream from the start and returns
// the EventUserEvent messages of the reporting DN for each service id:
// what any consumer of the DN receives.
func (e *e2e) streamUserEvents() map[string][]map[string]any {
	e.t.Helper()
	nc := e.nats.connect(bridge.RoleReader, "audit")
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(e.t, err)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	st, err := js.Stream(ctx, wire.DefaultStream)
	require.NoError(e.t, err)
	info, err := st.Info(ctx)
	require.NoError(e.t, err)
	subject := wire.EventSubject("SIP_Switch", "REPORTING", "EventUserEvent")
	out := map[string][]map[string]any{}
	for seq := info.State.FirstSeq; seq <= info.State.LastSeq && seq > 0; seq++ {
		m, err := st.GetMsg(ctx, seq)
		if err != nil {
			continue
		}
		if m.Subject != subject {
			continue
		}
		msg, err := wire.Decode(m.Data)
		require.NoError(e.t, err)
		kv := kvMap(msg.UserData)
		id := fmt.Sprint(kv["_CB_SERVICE_ID"])
		out[id] = append(out[id], kv)
	}
	return out
}

// checkReports checks the start and final UserEvents of callback id:
// every mandatory KVP, the service id, the final record flag, and the
// final values given.
func checkReports(t testing.TB, id string, evs []map[string]any, final map[string]any) {
	t.Helper()
	require.Len(t, evs, 2, "callback %s: want a start and a final UserEvent", id)
	cat := reporting.Default()
	for i, ev := range evs {
		for _, k := range cat.Mandatory() {
			require.Contains(t, ev, k, "UserEvent %d of %s lacks mandatory %s", i, id, k)
		}
		require.Equal(t, id, ev["_CB_SERVICE_ID"])
		require.EqualValues(t, i, ev["_CB_FINAL_RECORD"], "UserEvent %d of %s", i, id)
	}
	for k, v := range final {
		require.EqualValues(t, v, evs[1][k], "final UserEvent of %s: %s", id, k)
	}
}

// checkAttached checks that a call of the simulator carries the
// call-attached KVPs of callback id. The attach and the final UserEvent
// travel as separate requests to the switch, so the attach may be
// applied after the UserEvent was stored: it is waited for a while.
func (e *e2e) checkAttached(id string) {
	e.t.Helper()
	keys := reporting.Default().CallAttached()
	require.Len(e.t, keys, 4)
	var seen []string
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		if seen = e.attachedMissing(id, keys); seen == nil || time.Now().After(deadline) {
			break
		}
	}
	if seen != nil {
		require.Failf(e.t, "no call carries the four call-attached KVPs", "callback %s; its calls: %v", id, seen)
	}
}

// attachedMissing returns nil when a call of callback id carries every
// key, else the user data of each of its calls.
func (e *e2e) attachedMissing(id string, keys []string) []string {
	seen := []string{}
	for _, c := range e.sim.Calls() {
		ud, ok := e.sim.AttachedData(c.ConnID)
		if !ok || ud.String("_CB_SERVICE_ID") != id {
			continue
		}
		all := true
		for _, k := range keys {
			if _, has := ud.Get(k); !has {
				all = false
			}
		}
		if all {
			return nil
		}
		seen = append(seen, c.ConnID+": "+ud.Format())
	}
	return seen
}

// concurrently runs f for i in [0, n) on n goroutines.
func concurrently(n int, f func(i int)) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f(i)
		}()
	}
	wg.Wait()
}

// others places n immediate callbacks and returns a function that waits
// until each has completed with its start and final UserEvents: the other
// sessions of the server that must carry on while a test probes it.
func (e *e2e) others(n int) func() {
	e.t.Helper()
	ids := make([]string, n)
	for i := range ids {
		ids[i] = e.request("immediate", url.Values{"_customer_number": {fmt.Sprintf("555%04d", 9000+i)}})
	}
	return func() {
		e.t.Helper()
		for _, id := range ids {
			evs := e.waitReports(id, 2, 30*time.Second)
			checkReports(e.t, id, evs, map[string]any{"_CB_DISPOSITION": "COMPLETED.AGENT"})
		}
	}
}
