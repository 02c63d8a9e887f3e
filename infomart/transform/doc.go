// Package transform is the second stage of the Info Mart side: what
// Genesys Info Mart's transformation job does with the callback KVPs ICON
// stored. It reads each user event's G_CUSTOM_DATA_S rows and inserts one
// CALLBACK_FACT row per callback UserEvent, with its dimension rows
// (CALLBACK_DIM_1 to CALLBACK_DIM_4, CALLBACK_DIAL_RESULTS, TENANT,
// RESOURCE_, DATE_TIME) found, or inserted, by their attribute
// combination. Fact rows are inserted and never updated.
//
// # Which column each KVP feeds
//
// The reporting catalogue (package templates/reporting) is the mapping:
// each entry's Targets name the table and column its KVP feeds, its Kind
// how the value is read, its Values the list of a dimension, and Mandatory
// the KVPs without which Info Mart makes no record. Mapping lists the
// result. Four columns are computed: TENANT_KEY from _CB_TENANT_DBID (the
// TENANT row of that configuration DBID), RESOURCE_KEY from _CB_DIM_VQ_DBID,
// VQ_CFG_TYPE_ID, VQ_CFG_TYPE and _CB_DIM_VQ (the RESOURCE_ row of the
// virtual queue), START_DATE_TIME_KEY from _CB_T_SERVICE_START (the start
// of its 15-minute interval, a DATE_TIME row) and EVENT_SEQUENCE, the ID of
// the event's first G_CUSTOM_DATA_S row.
//
// # Rules
//
//   - A user event without any _CB_ KVP is no callback event: nothing is
//     made of it.
//   - A callback UserEvent missing a mandatory KVP (_CB_SERVICE_ID,
//     _CB_T_SERVICE_START, _CB_D_CALLBACK_OFFER, _CB_N_CALLBACK_OFFERED,
//     _CB_T_CALLBACK_OFFERED), or whose mandatory KVP has a value of the
//     wrong type, makes no row: it is listed in ORCA_REJECTION (SCOPE
//     EVENT) with the reason.
//   - Any other KVP whose value Info Mart cannot take (not a number, a
//     negative number, a flag other than 0 or 1, a dimension value outside
//     its list) is replaced by its column's default, and listed in
//     ORCA_REJECTION (SCOPE KVP) with the reason: the default of the
//     numeric columns is 0, of the dimension columns UNKNOWN (the Info
//     Mart physical data model lists UNKNOWN among the values of every
//     callback dimension column and makes it their default value).
//   - _CB_DISPOSITION is <state>.<sub state>, state one of the seeds'
//     states; a COMPLETED disposition may carry any reason the agent
//     submitted (COMPLETED.SALE_MADE).
//   - A _CB_ key the catalogue does not know, or one spelled as the PDF
//     copy of the seeds misprints it (I_XN for IXN), feeds no column and
//     is listed (SCOPE KVP). Keys the catalogue knows without a target
//     (_CB_N_IS_SNOOZED, …) stay in G_CUSTOM_DATA_S only.
//
// A Transformer runs over the user events the ICON stage marked pending,
// a batch per transaction, and marks each one done; it is idempotent and
// one Transformer at a time works on a database (PostgreSQL: an advisory
// lock; SQLite: one writer).
package transform
