# scripts/run.mk: `make run`, the workbook in Jupyter (scripts/run.sh).
# Included by the root Makefile.
#
#   make run                 Jupyter on http://127.0.0.1:8888, student copy
#   make run PORT=9999       another port
#   make run NOTEBOOKS=notebooks/solution WORKBOOK=~/golocks-answers
#                            start a copy from the solutions instead

PORT ?= 8888

.PHONY: run
run:
	@PORT='$(PORT)' $(if $(NOTEBOOKS),NOTEBOOKS='$(abspath $(NOTEBOOKS))') $(if $(WORKBOOK),WORKBOOK='$(WORKBOOK)') scripts/run.sh
