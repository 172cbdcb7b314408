# The two commands people need are `make run` and `make test`; see README.md.
# Everything the targets need is installed by them: Go modules by go, npm
# packages into internal/duckdb/node_modules, Go tools into .tools/bin.

GO          ?= go
VERSION     ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -s -w -X main.version=$(VERSION)
TOOLS       := $(CURDIR)/.tools/bin
STATICCHECK := $(TOOLS)/staticcheck
STATICCHECK_VERSION := v0.8.2
FUZZTIME    ?= 30s

.PHONY: all build run test test-go lint bench fuzz fuzz-short duckdb clean

all: build

## build: the static datatap binary for this machine, in bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/datatap ./bootstrap

## run: the tap on this machine: http://127.0.0.1:8080, Parquet in ./data
run: build
	./bin/datatap serve

## test: every test, including the differential test against DuckDB
test: duckdb
	DATATAP_REQUIRE_DUCKDB=1 $(GO) test -count=1 ./...

## duckdb: install DuckDB for node (the independent reader tests compare with)
duckdb: internal/duckdb/node_modules/.package-lock.json

internal/duckdb/node_modules/.package-lock.json: internal/duckdb/package.json internal/duckdb/package-lock.json
	npm ci --prefix internal/duckdb --no-audit --no-fund --loglevel=error

## lint: gofmt, go vet, staticcheck
lint: $(STATICCHECK)
	@out=$$(gofmt -l .); if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

$(STATICCHECK):
	GOBIN=$(TOOLS) $(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

## bench: every benchmark, with allocations
bench:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## fuzz: each fuzz target for FUZZTIME (default 30s); fuzz-short: 10s each
FUZZ_TARGETS := ./transform:FuzzCompile ./transform:FuzzEval
fuzz:
	@for t in $(FUZZ_TARGETS); do \
		pkg=$${t%%:*}; name=$${t##*:}; \
		echo "fuzz $$pkg $$name for $(FUZZTIME)"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $(FUZZTIME) $$pkg || exit 1; \
	done

fuzz-short:
	@$(MAKE) --no-print-directory fuzz FUZZTIME=10s

clean:
	rm -rf bin .tools internal/duckdb/node_modules
