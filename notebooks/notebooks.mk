# notebooks/notebooks.mk: the workbook's student and solution copies
# (see notebooks/README.md). Included by the root Makefile; paths are
# relative to the repo root.
#
#   make notebooks         regenerate notebooks/student/ and notebooks/solution/
#                          from notebooks/source/, running the solution copies
#                          whose source changed on the golocks kernel, so they
#                          are saved with outputs (NOTEBOOKS_FLAGS=--force: all)
#   make notebooks-check   fail if a committed copy is stale (the Go test
#                          in notebooks/ runs the same check in `make test`)

# Debian's python3 with nbformat and nbclient: another python3 may come
# first on PATH without them.
NOTEBOOKS_PYTHON ?= /usr/bin/python3
# A private Jupyter folder: the kernel is installed there, not for the user.
NOTEBOOKS_JUPYTER := $(abspath build/notebooks-jupyter)
NOTEBOOKS_FLAGS ?=

.PHONY: notebooks notebooks-check

notebooks:
	$(MAKE) -f kernel/kernel.mk install-kernel JUPYTER_DATA_DIR='$(NOTEBOOKS_JUPYTER)/data'
	JUPYTER_PATH='$(NOTEBOOKS_JUPYTER)/data' JUPYTER_DATA_DIR='$(NOTEBOOKS_JUPYTER)/data' \
	JUPYTER_CONFIG_DIR='$(NOTEBOOKS_JUPYTER)/config' JUPYTER_RUNTIME_DIR='$(NOTEBOOKS_JUPYTER)/runtime' \
	PYDEVD_DISABLE_FILE_VALIDATION=1 \
		$(NOTEBOOKS_PYTHON) notebooks/nbcopies.py build --execute golocks $(NOTEBOOKS_FLAGS) notebooks/source notebooks

notebooks-check:
	$(NOTEBOOKS_PYTHON) notebooks/nbcopies.py check notebooks/source notebooks
