// Package infomart is Orca's Info Mart side: what Genesys Interaction
// Concentrator (ICON) and Genesys Info Mart do with the callback
// UserEvents of the reporting DN, on a real database, and the two
// out-of-box callback reports.
//
// The pipeline has a package per stage:
//
//	bus (bus.go)  EventUserEvent, and the call events with attached data, from the reporting stream
//	   │
//	icon          G_CUSTOM_DATA_S (UserEvent KVPs), G_USERDATA_HISTORY (the calls' attached data)
//	   │
//	transform     CALLBACK_FACT, CALLBACK_DIM_1..4, CALLBACK_DIAL_RESULTS, rejections
//	   │
//	report        Callback Summary, Callback Details: text, CSV, web pages
//
// on a database of package store: embedded SQLite by default, PostgreSQL
// by URL, one schema, versioned migrations.
//
// A Mart is the whole: New opens the database, Ingest reads the bus,
// Handler serves the report pages, Close stops. A host mounts it so:
//
//	mart, err := infomart.New(ctx, infomart.Options{DB: "infomart.db"})
//	err = mart.Ingest(ctx, nc, infomart.BusOptions{DN: "REPORTING"})
//	mux.Handle("/infomart/", http.StripPrefix("/infomart", mart.Handler()))
//	defer mart.Close()
//
// bus.go is the only file that knows the bridge: it turns its messages
// into icon.Events.
package infomart
