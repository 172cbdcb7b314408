# The two commands people need are `make run` and `make test`; see README.md.
# Everything the targets need is installed by them: Go modules by go, npm
# packages into internal/testenv/duckdb/node_modules, Go tools into .tools/bin.

GO          ?= go
VERSION     ?= $(shell git describe --always --dirty 2>/dev/null || echo dev)
LDFLAGS     := -s -w -X main.version=$(VERSION)
TOOLS       := $(CURDIR)/.tools/bin
STATICCHECK := $(TOOLS)/staticcheck
STATICCHECK_VERSION := v0.8.2
MINIO       := $(TOOLS)/minio
# MinIO has no semver tags; this is the pseudo-version of its last commit,
# the newest the module proxy serves (kept in step with internal/testenv/minio).
MINIO_VERSION := v0.0.0-20260212201848-7aac2a2c5b7c
# The AWS Lambda Runtime Interface Emulator (no semver tags either).
RIE         := $(TOOLS)/aws-lambda-rie
RIE_VERSION := v0.0.0-20261030222936-bef5c4ba774d
FUZZTIME    ?= 30s

.PHONY: all build run test faults faults128 rie moto lint bench bench-guard compare lambda128 fuzz duckdb minio qemu chromium lambda build-Function build-ExtensionLayer clean

all: build

## build: the static datatap binary for this machine, in bin/
build:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o bin/datatap ./bootstrap

# Lambda: a static linux/arm64 binary (provided.al2023, Graviton). sam build
# runs the build-<LogicalId> targets with ARTIFACTS_DIR set (BuildMethod:
# makefile in sam/template.yaml); `make lambda` builds the same without SAM.
LAMBDA_BUILD := CGO_ENABLED=0 GOOS=linux GOARCH=arm64 $(GO) build -trimpath -ldflags "$(LDFLAGS)"
EXTENSION    := datatap

## build-Function: the function's code for sam build: $(ARTIFACTS_DIR)/bootstrap
build-Function:
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/bootstrap ./bootstrap

## build-ExtensionLayer: the layer for sam build: $(ARTIFACTS_DIR)/extensions/datatap
build-ExtensionLayer:
	mkdir -p $(ARTIFACTS_DIR)/extensions
	$(LAMBDA_BUILD) -o $(ARTIFACTS_DIR)/extensions/$(EXTENSION) ./bootstrap

## lambda: without SAM: bin/lambda/function.zip and bin/lambda/extension-layer.zip
lambda:
	rm -rf bin/lambda && mkdir -p bin/lambda/function bin/lambda/layer
	$(MAKE) --no-print-directory build-Function ARTIFACTS_DIR=$(CURDIR)/bin/lambda/function
	$(MAKE) --no-print-directory build-ExtensionLayer ARTIFACTS_DIR=$(CURDIR)/bin/lambda/layer
	cd bin/lambda/function && $(GO) run $(CURDIR)/sam/zip.go ../function.zip bootstrap
	cd bin/lambda/layer && $(GO) run $(CURDIR)/sam/zip.go ../extension-layer.zip extensions/$(EXTENSION)
	@ls -l bin/lambda/*.zip bin/lambda/function/bootstrap

## qemu: qemu-aarch64-static, to run the arm64 binary here (Debian package; needs root)
qemu:
	@command -v qemu-aarch64-static > /dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq qemu-user-static > /dev/null)

## chromium: headless Chromium, for the browser (CORS) test (Debian package; needs root)
chromium:
	@command -v chromium > /dev/null || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium > /dev/null)

## run: the tap on this machine: http://127.0.0.1:8080, Parquet in ./data
run: build
	./bin/datatap serve

## test: every test, including DuckDB read-backs and the MinIO end-to-end test
test: duckdb minio qemu chromium
	DATATAP_REQUIRE_DUCKDB=1 DATATAP_REQUIRE_MINIO=1 DATATAP_REQUIRE_QEMU=1 DATATAP_REQUIRE_SAM=1 DATATAP_REQUIRE_CHROMIUM=1 $(GO) test -count=1 -timeout 30m ./...

## faults: kill, stop and starve the real binary with a real MinIO, bad input, 60 s of load, leaks;
## every line reconciled (RELIABILITY.md)
faults: duckdb minio
	DATATAP_FAULTS=1 DATATAP_LOAD=1 DATATAP_REQUIRE_DUCKDB=1 DATATAP_REQUIRE_MINIO=1 \
		$(GO) test -count=1 -run 'Fault|TestLoad|TestSecretsNeverLogged|TestBadInput' -v -timeout 15m ./e2e ./internal/server

## rie: the binary as bootstrap and /opt/extensions/datatap under the AWS Lambda Runtime Interface
## Emulator, Function URL events in, SIGTERM (SHUTDOWN to the extension), every line in MinIO (root)
rie: duckdb minio $(RIE)
	DATATAP_RIE=1 DATATAP_REQUIRE_DUCKDB=1 DATATAP_REQUIRE_MINIO=1 \
		$(GO) test -count=1 -run '^TestRIE$$' -v -timeout 5m ./e2e

## moto: the translated template created as a stack in moto's CloudFormation (moto_server on
## loopback) with the zips of make lambda; checks what it created (sam/moto_smoke.py)
moto: lambda
	DATATAP_MOTO=1 $(GO) test -count=1 -run '^TestMotoStack$$' -v -timeout 5m ./sam

$(RIE):
	GOBIN=$(TOOLS) $(GO) install github.com/aws/aws-lambda-runtime-interface-emulator/cmd/aws-lambda-rie@$(RIE_VERSION)

## minio: build the MinIO server the end-to-end tests use (a few minutes, once)
minio: $(MINIO)

$(MINIO):
	@echo "building MinIO $(MINIO_VERSION) into $(TOOLS) (takes about 3 minutes, once)"
	GOBIN=$(TOOLS) $(GO) install github.com/minio/minio@$(MINIO_VERSION)

## duckdb: install DuckDB for node (the independent reader tests compare with)
duckdb: internal/testenv/duckdb/node_modules/.package-lock.json

internal/testenv/duckdb/node_modules/.package-lock.json: internal/testenv/duckdb/package.json internal/testenv/duckdb/package-lock.json
	npm ci --prefix internal/testenv/duckdb --no-audit --no-fund --loglevel=error

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

COMPARE_DIR   ?= $(CURDIR)/.tools/compare
COMPARE_SIZE  ?= 110MB
COMPARE_FLAGS ?= -runs 3

## compare: datatap vs DuckDB, one thread each, on a generated NDJSON corpus (bench/compare/README.md)
compare: duckdb $(COMPARE_DIR)/corpus-$(COMPARE_SIZE).ndjson
	$(GO) run ./bench/compare -corpus $(COMPARE_DIR)/corpus-$(COMPARE_SIZE).ndjson -work $(COMPARE_DIR) $(COMPARE_FLAGS)

$(COMPARE_DIR)/corpus-%.ndjson:
	$(GO) run ./bench/compare/gen -size $* -o $@

## lambda128: runtime + extension in a 128 MB Lambda's cgroup (root; cgroup v1, or v2); report in bin/lambda128.md
lambda128: duckdb minio
	mkdir -p bin
	DATATAP_LAMBDA128=1 DATATAP_REQUIRE_DUCKDB=1 DATATAP_REQUIRE_MINIO=1 \
	DATATAP_LAMBDA128_REPORT=$(CURDIR)/bin/lambda128.md \
		$(GO) test -count=1 -run '^TestLambda128$$' -v -timeout 30m ./bench/lambda128

## faults128: the issue-11 fault cases (10,000 keys, 70,000 keys, 2,000 partitions, 16 × 6 MiB,
## Lambda SHUTDOWN with 900 partitions), each in a 128 MiB cgroup with 1,024 open files, reconciled
## exactly (root; cgroup v1, or v2); report in bin/faults128.md
faults128: duckdb minio
	mkdir -p bin
	DATATAP_FAULTS128=1 DATATAP_REQUIRE_DUCKDB=1 DATATAP_REQUIRE_MINIO=1 \
	DATATAP_FAULTS128_REPORT=$(CURDIR)/bin/faults128.md \
		$(GO) test -count=1 -run '^TestFaults128$$' -v -timeout 20m ./bench/lambda128

## bench-guard: one invocation of 244 KiB under 2 ms and of 4 KiB under 50 µs, on one core,
## judged against a reference workload measured in the same run (bench/guard)
bench-guard:
	mkdir -p bin
	$(GO) test -c -o bin/bench.test ./bench
	for i in 1 2 3 4 5; do \
		GOMAXPROCS=1 bin/bench.test -test.run '^$$' -test.bench 'BenchmarkReference/^(4|244)KiB$$' || exit 1; \
		GOMAXPROCS=1 bin/bench.test -test.run '^$$' -test.bench 'BenchmarkInvocation/^(4|244)KiB$$/^text$$' -test.benchmem || exit 1; \
	done | $(GO) run ./bench/guard

## fuzz: each fuzz target for FUZZTIME (default 30s; a count such as 100000x
## avoids Go 1.26's spurious "context deadline exceeded" at the time limit)
FUZZ_TARGETS := ./transform:FuzzCompile ./transform:FuzzEval ./transform:FuzzParseRecordStrict ./transform:FuzzEvalLine ./internal/sink:FuzzPartitionPath \
	./internal/auth:FuzzVerify ./internal/auth:FuzzArnMatch ./internal/lambda:FuzzCutBody \
	./internal/lambda:FuzzDecodeEvent ./internal/lambda:FuzzDecodeBase64 ./internal/ingest:FuzzIngest ./internal/spool:FuzzRecover ./internal/spool:FuzzField \
	./internal/sink:FuzzCheckPrefix ./internal/config:FuzzPrefix ./internal/cors:FuzzParse ./internal/flush:FuzzFitsFlatFits
# Targets whose every input is a whole ingest + flush + read-back (10–30 ms),
# or a Parquet file written twice (~5 ms):
# they run for SLOW_FUZZTIME instead.
SLOW_FUZZ_TARGETS := ./internal/ingest:FuzzAcceptedIsStored ./internal/parquetfile:FuzzFlatMatchesParsed
SLOW_FUZZTIME ?= $(FUZZTIME)
fuzz:
	@for t in $(FUZZ_TARGETS) $(addsuffix :slow,$(SLOW_FUZZ_TARGETS)); do \
		pkg=$${t%%:*}; name=$${t#*:}; name=$${name%%:*}; time=$(FUZZTIME); \
		case $$t in *:slow) time=$(SLOW_FUZZTIME);; esac; \
		echo "fuzz $$pkg $$name for $$time"; \
		$(GO) test -run '^$$' -fuzz "^$$name$$" -fuzztime $$time $$pkg || exit 1; \
	done

clean:
	rm -rf bin .tools internal/testenv/duckdb/node_modules
