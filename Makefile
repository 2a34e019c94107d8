# yima — the two commands that matter: `make dev` runs the system, `make test`
# runs every test. See README.md.

GO      ?= go
BIN     := $(CURDIR)/bin
GOFLAGS ?=

.PHONY: dev test test-go e2e gen check-gen lint web check-web deps tools bench clean

## dev: run yima with a private PostgreSQL, embedded NATS and demo data
dev:
	$(GO) run ./cmd/yima dev --demo

## test: everything CI runs — generated code fresh, web build fresh, vet, all Go tests (integration and E2E)
test: deps check-gen check-web lint test-go

## test-go: Go unit, integration and browser tests with the race detector
test-go:
	$(GO) test -race -count=1 -timeout 30m ./...

## deps: install what tests need from Debian and npm when missing
deps:
	scripts/ensure-deps.sh

## tools: build the pinned generators and linters into bin/
tools: $(BIN)/buf $(BIN)/protoc-gen-go $(BIN)/protoc-gen-connect-go $(BIN)/sqlc $(BIN)/staticcheck

$(BIN)/buf $(BIN)/protoc-gen-go $(BIN)/protoc-gen-connect-go $(BIN)/sqlc $(BIN)/staticcheck: tools/go.mod tools/go.sum
	cd tools && $(GO) build -o $(BIN)/ \
		github.com/bufbuild/buf/cmd/buf \
		google.golang.org/protobuf/cmd/protoc-gen-go \
		connectrpc.com/connect/cmd/protoc-gen-connect-go \
		github.com/sqlc-dev/sqlc/cmd/sqlc \
		honnef.co/go/tools/cmd/staticcheck

web/node_modules/.package-lock.json: web/package-lock.json
	cd web && npm ci --no-audit --no-fund
	touch $@

## gen: regenerate Go and TypeScript from the protos, and Go from the SQL queries
gen: tools web/node_modules/.package-lock.json
	$(BIN)/buf lint
	$(BIN)/buf generate
	$(BIN)/buf generate --template buf.gen.grain.yaml
	$(BIN)/sqlc generate

## check-gen: fail when generated code is stale
check-gen: gen
	@git diff --exit-code --stat -- rpc/gen store/db web/packages/api/src/gen engine/actors/grainpb || \
		(echo "generated code is stale: run 'make gen' and commit" >&2; exit 1)
	@test -z "$$(git status --porcelain -- rpc/gen store/db web/packages/api/src/gen engine/actors/grainpb)" || \
		(git status --short -- rpc/gen store/db web/packages/api/src/gen engine/actors/grainpb; echo "untracked generated files: run 'make gen' and commit" >&2; exit 1)

## web: build the four web apps into web/dist (embedded into the binary)
web: web/node_modules/.package-lock.json
	cd web && npm run build

## check-web: fail when the committed web/dist differs from a fresh build
check-web: web
	@test -z "$$(git status --porcelain -- web/dist)" || \
		(git status --short -- web/dist | head; echo "web/dist is stale: run 'make web' and commit" >&2; exit 1)

## lint: buf lint, go vet, staticcheck
lint: tools
	$(BIN)/buf lint
	$(GO) vet ./...
	$(BIN)/staticcheck ./...

## e2e: only the browser tests
e2e: deps
	$(GO) test -count=1 -run 'TestE2E' ./cmd/yima/

## bench: seed at scale, drive the check-in storm against yima dev, print one line per scenario (BENCHFLAGS: see bin/yima-bench -h)
bench:
	$(GO) build -o $(BIN)/yima ./cmd/yima
	$(GO) build -o $(BIN)/yima-bench ./loadtest/cmd/yima-bench
	$(BIN)/yima-bench -yima $(BIN)/yima $(BENCHFLAGS)

clean:
	rm -rf bin .data
