# golocks: the "Locks!" workbook in Jupyter Notebook with the golocks Go
# kernel, for instructors: one server per student (docker/podman run, or
# spawned by JupyterHub / Zero to JupyterHub). README.md, "For instructors",
# has the commands; `make image` builds it (scripts/image.sh) with docker or
# podman, and scripts/image_test.go builds and runs it in `make test`.
#
#   docker build -t golocks .
#   docker run --rm -p 127.0.0.1:8888:8888 golocks   # prints its ?token= URL
#
# Everything comes from Debian bookworm's packages (Jupyter Notebook 6, as
# `make run` and the class use; jupyterhub-singleuser from Debian's
# jupyterhub; redis-server for Part 4; tini as process 1) plus the kernel,
# built here from this checkout. The student runs as uid 1000, gid 100 (what
# Zero to JupyterHub runs as); there is no Go toolchain and no sudo.

# The base images, pinned by date (Debian's) and version (Go's). Pass a
# digest the same way to pin the exact image, e.g.
#   --build-arg DEBIAN=docker.io/library/debian:bookworm-20250520-slim@sha256:<digest>
# (the digests are not written here: no registry is reachable where this
# file is built and tested, and scripts/image.sh stands both images in by
# local builds of the same contents with these two arguments).
ARG DEBIAN=docker.io/library/debian:bookworm-20250520-slim
ARG GOLANG=docker.io/library/golang:1.26.8-bookworm

# ---- build stage: the kernel, with kernel/build.sh (the recipe of
# `make kernel` and CI), installed as a system-wide kernelspec.
FROM ${GOLANG} AS build
ARG GOPROXY
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
RUN kernel/build.sh build && PREFIX=/usr/local kernel/build.sh install

# ---- the image.
FROM ${DEBIAN}
# Jupyter Notebook, jupyterhub-singleuser, Part 4's redis-server (the
# notebook starts a private one per kernel, unless REDIS_URL names a class
# server; none is started as a service) and tini. Docs are not kept.
RUN printf 'path-exclude=/usr/share/doc/*\npath-include=/usr/share/doc/*/copyright\npath-exclude=/usr/share/man/*\npath-exclude=/usr/share/info/*\n' \
        >/etc/dpkg/dpkg.cfg.d/golocks-nodoc && \
    apt-get update -qq && \
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
        jupyter-notebook jupyterhub redis-server tini >/dev/null && \
    apt-get clean && rm -rf /var/lib/apt/lists/*
# The student: uid 1000, gid 100 (users), home /home/jovyan as in Jupyter's
# images, so hubs' defaults fit. No password, no sudo.
RUN useradd --uid 1000 --gid 100 --no-user-group --create-home --home-dir /home/jovyan --shell /bin/bash jovyan
ENV HOME=/home/jovyan \
    SHELL=/bin/bash \
    LANG=C.UTF-8 \
    GOLOCKS_WORKBOOK=/opt/golocks/workbook \
    JUPYTER_RUNTIME_DIR=/tmp/jupyter-runtime \
    PYDEVD_DISABLE_FILE_VALIDATION=1
COPY scripts/image-start.sh /usr/local/bin/golocks-start
COPY scripts/image-jupyter-config.py /etc/jupyter/jupyter_notebook_config.py
# The kernel (also the pool's worker) and the golocks tool, owned by root:
# read-only for the student.
COPY --from=build /usr/local/share/jupyter/kernels/golocks /usr/local/share/jupyter/kernels/golocks
RUN ln -s /usr/local/share/jupyter/kernels/golocks/bin/golocks /usr/local/bin/golocks
WORKDIR /home/jovyan
USER 1000:100
# Fail the build, not the class: Jupyter sees the kernel, the tools run as
# the student, and there is no Go.
RUN python3 -c "from jupyter_client.kernelspec import find_kernel_specs as f; assert f()['golocks'] == '/usr/local/share/jupyter/kernels/golocks', f()" && \
    golocks count --procs 2 --counts 100,100 --lock file --quiet && \
    golocks redis --procs 2 --count 100 --mode fenced && \
    ! command -v go && ! command -v sudo && \
    command -v jupyterhub-singleuser && \
    rm -rf /home/jovyan/.ipython
USER root
# Last, so that a notebook change rebuilds only these layers: the workbook
# as shipped (the student copy; the solution copy too, in solutions/, with
# --build-arg SOLUTIONS=1), kept outside the home folder, which a hub may
# mount a volume over; golocks-start copies it into ~/work.
COPY notebooks/student/ /opt/golocks/workbook/
COPY notebooks/solution/ /opt/golocks/solutions/
ARG SOLUTIONS=0
RUN if [ "$SOLUTIONS" = 1 ]; then mv /opt/golocks/solutions /opt/golocks/workbook/solutions; else rm -rf /opt/golocks/solutions; fi
USER 1000:100
EXPOSE 8888
# Last: the version changes with every commit and would otherwise rebuild
# the layers after it.
ARG VERSION=dev
LABEL org.opencontainers.image.source="https://github.com/golocks/golocks" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.title="golocks" \
      org.opencontainers.image.description="The Locks! class workbook (race conditions, file, shared-value and Redis locks) in Jupyter Notebook with a Go kernel"
# tini is process 1: it forwards the stop signal to the server and reaps
# the kernels' processes. -g signals the whole process group.
ENTRYPOINT ["tini", "-g", "--", "golocks-start"]
CMD ["jupyter", "notebook"]
STOPSIGNAL SIGTERM
# Healthy while the server answers its API where it says it serves.
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["golocks-start", "--health"]
