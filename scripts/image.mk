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
#   sudo make hub-podman HUB_USERS=alice,bob HUB_PASSWORD_FILE=F
#                                     a class on JupyterHub, a container
#                                     of the image per student (below)
IMAGE ?= golocks:dev

.PHONY: image
image:
	@IMAGE='$(IMAGE)' $(if $(ENGINE),ENGINE='$(ENGINE)') $(if $(BASE),BASE='$(BASE)') $(if $(SOLUTIONS),SOLUTIONS='$(SOLUTIONS)') $(if $(BUILDFLAGS),BUILDFLAGS='$(BUILDFLAGS)') scripts/image.sh

# make hub-podman: serve the workbook to a class through this machine's
# JupyterHub (Debian's, as `make class`), each student's server a podman
# container of the image (scripts/hub-podman_config.py explains every
# setting; README.md, "For instructors"). As root, after `make image`:
#
#   sudo make hub-podman HUB_USERS=alice,bob HUB_PASSWORD_FILE=/root/class-password
#   sudo make hub-podman HUB_AUTH=pam HUB_GROUP=golocks-class
#
# More settings (HUB_IP, HUB_PORT, HUB_SSL_CERT, HUB_SSL_KEY, HUB_ADMINS,
# HUB_HUB_PORT and HUB_PROXY_API_PORT for its internal APIs,
# REDIS_URL) are the config's GOLOCKS_HUB_* variables; the hub's state, the
# students' work folders and their servers' logs are in HUB_STATE.
HUB_STATE ?= /var/lib/golocks-hub
HUB_VARS := USERS AUTH GROUP IP PORT ADMINS HUB_PORT PROXY_API_PORT
HUB_FILES := PASSWORD_FILE SSL_CERT SSL_KEY # made absolute: the hub runs in HUB_STATE
# podman names a local image localhost/NAME.
HUB_IMAGE = $(if $(findstring /,$(IMAGE)),$(IMAGE),localhost/$(IMAGE))

.PHONY: hub-podman
hub-podman:
	@mkdir -p '$(HUB_STATE)' && chmod 700 '$(HUB_STATE)'
	@cd '$(HUB_STATE)' && GOLOCKS_HUB_IMAGE='$(HUB_IMAGE)' GOLOCKS_HUB_STATE='$(abspath $(HUB_STATE))' \
		$(foreach v,$(HUB_VARS),$(if $(HUB_$(v)),GOLOCKS_HUB_$(v)='$(HUB_$(v))')) \
		$(foreach v,$(HUB_FILES),$(if $(HUB_$(v)),GOLOCKS_HUB_$(v)='$(abspath $(HUB_$(v)))')) \
		$(if $(REDIS_URL),GOLOCKS_HUB_REDIS_URL='$(REDIS_URL)') \
		exec jupyterhub -f '$(abspath scripts/hub-podman_config.py)'
