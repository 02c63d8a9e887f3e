// Package templates holds Orca's out-of-box callback application: the
// callback strategies (templates) embedded in the binary, the options of a
// callback service, and how a callback request becomes a session.
//
// # Templates
//
// Each template is an ORS strategy (strategies/NAME.scxml) built from
// shared parts under strategies/include: callback.js (lifecycle helpers),
// begin.scxml (the KVPs known at service start), dial.scxml (dial attempts
// and redial), reserve.scxml (an agent reserved in the virtual queue before
// the dial: agent first, and customer first with _wait_for_agent),
// connect.scxml (confirmation, the wait for an agent, the transfer, the
// conversation) and end.scxml (disposition, release, final UserEvent),
// spliced with XInclude. List names them:
//
//	callback-immediate        user-terminated, customer first, dial now
//	                          (_wait_for_agent: reserve an agent, then dial)
//	callback-scheduled        user-terminated at _desired_time, redial, snooze
//	                          (_wait_for_agent as for immediate)
//	callback-agent-first      reserve an agent (with or without preview), then dial
//	callback-in-queue         offer to a caller waiting in queue
//	callback-user-originated  push notification, then the customer calls in
//
// Every template walks _callback_state SCHEDULED → QUEUED → ROUTING →
// PROCESSING → COMPLETED and ends with a _callback_reason (AGENT_CONNECTED,
// CANCELLED, FAIL_TIMEOUT_TTL, FAIL_CALL_TO_CUSTOMER, FAIL_TARGET_NOT_FOUND,
// FAIL_INTERACTION_DELETED, FAIL_QUEUEING, FAIL_AGENT_CONNECT,
// FAIL_USER_NO_CONFIRM, FAIL_ERROR); each change is logged (__Log) as
// "_callback_state=STATE[ _callback_reason=REASON]" (ParseStateLog reads it;
// States, ReservesAgent and PushResultEvent say the rest of the lifecycle
// the GMS API needs). They report through
// the reporting actions of package reporting (namespace reporting.NS), so
// a host registers a reporting.Reporter's actions in the registry it loads
// templates with and calls its SessionEnded when a session ends.
//
// Every state a template waits in has a timeout of its own (an option
// with a default), so that a missed event still ends the callback with a
// _callback_reason and the final UserEvent: _ttl, _urs_queued_ttl (and 5s
// more for a queue that never answers), _agent_preview_timeout,
// _ixn_createcall_timeout (and 5s more), _push_confirm_timeout,
// _offer_timeout, _max_time_to_wait_for_agent_on_the_call,
// _agent_connect_timeout and _max_processing_time.
//
// What they report follows docs/reporting.md: the VQ and the routing
// target that found the agent, the call IDs of the outbound calls, each
// created with the call-attached KVPs, the request's _cb_* values
// unchanged, EWT, position and priority from the statistic source
// (<rep:queuestat>), business hours (_business_hours: the service passes
// _offer_timing and _next_open_delay), and the three virtual queues
// (_vq_for_inbound_calls, _urs_virtual_queue, _vq_for_outbound_calls).
//
// A template needs from its host (choices of ours):
//
//   - the events of the callback API: callback.cancel (DELETE; honoured in
//     SCHEDULED and QUEUED), callback.reschedule with _desired_delay
//     (callback-scheduled), callback.complete with an optional
//     _disposition (the agent's COMPLETED disposition, bare reason or
//     in full), and callback.preview.accept / callback.preview.reject
//     (agent first);
//   - callback.snooze from the confirmation dialog (played with
//     dialog:start src "callback_confirm" when _wait_for_user_confirm; its
//     error event means the customer did not confirm; a dialog that
//     attaches _callback_confirm_result=transfer to the call puts the
//     customer through to _route_point);
//   - in-queue: the offer is dialog:start src "callback_offer" on the call
//     _originating_interaction_id names; the IVR answers by attaching
//     _callback_offer_result=accepted|declined to that call;
//   - agent first, and customer first with _wait_for_agent: an interaction
//     the session owns to reserve the agent with: a virtual interaction
//     the host creates with ors.Runtime.CreateVirtual, before or after the
//     session starts (orca serve does so for these services);
//   - user originated: the customer's call, given to the session (ORS
//     Options.Assign) while it waits after the push, which is an HTTP POST
//     of _id, _customer_number and _access_number to _push_notification_url;
//     callback.push.delivered when the customer's application confirms the
//     push (PUSH_DELIVERY_CONFIRMED) and callback.media.failed when it
//     reports it could not create the call
//     (FAILED_TO_ESTABLISH_CUSTOMER_ORIGINATED_MEDIA);
//   - for the EWT, position and priority KVPs, a statistic source
//     (reporting.Options.Statistics, telephony.Statistics).
//
// Dial results come from the call result of interaction.createcall.done
// (callresult: Busy, NoAnswer, AnsweringMachine, Fax, SIT, Answer), from
// error.interaction.createcall (CREATE_CALL_ERROR), from a call deleted before it
// was established or a ring time beyond _ixn_createcall_timeout
// (NO_ANSWER); an established call without a result is CONNECTED.
//
// Load loads a template for a registry; Source and Export give its text,
// so that users start their own strategies from ours ("orca templates").
//
// # Services
//
// A Service is a template and its options (ServiceOptions lists them with
// type, default, bounds and description). LoadService checks every option
// once, when the service is loaded: a bad value is an *OptionError naming
// the option and the value. ParseRequest checks a callback request
// (RequestParams); Service.Start starts its session with the options and
// the request's parameters as the session's start parameters (_data), plus
// _id (the service id, which _CB_SERVICE_ID carries), _service_name,
// _template, _desired_delay, _offer_timing and _next_open_delay. The three
// _rep_userevent_* options have no default: Service.Reporting resolves
// them against the host's reporting: section, their fallback.
package templates
