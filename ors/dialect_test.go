package ors_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/orca-scxml/orca/ors"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/telephony"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestCompletionValues(t *testing.T) {
	h := newHarness(t, nil)
	s := h.startSrc(orsDoc(`<datamodel><data id="n" expr="2"/></datamodel>
  <state id="s">
    <onentry>
      <log expr="if (n &gt; 1) { 'many' } else { 'one' }"/>
      <log expr="caller_id: 'x' + n"/>
      <assign location="n" expr="var t = 5; t * 2"/>
      <log expr="n"/>
      <if cond="var ok = n == 10; ok"><log expr="'cond'"/></if>
    </onentry>
    <transition target="pass"/>
  </state>`), nil)
	require.Equal(t, "pass", final(s), "errors %v", h.errs)
	assert.Equal(t, []string{"many", "x2", "10", "cond"}, h.logs)

	// W3C documents keep ECMAScript expressions.
	h = newHarness(t, nil)
	s = h.startSrc(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript" initial="s">
  <state id="s">
    <onentry><log expr="caller_id: 'x'"/></onentry>
    <transition event="error.execution" target="pass"/>
    <transition event="*" target="fail"/>
  </state>
  <final id="pass"/><final id="fail"/>
</scxml>`, nil)
	assert.Equal(t, "pass", final(s))
	assert.Empty(t, h.logs)
}

func TestDataObject(t *testing.T) {
	h := newHarness(t, nil)
	s := h.startSrc(orsDoc(`<datamodel>
    <data id="x" expr="5"/>
    <data id="p"/>
    <data id="system" expr="new Object()"/>
  </datamodel>
  <state id="s">
    <onentry>
      <script>
        var system = new Object();
        system.SessionID = 'abc';
        _data.system.context = system;
      </script>
      <log expr="_data.x + ',' + _data.p + ',' + p + ',' + _data.system.context.SessionID"/>
      <assign location="x" expr="6"/>
      <log expr="x + ',' + _data.x"/>
      <log expr="'system' in _data &amp;&amp; !('n' in _data)"/>
    </onentry>
    <transition target="pass"/>
  </state>`), map[string]any{"p": "from-start"})
	require.Equal(t, "pass", final(s), "errors %v", h.errs)
	assert.Equal(t, []string{"5,from-start,from-start,abc", "6,5", "true"}, h.logs)
}

func TestEventsOwnTheirEventObject(t *testing.T) {
	h := newHarness(t, nil)
	s := h.startSrc(orsDoc(`<datamodel><data id="first"/></datamodel>
  <state id="s">
    <onentry>
      <raise event="a"><param name="v" expr="1 + 1"/><param name="w" expr="'x'"/></raise>
      <raise event="b"/>
    </onentry>
    <transition event="a"><assign location="first" expr="_event"/></transition>
    <transition event="b" target="pass">
      <log expr="first.name + ',' + first.data.v + first.data.w + ',' + _event.name + ',' + (first === _event)"/>
    </transition>
  </state>`), nil)
	require.Equal(t, "pass", final(s), "errors %v", h.errs)
	require.Empty(t, h.errs)
	assert.Equal(t, []string{"a,2x,b,false"}, h.logs)
}

func TestCancelAnswers(t *testing.T) {
	h := newHarness(t, nil)
	s := h.startSrc(orsDoc(`<datamodel><data id="tid" expr="'t1'"/></datamodel>
  <state id="s">
    <onentry>
      <send id="t1" event="'late'" delay="'10s'"/>
      <cancel sendid="tid"/>
      <cancel sendid="'nothing'"/>
    </onentry>
    <transition event="cancel.successful"><log expr="'cancelled ' + _event.data.sendid"/></transition>
    <transition event="error.notallowed" target="wait"><log expr="'not allowed ' + _event.data.sendid"/></transition>
    <transition event="late" target="fail"/>
  </state>
  <state id="wait">
    <onentry><send event="'end'" delay="'20s'"/></onentry>
    <transition event="late" target="fail"/>
    <transition event="end" target="pass"/>
  </state>`), nil)
	h.advance(30 * time.Second)
	require.Equal(t, "pass", final(s), "errors %v logs %v", h.errs, h.logs)
	assert.Equal(t, []string{"cancelled t1", "not allowed nothing"}, h.logs)
}

func TestGenesysObject(t *testing.T) {
	h := newHarness(t, func(o *ors.Options) {
		o.Config.Environment = &ors.Environment{
			SpecialDays: map[string]map[string][]string{"Calendar": {"Weekend": {"11-21 08:00-12:00"}, "Monday": {"11-23"}}},
			Statistics:  map[string]map[string]float64{"Agent1@StatServer.A": {"StatTimeInReadyState": 30}, "Agent2@StatServer.A": {"StatTimeInReadyState": 10}},
			Lists:       map[string]map[string]map[string]string{"Hours": {"Sales": {"open": "08:00"}}},
			Options:     map[string]string{"vq": "VQ_Sales"},
		}
	})
	s := h.startSrc(orsDoc(`<state id="s">
    <onentry>
      <script>
        var g = _genesys, ss = g.session;
        __Log(g.queue.rType.RouteTypeUnknown + ',' + g.queue.rType.RouteTypeDefault + ',' + g.queue.rType.RouteTypeAgentID);
        __Log(ss.day.Sunday + ',' + ss.day.Saturday + ',' + ss.dayInZone('ECT') + ',' + ss.dayInZone('JST') + ',' + ss.dayInZone('HST'));
        __Log(ss.dateInZone('ECT') + ' ' + ss.timeInZone('ECT') + ' ' + ss.timeInZone('PST') + ' ' + ss.timeInZone('+05:30'));
        __Log(JSON.stringify(ss.getListItemValue('Hours', 'Sales')) + ',' + typeof ss.getListItemValue('Hours', 'Support'));
        __Log(ss.getListItemValue('Hours', 'Sales', 'open') + ',[' + ss.getListItemValue('Hours', 'Sales', 'close') + ']');
        try { ss.getListItemValue('Nope', 'x', 'y'); __Log('no error'); } catch (e) { __Log('threw ' + (String(e).indexOf('Nope') >= 0)); }
        __Log(ss.getConfigOption('vq') + ',' + ss.getConfigOption('', 'vq', ss.lookupseq.StartFromStrategy) + ',[' + ss.getConfigOption('none') + ']');
        __Log(ss.isSpecialDay('Calendar', 'Weekend') + ',' + ss.isSpecialDay('Calendar', 'Monday') + ',' + ss.isSpecialDay('Calendar', '') + ',' +
          ss.isSpecialDay('Calendar', 'Weekend', 'UTC', true) + ',' + ss.isSpecialDay('Calendar', 'Weekend', 'JST', true));
        try { ss.timeInZone('Mars'); } catch (e) { __Log('zone ' + (String(e).indexOf('Mars') >= 0)); }
        __Log(g.statistic.sData('Agent1@StatServer.A', 'StatTimeInReadyState') + ',' +
          g.statistic.getAvgData('Agent1@StatServer.A,Agent2@StatServer.A', 'StatTimeInReadyState') + ',' +
          g.statistic.getMaxData('Agent1@StatServer.A,Agent2@StatServer.A', 'StatTimeInReadyState'));
      </script>
    </onentry>
    <transition target="pass"/>
  </state>`), nil)
	require.Equal(t, "pass", final(s), "errors %v logs %v", h.errs, h.logs)
	assert.Equal(t, []string{
		"0,1,13",
		"0,6,6,6,6",
		"2026-11-21 11:00:00 02:00:00 15:30:00",
		`{"open":"08:00"},undefined`,
		"08:00,[]",
		"threw true",
		"VQ_Sales,VQ_Sales,[]",
		"true,false,true,true,false",
		"zone true",
		"30,20,30",
	}, h.logs)
}

func TestStatisticSubscribe(t *testing.T) {
	h := newHarness(t, func(o *ors.Options) {
		o.Config.Environment = &ors.Environment{Statistics: map[string]map[string]float64{"Agent1@StatServer.A": {"StatTimeInReadyState": 30}}}
	})
	s := h.startSrc(orsDoc(`<datamodel><data id="sub"/></datamodel>
  <state id="s">
    <onentry>
      <statistic:subscribe requestid="sub" object="'Agent1@StatServer.A'" statistic="'StatTimeInReadyState'" interval="5"/>
      <statistic:subscribe object="'Agent1@StatServer.A'" statistic="'StatAgentsBusy'"/>
    </onentry>
    <transition event="statistic.subscribe.done"><log expr="_event.data.object + ' ' + _event.data.value + ' ' + (_event.data.requestid == sub)"/></transition>
    <transition event="error.statistic.subscribe" target="unsub"><log expr="_event.data.error"/></transition>
  </state>
  <state id="unsub">
    <onentry><statistic:unsubscribe requestid="sub"/></onentry>
    <transition event="statistic.unsubscribe.done" target="pass"/>
    <transition event="error.*" target="fail"/>
  </state>`), nil)
	require.Equal(t, "pass", final(s), "errors %v logs %v events %v", h.errs, h.logs, h.names(s.ID()))
	assert.Equal(t, []string{"Agent1@StatServer.A 30 true", "invalidattribute"}, h.logs)
}

func TestQueueQueryAndCancel(t *testing.T) {
	h := newHarness(t, nil)
	h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: time.Hour})
	s := h.startSrc(orsDoc(`<datamodel><data id="ixnid"/><data id="req"/></datamodel>
  <state id="s">
    <transition event="interaction.added" target="queued"><assign location="ixnid" expr="_event.data.interactionid"/></transition>
  </state>
  <state id="queued">
    <onentry>
      <queue:submit interactionid="ixnid" queue="'VQ_Sales'" priority="3" timeout="600" requestid="req">
        <queue:targets><queue:target name="'Agent1'" type="agent"/></queue:targets>
      </queue:submit>
    </onentry>
    <transition event="queue.submit.requestid"><queue:query requestid="_event.data.requestid"/></transition>
    <transition event="queue.query.done" target="cancel">
      <log expr="_event.data.priority + ' ' + _event.data.positioninqueue + ' ' + _event.data.virtualqueue + ' ' + (_event.data.requestid == req)"/>
    </transition>
  </state>
  <state id="cancel">
    <onentry><queue:cancel requestid="req"/></onentry>
    <transition event="error.queue.submit"><log expr="'submit ' + _event.data.error"/></transition>
    <transition event="queue.cancel.done" target="after"/>
  </state>
  <state id="after">
    <onentry><queue:query requestid="req"/></onentry>
    <transition event="error.queue.query" target="pass"><log expr="'query ' + _event.data.error"/></transition>
  </state>`), nil)
	h.port.NewCall(telephony.Call{ThisDN: "RP_1000"})
	h.advance(time.Minute)
	require.Equal(t, "pass", final(s), "errors %v logs %v events %v", h.errs, h.logs, h.names(s.ID()))
	assert.Equal(t, []string{"3 1 VQ_Sales true", "submit cancelled", "query invalidattribute"}, h.logs, h.names(s.ID()))
	assert.Len(t, h.port.RequestsOf(telephony.KindQueueCancel), 1)
}

func TestMerge(t *testing.T) {
	h := newHarness(t, nil)
	s := h.startSrc(orsDoc(`<state id="s">
    <transition event="interaction.onmerge" target="merged">
      <log expr="_event.data.frominteractionid + '>' + _event.data.tointeractionid"/>
    </transition>
  </state>
  <state id="merged">
    <transition event="interaction.deleted" target="pass"><log expr="_event.data.interactionid + ' ' + _event.data.resultof"/></transition>
  </state>`), nil)
	c1 := h.port.NewCall(telephony.Call{ThisDN: "RP_1000"})
	c2 := h.port.NewCall(telephony.Call{ThisDN: "RP_1000"})
	h.settle()
	require.NoError(t, h.port.Merge(c1, c2))
	h.settle()
	require.Equal(t, "pass", final(s), "errors %v logs %v events %v", h.errs, h.logs, h.names(s.ID()))
	assert.Equal(t, []string{string(c1) + ">" + string(c2), string(c1) + " merge"}, h.logs)
}

func TestFetchHeadersAndContent(t *testing.T) {
	var got struct{ method, ctype, accept, token, body string }
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		got.method, got.ctype, got.accept, got.token, got.body = r.Method, r.Header.Get("Content-Type"), r.Header.Get("Accept"), r.Header.Get("X-Token"), string(b)
		w.Header().Set("X-Served-By", "test")
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"ok":true}`)
	}))
	defer srv.Close()
	h := newHarness(t, nil)
	s := h.startSrc(orsDoc(`<state id="s">
    <onentry>
      <session:fetch srcexpr="_data.url" method="'post'" enctype="'application/json'" type="'application/json'" headers="({'X-Token': 'abc'})" timeout="2">
        <content expr="({customer: 'Ann', n: 2})"/>
      </session:fetch>
    </onentry>
    <transition event="session.fetch.done" target="pass">
      <log expr="_event.data.status + ' ' + _event.data.headers['x-served-by'] + ' ' + eval('(' + _event.data.content + ')').ok"/>
    </transition>
    <transition event="error.session.fetch" target="fail"/>
  </state>`), map[string]any{"url": srv.URL})
	require.Equal(t, "pass", final(s), "errors %v logs %v", h.errs, h.logs)
	assert.Equal(t, []string{"200 test true"}, h.logs)
	assert.Equal(t, "POST", got.method)
	assert.Equal(t, "application/json", got.ctype)
	assert.Equal(t, "application/json", got.accept)
	assert.Equal(t, "abc", got.token)
	assert.JSONEq(t, `{"customer":"Ann","n":2}`, got.body)
}

func TestSubmitWithTargetsAndTreatments(t *testing.T) {
	h := newHarness(t, func(o *ors.Options) {
		o.Config.Environment = &ors.Environment{Agents: []ors.Agent{{ID: "Agent9", DN: "7009", Groups: []string{"Sales"}}}}
	})
	h.port.Script(telephony.KindQueueSubmit, telephony.Answer{Delay: 20 * time.Second})
	src := orsDoc(`<datamodel><data id="ixnid"/></datamodel>
  <state id="s">
    <transition event="interaction.added" target="queued"><assign location="ixnid" expr="_event.data.interactionid"/></transition>
  </state>
  <state id="queued">
    <onentry>
      <queue:submit interactionid="ixnid" queue="'VQ_Sales'" priority="1" timeout="60" futureattr="x">
        <queue:targets type="agentgroup">
          <queue:target name="'Sales'" weight="2" threshold="'StatAgentsAvailable > 0'"/>
          <queue:target name="'Agent1'" type="agent"/>
        </queue:targets>
        <dialog:runtreatments>
          <dialog:playsound resource="'music/hold'" duration="30"/>
        </dialog:runtreatments>
      </queue:submit>
    </onentry>
    <transition event="queue.submit.done" target="pass"><log expr="_event.data.targetselected"/></transition>
    <transition event="error.*" target="fail"/>
  </state>`)
	doc, err := scxml.Parse("inline.scxml", []byte(src), h.rt.LoadOptions())
	require.NoError(t, err)
	require.Len(t, doc.Warnings, 1)
	assert.Contains(t, doc.Warnings[0].Error(), `unknown attribute "futureattr" on <queue:submit> is ignored`)
	s := h.startSrc(src, nil)
	h.port.NewCall(telephony.Call{ThisDN: "RP_1000"})
	h.advance(time.Minute)
	require.Equal(t, "pass", final(s), "errors %v logs %v events %v", h.errs, h.logs, h.names(s.ID()))
	assert.Equal(t, []string{"7009@SIP_Switch"}, h.logs)
	sub := h.port.RequestsOf(telephony.KindQueueSubmit)[0].Body.(telephony.QueueSubmit)
	assert.Equal(t, []string{"{StatAgentsAvailable > 0}[2]Sales@.GA", "Agent1@.A"}, sub.Targets)
	tr := h.port.RequestsOf(telephony.KindTreatment)[0].Body.(telephony.Treatment)
	assert.Equal(t, "music/hold", tr.Resource)
	assert.Equal(t, 30*time.Second, tr.Duration)
	assert.NotContains(t, h.names(s.ID()), "dialog.playsound.done", "treatments of a submit answer nothing")
}
