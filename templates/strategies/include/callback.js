// Shared helpers of the Orca callback templates: the callback's lifecycle
// (_callback_state, _callback_reason) and the values the templates report
// through the reporting actions (<rep:*>, namespace
// http://orca-scxml.dev/reporting).
//
// The templates read their options and the callback request from _data
// (see "orca templates" and the templates package): _id, _customer_number,
// _desired_delay, _max_dial_attempts, _dial_retry_timeout, ...

var cb = {
  state: '',          // _callback_state
  reason: '',         // _callback_reason
  disposition: '',    // _CB_DISPOSITION to report when the callback ends
  ixn: '',            // the callback call (outbound, or the customer's inbound call)
  origin: '',         // in-queue: the call the offer is made on
  virtual: '',        // the interaction an agent is reserved with (agent first, _wait_for_agent)
  agent: '',          // the DN of the agent found
  target: '',         // the routing target that found it (_CB_DIM_FINAL_TARGET)
  reserved: false,    // cb.agent is reserved for the customer (reserve.scxml)
  from: '',           // the DN dial attempts are placed from
  attempts: 0,        // dial attempts (or push notifications) so far
  result: '',         // result of the last attempt
  cutShort: '',       // the result of the attempt under way if the callback ends before it has one
  offerOpen: false,   // in-queue: the offer is played and not answered yet
  transfers: 0,       // failed transfers to the agent
  agentFirst: false,
  req: {}             // request ids
};

// cbState moves the callback to state, with reason when given, and logs
// the change as "_callback_state=STATE[ _callback_reason=REASON]".
function cbState(state, reason) {
  cb.state = state;
  if (reason) {
    cb.reason = reason;
  }
  __Log('_callback_state=' + state + (reason ? ' _callback_reason=' + reason : ''));
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

// cbDelay returns a number of seconds as a <send> delay.
function cbDelay(secs) {
  return Math.max(0, Math.floor(Number(secs) || 0)) + 's';
}

// cbNow returns the session clock's time in UTC seconds.
function cbNow() {
  var s = _genesys.session;
  return Math.floor(Date.parse(s.dateInZone('UTC') + 'T' + s.timeInZone('UTC') + 'Z') / 1000);
}

// cbCallResult maps a call result of the telephony layer to a dial result.
function cbCallResult(r) {
  switch (String(r || '').toLowerCase()) {
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

// cbFailed says whether a dial result ends the attempt without a person.
function cbFailed(result) {
  return result !== '' && result !== 'PERSON' && result !== 'CONNECTED';
}

// cbAttempt starts an attempt (a dial or a push notification) that is
// reported with result cutShort if the callback ends before it has one.
function cbAttempt(cutShort) {
  cb.attempts++;
  cb.result = '';
  cb.cutShort = cutShort;
}

// cbDialed marks the result of the attempt under way as reported.
function cbDialed() {
  cb.cutShort = '';
}

// cbCanRedial says whether another attempt is allowed.
function cbCanRedial() {
  return cb.attempts < Number(_data._max_dial_attempts);
}

// cbCallAlive says whether id is a call this session still has.
function cbCallAlive(id) {
  return !!id && _genesys.ixn.interactions[id] !== undefined;
}
