package reporting_test

import (
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"testing"
	"time"

	"github.com/orca-scxml/orca/interp"
	"github.com/orca-scxml/orca/scxml"
	"github.com/orca-scxml/orca/telephony"
	"github.com/orca-scxml/orca/templates/reporting"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestDialResults(t *testing.T) {
	h := newHarness(t, nil)
	h.start("rules.scxml", "S1", enabled())
	results := []string{"BUSY", "NO_ANSWER", "ANSWERING_MACHINE", "FAX", "ERROR_TONE", "PERSON"}
	for i, r := range results {
		h.advance(60 * time.Second)
		if i == 0 {
			h.send("S1", "dialing", nil)
			h.advance(10 * time.Second)
		}
		h.send("S1", "dialresult", map[string]any{"result": r})
	}
	h.send("S1", "set", map[string]any{"key": "_CB_T_READY_TO_START_MEDIA_IXN", "value": E})
	assert.Equal(t, []string{"not_settable set _CB_T_READY_TO_START_MEDIA_IXN"}, h.errorLogs(), "set only once")
	got, _ := h.rep.Values("S1")
	assert.Equal(t, kvs(map[string]any{
		"_CB_TENANT_DBID": 101, "_CB_SERVICE_ID": "S1", "_CB_ORS_SESSION_ID": "S1",
		"_CB_DIAL_1_RESULT": "BUSY", "_CB_DIAL_2_RESULT": "NO_ANSWER", "_CB_DIAL_3_RESULT": "ANSWERING_MACHINE",
		"_CB_DIAL_4_RESULT": "FAX", "_CB_DIAL_5_RESULT": "ERROR_TONE",
		// The first attempt is dated from <rep:dialing/>, the others from
		// their result.
		"_CB_T_DIAL_1": E + 60, "_CB_T_DIAL_2": E + 130, "_CB_T_DIAL_3": E + 190, "_CB_T_DIAL_4": E + 250, "_CB_T_DIAL_5": E + 310,
		"_CB_T_READY_TO_START_MEDIA_IXN": E + 60,
		"_CB_N_CALLBACK_MEDIA_ATTEMPTS":  6,
		"_CB_DIM_FINAL_DIAL_RESULT":      "PERSON",
		"_CB_T_LAST_DIAL_ATTEMPT":        E + 370,
	}), got)
}

func TestIncrementAndAliases(t *testing.T) {
	h := newHarness(t, nil)
	h.start("rules.scxml", "S1", enabled())
	h.send("S1", "increment", map[string]any{"key": "_CB_N_TRANSFER_TO_AGENT_FAILED"})
	h.send("S1", "increment", map[string]any{"key": "_CB_N_TRANSFER_TO_AGENT_FAILED", "by": 2})
	h.send("S1", "set", map[string]any{"key": "_CB_N_AGENT_ADDED_TO_I_XN", "value": 1})
	h.send("S1", "set", map[string]any{"key": "_CB_IXN_START_IGNOREING_AVAILABILITY", "value": 0})
	h.send("S1", "script", map[string]any{"key": "_CB_OR_S_SESSION_ID", "value": "S0"})
	assert.Empty(t, h.errorLogs())
	h.setMandatory("S1")
	h.send("S1", "start", nil)
	ud := h.userEvents()[0].UserData
	assert.Equal(t, 3, mustInt(t, ud, "_CB_N_TRANSFER_TO_AGENT_FAILED"))
	assert.Equal(t, 1, mustInt(t, ud, "_CB_N_AGENT_ADDED_TO_IXN"))
	assert.Equal(t, 0, mustInt(t, ud, "_CB_IXN_START_IGNORING_AVAILABILITY"))
	assert.Equal(t, "S0", ud.String("_CB_ORS_SESSION_ID"))
	for _, kv := range ud {
		assert.NotContains(t, kv.Key, "I_XN")
		assert.NotContains(t, kv.Key, "IGNOREING")
		assert.NotContains(t, kv.Key, "OR_S")
	}
}

func TestAttachUsesTheSessionCall(t *testing.T) {
	var call telephony.ConnID
	h := newHarness(t, func(o *reporting.Options) {
		o.Interaction = func(s *interp.Session) string { return string(call) }
	})
	call = h.port.NewCall(telephony.Call{ThisDN: "RP"})
	h.start("rules.scxml", "S1", enabled())
	h.send("S1", "stamp", map[string]any{"key": "_CB_T_CUSTOMER_CONNECTED"})
	h.send("S1", "attach", map[string]any{"keys": []any{"_CB_T_CUSTOMER_CONNECTED", "_CB_SERVICE_ID"}})
	assert.Empty(t, h.errorLogs())
	c, _ := h.port.Call(call)
	assert.Equal(t, telephony.UserData{{Key: "_CB_T_CUSTOMER_CONNECTED", Value: E}, {Key: "_CB_SERVICE_ID", Value: "S1"}}, c.UserData)
}

func TestAttachToAMissingCallIsLogged(t *testing.T) {
	h := newHarness(t, nil)
	h.start("rules.scxml", "S1", enabled())
	h.send("S1", "attach", map[string]any{"keys": "_CB_SERVICE_ID", "ixn": "NOPE"})
	assert.Equal(t, []reporting.Reason{reporting.PortFailure}, h.reasons())
	assert.Contains(t, h.probs[0].Error(), "no such call")
}

func TestExtraKVP(t *testing.T) {
	h := newHarness(t, func(o *reporting.Options) {
		o.Extra = []reporting.Entry{{Key: "ACME_SEGMENT", Kind: reporting.Dimension, Values: []string{"GOLD", "SILVER"}, Description: "Customer segment."}}
	})
	h.start("rules.scxml", "S1", enabled())
	h.send("S1", "set", map[string]any{"key": "ACME_SEGMENT", "value": "BRONZE"})
	h.send("S1", "script", map[string]any{"key": "ACME_SEGMENT", "value": "GOLD"})
	assert.Equal(t, []string{"bad_value set ACME_SEGMENT"}, h.errorLogs())
	h.setMandatory("S1")
	h.send("S1", "done", nil)
	ud := h.userEvents()[0].UserData
	assert.Equal(t, telephony.KV{Key: "ACME_SEGMENT", Value: "GOLD"}, ud[len(ud)-1])

	_, err := reporting.New(reporting.Options{Extra: []reporting.Entry{{Key: "_CB_MINE", Kind: reporting.Text}}})
	assert.ErrorContains(t, err, "reserved")
}

func TestScriptFace(t *testing.T) {
	h := newHarness(t, nil)
	dir := t.TempDir()
	path := filepath.Join(dir, "face.scxml")
	require.NoError(t, os.WriteFile(path, []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">
  <datamodel><data id="r"/></datamodel>
  <state id="s">
    <onentry><script>
      r = [_reporting.set('_CB_DIM_CHANNEL', 'WEB'), _reporting.set('_CB_DIM_CHANNEL', 'FAX'),
           _reporting.get('_CB_DIM_CHANNEL'), typeof _reporting.get('_CB_DIM_VQ'),
           _reporting.stamp('_CB_T_SERVICE_START'), _reporting.get('_CB_T_SERVICE_START')];
      try { _reporting.set(); r.push('no throw'); } catch (e) { r.push(e instanceof TypeError); }
      r.push(_reporting.fromRequest('_CB_D_LAST_CALLBACK_OFFER'), _reporting.fromRequest('_CB_DIM_CHANNEL'));
    </script></onentry>
    <transition event="error.reporting"><log label="error.reporting" expr="_event.data.reason + ' ' + _event.data.op + ' ' + _event.data.keys.join(',')"/></transition>
    <transition event="show"><log label="r" expr="JSON.stringify(r)"/></transition>
  </state>
</scxml>`), 0o644))
	params := enabled()
	params["_cb_d_last_callback_offer"] = 12.0
	h.startFile(path, "S1", params)
	h.send("S1", "show", nil)
	assert.Equal(t, []string{"bad_value set _CB_DIM_CHANNEL"}, h.errorLogs())
	assert.Contains(t, h.logs, `r: [true,false,"WEB","undefined",true,`+strconv.Itoa(E)+`,true,true,false]`)
}

// TestScriptFaceMethods: every method read is made once and kept, those
// kept in place and those after them alike; a method called from within
// another's argument (a getter its export runs) works in its own scratch
// and leaves the outer one's arguments as they were.
func TestScriptFaceMethods(t *testing.T) {
	h := newHarness(t, nil)
	h.startFile(faceChart(t, `      var names = Object.keys(_reporting), fns = names.map(function (n) { return _reporting[n]; });
      r = [names.length, names.every(function (n, i) { return typeof fns[i] === 'function' &amp;&amp; _reporting[n] === fns[i]; })];
      var arg = {};
      Object.defineProperty(arg, 'x', {enumerable: true, get: function () { return _reporting.set('_CB_DIM_CHANNEL', 'MOBILE'); }});
      r.push(_reporting.set('_CB_CUSTOMER_ANI', '5551234'), _reporting.increment('_CB_N_TRANSFER_TO_AGENT_FAILED', arg),
             _reporting.get('_CB_DIM_CHANNEL'), _reporting.get('_CB_CUSTOMER_ANI'));
`), "S1", enabled())
	h.send("S1", "show", nil)
	assert.Equal(t, []string{"bad_value increment _CB_N_TRANSFER_TO_AGENT_FAILED"}, h.errorLogs())
	assert.Contains(t, h.logs, `r: [16,true,true,false,"MOBILE","5551234"]`)
}

// TestScriptFaceProperties: _reporting.on reads as enabled() and
// _reporting.kvp.KEY as get(KEY), with reporting on and off: a KVP set,
// one unset and a name outside the catalogue; kvp is one object, lists
// the KVPs that have a value, and refuses assignment.
func TestScriptFaceProperties(t *testing.T) {
	for _, tc := range []struct {
		name   string
		params map[string]any
		on     string
	}{{"on", enabled(), "true"}, {"off", map[string]any{}, "false"}} {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			h.startFile(faceChart(t, `      _reporting.set('_CB_DIM_CHANNEL', 'WEB');
      var k = _reporting.kvp;
      k._CB_DIM_CHANNEL = 'IVR';
      r = [_reporting.on, _reporting.on === _reporting.enabled(), 'on' in _reporting, 'kvp' in _reporting,
           k._CB_DIM_CHANNEL, k._CB_DIM_CHANNEL === _reporting.get('_CB_DIM_CHANNEL'),
           typeof k._CB_DIM_VQ, '_CB_DIM_VQ' in k, '_CB_DIM_CHANNEL' in k, typeof k._CB_NOPE,
           k === _reporting.kvp, Object.keys(k).indexOf('_CB_DIM_CHANNEL') >= 0, Object.keys(k).indexOf('_CB_DIM_VQ')];
`), "S1", tc.params)
			h.send("S1", "show", nil)
			assert.Empty(t, h.errorLogs())
			assert.Contains(t, h.logs, `r: [`+tc.on+`,true,true,true,"WEB",true,"undefined",false,true,"undefined",true,true,-1]`)
		})
	}
}

func TestLoadErrors(t *testing.T) {
	cases := []struct {
		name, action, want string
	}{
		{"unknown key", `<rep:set key="_CB_NOPE" value="1"/>`, "_CB_NOPE is not a KVP of the catalogue"},
		{"bad literal value", `<rep:set key="_CB_DIM_CHANNEL" value="FAX"/>`, `"FAX" is not one of IVR, WEB, MOBILE`},
		{"derived", `<rep:set key="_CB_D_CALLBACK_OFFER" value="1"/>`, "_CB_D_CALLBACK_OFFER is derived (from _CB_T_CALLBACK_OFFERED to earliest of"},
		{"reserved", `<rep:set key="_CB_FINAL_RECORD" value="1"/>`, "set by the start and final UserEvents"},
		{"stamp a dimension", `<rep:stamp key="_CB_DIM_CHANNEL"/>`, "_CB_DIM_CHANNEL is a dimension, not a timestamp"},
		{"increment a timestamp", `<rep:increment key="_CB_T_DIAL_1"/>`, "not a count"},
		{"attach not call-attached", `<rep:attach keys="_CB_SERVICE_ID _CB_T_CALLBACK_OFFERED"/>`, "_CB_T_CALLBACK_OFFERED is not a call-attached KVP"},
		{"bad dial result", `<rep:dialresult result="REDIAL_LIMIT_REACHED"/>`, "is not one of"},
		{"bad disposition", `<rep:disposition value="COMPLETED"/>`, "is not one of"},
		{"both forms", `<rep:set key="_CB_DIM_CHANNEL" keyexpr="'x'" value="IVR"/>`, "takes key or keyexpr, not both"},
		{"missing value", `<rep:set key="_CB_DIM_CHANNEL"/>`, "needs value or expr"},
		{"unknown attribute", `<rep:start dn="X"/>`, "dn"},
		{"child", `<rep:final><rep:start/></rep:final>`, "is not allowed in"},
		{"bad fromrequest", `<rep:set key="_CB_DIM_CHANNEL" value="IVR" fromrequest="drop"/>`, `fromrequest is keep or log, not "drop"`},
		{"fromrequest elsewhere", `<rep:increment key="_CB_N_IS_SNOOZED" fromrequest="keep"/>`, "fromrequest"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, nil)
			path := filepath.Join(t.TempDir(), "bad.scxml")
			require.NoError(t, os.WriteFile(path, []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" xmlns:rep="`+reporting.NS+`" version="1.0" datamodel="ecmascript">
  <state id="s">
    <onentry>
      `+tc.action+`
    </onentry>
  </state>
</scxml>`), 0o644))
			_, err := scxml.Load(path, &scxml.Options{Registry: h.reg})
			require.Error(t, err)
			assert.Regexp(t, `^`+regexp.QuoteMeta(path)+`:4:\d+: `, err.Error())
			assert.Contains(t, err.Error(), tc.want)
		})
	}
}

// TestFromRequestKeep checks fromrequest="keep" on set, stamp and
// queuestat: a KVP the callback request gave keeps its value without a
// from_request log, its value is not checked, and no statistic is read
// for it.
func TestFromRequestKeep(t *testing.T) {
	const ewtKey = "_CB_EWT_WHEN_CALLBACK_WAS_OFFERED"
	cases := []struct {
		name, action string
		params       map[string]any
		key          string
		want         any
		reasons      []reporting.Reason
	}{
		{"set, logged", `<rep:set key="_CB_DIM_CHANNEL" value="IVR"/>`, map[string]any{"_cb_dim_channel": "WEB"},
			"_CB_DIM_CHANNEL", "WEB", []reporting.Reason{reporting.FromRequest}},
		{"set, kept", `<rep:set key="_CB_DIM_CHANNEL" value="IVR" fromrequest="keep"/>`, map[string]any{"_cb_dim_channel": "WEB"},
			"_CB_DIM_CHANNEL", "WEB", nil},
		{"set, log is the default", `<rep:set key="_CB_DIM_CHANNEL" value="IVR" fromrequest="log"/>`, map[string]any{"_cb_dim_channel": "WEB"},
			"_CB_DIM_CHANNEL", "WEB", []reporting.Reason{reporting.FromRequest}},
		{"set, not given", `<rep:set key="_CB_DIM_CHANNEL" value="IVR" fromrequest="keep"/>`, nil,
			"_CB_DIM_CHANNEL", "IVR", nil},
		{"set, kept value not checked", `<rep:set key="_CB_DIM_CHANNEL" expr="'FAX'" fromrequest="keep"/>`, map[string]any{"_cb_dim_channel": "WEB"},
			"_CB_DIM_CHANNEL", "WEB", nil},
		{"set, bad value not given", `<rep:set key="_CB_DIM_CHANNEL" expr="'FAX'" fromrequest="keep"/>`, nil,
			"_CB_DIM_CHANNEL", nil, []reporting.Reason{reporting.BadValue}},
		{"stamp, kept", `<rep:stamp key="_CB_T_CALLBACK_OFFERED" fromrequest="keep"/>`, map[string]any{"_cb_t_callback_offered": float64(E - 60)},
			"_CB_T_CALLBACK_OFFERED", E - 60, nil},
		{"stamp, not given", `<rep:stamp key="_CB_T_CALLBACK_OFFERED" fromrequest="keep"/>`, nil,
			"_CB_T_CALLBACK_OFFERED", E, nil},
		// The source fails: a statistic read is logged.
		{"queuestat, not read", `<rep:queuestat queue="'VQ'" ewt="` + ewtKey + `" fromrequest="keep"/>`, map[string]any{"_cb_ewt_when_callback_was_offered": 30.0},
			ewtKey, 30, nil},
		{"queuestat, read", `<rep:queuestat queue="'VQ'" ewt="` + ewtKey + `"/>`, map[string]any{"_cb_ewt_when_callback_was_offered": 30.0},
			ewtKey, 30, []reporting.Reason{reporting.NoStatistics}},
		{"queuestat, others read", `<rep:queuestat queue="'VQ'" ewt="` + ewtKey + `" position="_CB_POS_WHEN_CALLBACK_WAS_OFFERED" fromrequest="keep"/>`,
			map[string]any{"_cb_ewt_when_callback_was_offered": 30.0}, ewtKey, 30, []reporting.Reason{reporting.NoStatistics}},
		// The same through _reporting.queueStat's fromrequest.
		{"queueStat, not read", `<script>_reporting.queueStat({queue: 'VQ', ewt: '` + ewtKey + `', fromrequest: 'keep'});</script>`,
			map[string]any{"_cb_ewt_when_callback_was_offered": 30.0}, ewtKey, 30, nil},
		{"queueStat, read", `<script>_reporting.queueStat({queue: 'VQ', ewt: '` + ewtKey + `'});</script>`,
			map[string]any{"_cb_ewt_when_callback_was_offered": 30.0}, ewtKey, 30, []reporting.Reason{reporting.NoStatistics}},
		{"queueStat, log is the default", `<script>_reporting.queueStat({queue: 'VQ', ewt: '` + ewtKey + `', fromrequest: 'log'});</script>`,
			map[string]any{"_cb_ewt_when_callback_was_offered": 30.0}, ewtKey, 30, []reporting.Reason{reporting.NoStatistics}},
		{"queueStat, others read", `<script>_reporting.queueStat({queue: 'VQ', ewt: '` + ewtKey + `', position: '_CB_POS_WHEN_CALLBACK_WAS_OFFERED', fromrequest: 'keep'});</script>`,
			map[string]any{"_cb_ewt_when_callback_was_offered": 30.0}, ewtKey, 30, []reporting.Reason{reporting.NoStatistics}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			h := newHarness(t, func(o *reporting.Options) { o.Statistics = failingStats{} })
			path := filepath.Join(t.TempDir(), "keep.scxml")
			require.NoError(t, os.WriteFile(path, []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" xmlns:rep="`+reporting.NS+`" version="1.0" datamodel="ecmascript">
  <state id="s"><onentry>`+tc.action+`</onentry></state>
</scxml>`), 0o644))
			doc, err := scxml.Load(path, &scxml.Options{Registry: h.reg})
			require.NoError(t, err)
			c, err := h.eng.Compile(doc)
			require.NoError(t, err)
			_, err = h.eng.Start(c, interp.StartOptions{ID: "S1", Params: with(enabled(), tc.params)})
			require.NoError(t, err)
			h.eng.Run()
			assert.Equal(t, tc.reasons, h.reasons())
			got, ok := h.rep.Values("S1")
			require.True(t, ok)
			v, _ := got.Get(tc.key)
			assert.Equal(t, tc.want, v)
		})
	}
}

// TestScriptFaceQueueStat checks the argument of _reporting.queueStat: a
// plain object whose properties are scalars, anything else a TypeError.
func TestScriptFaceQueueStat(t *testing.T) {
	h := newHarness(t, nil)
	h.startFile(faceChart(t, `      function err(f) { try { f(); return 'no throw'; } catch (e) { return e instanceof TypeError ? e.message : 'not a TypeError'; } }
      r = [err(function () { _reporting.queueStat(); }),
           err(function () { _reporting.queueStat(['VQ']); }),
           err(function () { _reporting.queueStat('VQ'); }),
           err(function () { _reporting.queueStat({queue: 'VQ', ewt: {}}); }),
           err(function () { _reporting.queueStat({queue: 'VQ', ewt: '_CB_EWT_WHEN_CALLBACK_WAS_OFFERED', fromrequest: 'drop'}); }),
           typeof _reporting.queueStat({queue: 'VQ', ewt: '_CB_EWT_WHEN_CALLBACK_WAS_OFFERED', priority: null, defaultpriority: 3})];
`), "S1", enabled())
	h.send("S1", "show", nil)
	assert.Contains(t, h.logs, `r: ["_reporting.queueStat: missing options",`+
		`"_reporting.queueStat: the argument must be an object","_reporting.queueStat: the argument must be an object",`+
		`"_reporting.queueStat: ewt: an object is not a string","_reporting.queueStat: fromrequest is keep or log, not \"drop\"","boolean"]`)
}

// faceChart writes a chart whose initial state runs script, with r
// declared, logs each error.reporting as "reason op keys" and logs r as
// JSON on event show; it returns its path.
func faceChart(t *testing.T, script string) string {
	path := filepath.Join(t.TempDir(), "face.scxml")
	require.NoError(t, os.WriteFile(path, []byte(`<scxml xmlns="http://www.w3.org/2005/07/scxml" version="1.0" datamodel="ecmascript">
  <datamodel><data id="r"/></datamodel>
  <state id="s">
    <onentry><script>`+script+`</script></onentry>
    <transition event="error.reporting"><log label="error.reporting" expr="_event.data.reason + ' ' + _event.data.op + ' ' + _event.data.keys.join(',')"/></transition>
    <transition event="show"><log label="r" expr="JSON.stringify(r)"/></transition>
  </state>
</scxml>`), 0o644))
	return path
}
