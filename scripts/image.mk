# scripts/image.mk: `make image`, the instructors' image from the root
# Dockerfile, with docker or podman, whichever is installed
# (scripts/image.sh; README.md, "For instructors"). Included by the root
# Makefile.
#
#   make image                        tag golocks:dev
#   make image IMAGE=golocks:2026-12  another tag
#   make image SOLUTIONS=1            ship the solution copies too, in solutions/
#   make image BUILDFLAGS=--no-cache  more flags for the build
#   make image ENGINE=podman BASE=pinned
#                                     podman, pulling the pinned base images
#                                     (podman's default here stands them in
#                                     by local builds: see scripts/image.sh)
IMAGE ?= golocks:dev

.PHONY: image
image:
	@IMAGE='$(IMAGE)' $(if $(ENGINE),ENGINE='$(ENGINE)') $(if $(BASE),BASE='$(BASE)') $(if $(SOLUTIONS),SOLUTIONS='$(SOLUTIONS)') $(if $(BUILDFLAGS),BUILDFLAGS='$(BUILDFLAGS)') scripts/image.sh
