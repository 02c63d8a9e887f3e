package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/nats-io/nats.go/jetstream"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/bridge"
	"github.com/orca-scxml/orca/infomart"
	"github.com/orca-scxml/orca/infomart/icon"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/wire"
)

// callbackEvents are the start and final UserEvents of an in-queue
// callback (SVC-1, offered on IVR and declined) and of an immediate one
// (SVC-2, connected to an agent), as the templates send them.
func callbackEvents() []icon.Event {
	const t0 = 1795255200
	ev := func(id string, kv ...any) icon.Event {
		e := icon.Event{MsgID: id, Name: icon.EventUserEvent, Switch: "SIP_Switch", ThisDN: "REPORTING", CustomerID: "Environment",
			Time: time.Unix(t0+60, 0)}
		base := []any{"_CB_TENANT_DBID", 101, "_CB_T_SERVICE_START", t0, "_CB_T_CALLBACK_OFFERED", t0, "_CB_N_CALLBACK_OFFERED", 1,
			"_CB_DIM_VQ", "VQ_Callback", "_CB_DIM_TYPE", "IMMEDIATE"}
		for _, l := range [][]any{base, kv} {
			for i := 0; i+1 < len(l); i += 2 {
				e.UserData = append(e.UserData, telephony.KV{Key: l[i].(string), Value: l[i+1]})
			}
		}
		return e
	}
	declined := []any{"_CB_SERVICE_ID", "SVC-1", "_CB_D_CALLBACK_OFFER", 15, "_CB_N_CALLBACK_ACCEPTED", 0, "_CB_DIM_CHANNEL", "IVR"}
	connected := []any{"_CB_SERVICE_ID", "SVC-2", "_CB_D_CALLBACK_OFFER", 0, "_CB_N_CALLBACK_ACCEPTED", 1}
	return []icon.Event{
		ev("1", append(declined, "_CB_FINAL_RECORD", 0)...),
		ev("2", append(declined, "_CB_FINAL_RECORD", 1, "_CB_DISPOSITION", "QUEUED.REJECTED")...),
		ev("3", append(connected, "_CB_FINAL_RECORD", 0)...),
		ev("4", append(connected, "_CB_FINAL_RECORD", 1, "_CB_N_CALLBACK_MEDIA_ATTEMPTS", 1, "_CB_T_CUSTOMER_CONNECTED", t0+20,
			"_CB_N_AGENT_ADDED_TO_IXN", 1, "_CB_DISPOSITION", "COMPLETED.AGENT", "_CB_DIM_CHANNEL", "WEB")...),
		ev("5", "_CB_SERVICE_ID", "SVC-3"), // no offer KVPs: rejected
	}
}

func TestInfoMartReport(t *testing.T) {
	db := filepath.Join(t.TempDir(), "im.db")
	ctx := context.Background()
	mart, err := infomart.New(ctx, infomart.Options{DB: db})
	require.NoError(t, err)
	_, err = mart.Write(ctx, callbackEvents())
	require.NoError(t, err)
	require.NoError(t, mart.Close())

	tests := []struct {
		args []string
		code int
		out  []string
		err  string
	}{
		{args: []string{"report", "summary", "--db", db}, out: []string{"Offered", "TOTAL", "VQ_Callback", "2026-11-21"}},
		{args: []string{"report", "summary", "--db", db, "--channel", "IVR", "--csv"}, out: []string{"Tenant,Queue,Callback Type,Channel,Day,Offered",
			"Environment,VQ_Callback,IMMEDIATE,IVR,2026-11-21,1,0,1,100.00%,0,0,0.00%,0.00%,0.00%,0", "TOTAL,"}},
		{args: []string{"report", "summary", "--db", db, "--csv"}, out: []string{
			"Environment,VQ_Callback,IMMEDIATE,WEB,2026-11-21,1,1,0,0.00%,1,1,100.00%,0.00%,0.00%,1", "TOTAL,,,,,2,1,1,50.00%,1,1,100.00%"}},
		{args: []string{"report", "details", "--db", db, "--service", "SVC-1"}, out: []string{"SVC-1", "QUEUED.REJECTED"}},
		{args: []string{"rejections", "--db", db}, out: []string{"EVENT", "SVC-3", "missing mandatory KVP _CB_D_CALLBACK_OFFER"}},
		{args: []string{"report", "summary", "--db", db, "--from", "tomorrow"}, code: exitUsage, err: `"tomorrow" is not a date`},
		{args: []string{"report", "weekly", "--db", db}, code: exitUsage, err: "usage: orca infomart report"},
		{args: []string{"report", "summary", "--db", filepath.Join(t.TempDir(), "none.db")}, code: exitFail, err: "no such database"},
		{args: []string{"nothing"}, code: exitUsage, err: `unknown command "nothing"`},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var out, errOut bytes.Buffer
			code := run(append([]string{"infomart"}, tt.args...), nil, &out, &errOut)
			require.Equal(t, tt.code, code, "stderr: %s", errOut.String())
			for _, s := range tt.out {
				assert.Contains(t, out.String(), s)
			}
			assert.Contains(t, errOut.String(), tt.err)
		})
	}
}

func TestInfoMartRun(t *testing.T) {
	port, err := strconv.Atoi(natsPort(t))
	require.NoError(t, err)
	data := t.TempDir()
	e, err := bridge.StartEmbedded(bridge.Options{DataDir: data, Port: port, JetStream: true})
	require.NoError(t, err)
	defer e.Shutdown()
	// The stream exists before the reader opens it, as orca serve or the
	// simulator make it.
	nc, err := e.Connect(bridge.RoleSwitch, bridge.ConnectOptions{Name: "switch"})
	require.NoError(t, err)
	defer nc.Close()
	js, err := jetstream.New(nc)
	require.NoError(t, err)
	_, err = wire.EnsureStream(context.Background(), js, wire.StreamOptions{})
	require.NoError(t, err)
	db := filepath.Join(t.TempDir(), "im.db")
	var out, errOut bytes.Buffer
	start := time.Now()
	code := run([]string{"infomart", "run", "--db", db, "--data", data, "--listen", "127.0.0.1:0", "--duration", "1500ms"}, nil, &out, &errOut)
	require.Equal(t, exitOK, code, errOut.String())
	assert.Less(t, time.Since(start), 10*time.Second)
	assert.Contains(t, out.String(), "reports: http://127.0.0.1:")
	assert.Contains(t, errOut.String(), "reading nats://127.0.0.1:")
}
