# kernel/kernel.mk: the golocks Jupyter kernel (see kernel/README.md).
# Included by the root Makefile; paths are relative to the repo root.
# The recipe itself is kernel/build.sh, shared with container builds.
#
#   make kernel           build build/kernel/golocks/ (a kernelspec folder)
#   make install-kernel   install it for this user, or under PREFIX=/dir
#                         or JUPYTER_DATA_DIR=/dir
#   make lint-kernel      go vet the kernel's own code (needs the build)

KERNEL_BUILD ?= build/kernel
KERNEL_NAME ?= golocks
KERNEL_SPEC := $(KERNEL_BUILD)/$(KERNEL_NAME)

# What the kernel is built from: the pins, the recipe, the patches to
# gophernotes and gomacro, and the Go code it compiles in (ours under pkg/,
# runtime/ and course/ as kernel/bindings.txt lists them, internal/ included:
# pkg/ imports internal/regular; the overlay files under
# kernel/; new files are found again on every make run). Nothing changed:
# make stops here, in well under a second.
KERNEL_SOURCES := go.mod go.sum kernel/build.sh kernel/kernel.mk kernel/kernel.css kernel/bindings.txt \
	$(wildcard kernel/patches/*/*.patch) \
	$(shell find pkg runtime course internal cmd kernel -name '*.go' -not -name '*_test.go' -not -path '*/testdata/*' 2>/dev/null)

KERNEL_ENV = KERNEL_BUILD='$(abspath $(KERNEL_BUILD))' KERNEL_NAME='$(KERNEL_NAME)' KERNEL_RACE='$(KERNEL_RACE)'

.PHONY: kernel install-kernel lint-kernel

kernel: $(KERNEL_SPEC)/kernel.json

# build.sh writes kernel.json last, so a failed build is retried next time.
$(KERNEL_SPEC)/kernel.json: $(KERNEL_SOURCES)
	$(KERNEL_ENV) kernel/build.sh build

install-kernel: kernel
	$(KERNEL_ENV) PREFIX='$(PREFIX)' JUPYTER_DATA_DIR='$(JUPYTER_DATA_DIR)' kernel/build.sh install

# make lint-kernel: go vet on the kernel's own code, which compiles only in
# the patched gophernotes copy the build assembles (every build vets it
# too; this vets the last build again, in seconds). make test runs it.
lint-kernel: kernel
	$(KERNEL_ENV) kernel/build.sh vet

# make test-race-kernel: the kernel's and the notebooks' tests on a kernel
# built with Go's race detector (internal/jupytertest/race.go): a data race
# in the kernel's own code fails them; every report, the notebooks' own
# races included, is kept in build/race-reports. Several times slower than
# the ordinary kernel, so not part of make test.
.PHONY: test-race-kernel
test-race-kernel:
	GOLOCKS_TEST_RACE_KERNEL='$(abspath build/race-reports)' $(GO) test -count=1 -timeout 60m ./kernel ./notebooks
