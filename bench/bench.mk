# bench/bench.mk: `make bench`, golocks against the workbook's Python and
# the machine's floor (issue #6; docs/benchmarks.md explains the output).
# Included by the root Makefile.
#
#   make bench                    file counters on /dev/shm and the system temp dir
#   make bench DIR=/dev/shm       only there (comma-separated for several)
#   make bench BENCHFLAGS='-latency=false -pairs 7'    see go run ./bench -h
#   make bench BENCHFLAGS='-chart docs/benchmarks.png' redraw the doc's chart
#   make bench BENCHFLAGS='-run redis -latency=false'  only the counter in Redis
#   make bench BENCHFLAGS='-class-students 20'   a bigger class (as root; -class=false skips it)
#
# A few minutes on 2 cores. Timing is noisy on a busy machine: check that
# `uptime` shows a load below 1 before a run you mean to keep.

BENCHFLAGS ?=

.PHONY: bench
bench: build kernel
	$(GO) build -o build/bench/bench ./bench
	DIR='$(DIR)' build/bench/bench $(BENCHFLAGS)
