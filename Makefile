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
# detector on the library (-short: the long enumerations ran once already),
# and the end-to-end tests (-tags e2e: the kernel, notebook, browser, class
# and image tests, and redis-server's; see internal/e2e). A plain
# `go test ./...` runs all but those, with Go alone.
test: lint lint-kernel
	$(GO) test -tags e2e $(GOTEST_FLAGS) ./...
	$(GO) test -tags e2e -race -short -count=1 ./pkg/... ./runtime/... ./course/...

# gofmt and go vet on the repository's code. The kernel's own code (the
# overlay files, build tag golocks_kernel) compiles only inside the patched
# gophernotes copy: `make lint-kernel` (kernel/kernel.mk) vets it there, after
# building the kernel (minutes the first time), as every kernel build does.
lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt needed: $$out"; exit 1; fi
	$(GO) vet -tags e2e ./...

# Jupyter and friends from Debian's packages (apt-get as root).
deps:
	scripts/install-deps.sh test

include kernel/kernel.mk
# make run: Jupyter on the workbook (scripts/run.sh).
include scripts/run.mk
# make image: the instructors' image, with docker or podman (scripts/image.sh);
# make hub-podman: a class on JupyterHub, a container of it per student.
include scripts/image.mk
# make class, make grade: a class on one server; grading submissions (README).
include scripts/class.mk
# make notebooks: the workbook's student and solution copies (notebooks/README.md).
include notebooks/notebooks.mk
# make bench: golocks against Python and the machine's floor (docs/benchmarks.md).
include bench/bench.mk
