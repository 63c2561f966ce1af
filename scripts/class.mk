# scripts/class.mk: serving the workbook to a class, and grading it (see the
# README's instructors' section). Included by the root Makefile.
#
#   sudo make class                   serve the workbook to a class (class.sh)
#   make grade SUBMISSIONS=folder     score every notebook in folder by its
#                                     test cells (scripts/grade.py);
#                                     GRADEFLAGS=--json for JSON lines

GRADE_JUPYTER := $(abspath build/grade-jupyter)
GRADE_PYTHON ?= /usr/bin/python3
GRADEFLAGS ?=

.PHONY: grade
grade:
	@[ -n '$(SUBMISSIONS)' ] || { echo 'make grade: which notebooks? make grade SUBMISSIONS=folder' >&2; exit 2; }
	@$(MAKE) -s --no-print-directory -f kernel/kernel.mk install-kernel JUPYTER_DATA_DIR='$(GRADE_JUPYTER)/data' >/dev/null
	@JUPYTER_PATH='$(GRADE_JUPYTER)/data' JUPYTER_DATA_DIR='$(GRADE_JUPYTER)/data' \
	JUPYTER_CONFIG_DIR='$(GRADE_JUPYTER)/config' JUPYTER_RUNTIME_DIR='$(GRADE_JUPYTER)/runtime' \
	PYDEVD_DISABLE_FILE_VALIDATION=1 \
		$(GRADE_PYTHON) scripts/grade.py $(GRADEFLAGS) $(SUBMISSIONS)

# make class: serve the workbook to a class through JupyterHub, as root
# (scripts/class.sh --help lists the flags; the README's instructors'
# section says how to add students and serve a real class behind TLS).
#
#   sudo make class
#   sudo make class CLASSFLAGS='--ip 0.0.0.0 --port 443 --ssl-cert c.pem --ssl-key k.pem'
CLASSFLAGS ?=

.PHONY: class
class:
	@scripts/class.sh $(CLASSFLAGS)
