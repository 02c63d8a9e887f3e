package infomart_test

import (
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/url"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go"
	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/infomart"
	"github.com/orca-scxml/orca/infomart/internal/dbtest"
	"github.com/orca-scxml/orca/server"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/sim"
	"github.com/orca-scxml/orca/telephony/wire"
)

func TestMain(m *testing.M) { dbtest.Main(m) }

// bus is an embedded NATS server with JetStream on loopback, which
// requires each client to connect with the key of its role.
type bus struct {
	t *testing.T
	e *bridge.Embedded
}

// embeddedNATS starts a bus on a free port.
func embeddedNATS(t *testing.T) *bus {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(t, err)
	port := ln.Addr().(*net.TCPAddr).Port
	require.NoError(t, ln.Close())
	e, err := bridge.StartEmbedded(bridge.Options{DataDir: filepath.Join(t.TempDir(), "nats"), Port: port, JetStream: true})
	require.NoError(t, err)
	t.Cleanup(e.Shutdown)
	return &bus{t: t, e: e}
}

// connect connects to the bus as role.
func (b *bus) connect(role bridge.Role, name string) *nats.Conn {
	b.t.Helper()
	nc, err := b.e.Connect(role, bridge.ConnectOptions{Name: name, ReconnectWait: 20 * time.Millisecond})
	require.NoError(b.t, err)
	b.t.Cleanup(nc.Close)
	return nc
}

// eventually waits until cond holds.
func eventually(t *testing.T, within time.Duration, cond func() bool, msg string, args ...any) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf(msg, args...)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func countRows(t *testing.T, m *infomart.Mart, q string, args ...any) int {
	t.Helper()
	var n int
	require.NoError(t, m.Store().DB().QueryRow(m.Store().Rebind(q), args...).Scan(&n))
	return n
}

// TestEndToEnd runs callbacks through orca serve's server against the
// telephony simulator on NATS, and the Info Mart side registered on the
// reporting DN: each callback makes its start and final CALLBACK_FACT rows.
func TestEndToEnd(t *testing.T) {
	for _, backend := range dbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			db := dbtest.DSN(t, backend)
			b := embeddedNATS(t)
			nc := b.connect(bridge.RoleReader, "infomart")
			ctx := context.Background()
			clock := sim.NewScaledClock(100)

			scfg := sim.DefaultConfig()
			scfg.Clock = clock
			scfg.Switch.RoutePoints = []string{"RP_Callback"}
			scfg.Switch.AnyDN = true
			scfg.Agents.Count = 2
			scfg.Agents.Answer = sim.Span{Min: time.Second, Max: time.Second}
			scfg.Agents.Handle = sim.Span{Min: 20 * time.Second, Max: 20 * time.Second}
			scfg.Agents.WrapUp = sim.Span{}
			scfg.Customers.Ring = sim.Span{Min: time.Second, Max: time.Second}
			simConn := b.connect(bridge.RoleSwitch, "tsim")
			sw, err := sim.New(simConn, scfg)
			require.NoError(t, err)
			require.NoError(t, sw.Start(ctx))
			t.Cleanup(sw.Stop)

			mart, err := infomart.New(ctx, infomart.Options{DB: db, Log: func(err error) { t.Logf("infomart: %v", err) }})
			require.NoError(t, err)
			t.Cleanup(func() { mart.Close() })
			require.NoError(t, mart.Ingest(ctx, nc, infomart.BusOptions{Switch: "SIP_Switch", DN: "REPORTING"}))

			// The second customer is busy at the first attempt.
			sw.Script("5551002", sim.Outcome{Result: sim.ResultBusy, Ring: time.Second}, sim.Outcome{Result: sim.ResultAnswer, Ring: time.Second})
			opts := map[string]any{"_rep_userevent_enable": true, "_rep_userevent_dn": "REPORTING", "_rep_userevent_switch": "SIP_Switch",
				"_target": "Callback_Agents", "_route_point": "RP_Callback", "_ixn_createcall_timeout": 20, "_dial_retry_timeout": 5}
			srv, err := server.New(server.Config{Listen: "127.0.0.1:0", NATS: server.NATSConfig{URL: b.e.URL(), NKeyFile: b.e.Credentials().SeedFile(bridge.RoleOrca), MaxAge: time.Minute, DataDir: t.TempDir()},
				Services: []server.ServiceConfig{{Name: "immediate", Template: "callback-immediate", Options: opts}}},
				server.Options{Clock: clock})
			require.NoError(t, err)
			t.Cleanup(func() {
				ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
				defer cancel()
				_ = srv.Shutdown(ctx)
			})

			var ids []string
			for _, number := range []string{"5551001", "5551002", "5551003"} {
				resp, err := http.PostForm(srv.URL()+"/genesys/1/service/callback/immediate", url.Values{"_customer_number": {number}})
				require.NoError(t, err)
				var body map[string]any
				require.NoError(t, json.NewDecoder(resp.Body).Decode(&body))
				resp.Body.Close()
				require.Equal(t, http.StatusOK, resp.StatusCode, "%v", body)
				ids = append(ids, body["_id"].(string))
			}
			for _, id := range ids {
				eventually(t, 30*time.Second, func() bool {
					return countRows(t, mart, `SELECT COUNT(*) FROM CALLBACK_FACT WHERE SERVICE_ID = ?`, id) == 2
				}, "callback %s: want its start and final CALLBACK_FACT rows", id)
				assert.Equal(t, 1, countRows(t, mart, `SELECT COUNT(*) FROM CALLBACK_FACT F JOIN CALLBACK_DIM_3 D ON D.ID = F.CALLBACK_DIM_3_KEY
WHERE F.SERVICE_ID = ? AND F.FINAL_RECORD = 1 AND F.AGENT_ADDED_TO_IXN = 1 AND D.DISPOSITION = 'COMPLETED.AGENT'`, id), id)
				// Each of its calls, connected or not, is tied to it in
				// G_USERDATA_HISTORY: the data a call was created with is
				// in its EventDialing, which ICON reads too.
				var calls []sim.Call
				for _, c := range sw.Calls() {
					if c.UserData.String("_CB_SERVICE_ID") == id {
						calls = append(calls, c)
						assert.Equal(t, 1, countRows(t, mart, `SELECT COUNT(*) FROM G_USERDATA_HISTORY WHERE CALLID = ? AND KEYNAME = '_CB_SERVICE_ID' AND VALUE = ?`,
							c.CallID, id), "callback %s, call %s (%s)", id, c.CallID, c.Result)
					}
				}
				assert.Equal(t, len(calls), countRows(t, mart, `SELECT COUNT(*) FROM G_USERDATA_HISTORY WHERE KEYNAME = '_CB_SERVICE_ID' AND VALUE = ?`, id), id)
			}
			// The busy call.
			busy := 0
			for _, c := range sw.Calls() {
				if c.Result == sim.ResultBusy {
					busy++
					assert.Equal(t, 1, countRows(t, mart, `SELECT COUNT(*) FROM G_USERDATA_HISTORY WHERE CALLID = ? AND KEYNAME = '_CB_SERVICE_ID' AND VALUE = ?`,
						c.CallID, ids[1]), "the busy call %s", c.CallID)
				}
			}
			assert.Equal(t, 1, busy)
			// Every UserEvent of the reporting DN in the stream was stored
			// once, however often it was delivered.
			assert.Equal(t, 2*len(ids), countRows(t, mart, `SELECT COUNT(*) FROM ORCA_EVENT WHERE EVENT_NAME = 'EventUserEvent'`))
			assert.Zero(t, countRows(t, mart, `SELECT COUNT(*) FROM ORCA_REJECTION`))
		})
	}
}

// TestRedeliveryAndBadMessages publishes the same UserEvent twice under
// two stream ids (as a resend after the stream's de-duplication window
// would), a message that is not of the schema, and one more event: the
// event is stored once, the bad message does not stop the others.
func TestRedeliveryAndBadMessages(t *testing.T) {
	for _, backend := range dbtest.Backends {
		t.Run(backend, func(t *testing.T) {
			db := dbtest.DSN(t, backend)
			b := embeddedNATS(t)
			nc := b.connect(bridge.RoleReader, "infomart")
			sw := b.connect(bridge.RoleSwitch, "switch")
			ctx := context.Background()
			mart, err := infomart.New(ctx, infomart.Options{DB: db})
			require.NoError(t, err)
			t.Cleanup(func() { mart.Close() })
			js, err := jetstream.New(sw)
			require.NoError(t, err)
			_, err = wire.EnsureStream(ctx, js, wire.StreamOptions{})
			require.NoError(t, err)
			subject := wire.EventSubject("SIP_Switch", "REPORTING", "EventUserEvent")
			event := func(id, service string) []byte {
				m := wire.Message{Name: "EventUserEvent", Switch: "SIP_Switch", ThisDN: "REPORTING", MsgID: id, Seq: 9,
					UserData: telephony.UserData{{Key: "_CB_SERVICE_ID", Value: service}, {Key: "_CB_T_SERVICE_START", Value: 1795255200},
						{Key: "_CB_D_CALLBACK_OFFER", Value: 0}, {Key: "_CB_N_CALLBACK_OFFERED", Value: 1},
						{Key: "_CB_T_CALLBACK_OFFERED", Value: 1795255200}, {Key: "_CB_FINAL_RECORD", Value: 0}}}
				m.SetTime(time.Unix(1795255201, 0))
				b, err := wire.Encode(m)
				require.NoError(t, err)
				return b
			}
			for i, p := range []struct {
				streamID string
				data     []byte
			}{
				{"a", event("S1-1/EventUserEvent/1", "SVC-1")},
				{"b", event("S1-1/EventUserEvent/1", "SVC-1")},
				{"c", []byte(`{"v":1}`)},
				{"d", event("S2-1/EventUserEvent/1", "SVC-2")},
			} {
				_, err := js.Publish(ctx, subject, p.data, jetstream.WithMsgID(p.streamID))
				require.NoError(t, err, i)
			}
			// Ingest after publishing, then again (a restart): the durable
			// consumer resumes, nothing is stored twice.
			for range 2 {
				sub, cancel := context.WithCancel(ctx)
				require.NoError(t, mart.Ingest(sub, nc, infomart.BusOptions{}))
				eventually(t, 10*time.Second, func() bool {
					return countRows(t, mart, `SELECT COUNT(*) FROM CALLBACK_FACT`) == 2
				}, "want two CALLBACK_FACT rows")
				time.Sleep(200 * time.Millisecond)
				cancel()
			}
			assert.Equal(t, 2, countRows(t, mart, `SELECT COUNT(*) FROM ORCA_EVENT`))
			assert.Equal(t, 1, countRows(t, mart, `SELECT COUNT(*) FROM CALLBACK_FACT WHERE SERVICE_ID = 'SVC-1'`))
			assert.Equal(t, 1, countRows(t, mart, `SELECT COUNT(*) FROM ORCA_EVENT WHERE MSG_ID = 'S1-1/EventUserEvent/1'`))
			assert.True(t, strings.HasPrefix(mart.Store().String(), backend))
		})
	}
}
