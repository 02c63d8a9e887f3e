// Package icon is the first stage of the Info Mart side: what Genesys
// Interaction Concentrator (ICON) does with the events of the reporting
// DN. It stores the KVPs of each EventUserEvent as G_CUSTOM_DATA_S rows
// (ICON's custom-states option store-event-data=all) and the changes of
// call-attached data that the UserData of the call's TEvents shows
// (EventAttachedDataChanged, and the call events of wire.CallDataEvents:
// a call's EventDialing carries the data it was created with) as
// G_USERDATA_HISTORY rows (ICON's attached-data specification, by default
// the four KVPs the callback seeds ask ccon_adata_spec.xml to capture:
// _CB_SERVICE_ID, _CB_T_SERVICE_START, _CB_T_CALLBACK_ACCEPTED,
// _CB_T_CUSTOMER_CONNECTED). The events of a call arrive nearly in
// order; one older (by the switch's time, then its sequence number) than
// the latest the call's history took changes nothing.
//
// A Writer takes Events, which the bus adapter of package infomart makes
// from the bridge's messages, and writes a batch in one transaction. Every
// event is recorded once in ORCA_EVENT under its message id (the
// reporting stream's de-duplication id), so an event delivered again is
// recognised and skipped: ingestion is idempotent.
//
// As ICON does, a KVP whose value is a list (KVList) is not stored, and
// other values are stored as strings (Interaction Concentrator User's
// Guide, custom-states section, EventData option). The rows of one user
// event get consecutive IDs; the transform stage (package transform) reads
// an event's KVPs by that range.
//
// Change types (CHANGETYPE) of both tables are ours: 1 added, 2 changed,
// 3 deleted. For G_USERDATA_HISTORY the change is found by comparing the
// call's data in the event with the call's history so far; a deleted key
// has a NULL VALUE.
package icon
