// Command orca runs SCXML charts the way Genesys Orchestration Server does,
// with Orca's SCXML 1.0 interpreter and ECMAScript data model.
//
// Usage:
//
//	orca validate FILE...
//	orca run [--trace] [--timeout DUR] [limits] [--on-limit error|terminate] [--http ADDR] [--allow URL-PREFIX]... [--allow-network CIDR]... FILE
//	orca bench --send NAME --count N [--sessions M] FILE
//	orca bench --callbacks N [--clients C] [--agents A] [--speed X]
//	orca templates list | show NAME | export NAME DIR [--force]
//	orca tsim [--server URL | --data DIR | --embedded [--data DIR] [--port N]] [--config FILE] [--duration D]
//	orca events [--server URL | --data DIR] [--switch S] [--dn DN] [--service ID] [--replay] [--duration D]
//	orca conformance [--dir DIR] [--from-txml DIR [--ecma-out DIR]] [--out FILE] [--failures] [--timeout DUR] [--jobs N] [--log] [ID...]
//	orca conformance --build DIR
//	orca test [--junit FILE] [--trace] [--log] [--env FILE] TESTFILE...
//	orca serve [--config FILE] [--nats URL] [--listen ADDR] [--data DIR] [--demo [--scenario FILE] [--count N] [--speed X] [--verbose] [--stay]]
//	orca infomart run|report|rejections [flags]
//	orca view [--listen ADDR] [--open] [--doc FILE] TRACE
//	orca version
//	orca help [COMMAND]
//
// Every command reports its errors on standard error as "orca COMMAND:
// message"; a usage error says what is wrong or missing, then prints the
// command's usage, and exits 64. "orca help COMMAND" (or "orca COMMAND
// -h") prints a command's flags.
//
// validate loads each file and reports every error as "file:line:col:
// message", one per line, and the expressions the data model cannot compile
// as warnings (they raise error.execution when evaluated). It exits 1 when a
// file does not load.
//
// run runs one chart on the real clock. External events arrive on standard
// input as JSON lines, {"name":"e","data":{...}}, and are processed as they
// arrive; a line that is not such an object is reported and skipped. <log>
// output goes to standard error as "label: message". With --trace, the run
// prints a trace on standard output (package trace; orca view opens it): a
// header line naming the session and the document, then one JSON line per
// completed macrostep of the session run,
//
//	{"event":"e","atomic":["s1"],"active":["p","s1"],"final":false,"index":1,"time":...,"datamodel":{...},...}
//
// (event is null for the initial macrostep; state ids are in document
// order), with its data model, the delayed sends and function-module
// requests pending, and what it produced (logs, errors, sends, UserEvents,
// attached data); a line marked "ended" holds what ending produced. When the chart reaches a top-level final state, run prints its id
// and exits 0. It exits 1 on a load error, when the session is terminated by
// an error, or when nothing can happen any more (standard input is closed
// and no delayed event is pending), and 2 when --timeout expires first.
// The session limits of package host apply, each with a flag (0: no
// limit): --script-budget DUR (2s) interrupts the scripts of a macrostep
// that runs longer; --max-memory SIZE (64MiB) ends a session whose memory
// grows beyond it; --max-microsteps N and --max-internal-events N (10000
// each) bound each macrostep; --max-internal-queue N, --max-external-queue N
// (10000 each) and --max-delayed-sends N (1000) bound the queues and the
// pending delayed sends. --on-limit says whether a breach raises
// error.execution in the session (the default; a second breach in a row
// ends it) or ends it. --http ADDR starts the Basic HTTP Event I/O Processor on ADDR
// (e.g. 127.0.0.1:0), prints its location, and keeps the run open for
// events posted to it. <session:fetch> and basichttp <send> reach only the
// URLs under an --allow prefix ("*" for any) and the run's own location;
// loopback, link-local and cloud metadata addresses stay refused unless
// --allow-network lists them (docs/security.md).
//
// bench starts M sessions of a chart on a host on a virtual clock, sends N
// events round-robin, and reports events per second, heap bytes per live
// session and allocations per event; it warns when the events enter no
// state (the chart takes no transition on them, so little is measured).
// With --callbacks it sizes a deployment instead: the server, the
// embedded NATS server and the telephony simulator in one process, C
// clients placing N immediate callbacks with reporting on through the GMS
// API, each done at its final UserEvent; it reports callbacks per second,
// the p50 and p99 latency of each API call (by nearest rank), CPU time
// and allocation per callback (the whole process's: the clients are
// HTTP/1.1 clients of the bench's own over keep-alive connections, which
// allocate nothing per call, so the figures are the server's, NATS's and
// the simulator's), with a progress line on standard error while it runs. It gives up when no callback was placed or done for a minute.
//
// templates lists the callback templates embedded in the binary, prints
// one, or exports one with its includes so users can start their own.
//
// tsim runs the telephony simulator on the bus's subjects: a switch with
// DNs and a reporting DN, agents, customers with configurable answer odds,
// and a monitor on the reporting DN that prints each EventUserEvent as
// T-Server logs it. --embedded starts a NATS server of its own instead.
//
// events prints the UserEvents and attached-data changes flowing on NATS,
// filtered by switch, DN and callback service id.
//
// tsim and events find the bus as the nats CLI does, --server/-s or
// $NATS_URL, with $NATS_CREDS, $NATS_NKEY or $NATS_USER/$NATS_PASSWORD;
// else where orca serve recorded its embedded server in the data directory
// (--data, orca-data by default), with the key of their role there (tsim
// the switch's, events a reader's). An error names the URL tried, where it
// came from and why it failed.
//
// serve is the ORS and GMS stand-in (docs/serve.md); with --demo it runs
// the whole callback application with the telephony simulator and the Info
// Mart side, shows a stream of callbacks progress as a table, explains the
// counts and says where to look next.
//
// version prints the module's version, the Go version and platform, and
// the commit the binary was built from (runtime/debug.ReadBuildInfo; "make
// build" stamps it).
//
// conformance runs the 200 W3C SCXML 1.0 IRP tests from DIR (default:
// $ORCA_W3C, else .w3c, where "make w3c" puts them, else ../shared/w3c),
// prints a table and totals, and writes the Markdown report only when
// asked: --out FILE, or - for standard output instead of the table ("make
// conformance" writes CONFORMANCE.md).
// --from-txml transforms the .txml templates of a directory with Orca's own
// port of the W3C's confEcma.xsl and runs those documents instead of
// DIR/ecma. It exits 1 when any test does not pass. --build DIR makes a
// suite from the W3C's published files in DIR (manifest.xml and txml/, as
// "make w3c" downloads them): ecma/ with the port of confEcma.xsl, and
// manifest.tsv from manifest.xml.
package main
