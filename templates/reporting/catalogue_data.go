package reporting

// GMS releases named by the seeds' "Introduced" notes.
const (
	gms8510614 = "8.5.106.14"
	gms8511104 = "8.5.111.04"
	gms8511409 = "8.5.114.09"
	gms8520007 = "8.5.200.07"
)

// DispositionStates returns the <state> part of _CB_DISPOSITION values.
func DispositionStates() []string {
	return []string{"SCHEDULED", "QUEUED", "ROUTING", "PROCESSING", "COMPLETED"}
}

// DispositionSubstates returns the <sub state> part of _CB_DISPOSITION
// values.
func DispositionSubstates() []string {
	return []string{"REDIAL_LIMIT_REACHED", "CANCELLED", "AGENT", "ABANDONED_IN_QUEUE", "REJECTED",
		"PUSH_SEND", "PUSH_DELIVERY_CONFIRMED", "PUSH_SEND_ERROR", "FAILED", "CONNECTED", "TRANSFERRED_TO_RP"}
}

// DialResults returns the values of _CB_DIAL_n_RESULT: the result of one
// dialing attempt or push notification.
func DialResults() []string {
	return []string{"CREATE_CALL_ERROR", "BUSY", "NO_ANSWER", "ANSWERING_MACHINE", "ERROR_TONE", "FAX",
		"PERSON", "CONNECTED", "FAILED_TO_ESTABLISH_CUSTOMER_ORIGINATED_MEDIA", "PUSH_DELIVERY_CONFIRMED",
		"PUSH_SEND_ERROR", "PUSH_DELIVERY_NOT_CONFIRMED", "USERORIGINATED_CONNECTED"}
}

// FinalDialResults returns the values of _CB_DIM_FINAL_DIAL_RESULT (the
// PDF copy's longer list).
func FinalDialResults() []string {
	return []string{"CREATE_CALL_ERROR", "BUSY", "NO_ANSWER", "ANSWERING_MACHINE", "ERROR_TONE", "FAX",
		"PERSON", "CANCEL", "CONNECTED", "FAILED_TO_ESTABLISH_CUSTOMER_ORIGINATED_MEDIA",
		"PUSH_DELIVERY_CONFIRMED", "PUSH_SEND_ERROR", "PUSH_DELIVERY_NOT_CONFIRMED",
		"USERORIGINATED_CONNECTED", "REDIAL_LIMIT_REACHED", "ABANDONED_IN_QUEUE", "FAIL", "UNKNOWN",
		"RESCHEDULED", "FAIL_FAX_REACHED"}
}

// dispositions returns every <state>.<sub state> pair.
func dispositions() []string {
	var out []string
	for _, st := range DispositionStates() {
		for _, sub := range DispositionSubstates() {
			out = append(out, st+"."+sub)
		}
	}
	return out
}

func fact(col string) []string { return []string{"CALLBACK_FACT." + col} }

// dim is a column of a dimension table referenced through its key in
// CALLBACK_FACT.
func dim(table, col string) []string {
	return []string{table + "." + col + " (referenced through CALLBACK_FACT." + table + "_KEY)"}
}

func ts(key string) Moment { return Moment{Key: key} }

func set(key, value string) Moment { return Moment{Key: key, Value: value} }

var ordinals = [...]string{"first", "second", "third", "fourth", "fifth"}

// dialEntries returns _CB_DIAL_n_RESULT and _CB_T_DIAL_n for n = 1..5.
func dialEntries() []Entry {
	var out []Entry
	for i, ord := range ordinals {
		n := string(rune('1' + i))
		desc := "The result of the " + ord + " callback dialing attempt."
		if i > 0 {
			desc += " See _CB_DIAL_1_RESULT for possible values."
		}
		out = append(out, Entry{Key: "_CB_DIAL_" + n + "_RESULT", Kind: Dimension, Values: DialResults(),
			Targets:    []string{"CALLBACK_DIAL_RESULTS.DIAL_" + n + "_RESULT (referenced through CALLBACK_FACT.CALLBACK_DIAL_RESULTS_KEY)"},
			Introduced: gms8520007, Description: desc})
	}
	for i, ord := range ordinals {
		n := string(rune('1' + i))
		out = append(out, Entry{Key: "_CB_T_DIAL_" + n, Kind: Timestamp, Targets: fact("DIAL_" + n + "_TS"),
			Introduced: gms8520007, Description: "UTC Timestamp of the " + ord + " dialing attempt."})
	}
	return out
}

// builtinEntries returns the catalogue: the reference table of the seeds
// in its order, then the KVPs the seeds name elsewhere. Aliases are added
// from the PDF copy's slips.
func builtinEntries() []Entry {
	es := []Entry{
		{Key: "_CB_TENANT_DBID", Kind: ID, Numeric: true, Targets: fact("TENANT_KEY"),
			Description: "The Tenant DBID."},
		{Key: "_CB_DISPOSITION", Kind: Dimension, Values: dispositions(), Open: []string{"COMPLETED."}, Targets: dim("CALLBACK_DIM_3", "DISPOSITION"),
			Description: "Callback state using the format <state>.<sub state>, where <state> is one of SCHEDULED, QUEUED, ROUTING, PROCESSING, COMPLETED and <sub state> one of REDIAL_LIMIT_REACHED, CANCELLED, AGENT, ABANDONED_IN_QUEUE, REJECTED, PUSH_SEND, PUSH_DELIVERY_CONFIRMED, PUSH_SEND_ERROR, FAILED, CONNECTED, TRANSFERRED_TO_RP. If the agent submits the completed reason in the disposition result, _CB_DISPOSITION is set to the provided COMPLETED reason."},
		{Key: "_CB_SERVICE_ID", Kind: ID, Mandatory: true, CallAttached: true, Targets: fact("SERVICE_ID"),
			Description: "The ID of the callback service request. Depending on the scenario, the value equals the ID of the GMS service instance or ID of the ORS session. It is returned by the GMS API in response to the callback request."},
		{Key: "_CB_ORIGINATION_IXN_ID", Kind: ID, Param: "_cb_origination_ixn_id", Introduced: gms8520007, Targets: fact("ORIGINATION_IXN_ID"),
			Description: "The ID of the inbound call where the callback was originally offered and accepted, passed as _cb_origination_ixn_id in the Start Callback request (undefined otherwise). For chat scenarios, the chat interaction ID."},
		{Key: "_CB_FIRST_OUT_IXN_ID", Kind: ID, Introduced: gms8520007, Targets: fact("FIRST_OUT_IXN_ID"),
			Description: "The call ID of the first outbound call that the callback service created."},
		{Key: "_CB_LAST_OUT_IXN_ID", Kind: ID, Introduced: gms8520007, Targets: fact("LAST_OUT_IXN_ID"),
			Description: "The call ID of the last outbound call that the callback service created."},
	}
	es = append(es, dialEntries()...)
	es = append(es, []Entry{
		{Key: "_CB_IXN_START_IGNORING_AVAILABILITY", Kind: Flag, Introduced: gms8520007, Targets: []string{"CALLBACK_DIM_4.DIAL_IGNORING_AVAILABILITY"},
			Description: "For premise callback, _CB_IXN_START_IGNORING_AVAILABILITY will always be 0."},
		{Key: "_CB_FINAL_RECORD", Kind: Flag, Reserved: true, Targets: fact("FINAL_RECORD"),
			Description: "Indicates whether this is a final record about this callback service: 0 = No, 1 = Yes."},
		{Key: "_CB_EWT_WHEN_READY_TO_START_MEDIA_IXN", Kind: Duration, Targets: fact("EWT_READY_TO_START_IXN"),
			Description: "The value of Expected Wait Time (EWT), in seconds, for the service request when the contact center was ready to start the first callback interaction, such as an outbound dialing attempt."},
		{Key: "_CB_EWT_WHEN_CALLBACK_WAS_OFFERED", Kind: Duration, Param: "_cb_ewt_when_callback_was_offered", Targets: fact("EWT_WHEN_OFFERED"),
			Description: "The value of EWT, in seconds, at the time the callback was offered."},
		{Key: "_CB_POS_WHEN_READY_TO_START_MEDIA_IXN", Kind: Count, Targets: fact("POS_READY_TO_START_IXN"),
			Description: "The customer position in the queue when the contact center was ready to start the first callback interaction, such as an outbound dialing attempt."},
		{Key: "_CB_POS_WHEN_CALLBACK_WAS_OFFERED", Kind: Count, Param: "_cb_pos_when_callback_was_offered", Targets: fact("POS_WHEN_OFFERED"),
			Description: "The customer position in the queue when callback was offered."},
		{Key: "_CB_D_CALLBACK_OFFER", Kind: Duration, Mandatory: true, Param: "_cb_d_callback_offer", Targets: fact("CALLBACK_OFFER_TIME"),
			Derived: &Derivation{
				From:       []Moment{ts("_CB_T_CALLBACK_OFFERED")},
				To:         []Moment{ts("_CB_T_CALLBACK_ACCEPTED"), set("_CB_N_CALLBACK_ACCEPTED", "0"), set("_CB_N_ABANDONED_DURING_CALLBACK_OFFER", "1")},
				ZeroUnless: "_CB_N_CALLBACK_OFFERED",
			},
			Description: "The duration of the callback offer, in seconds."},
		{Key: "_CB_OFFER_EWT_INBOUND_VQ", Kind: Duration, Introduced: gms8511104, Targets: fact("EWT_WHEN_REJECTED"),
			Description: "Estimated Wait Time for the queue where rejected calls and not offered callbacks are being placed. This value is identical to _CB_EWT_WHEN_CALLBACK_WAS_OFFERED if the same Virtual Queue is used to place accepted callbacks."},
		{Key: "_CB_N_ABANDONED_DURING_CALLBACK_OFFER", Kind: Flag, Introduced: gms8511104, Targets: dim("CALLBACK_DIM_4", "ABANDONED_DURING_CB_OFFER"),
			Description: "Indicates whether the caller dropped the call without explicitly accepting or rejecting the callback offer: 0 = No, 1 = Yes."},
		{Key: "_CB_CUSTOMER_ANI", Kind: Text, Introduced: gms8511104, Targets: fact("CUSTOMER_ANI"),
			Description: "ANI of the customer for in-queue scenarios. This value can match _CB_CUSTOMER_PHONE_NUMBER if the same number is confirmed or entered. Could also be empty if the ANI is not detected."},
		{Key: "_CB_T_SERVICE_END", Kind: Timestamp, Introduced: gms8511104, Targets: fact("SERVICE_END_TS"),
			Description: "UTC timestamp for when service was completed or terminated."},
		{Key: "_CB_D_CUSTOMER_WAITED_BEFORE_OFFER", Kind: Duration, Introduced: gms8510614, Targets: fact("WAITED_BEFORE_OFFER_TIME"),
			Description: "The amount of time, in seconds, the customer waited in the queue before a callback was offered."},
		{Key: "_CB_D_WAITING_FOR_AGENT_OFFLINE", Kind: Duration, Targets: fact("WAIT_AGENT_OFFLINE_TIME"),
			Derived: &Derivation{
				From:     []Moment{ts("_CB_T_CALLBACK_ACCEPTED"), ts("_CB_T_SERVICE_START")},
				To:       []Moment{ts("_CB_T_READY_TO_START_MEDIA_IXN"), ts("_CB_T_SERVICE_END")},
				AbsentIf: []Moment{{Key: "_CB_N_CALLBACK_ACCEPTED", Value: "0"}},
			},
			Description: "The amount of time, in seconds, the customer was waiting offline for an agent to become available."},
		{Key: "_CB_D_ESTABLISH_MEDIA_IXN", Kind: Duration, Targets: fact("ESTABLISH_MEDIA_IXN_TIME"),
			Derived: &Derivation{
				From: []Moment{{Key: "_CB_T_CUSTOMER_CONNECTED", Attempt: true}},
				To:   []Moment{ts("_CB_T_CUSTOMER_CONNECTED")},
			},
			Description: "The amount of time, in seconds, it took to establish the callback interaction, such as an outbound call."},
		{Key: "_CB_D_CUSTOMER_CONNECTED_WAITING_FOR_AGENT", Kind: Duration, Targets: fact("CONN_WAITING_AGENT_TIME"),
			Derived: &Derivation{
				From: []Moment{ts("_CB_T_CUSTOMER_CONNECTED")},
				To: []Moment{set("_CB_N_AGENT_ADDED_TO_IXN", "1"), set("_CB_N_CUSTOMER_ABANDONED_WHILE_WAITING_FOR_AGENT", "1"),
					set("_CB_N_TIMEOUT_WHILE_WAITING_FOR_AGENT", "1"), ts("_CB_T_SERVICE_END")},
			},
			Description: "The amount of time, in seconds, the customer was waiting to be connected to the agent after the callback interaction was established."},
		{Key: "_CB_T_CALLBACK_ACCEPTED", Kind: Timestamp, CallAttached: true, Param: "_cb_t_callback_accepted", Targets: fact("CALLBACK_ACCEPTED_TS"),
			Description: "The UTC timestamp when the callback offer was accepted."},
		{Key: "_CB_T_CALLBACK_OFFERED", Kind: Timestamp, Mandatory: true, Param: "_cb_t_callback_offered", Targets: fact("CALLBACK_OFFERED_TS"),
			Description: "The UTC timestamp when the callback was offered."},
		{Key: "_CB_T_READY_TO_START_MEDIA_IXN", Kind: Timestamp, Targets: fact("READY_START_MEDIA_IXN_TS"),
			Description: "The UTC timestamp when the contact center was ready to start the callback interaction. The value matches the time of either an outbound dialing attempt or a push notification prompting the customer to start a call or chat session. Set this value only once, before the first dial attempt."},
		{Key: "_CB_T_CUSTOMER_CONNECTED", Kind: Timestamp, CallAttached: true, Targets: fact("CUSTOMER_CONNECTED_TS"),
			Description: "The UTC timestamp when the customer was reconnected to the contact center and started waiting for an agent to be connected."},
		{Key: "_CB_N_AGENT_ADDED_TO_IXN", Kind: Flag, Targets: fact("AGENT_ADDED_TO_IXN"),
			Description: "Indicates whether the agent was successfully added to the callback interaction: 0 = No, 1 = Yes."},
		{Key: "_CB_N_TRANSFER_TO_AGENT_FAILED", Kind: Count, Targets: fact("XFER_TO_AGENT_FAILED"),
			Description: "Number of times the callback interaction failed to transfer to the agent."},
		{Key: "_CB_N_CUSTOMER_ABANDONED_WHILE_WAITING_FOR_AGENT", Kind: Flag, Targets: fact("ABANDONED_WAITING"),
			Description: "Indicates whether the customer abandoned the callback interaction while waiting to be connected to an agent: 0 = No, 1 = Yes."},
		{Key: "_CB_N_TIMEOUT_WHILE_WAITING_FOR_AGENT", Kind: Flag, Targets: fact("TIMEOUT_WAITING"),
			Description: "Indicates whether the customer was disconnected because the timeout for waiting for an agent was reached: 0 = No, 1 = Yes."},
		{Key: "_CB_N_IXN_REQ_AGENT", Kind: Flag, Targets: fact("IXN_REQ_AGENT"),
			Description: "Indicates whether the interaction required agent assistance: 0 = No, 1 = Yes."},
		{Key: "_CB_N_CALLBACK_OFFERED", Kind: Flag, Mandatory: true, Targets: fact("CALLBACK_OFFERED"),
			Description: "Indicates whether callback was offered, at least once, during the session: 0 = No, 1 = Yes."},
		{Key: "_CB_N_CALLBACK_ACCEPTED", Kind: Flag, Targets: fact("CALLBACK_ACCEPTED"),
			Description: "Indicates whether a callback offer was accepted: 0 = No, 1 = Yes."},
		{Key: "_CB_N_CALLBACK_MEDIA_ATTEMPTS", Kind: Count, Targets: fact("CALLBACK_ATTEMPTS"),
			Description: "The total number of callback attempts or notifications, both successful and unsuccessful."},
		{Key: "_CB_T_SERVICE_START", Kind: Timestamp, Mandatory: true, CallAttached: true,
			Targets:     []string{"CALLBACK_FACT.SERVICE_START_TS", "CALLBACK_FACT.START_DATE_TIME_KEY"},
			Description: "The UTC timestamp when the callback service started. This value represents either the time of the callback request or the time that the callback offer was played, depending on deployment."},
		{Key: "_CB_DIM_VQ_DBID", Kind: ID, Numeric: true, Targets: fact("RESOURCE_KEY"),
			Description: "The DBID of the virtual queue used to find the target agent. Genesys Info Mart uses this value in combination to identify the RESOURCE_KEY to use."},
		{Key: "VQ_CFG_TYPE_ID", Kind: ID, Numeric: true, Targets: fact("RESOURCE_KEY"),
			Description: "The configuration type ID of the virtual queue used to find the target agent. Genesys Info Mart uses this value in combination to identify the RESOURCE_KEY to use."},
		{Key: "VQ_CFG_TYPE", Kind: Text, Targets: fact("RESOURCE_KEY"),
			Description: "The configuration type of the virtual queue used to find the target agent. Genesys Info Mart uses this value in combination to identify the RESOURCE_KEY to use."},
		{Key: "_CB_DIM_VQ", Kind: Dimension, Targets: fact("RESOURCE_KEY"),
			Description: "The virtual queue used to find the target agent. Genesys Info Mart uses this value in combination to identify the RESOURCE_KEY to use."},
		{Key: "_CB_DIM_CHANNEL", Kind: Dimension, Values: []string{"IVR", "WEB", "MOBILE"}, Param: "_cb_dim_channel",
			Targets: dim("CALLBACK_DIM_1", "CHANNEL"), Description: "The interaction channel from which the callback originated."},
		{Key: "_CB_DIM_CALLBACK_OFFER_TYPE", Kind: Dimension, Values: []string{"SCHEDULED", "WAIT_FOR_AGENT", "COMBINED_SCHEDULED_AND_WAIT_FOR_AGENT", "IMMEDIATE"},
			Param: "_cb_dim_callback_offer_type", Targets: dim("CALLBACK_DIM_1", "CALLBACK_OFFER_TYPE"),
			Description: "The type of callback offer that was presented to the customer. For example, after business hours, SCHEDULED is the only available option; during business hours, business rules might allow only the WAIT_FOR_AGENT option or a combination of SCHEDULED and WAIT_FOR_AGENT."},
		{Key: "_CB_DIM_TYPE", Kind: Dimension, Values: []string{"IMMEDIATE", "WAIT_FOR_AGENT", "SCHEDULED"}, Targets: dim("CALLBACK_DIM_1", "CALLBACK_TYPE"),
			Description: "The type of callback the customer requested: IMMEDIATE (the interaction is created right away while the customer waits for the agent), WAIT_FOR_AGENT (delayed until the agent is about to become or becomes available, as in agent first), SCHEDULED (the time is negotiated with the customer)."},
		{Key: "_CB_DIM_CONNECT_ORDER", Kind: Dimension, Values: []string{"CUSTOMER_FIRST", "AGENT_FIRST_PREVIEW", "AGENT_FIRST_NO_PREVIEW"},
			Targets: dim("CALLBACK_DIM_1", "CONNECT_ORDER"), Description: "The order in which the final callback interaction was connected."},
		{Key: "_CB_DIM_DIAL_DIALOG_RESULT", Kind: Dimension, Values: []string{"RIGHT_PERSON", "RESCHEDULED", "CANCELLED", "TRANSFERRED_TO_RP", "PERSON", "CANCEL", "ERROR_TONE"},
			Targets:     dim("CALLBACK_DIM_2", "DIAL_DIALOG_RESULT"),
			Description: "The result of the final dialog for the callback. If an error occurs during the callback outbound call, the value of _CB_DIM_FINAL_DIAL_RESULT might overlap with _CB_DIM_DIAL_DIALOG_RESULT."},
		{Key: "_CB_DIM_CALL_DIRECTION", Kind: Dimension, Values: []string{"CUSTOMER_TERMINATED", "CUSTOMER_ORIGINATED"},
			Targets:     dim("CALLBACK_DIM_2", "CALL_DIRECTION"),
			Description: "The direction of the final callback interaction: CUSTOMER_TERMINATED (outbound: the contact center dials the customer's number) or CUSTOMER_ORIGINATED (the customer-facing application is notified and creates the interaction, which comes in as a regular inbound call recognised as the callback interaction)."},
		{Key: "_CB_DIM_FINAL_DIAL_RESULT", Kind: Dimension, Values: FinalDialResults(), Targets: dim("CALLBACK_DIM_2", "FINAL_DIAL_RESULT"),
			Description: "The result of the final callback dialing attempt. FAILED_TO_ESTABLISH_CUSTOMER_ORIGINATED_MEDIA must be reported by the user application; CANCEL is set when the on_dial plugin returned action=CANCEL."},
		{Key: "_CB_DIM_OFFER_TIMING", Kind: Dimension, Values: []string{"ON-HOURS", "OFF-HOURS"}, Param: "_cb_dim_offer_timing",
			Targets:     dim("CALLBACK_DIM_2", "OFFER_TIMING"),
			Description: "Specifies whether the callback offer was made during operational (business) or non-operational hours."},
		{Key: "_CB_DIM_FINAL_TARGET", Kind: Dimension, Targets: dim("CALLBACK_DIM_3", "FINAL_TARGET"),
			Description: "The routing target that was used to find the agent."},
		{Key: "_CB_ORS_SESSION_ID", Kind: ID, Introduced: gms8511409, Targets: fact("ORS_SESSION_ID"),
			Description: "The Orchestration Server (ORS) session ID used to manage the callback. If multiple sessions were used (for example, because an ORS session terminated unexpectedly during the callback), the last session ID is reported."},
		{Key: "_CB_EWT_WHEN_READY_TO_START_LAST_MEDIA_IXN", Kind: Duration, Introduced: gms8520007, Targets: fact("EWT_WHEN_LAST_DIAL"),
			Description: "Estimated Wait Time in seconds when the last dial attempt was made or the last push notification sent."},
		{Key: "_CB_POS_WHEN_READY_TO_START_LAST_MEDIA_IXN", Kind: Count, Introduced: gms8520007, Targets: fact("POS_WHEN_LAST_DIAL"),
			Description: "Position in queue when the last dial attempt was made or the last push notification sent."},
		{Key: "_CB_PRIORITY_WHEN_CALLBACK_ACCEPTED", Kind: Count, Introduced: gms8520007, Targets: fact("PRIORITY_WHEN_CB_ACCEPTED"),
			Description: "Priority of the interaction (real or virtual) when the callback offer was accepted."},
		{Key: "_CB_PRIORITY_WHEN_CUSTOMER_CONNECTED", Kind: Count, Introduced: gms8520007, Targets: fact("PRIORITY_WHEN_C_CONNECTED"),
			Description: "Priority of the virtual interaction when the customer was connected."},
		{Key: "_CB_PRIORITY_AT_THE_END_OF_ONLINE_WAIT", Kind: Count, Introduced: gms8520007, Targets: fact("PRIORITY_WHEN_A_CONNECTED"),
			Description: "Priority of the virtual interaction when the customer was connected to the agent. If the customer abandoned while waiting in queue, the priority of the call when the customer disconnected."},
		{Key: "_CB_EWT_THRESHOLD_WHEN_OFFERED", Kind: Duration, Introduced: gms8520007, Targets: fact("EWT_THRESHOLD_WHEN_OFFERED"),
			Description: "Value of the EWT threshold used to decide whether the callback offer should be made or not. Pass this value as an argument of the application that is responsible for making the callback offer."},

		// Named by the seeds outside the reference table: the example list
		// of keys sent for outbound calls, a description, and the
		// parameters of the callback request.
		{Key: "_CB_N_IS_SNOOZED", Kind: Flag,
			Description: "Whether the customer snoozed the callback: 0 = No, 1 = Yes (named in the seeds' list of keys sent for outbound calls)."},
		{Key: "_CB_T_NEXT_REDIAL_ATTEMPT", Kind: Timestamp,
			Description: "The UTC timestamp of the next redial attempt (named in the seeds' list of keys sent for outbound calls)."},
		{Key: "_CB_T_LAST_DIAL_ATTEMPT", Kind: Timestamp,
			Description: "The UTC timestamp of the last dialing attempt (named in the seeds' list of keys sent for outbound calls)."},
		{Key: "_CB_CUSTOMER_PHONE_NUMBER", Kind: Text,
			Description: "The customer's phone number the callback is made to (named in the description of _CB_CUSTOMER_ANI)."},
		{Key: "_CB_N_CALLBACK_OFFERS_PER_SESSION", Kind: Count, Param: "_cb_n_callback_offers_per_session",
			Description: "The number of callback offers made in the session of the inbound call (passed as _cb_n_callback_offers_per_session in the callback request)."},
		{Key: "_CB_D_LAST_CALLBACK_OFFER", Kind: Duration, Param: "_cb_d_last_callback_offer",
			Description: "The duration of the last callback offer, in seconds (passed as _cb_d_last_callback_offer in the callback request)."},
	}...)
	for i := range es {
		es[i].Aliases = slips(es[i].Key)
	}
	return es
}
