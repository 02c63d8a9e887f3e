package strategytest_test

import (
	"fmt"

	"github.com/orca-scxml/orca/strategytest"
)

func Example() {
	suite, err := strategytest.Load("testdata/guide/play-music.test.yaml")
	if err != nil {
		fmt.Println(err)
		return
	}
	results, err := strategytest.Run(suite, strategytest.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	for _, r := range results {
		fmt.Printf("%v %s: final %s after %v of virtual time\n", r.Passed(), r.Name, r.Final, r.Virtual)
	}
	// Output:
	// true music plays for ten seconds: final exit after 10s of virtual time
	// true the music cannot be played: final error after 0s of virtual time
}
