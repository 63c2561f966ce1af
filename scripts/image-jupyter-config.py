# The image's Jupyter Notebook settings (the Dockerfile copies this file to
# /etc/jupyter/jupyter_notebook_config.py, read by `jupyter notebook` and by
# jupyterhub-singleuser; flags and a hub's settings override it). The
# container's port 8888 on all its addresses, since a container is reached
# through its published port; the student's work folder; no browser; a busy
# port is an error. Token authentication stays on: the server prints its
# ?token= URL (set a token of your own with JUPYTER_TOKEN).
import os

c = get_config()  # noqa: F821 (Jupyter defines it)
c.NotebookApp.ip = "0.0.0.0"
c.NotebookApp.port = 8888
c.NotebookApp.port_retries = 0
c.NotebookApp.open_browser = False
c.NotebookApp.notebook_dir = os.path.join(os.environ.get("HOME", "/home/jovyan"), "work")
