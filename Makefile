# cairn's build and test entry points. `make test` is what CI runs: it installs
# what the tests need (pinned) and runs every test.

GO        ?= go
GOBIN     := $(shell $(GO) env GOPATH)/bin
VERSITYGW := $(GOBIN)/versitygw
VERSITYGW_VERSION := v1.8.0

.PHONY: build test test-short bench fuzz tools demo clean

build:
	$(GO) build -o bin/cairn ./cmd/cairn

# The servers the tests start themselves on 127.0.0.1. Reused when present.
tools: $(VERSITYGW)

$(VERSITYGW):
	$(GO) install github.com/versity/versitygw/cmd/versitygw@$(VERSITYGW_VERSION)

test: tools
	CAIRN_REQUIRE_SERVERS=1 VERSITYGW=$(VERSITYGW) $(GO) test -count=1 -timeout 20m ./...

test-short:
	$(GO) test -short ./...

# Benchmarks: figures are ratios against anchors measured in the same run.
bench:
	$(GO) test -run '^$$' -bench . -benchtime 3x -timeout 30m ./...

fuzz:
	$(GO) test ./cloudtrail -run '^$$' -fuzz FuzzReader -fuzztime 60s

demo: build
	./bin/cairn serve -demo

clean:
	rm -rf bin
