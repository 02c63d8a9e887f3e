// Package strategytest runs tests of ORS strategies: a YAML file names a
// strategy (a Composer IPD entry or any ORS document), the environment it
// runs in (ors.Environment), and tests, each a scripted call and what must
// come of it. Every test runs in a host of its own, on a virtual clock
// against the in-memory telephony port (telephony.Memory): a 60-second
// treatment takes no wall time. "orca test" is its command line.
//
// # Format
//
//	strategy: src-gen/IPD_Sales_SalesWorkflow.scxml   # relative to this file
//	environment: env.yaml                             # ors.LoadEnvironment
//	params: {greeting: hello}                         # start parameters (_data)
//	start: "2026-01-05T10:00:00+01:00"                # virtual start (RFC 3339)
//	timeout: 30m                                      # virtual time a test may take
//	tests:
//	  - name: a caller is routed to a ready agent
//	    call: {ani: "5551234", dnis: "8000", routing_point: RP_8000, udata: {Language: en}}
//	    agents: [{id: Agent1, ready: false}]          # initial agent states
//	    steps:                                        # what happens, and when
//	      - {at: 45s, agent: Agent2, ready: true}
//	      - {at: 50s, caller: abandon}                # or hangup
//	      - {at: 55s, event: wake, data: {x: 1}}      # an external event
//	      - {at: 60s, udata: {Segment: gold}}         # attached data another client writes
//	      - {at: 65s, party: "7005"}                  # the other party changes
//	      - {at: 70s, merge: "7006"}                  # a completed transfer
//	      - {at: 90s, agent: Agent2, release: true}   # the agent hangs up
//	    http:                                         # answers to <session:fetch>
//	      - {url: "http://crm.test/customer", method: GET, body: '{"tier": "gold"}'}
//	    answers:
//	      treatment: {delay: 20s, udata: {MenuChoice: "2"}}   # how dialogs end
//	      route: {error: 40}                                  # a T-Server error code
//	    expect:
//	      final: _composer_global_exit                # the top-level final state
//	      visited: [SalesWorkflow.Target]             # in this order, others between
//	      not_visited: [SalesWorkflow.Closed]
//	      events: [queue.submit.done, interaction.redirect.done]
//	      route: "7002"                               # "none": the call is not routed
//	      udata: {MenuChoice: "2"}                    # attached data at the end
//	      user_events: [{dn: Reporting, data: {CB_STATE: QUEUED}}]
//	      logs: ["routed to 7002"]                    # texts in log lines
//	      within: 2m                                  # virtual time to the end
//	      errors: false                               # true lets error.* events pass
//
// Durations are "30s", "2m" or seconds. A queue submit finds the first
// ready agent its targets stand for in the environment; when none is
// ready it waits until one becomes ready or the submit's timeout. Nothing
// leaves the process: a fetch no stub answers fails as unreachable.
//
// Load and Parse read suites, with errors naming the file and line; Run
// runs a suite and returns a Result per test; WriteTable and WriteJUnit
// report them.
package strategytest
