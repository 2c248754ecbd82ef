# The 一网统管 hub. `make run` starts the demo; `make test` is the README's test command.
GO ?= go

.PHONY: run test lint bench screen screen-check build

run:
	$(GO) run ./cmd/hub --demo

test:
	$(GO) test ./...

lint:
	gofmt -l . | tee /dev/stderr | (! read)
	$(GO) vet ./...

# Benchmark v1 (SPEC §12): hub path into SQLite and PostGIS beside store-only
# baselines, then the Go micro-benchmarks. Flags: make bench BENCH_FLAGS="--devices 500".
BENCH_FLAGS ?= --devices 500 --window 8 --duration 20s
bench:
	deploy/bench/run.sh $(BENCH_FLAGS)
	$(GO) test -run '^$$' -bench . -benchmem ./internal/...

build:
	$(GO) build -o bin/hub ./cmd/hub
	$(GO) build -o bin/simulator ./cmd/simulator

# Rebuild the screen's committed dist/ from web/screen/src and the pinned npm packages.
screen:
	cd web/screen && npm ci && npm run build

# Fail if dist/ is not what the sources build to.
screen-check: screen
	git diff --exit-code -- web/screen/dist
