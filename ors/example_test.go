package ors_test

import (
	"fmt"
	"time"

	"github.com/orca-scxml/orca/ors"
)

func ExampleParseEnvironment() {
	env, err := ors.ParseEnvironment("env.yaml", []byte(`
time_zone: ECT
lists:
  Hours: {Sales: {open: "08:00"}}
special_days:
  Holidays: {Christmas: ["12-25"]}
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	item, _ := env.ListItem("Hours", "Sales")
	fmt.Println(item["open"])
	christmas := time.Date(2027, 12, 25, 9, 0, 0, 0, env.Location())
	holiday, _ := env.IsSpecialDay("Holidays", "Christmas", christmas, false)
	fmt.Println(holiday, env.Location())
	// Output:
	// 08:00
	// true Europe/Paris
}
