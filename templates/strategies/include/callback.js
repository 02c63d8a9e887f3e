// Shared helpers of the Orca callback templates: the callback's lifecycle
// (_callback_state, _callback_reason) and the values the templates report
// through the reporting actions (<rep:*>, namespace
// http://orca-scxml.dev/reporting, and the _reporting object).
//
// The templates read their options and the callback request from _data
// (see "orca templates show NAME" and the templates package): _id,
// _customer_number, _desired_delay, _max_dial_attempts, ...

var cb = {
  state: '',          // _callback_state
  reason: '',         // _callback_reason
  disposition: '',    // _CB_DISPOSITION to report when the callback ends
  ixn: '',            // the callback call (outbound, or the customer's inbound call)
  callid: '',         // its T-Server call ID
  origin: '',         // in-queue: the call the offer is made on
  offerOpen: false,   // in-queue: the offer is played and not answered yet
  virtual: '',        // the interaction an agent is reserved with (agent first, _wait_for_agent)
  agent: '',          // the DN of the agent found
  reserved: false,    // cb.agent is reserved for the customer (reserve.scxml)
  vq: '',             // the virtual queue the agent is found through (_CB_DIM_VQ)
  priority: 0,        // the priority of the callback's interactions in the queues
  from: '',           // the DN dial attempts are placed from
  attempts: 0,        // dial attempts (or push notifications) so far
  result: '',         // result of the last attempt
  delivered: false,   // user originated: the customer's app confirmed the push
  transfers: 0,       // failed transfers to the agent
  agentFirst: false,
  type: '',           // _CB_DIM_TYPE
  offerType: '',      // _CB_DIM_CALLBACK_OFFER_TYPE
  order: '',          // _CB_DIM_CONNECT_ORDER
  direction: '',      // _CB_DIM_CALL_DIRECTION
  offering: false,    // the session makes the offer itself (in-queue)
  req: {}             // request ids
};

// cbState moves the callback to state, with reason when given, tells the
// reporting action (the disposition of a callback ended from outside
// comes from it), and logs the change as
// "_callback_state=STATE[ _callback_reason=REASON]". Where the state is
// known in the document, the templates write this out: <rep:state
// value="STATE"/>, then the assignments and __Log of one literal string
// (no session then makes _reporting.state, nor joins the log line).
function cbState(state, reason) {
  cb.state = state;
  if (reason) {
    cb.reason = reason;
  }
  _reporting.state(state);
  // (Two operands where there is no reason: each + makes a string.)
  __Log(reason ? '_callback_state=' + state + ' _callback_reason=' + reason : '_callback_state=' + state);
}

// cbEnd ends the callback with reason. substate, when given, makes the
// disposition STATE.SUBSTATE, STATE being state or else the state the
// callback is in now.
function cbEnd(reason, substate, state) {
  if (substate) {
    cb.disposition = (state || cb.state) + '.' + substate;
  }
  cbState('COMPLETED', reason);
}

// cbDelay returns a number of seconds as a <send> delay: whole seconds,
// 0 when secs is not a positive number. The scripts use operators (+x,
// '' + x) where Number, String or Math would do the same: the script
// engine makes each of those objects in every session that reads it.
// The delay is a CSS2 time ("30s"), the form <send>'s delayexpr must
// give (SCXML 6.2.2).
function cbDelay(secs) {
  var n = +secs || 0;
  // (n - n % 1 makes a new number even where n is whole already.)
  return (n > 0 ? (n % 1 === 0 || n === Infinity ? n : n - n % 1) : 0) + 's';
}

// cbNow returns the session clock's time in UTC seconds.
function cbNow() {
  var s = _genesys.session;
  var ms = Date.parse(s.dateInZone('UTC') + 'T' + s.timeInZone('UTC') + 'Z');
  return (ms - ms % 1000) / 1000;
}

// cbCallResult maps a call result of the telephony layer to a dial result:
// T-Server's names as it spells them first, then any spelling of them and
// their aliases. (Lower-casing a string calls a method of String, which
// the script engine makes in the session on first use.)
function cbCallResult(r) {
  switch (r) {
    case undefined: case null: case '': return '';
    case 'Answer': return 'PERSON';
    case 'Busy': return 'BUSY';
    case 'NoAnswer': return 'NO_ANSWER';
    case 'AnsweringMachine': return 'ANSWERING_MACHINE';
    case 'Fax': return 'FAX';
    case 'SIT': return 'ERROR_TONE';
  }
  switch (('' + (r || '')).toLowerCase()) {
    case '': return '';
    case 'answer': case 'person': return 'PERSON';
    case 'busy': return 'BUSY';
    case 'noanswer': case 'no_answer': return 'NO_ANSWER';
    case 'answeringmachine': case 'answering_machine': case 'am': return 'ANSWERING_MACHINE';
    case 'fax': return 'FAX';
    case 'sit': case 'errortone': case 'error_tone': case 'sitdetected': return 'ERROR_TONE';
  }
  return 'NO_ANSWER';
}

// cbAttempt starts an attempt (a push notification) and reads the EWT
// and position of the callback in its queue for it: those of the first
// attempt once, those of the last each time. A dial (dial.scxml) does the
// same with <rep:queuestat>, which makes neither this function nor
// _reporting.queueStat in the session.
function cbAttempt() {
  cb.attempts++;
  cb.result = '';
  // As cbStat would, without making it and a keys object per read.
  if (cb.attempts == 1) {
    _reporting.queueStat({queue: cb.vq, interactionid: cb.virtual || '', defaultpriority: cb.priority,
      ewt: '_CB_EWT_WHEN_READY_TO_START_MEDIA_IXN', position: '_CB_POS_WHEN_READY_TO_START_MEDIA_IXN', fromrequest: 'keep'});
  }
  _reporting.queueStat({queue: cb.vq, interactionid: cb.virtual || '', defaultpriority: cb.priority,
    ewt: '_CB_EWT_WHEN_READY_TO_START_LAST_MEDIA_IXN', position: '_CB_POS_WHEN_READY_TO_START_LAST_MEDIA_IXN', fromrequest: 'keep'});
}

// cbCanRedial says whether another attempt is allowed.
function cbCanRedial() {
  return cb.attempts < +_data._max_dial_attempts;
}

// cbCallAlive says whether id is a call this session still has.
function cbCallAlive(id) {
  return !!id && _genesys.ixn.interactions[id] !== undefined;
}

// cbCallID returns the T-Server call ID of interaction id, or id when
// the session does not own it (any more).
function cbCallID(id) {
  var x = _genesys.ixn.interactions[id];
  return x && x.voice && x.voice.callid ? x.voice.callid : id;
}

// cbStat sets KVPs from the statistic source: keys maps ewt, position,
// priority and waited to the KVPs to set, for interaction ixn in virtual
// queue queue (or, when it does not wait there, a newcomer's; priority
// then defaults to the callback's). KVPs the request gave are left out
// (fromrequest 'keep': no statistic is read for them, none at all when
// the request gave every one). The options are one object literal, all
// of its properties at once: an object grows its property table with
// each property added after it is made.
function cbStat(queue, ixn, keys, priority) {
  _reporting.queueStat({queue: queue, interactionid: ixn || '', defaultpriority: priority === undefined ? cb.priority : priority,
    ewt: keys.ewt, position: keys.position, priority: keys.priority, waited: keys.waited, fromrequest: 'keep'});
}

// cbSet sets KVP key to value unless the callback request gave it.
function cbSet(key, value) {
  if (!_reporting.fromRequest(key)) {
    _reporting.set(key, value);
  }
}

// cbVQ makes queue the virtual queue the agent is found through.
function cbVQ(queue) {
  cb.vq = queue;
  _reporting.set('_CB_DIM_VQ', queue);
}
