# golocks: the "Locks!" workbook in Jupyter, with the golocks Go kernel, on
# the Jupyter Docker Stacks base image (user jovyan, port 8888, token auth).
#
#   docker build -t golocks .                                    # student copy
#   docker build --build-arg SOLUTIONS=1 -t golocks:solutions .  # + solutions/
#   docker run --rm -p 8888:8888 golocks     # the log prints the ?token= URL
#
# README.md ("For instructors") has the rest. scripts/dockerfile_test.go
# checks this file without a Docker engine; dockerbuild_test.go runs the
# build stage's steps.

# Paths shared by both stages. The kernelspec goes under the stack's conda
# prefix (its CONDA_DIR), whose share/jupyter/kernels every Jupyter in the
# image searches: the build stage installs it there and the final stage copies
# the same path, so the absolute paths in kernel.json stay right. WORKBOOK is
# the workbook as shipped, also kept outside the home folder for hubs that
# mount a volume over it.
ARG KERNEL_PREFIX=/opt/conda
ARG WORKBOOK=/opt/golocks/workbook

# Build stage: Go 1.26 on Debian 12 builds the kernel with kernel/build.sh,
# the recipe `make kernel` and CI run, and stages the workbook.
FROM golang:1.26.8-bookworm AS build
ARG KERNEL_PREFIX
ARG WORKBOOK
WORKDIR /src
# Modules first, so this layer outlives source changes.
COPY go.mod go.sum ./
RUN go mod download
COPY kernel/ kernel/
COPY pkg/ pkg/
COPY runtime/ runtime/
COPY course/ course/
COPY internal/ internal/
COPY cmd/ cmd/
RUN kernel/build.sh build && PREFIX="$KERNEL_PREFIX" kernel/build.sh install
# The student copy; the solution copy too, in solutions/, with SOLUTIONS=1
# (declared here, so changing it does not rebuild the kernel).
COPY notebooks/student/ notebooks/student/
COPY notebooks/solution/ notebooks/solution/
ARG SOLUTIONS=0
RUN mkdir -p "$WORKBOOK" && cp -R notebooks/student/. "$WORKBOOK/" && \
    if [ "$SOLUTIONS" = 1 ]; then cp -R notebooks/solution "$WORKBOOK/solutions"; fi

# Final stage: the stack's image as JupyterHub and Binder expect it (its
# start scripts and CMD, user jovyan, token authentication), plus the kernel
# and the workbook in /home/jovyan/work. No Go toolchain: the kernel is one
# static binary.
FROM quay.io/jupyter/base-notebook:2025-03-14
ARG KERNEL_PREFIX
ARG WORKBOOK
ARG VERSION=dev
LABEL org.opencontainers.image.source="https://github.com/golocks/golocks" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.title="golocks" \
      org.opencontainers.image.description="The Locks! class workbook (race conditions, file and shared-value locks) in Jupyter with a Go kernel"
# The kernel, the CLI and the pristine workbook belong to root (read-only for
# students); the work folder belongs to jovyan.
COPY --from=build ${KERNEL_PREFIX}/share/jupyter/kernels/golocks ${KERNEL_PREFIX}/share/jupyter/kernels/golocks
COPY --from=build ${KERNEL_PREFIX}/share/jupyter/kernels/golocks/bin/golocks /usr/local/bin/golocks
COPY --from=build ${WORKBOOK} ${WORKBOOK}
COPY --from=build --chown=${NB_UID}:${NB_GID} ${WORKBOOK} /home/jovyan/work
# Part 4's notebook starts a private redis-server per kernel (unless the
# class sets REDIS_URL): the server only, not started as a service.
USER root
RUN apt-get update -qq && \
    apt-get install -y -qq --no-install-recommends redis-server >/dev/null && \
    rm -rf /var/lib/apt/lists/*
USER ${NB_UID}
# Fail the build, not the class: Jupyter sees the kernel where it was
# installed, jovyan can save in work/, the worker runs here, and no Go.
RUN test "$CONDA_DIR" = "$KERNEL_PREFIX" && \
    jupyter kernelspec list | grep -q " golocks  *${KERNEL_PREFIX}/share/jupyter/kernels/golocks\$" && \
    test -w /home/jovyan/work && \
    golocks count --procs 2 --counts 100,100 --lock file --quiet && \
    golocks redis --procs 2 --count 100 --mode fenced && \
    ! command -v go
EXPOSE 8888
