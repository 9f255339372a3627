# ticketgw: `make check` is the one command that tests everything on a
# fresh machine (and what .ci/run calls). It installs the tools and real
# peers the tests need when they are missing, then runs the formatters,
# vet, staticcheck, the race-enabled test suite and short fuzz runs.

GO          ?= go
GOBIN       := $(shell $(GO) env GOPATH)/bin
STATICCHECK := $(GOBIN)/staticcheck
STATICCHECK_VERSION := v0.8.2
# Fuzz budgets are counts of runs (-fuzztime=Nx), about 10 s each here: a
# duration budget races go1.26's fuzz coordinator at its deadline
# (golang/go#75804) and fails a loaded machine with no crasher. Set
# FUZZTIME=60s (or 1000000x) to fuzz every target longer.
FUZZTIME    ?=
fuzzbudget   = $(if $(FUZZTIME),$(FUZZTIME),$(1))

.PHONY: check deps fmt vet staticcheck test fuzz bench run build

check: deps fmt vet staticcheck test fuzz

# The tools (staticcheck) and the real peers the tests run (swaks, ...):
# .ci/install-peers apt-installs whatever is missing.
deps: $(STATICCHECK)
	bash .ci/install-peers

$(STATICCHECK):
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

fmt:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi

vet:
	$(GO) vet ./...

staticcheck: $(STATICCHECK)
	$(STATICCHECK) ./...

test:
	$(GO) test -race -count=1 ./...

# Short coverage-guided runs of every fuzz target: new crashers fail CI.
fuzz:
	$(GO) test -run='^$$' -fuzz='^FuzzParse$$' -fuzztime=$(call fuzzbudget,60000x) ./mailin/
	$(GO) test -run='^$$' -fuzz='^FuzzSubject$$' -fuzztime=$(call fuzzbudget,90000x) ./mailin/
	$(GO) test -run='^$$' -fuzz='^FuzzStrip$$' -fuzztime=$(call fuzzbudget,100000x) ./mailin/quote/
	$(GO) test -run='^$$' -fuzz='^FuzzConvert$$' -fuzztime=$(call fuzzbudget,150000x) ./mailin/htmltext/

bench:
	$(GO) test -run='^$$' -bench=. -benchmem ./...

run:
	$(GO) run ./cmd/ticketgw serve

# A binary that knows its commit (`ticketgw version`), whatever GOFLAGS say
# about -buildvcs.
build:
	$(GO) build -ldflags "-X main.buildCommit=$$(git rev-parse HEAD 2>/dev/null)$$(git diff --quiet HEAD 2>/dev/null || echo +modified)" -o ticketgw ./cmd/ticketgw
