#!/bin/sh
# class-singleuser: how JupyterHub starts a student's own Jupyter server in
# a class served by `make class` (scripts/class_config.py names it as the
# spawner's command; scripts/class.sh installs it next to the workbook).
#
# It runs as the student, in their home, so it can touch nothing of anybody
# else's:
#   1. makes ~/golocks-workbook (GOLOCKS_CLASS_WORKBOOK), private (mode 0700),
#      if it does not exist;
#   2. copies in each notebook of the student workbook
#      (GOLOCKS_CLASS_TEMPLATE) that the student does not have: the first
#      login gets them all, a later one only a notebook the instructor has
#      added since (or one the student deleted to start afresh); a notebook
#      the student has is never overwritten;
#   3. starts jupyterhub-singleuser with its arguments, with a umask of 077:
#      the files the student's notebooks write (counters, lock files, shared
#      values) are readable by the student alone.
set -eu
umask 077
template=${GOLOCKS_CLASS_TEMPLATE:?the student workbook folder (GOLOCKS_CLASS_TEMPLATE) is not set}
workbook=$HOME/${GOLOCKS_CLASS_WORKBOOK:-golocks-workbook}

if [ ! -e "$workbook" ]; then
	mkdir -m 700 "$workbook"
fi
for nb in "$template"/*.ipynb; do
	[ -e "$nb" ] || break # an empty template: nothing to copy
	[ -e "$workbook/${nb##*/}" ] || cp "$nb" "$workbook/"
done
exec jupyterhub-singleuser "$@"
