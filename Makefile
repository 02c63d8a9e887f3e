# Orca build, test and lint entry points. The W3C suite is read from
# $ORCA_W3C, else .w3c (what "make w3c" downloads), else ../shared/w3c.

GO ?= go
# staticcheck 2026.2.2, the first release line that supports Go 1.26.
STATICCHECK ?= honnef.co/go/tools/cmd/staticcheck@v0.8.2
TEST_TIMEOUT ?= 10m
BENCH_COUNT ?= 1000000
# How much each fuzz target of "make fuzz" (part of "make test") runs: a
# count of inputs (about 20 s each on 2 cores), not a duration, because
# with a duration Go 1.26's fuzzing coordinator may report its own
# deadline as a failure on a loaded machine (go.dev/issue/75804).
# FUZZTIME, when set, is the budget of both (a count "Nx" or a duration).
FUZZ_PARSE ?= 300000x
FUZZ_CHART ?= 2000x
# The packages "make test" vets and tests.
PKGS ?= ./...

# Where "make w3c" puts the W3C suite, and where it gets it from.
W3C ?= .w3c
W3C_URL ?= https://www.w3.org/Voice/2013/scxml-irp

.PHONY: all build demo test fuzz bench peer lint w3c conformance clean

all: build

build:
	$(GO) build -buildvcs=auto -o bin/orca ./cmd/orca

# The whole callback application on this machine: a stream of callbacks
# against the telephony simulator, through the Info Mart side.
demo:
	$(GO) run ./cmd/orca serve --demo

# Runs vet, every test and the fuzz targets, then lists the tests that
# skipped because something was missing (the W3C suite, PostgreSQL, ...)
# and how to get it: each such skip is recorded under ORCA_SKIP_LOG
# (package internal/testenv). ORCA_REQUIRE_ALL=1 makes them fail instead.
test:
	$(GO) vet $(PKGS)
	@skips="$$(mktemp -d)"; trap 'rm -rf "$$skips"' EXIT; \
	ORCA_SKIP_LOG="$$skips" $(GO) test -timeout $(TEST_TIMEOUT) $(PKGS) && $(MAKE) --no-print-directory fuzz; \
	status=$$?; ./internal/testenv/skipped "$$skips"; exit $$status

# Fuzzes the parser and whole charts run with the host limits, their
# budgets above (their seed corpora also run in every "go test"). A failing input
# is written under the package's testdata/fuzz; "go test -run" replays it.
fuzz:
	$(GO) test -run '^$$' -fuzz '^FuzzParse$$' -fuzztime $(or $(FUZZTIME),$(FUZZ_PARSE)) ./scxml
	$(GO) test -run '^$$' -fuzz '^FuzzChart$$' -fuzztime $(or $(FUZZTIME),$(FUZZ_CHART)) ./internal/chartfuzz

bench: build
	$(GO) test -run '^$$' -bench . -benchmem -timeout $(TEST_TIMEOUT) ./...
	./bin/orca bench --send ping --count $(BENCH_COUNT) testdata/pingpong.scxml
	./bin/orca bench --send ping --count $(BENCH_COUNT) --sessions 10000 testdata/pingpong.scxml

# Orca's interpreter benchmarks side by side with SCION's on the same
# charts, interleaved (bench/peer; needs Node.js and npm). PEER_ROUNDS
# rounds of PEER_EVENTS events.
PEER_ROUNDS ?= 3
PEER_EVENTS ?= 200000
peer:
	GO=$(GO) ./bench/peer/compare $(PEER_ROUNDS) $(PEER_EVENTS)

lint:
	@unformatted="$$(gofmt -l .)"; \
	if [ -n "$$unformatted" ]; then echo "gofmt -l: these files need formatting:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(GO) run $(STATICCHECK) ./...

# Downloads the W3C SCXML 1.0 IRP suite as the W3C publishes it (manifest.xml,
# confEcma.xsl, and each test's templates and data files, which the manifest
# lists) into $(W3C)/, then builds the ECMAScript suite from it with Orca's
# own port of confEcma.xsl and manifest converter: $(W3C)/ecma and
# $(W3C)/manifest.tsv. The tests and "orca conformance" find it in .w3c.
w3c:
	mkdir -p $(W3C)/txml
	curl -fsSL --retry 3 -o $(W3C)/manifest.xml $(W3C_URL)/manifest.xml
	curl -fsSL --retry 3 -o $(W3C)/txml/confEcma.xsl $(W3C_URL)/confEcma.xsl
	grep -o 'uri="[^"]*"' $(W3C)/manifest.xml | cut -d'"' -f2 | sort -u | while read -r uri; do \
		curl -fsSL --retry 3 -o "$(W3C)/txml/$${uri##*/}" "$(W3C_URL)/$$uri" || exit 1; \
	done
	$(GO) run ./cmd/orca conformance --build $(W3C)

# Runs all 200 W3C tests and rewrites CONFORMANCE.md (the table goes to
# stdout); exits non-zero when a test fails, after writing the report.
conformance: build
	./bin/orca conformance --out CONFORMANCE.md

clean:
	rm -rf bin
