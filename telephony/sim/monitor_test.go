package sim_test

import (
	"bytes"
	"context"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/telephony/sim"
	"github.com/orca-scxml/orca/telephony/wire"
)

// seedsEvent is the EventUserEvent of the seeds' T-Server log ("Verify
// Reporting Data"), whose clock shows Pacific daylight time.
const seedsEvent = `@00:34:20.7570 [0] 8.1.000.62 distribute_user_event: message EventUserEvent
	AttributeEventSequenceNumber	0000000000000ef9
	AttributeCustomerID	'Environment'
	AttributeTimeinuSecs	757000
	AttributeTimeinSecs	1348817660 (00:34:20)
	AttributeUserEvent	EventUserEvent
	AttributeUserData	[347] 00 0c 00 00..
		'gms_AgentAvailable'	'1348817660755'
		'gms_AgentConnected'	''
		'gms_IxnCompleted'	''
		'gms_ServiceName'	'inbound-delay'
		'gms_ServiceStartAt'	'1348817660553'
		'gms_ServiceStoppedAt'	''
		'gms_SessionEventSeq'	3
		'gms_SessionId'	'65UA6ISSJH76R340BNDQ2DG0DG000036'
		'gms_UserConnected'	''
		'gms_UserId'	''
		'gms_WaitingForAgent'	'1348817660744'
		'gms_externalId'	''
	AttributeANI	'777'
	AttributeDNIS	'333'
	AttributeReferenceID	431
	AttributeThisDN	'REPORTING'
`

var seedsData = telephony.UserData{
	{Key: "gms_AgentAvailable", Value: "1348817660755"}, {Key: "gms_AgentConnected", Value: ""},
	{Key: "gms_IxnCompleted", Value: ""}, {Key: "gms_ServiceName", Value: "inbound-delay"},
	{Key: "gms_ServiceStartAt", Value: "1348817660553"}, {Key: "gms_ServiceStoppedAt", Value: ""},
	{Key: "gms_SessionEventSeq", Value: 3}, {Key: "gms_SessionId", Value: "65UA6ISSJH76R340BNDQ2DG0DG000036"},
	{Key: "gms_UserConnected", Value: ""}, {Key: "gms_UserId", Value: ""},
	{Key: "gms_WaitingForAgent", Value: "1348817660744"}, {Key: "gms_externalId", Value: ""},
}

func TestFormatEventLikeTheSeeds(t *testing.T) {
	m := wire.Message{Name: "EventUserEvent", Seq: 0xef9, CustomerID: "Environment", TimeinSecs: 1348817660, TimeinuSecs: 757000,
		UserData: seedsData, ANI: "777", DNIS: "333", ReferenceID: 431, ThisDN: "REPORTING"}
	assert.Equal(t, seedsEvent, sim.FormatEvent(m, time.FixedZone("PDT", -7*3600)))
	assert.Equal(t, 347, sim.KVListSize(seedsData))
}

// syncBuffer is a bytes.Buffer safe for concurrent use.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (w *syncBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.Write(p)
}

func (w *syncBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

func TestMonitorRecordsEachUserEventOnce(t *testing.T) {
	url := server(t)
	var log syncBuffer
	cfg := baseConfig("SW_MON")
	cfg.Log = &log
	e := newEnv(t, url, cfg)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()

	send := func(e *env, key string, ud telephony.UserData) telephony.ReferenceID {
		ref, err := e.port.DistributeUserEvent(telephony.UserEvent{Key: key, UserData: ud})
		require.NoError(t, err)
		return ref
	}
	ref := send(e, "session1-1", seedsData)
	send(e, "session1-1", seedsData) // the same event again: stored once
	send(e, "session1-2", telephony.UserData{{Key: "_CB_FINAL_RECORD", Value: 1}})
	_, err := e.sim.WaitUserEvents(ctx, 2)
	require.NoError(t, err)
	time.Sleep(200 * time.Millisecond)
	recs := e.sim.UserEvents()
	require.Len(t, recs, 2)
	first := recs[0].Message
	assert.Equal(t, "REPORTING", first.ThisDN)
	assert.Equal(t, uint64(ref), first.ReferenceID)
	assert.Equal(t, seedsData, first.UserData)
	assert.Equal(t, []int{1, 2}, []int{recs[0].Seq, recs[1].Seq})
	assert.True(t, strings.HasSuffix(recs[0].Text(), "\tAttributeReferenceID\t"+itoa(ref)+"\n\tAttributeThisDN\t'REPORTING'\n"), recs[0].Text())
	assert.Contains(t, recs[0].Text(), "distribute_user_event: message EventUserEvent\n")
	assert.Contains(t, recs[0].Text(), "\tAttributeUserData\t[347] 00 0c 00 00..\n\t\t'gms_AgentAvailable'\t'1348817660755'\n")
	assert.Contains(t, recs[1].Text(), "\t\t'_CB_FINAL_RECORD'\t1\n")
	assert.Equal(t, recs[0].Text()+recs[1].Text(), log.String())

	// A simulator started again on the same switch goes on where the
	// first stopped: it records only what is new.
	e.sim.Stop()
	e2 := newEnv(t, url, baseConfig("SW_MON"))
	send(e2, "session2-1", telephony.UserData{{Key: "k", Value: "v"}})
	recs2, err := e2.sim.WaitUserEvents(ctx, 1)
	require.NoError(t, err)
	time.Sleep(200 * time.Millisecond)
	require.Len(t, e2.sim.UserEvents(), 1)
	assert.Equal(t, "session2-1/EventUserEvent/1", recs2[0].Message.MsgID)
}

func itoa(r telephony.ReferenceID) string { return strconv.FormatUint(uint64(r), 10) }
