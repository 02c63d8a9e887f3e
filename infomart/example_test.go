package infomart_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/orca-scxml/orca/infomart"
	"github.com/orca-scxml/orca/infomart/icon"
	"github.com/orca-scxml/orca/infomart/report"
	"github.com/orca-scxml/orca/telephony"
)

// A callback's final UserEvent, stored as ICON does and transformed into
// CALLBACK_FACT, then reported.
func Example() {
	dir, _ := os.MkdirTemp("", "infomart-example")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	mart, err := infomart.New(ctx, infomart.Options{DB: filepath.Join(dir, "infomart.db")})
	if err != nil {
		fmt.Println(err)
		return
	}
	defer mart.Close()
	const t0 = 1795255200
	ev := icon.Event{MsgID: "S1-2/EventUserEvent/1", Name: icon.EventUserEvent, Switch: "SIP_Switch", ThisDN: "REPORTING",
		Time: time.Unix(t0+90, 0), UserData: telephony.UserData{
			{Key: "_CB_SERVICE_ID", Value: "SVC-1"}, {Key: "_CB_FINAL_RECORD", Value: 1},
			{Key: "_CB_T_SERVICE_START", Value: t0}, {Key: "_CB_D_CALLBACK_OFFER", Value: 0},
			{Key: "_CB_N_CALLBACK_OFFERED", Value: 1}, {Key: "_CB_T_CALLBACK_OFFERED", Value: t0},
			{Key: "_CB_N_CALLBACK_ACCEPTED", Value: 1}, {Key: "_CB_N_CALLBACK_MEDIA_ATTEMPTS", Value: 1},
			{Key: "_CB_T_CUSTOMER_CONNECTED", Value: t0 + 20}, {Key: "_CB_N_AGENT_ADDED_TO_IXN", Value: 1},
			{Key: "_CB_DIM_CHANNEL", Value: "WEB"}, {Key: "_CB_DIM_TYPE", Value: "IMMEDIATE"},
		}}
	if _, err := mart.Write(ctx, []icon.Event{ev}); err != nil {
		fmt.Println(err)
		return
	}
	rows, err := report.Summary(ctx, mart.Store(), report.Filter{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range rows {
		fmt.Println(r.Type, r.Channel, r.Period, r.Offered, r.Accepted, r.Connected, r.Successful)
	}
	// Output: IMMEDIATE WEB 2026-11-21 1 1 1 1
}
