// Package reporting is Genesys Callback historical reporting for Orca
// strategies: the catalogue of the _CB_* KVPs Genesys Info Mart reads, and
// the reporting action that collects them over a session and publishes
// them in two UserEvents (start and final) on the reporting DN, attaching
// four of them to the call as well.
//
// # Catalogue
//
// Default returns every KVP the "Set up Historical Reporting" pages name,
// each with its Kind, Info Mart target columns, whether it is mandatory
// (Info Mart makes no record without it) or call-attached, the GMS release
// that introduced it, its callback request parameter (_cb_...) and, for
// durations measured between two moments, its Derivation. The PDF copy's
// misspellings (I_XN, IGNOREING, OR_S) are accepted as aliases; values are
// always sent under the web copy's spelling. NewCatalogue adds a host's
// own KVPs.
//
// # The action
//
// A host makes one Reporter, registers its actions in the registry it
// loads documents with, installs its ECMAScript face and calls
// SessionEnded when a session ends:
//
//	rep, err := reporting.New(reporting.Options{Port: port, Log: logf})
//	reg := scxml.NewRegistry()
//	rep.Register(reg)
//	ecma := ecmascript.CompileWith(ecmascript.Options{Globals: func(*scxml.Document) []ecmascript.Global { return []ecmascript.Global{rep.Global()} }})
//	eng := interp.NewEngine(interp.Options{..., OnDone: rep.SessionEnded})
//
// In documents, the actions live in namespace NS (conventionally prefixed
// rep):
//
//	<rep:set key="_CB_DIM_CHANNEL" value="IVR"/>          key|keyexpr, value|expr, fromrequest
//	<rep:stamp key="_CB_T_CALLBACK_ACCEPTED"/>            key|keyexpr, fromrequest
//	<rep:increment key="_CB_N_TRANSFER_TO_AGENT_FAILED"/> key|keyexpr, by
//	<rep:dialing pending="PUSH_DELIVERY_NOT_CONFIRMED"/>  pending|pendingexpr
//	<rep:pending result="CONNECTED"/>                     result|resultexpr
//	<rep:outbound interactionid="id" callid="cid" udata="ud"/>
//	<rep:state value="ROUTING"/>                          value|expr
//	<rep:queuestat queue="vq" interactionid="id" ewt="_CB_EWT_WHEN_CALLBACK_WAS_OFFERED" position="..." priority="..." waited="..." defaultpriority="p" fromrequest="keep"/>
//	<rep:dialresult result="BUSY" interactionid="id"/>    result|resultexpr, interactionid
//	<rep:disposition value="COMPLETED.AGENT"/>            value|expr
//	<rep:attach keys="_CB_SERVICE_ID _CB_T_SERVICE_START"/> keys|keysexpr, interactionid
//	<rep:start/>
//	<rep:final/>
//
// Literal attributes are checked against the catalogue when the document
// loads (file:line:col errors); expression attributes (…expr, by,
// interactionid, queue, callid, udata, defaultpriority) when the action
// runs. Scripts use the _reporting object instead (see Reporter.Setup).
//
// dialing starts an attempt with the result it gets if the callback ends
// before it has one (pending; NO_ANSWER by default). outbound records an
// outbound call the callback created: its T-Server call ID becomes
// _CB_FIRST_OUT_IXN_ID (once) and _CB_LAST_OUT_IXN_ID, and the call gets
// the call-attached KVPs its creation did not carry. state tells the
// reporter the callback state, for the disposition of a callback ended
// from outside. queuestat reads Options.Statistics (telephony.Statistics):
// an interaction's EWT, position, priority and time waited in a virtual
// queue, or the queue's for a newcomer. Setting _CB_DIM_VQ sets
// _CB_DIM_VQ_DBID, VQ_CFG_TYPE_ID and VQ_CFG_TYPE from Options.Queues.
//
// # Rules
//
// Every value is checked against the catalogue. A refused operation (an
// unknown key, a value outside a dimension, a derived or reserved KVP, a
// missing mandatory KVP) refuses that KVP only, raises error.reporting in
// the session — without stopping the enclosing block — and goes to
// Options.Log. _event.data holds message, reason (a Reason), op and keys.
// Clamped, FromRequest and NoStatistics are logged, not raised.
//
// On first use in a session the reporter reads the session's params: the
// service options _rep_userevent_enable, _rep_userevent_dn and
// _rep_userevent_switch (Options.Service is the fallback for each), the
// _cb_* request parameters (each sets its _CB_* KVP, which then keeps the
// request's value: a strategy's value is left out, and logged unless the
// action says fromrequest="keep"; a derived duration is not re-derived),
// _id (the value of
// _CB_SERVICE_ID; the session id when absent) and
// _originating_interaction_id (the call that _CB_T_CALLBACK_OFFERED and
// _CB_T_CALLBACK_ACCEPTED are attached to whenever they are set). It also
// sets _CB_ORS_SESSION_ID to the session id, and _CB_TENANT_DBID from
// Options.TenantDBID.
//
// When reporting is disabled nothing is sent or attached, but values are
// still checked. When enabled, a UserEvent goes to the reporting DN on the
// reporting switch with every collected KVP in catalogue order, the
// derived durations computed at that moment, and _CB_FINAL_RECORD 0
// (start) or 1 (final). A UserEvent that lacks a mandatory KVP, has no DN
// or that the port refuses is held (Reporter.Held) with the reason; a held
// start may be sent again by a later start. The final UserEvent stamps
// _CB_T_SERVICE_END (unless set) and goes out at most once per session:
// from <rep:final/>, or from SessionEnded however the session ended. It
// closes the callback out first: the attempt in progress is recorded with
// its pending result, an unanswered offer is not accepted, a callback
// without a disposition gets <state>.CONNECTED, .CANCELLED or .FAILED,
// a start never sent goes out before it, and a _CB_T_NEXT_REDIAL_ATTEMPT
// later than _CB_T_SERVICE_END is dropped.
//
// Package audit checks what a callback reported against the seeds' rules.
package reporting
