# cairn's build and test entry points. `make test` is what CI runs: it installs
# what the tests need (pinned) and runs every test.

GO        ?= go
GOBIN     := $(shell $(GO) env GOPATH)/bin
VERSITYGW := $(GOBIN)/versitygw
VERSITYGW_VERSION := v1.8.0

.PHONY: build test test-short bench microbench jq fuzz tools awscli chromium native ui-screenshots demo clean

build:
	$(GO) build -o bin/cairn ./cmd/cairn

# What the tests need: versitygw (an S3 server the tests start on 127.0.0.1),
# the aws CLI (to prove compatibility), Chromium (the UI's browser tests,
# driven headless with chromedp) and the compression libraries cairn uses
# when a system has them. Reused when present.
tools: $(VERSITYGW) awscli chromium native

# libdeflate, libzstd and ISA-L: cairn opens them at run time, when
# present, to decompress log files, compress the index and compress the
# simulator's log files faster, and works without them; the tests check
# that both ways give the same results.
native:
	@/sbin/ldconfig -p | grep -q 'libdeflate.so.0 ' && /sbin/ldconfig -p | grep -q 'libzstd.so.1 ' && /sbin/ldconfig -p | grep -q 'libisal.so.2 ' || { \
		echo "installing libdeflate, libzstd and ISA-L (Debian packages libdeflate0, libzstd1, libisal2)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends libdeflate0 libzstd1 libisal2 >/dev/null; }

$(VERSITYGW):
	$(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION)

awscli:
	@command -v aws >/dev/null 2>&1 || { \
		echo "installing the aws CLI (Debian package awscli)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends awscli >/dev/null; }

chromium:
	@command -v chromium >/dev/null 2>&1 || { \
		echo "installing Chromium (Debian package chromium)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium >/dev/null; }

# The UI's screenshots in docs/ui/, from a browser test run.
ui-screenshots: chromium
	CAIRN_UI_SCREENSHOTS=1 $(GO) test -count=1 -run TestBrowser ./server/ui/

test: tools
	CAIRN_REQUIRE_SERVERS=1 VERSITYGW=$(VERSITYGW) $(GO) test -count=1 -timeout 20m ./...

test-short:
	$(GO) test -short ./...

# The whole-system benchmark (bench/): generates a fixed data set, measures
# cairn against DuckDB's read_json and zcat | jq in the same run, prints the
# table and writes docs/performance.md. BENCH_FLAGS='-events 200000 -out ""'
# is a quick run; `go run ./bench -h` lists the flags.
BENCH_FLAGS ?=

bench: jq native
	$(GO) run ./bench $(BENCH_FLAGS)

jq:
	@command -v jq >/dev/null 2>&1 || { \
		echo "installing jq (Debian package jq)"; \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends jq >/dev/null; }

# Go micro-benchmarks (*_timing_test.go): figures are ratios against anchors
# measured in the same run.
microbench:
	$(GO) test -run '^$$' -bench . -benchtime 3x -timeout 30m ./...

# Every parser's fuzzer, FUZZTIME each. Minimising new inputs is capped:
# unbounded, it stalls the JSON fuzzers for minutes at a time. A fuzzer that
# fails without writing a failing input is run once more: Go 1.26's fuzzing
# engine can end a run on its own deadline with "context deadline exceeded"
# (go.dev/issue/75804, fixed in Go 1.27); a real failure writes its input.
FUZZTIME ?= 30s
FUZZERS = .:FuzzParseTime ./cloudtrail:FuzzReader ./cloudtrail:FuzzFastPath ./cloudtrail:FuzzWholeGzip ./cloudtrail:FuzzScanAgrees ./cloudtrail:FuzzResources ./cloudtrail:FuzzDecodeEventBridge ./cloudtrail:FuzzParseDenial \
	./cloudtrail:FuzzParseKey ./cloudtrail:FuzzParseTime ./cloudtrail:FuzzParseDigest ./cloudtrail:FuzzParsePublicKey \
	./record:FuzzAccept ./record:FuzzReadSegment ./server:FuzzVerify ./server:FuzzDecodeToken ./server:FuzzLakeStatement ./cost:FuzzSniff \
	./index/duckdb:FuzzSegmentEncoder ./index/duckdb:FuzzDecodeDeltaInt32 ./index/duckdb:FuzzRecordsOfPage
fuzz:
	@for f in $(FUZZERS); do \
		pkg=$${f%%:*}; name=$${f##*:}; \
		echo "== $$f"; \
		for try in 1 2; do \
			before=$$(ls $$pkg/testdata/fuzz/$$name 2>/dev/null | wc -l); \
			$(GO) test $$pkg -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) -fuzzminimizetime 50x && break; \
			after=$$(ls $$pkg/testdata/fuzz/$$name 2>/dev/null | wc -l); \
			if [ "$$after" != "$$before" ] || [ $$try = 2 ]; then exit 1; fi; \
			echo "(no failing input written: the engine's deadline, go.dev/issue/75804; $$name again)"; \
		done; \
	done

demo: build
	./bin/cairn serve -demo

clean:
	rm -rf bin
