// Package audit checks what a callback reported against the rules of the
// seeds (Genesys Callback, "Set up Historical Reporting"): its UserEvents
// at the reporting DN and the data attached to its calls, as ICON would
// store them (G_CUSTOM_DATA_S, G_USERDATA_HISTORY) for Info Mart. It is
// independent of the reporting action: it reads only what went out, and
// what the test or operator knows of the calls and of the callback's
// configuration, and says what does not hold.
//
//	vs := audit.Check(audit.Callback{Events: evs, Calls: calls, Request: req, Options: opts})
//	for _, v := range vs { fmt.Println(v) }
//
// # Rules
//
// Each Violation names its rule. Structure (the seeds: "two UserEvent
// events, one sent at the start of the session and another, at the end
// of the session"; "Genesys Info Mart will not create a record for the
// callback event if the KVP is missing"):
//
//	start            exactly one start UserEvent (_CB_FINAL_RECORD=0), first
//	final            exactly one final UserEvent (_CB_FINAL_RECORD=1), last
//	mandatory        each carries _CB_SERVICE_ID, _CB_T_SERVICE_START, _CB_D_CALLBACK_OFFER, _CB_N_CALLBACK_OFFERED, _CB_T_CALLBACK_OFFERED
//	catalogue        every key is a KVP of the reference (web spelling) and its value fits its kind and list
//	same-callback    both carry the same _CB_SERVICE_ID, _CB_ORS_SESSION_ID and _CB_TENANT_DBID
//	stable           a value set once (service start, offer, acceptance, dimensions known at start, a dial attempt) is the same in the final event
//	end              _CB_T_SERVICE_END ("when service was completed or terminated") only in, and always in, the final event
//	disposition      the final event has a _CB_DISPOSITION
//
// Timestamps and durations (UTC seconds; "Set this value only once,
// before the first dial attempt"):
//
//	order            offered ≤ accepted ≤ ready to start ≤ dials (in order) ≤ service end; start ≤ ready; connected ≥ ready; ready = first dial; last dial attempt = the last _CB_T_DIAL_n
//	stale            _CB_T_NEXT_REDIAL_ATTEMPT is not later than _CB_T_SERVICE_END
//	offer-time       _CB_D_CALLBACK_OFFER is accepted − offered (0 when not offered, the request's _cb_d_callback_offer when given)
//	establish-time   _CB_D_ESTABLISH_MEDIA_IXN is the time "to establish the callback interaction": from the attempt that connected the customer to _CB_T_CUSTOMER_CONNECTED, not the whole redial history
//	waiting-times    _CB_D_CUSTOMER_CONNECTED_WAITING_FOR_AGENT fits between connection and end; _CB_D_WAITING_FOR_AGENT_OFFLINE is ready − accepted, absent when not accepted
//
// Counts, flags and dispositions (the reference's descriptions):
//
//	attempts         _CB_N_CALLBACK_MEDIA_ATTEMPTS counts the _CB_DIAL_n_RESULT/_CB_T_DIAL_n pairs (1..n, up to 5); the final dial result is the last one
//	flags            accepted ⇔ _CB_T_CALLBACK_ACCEPTED; abandoned during the offer ⇒ not accepted; agent added ⇒ customer connected, final target, VQ; interaction required agent ⇔ customer connected; abandoned or timed out waiting ⇒ connected, no agent; _CB_IXN_START_IGNORING_AVAILABILITY is 0
//	disposition-state COMPLETED.* and PROCESSING.* have an agent; ROUTING.* a customer reached; *.REDIAL_LIMIT_REACHED an attempt that failed; QUEUED.REJECTED an offer declined; an abandoned offer is flagged
//
// Meanings (each found wrong once on live traffic):
//
//	request          a _cb_* request parameter "maps to the corresponding _CB_X KVP": the events carry its value unchanged
//	vq               _CB_DIM_VQ is "the virtual queue used to find the target agent" (Routing facts: the queue of the submit that found the agent; else the service's options)
//	target           _CB_DIM_FINAL_TARGET is "the routing target that was used to find the agent": the target submitted, not the agent found
//	out-ids          _CB_FIRST_OUT_IXN_ID / _CB_LAST_OUT_IXN_ID are the T-Server call IDs of the first and last outbound calls; a customer-originated callback has none; every outbound call is an attempt
//	reserved-agent   with Transfers facts: the agent reserved for the callback's virtual interaction takes the call (no failed transfer to it), and _CB_N_TRANSFER_TO_AGENT_FAILED counts the failed transfers
//
// Call-attached data ("The following four KVPs need to be sent in both
// UserEvents and as call-based attached data in TEvents"; "For Inbound
// Calls, where the in-queue callback offer was presented and accepted,
// _CB_T_CALLBACK_ACCEPTED, _CB_T_SERVICE_START, and _CB_SERVICE_ID must be
// attached at the time at which the callback was accepted"; "For Virtual
// and Outbound Calls, _CB_T_CUSTOMER_CONNECTED must be attached at the
// time at which the customer was connected"):
//
//	call-values      a call-attached KVP on a call has the value the UserEvents report
//	outbound-calls   every outbound call carries _CB_SERVICE_ID, _CB_T_SERVICE_START and (when accepted by then) _CB_T_CALLBACK_ACCEPTED
//	origin-call      the in-queue call carries _CB_SERVICE_ID and _CB_T_SERVICE_START from the offer, _CB_T_CALLBACK_ACCEPTED from the acceptance when accepted
//	connected-call   the call the customer was connected on carries _CB_T_CUSTOMER_CONNECTED, attached when the customer was connected; no call carries another value of it
//
// Moments are compared with a slack of 2 seconds (the strategy's clock
// and the switch's may read the same moment apart); Callback.Slack sets
// another, for a run on a sped-up clock.
package audit
