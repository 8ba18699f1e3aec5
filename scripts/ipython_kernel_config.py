# Installed by `make setup` as .venv/etc/ipython/ipython_kernel_config.py: every kernel started with
# the workbook's Python (JupyterLab, VS Code, nbval, nbclient) then loads the notebook guard, which
# turns a NameError from a cell run out of order into one line: "run the lesson from the top".
c.InteractiveShellApp.extensions.append("playground.notebook_guard")  # noqa: F821 (traitlets' config object)
