# golocks: `make run` opens the workbook in Jupyter, `make test` is what CI
# runs; see README.md.
GO ?= go
# Tests that build the kernel or the image and drive Jupyter take minutes
# the first time.
GOTEST_FLAGS ?= -count=1 -timeout 60m

.PHONY: all build test lint deps
all: build

# The terminal tool and pool worker.
build:
	$(GO) build -trimpath -o build/golocks ./cmd/golocks

# Everything: formatting, vet, the unit and cross-process tests, the race
# detector on the library, and the kernel and notebook tests.
test: lint
	$(GO) test $(GOTEST_FLAGS) ./...
	$(GO) test -race -count=1 ./pkg/... ./runtime/... ./course/...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) vet ./...

# Jupyter and friends from Debian's packages (apt-get as root).
deps:
	scripts/install-deps.sh test

include kernel/kernel.mk
# make run: Jupyter on the workbook (scripts/run.sh).
include scripts/run.mk
# make image: the instructors' image, with docker or podman (scripts/image.sh).
include scripts/image.mk
# make class, make grade: a class on one server; grading submissions (README).
include scripts/class.mk
# make notebooks: the workbook's student and solution copies (notebooks/README.md).
include notebooks/notebooks.mk
# make bench: golocks against Python and the machine's floor (docs/benchmarks.md).
include bench/bench.mk
