# Two commands: `make lab` opens the workbook, `make test` runs every test.
# Setup steps leave stamps in .make/ and re-run only when their inputs change.

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMPS := .make
NODE_PROJECT := playground/better_auth
FRONTEND     := playground/frontend

.PHONY: lab test setup clean refresh-notebooks

# JupyterLab refuses to start as root unless told to (containers and CI machines often are root).
LAB_ARGS ?=
ROOT_ARGS := $(if $(filter 0,$(shell id -u)),--allow-root)

lab: setup
	$(BIN)/jupyter lab notebooks/ $(ROOT_ARGS) $(LAB_ARGS)

# One worker per core; --dist loadscope keeps each notebook's cells together, in order, on one worker.
test: setup
	$(BIN)/python -m pytest -n auto --dist loadscope

setup: $(STAMPS)/python $(STAMPS)/node $(STAMPS)/frontend

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMPS)/python: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 \
		--display-name "Python 3 (Better Auth workbook)" >/dev/null
	@mkdir -p $(STAMPS) && touch $@

# Without Node the real-Better-Auth tests are skipped (and say why); everything else still runs.
$(STAMPS)/node: $(NODE_PROJECT)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(NODE_PROJECT) --no-audit --no-fund --loglevel=error && \
		mkdir -p $(STAMPS) && touch $@; \
	else \
		echo "Node.js not found: tests against the real better-auth will be skipped."; \
		echo "Install Node 20+ (e.g. apt-get install nodejs npm) and run make again."; \
	fi

# The browser page: the real better-auth client bundled with esbuild into playground/frontend/dist.
$(STAMPS)/frontend: $(FRONTEND)/package-lock.json $(wildcard $(FRONTEND)/src/*)
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(FRONTEND) --no-audit --no-fund --loglevel=error && \
		npm run build --prefix $(FRONTEND) --silent && \
		mkdir -p $(STAMPS) && touch $@; \
	else \
		echo "Node.js not found: the browser page is not built (browser tests are skipped)."; \
	fi

clean:
	rm -rf $(VENV) $(STAMPS) $(NODE_PROJECT)/node_modules $(FRONTEND)/node_modules $(FRONTEND)/dist

# After editing a lesson: run it top to bottom and store its outputs without volatile metadata
# (one lesson: make refresh-notebooks NOTEBOOKS=notebooks/03_verify_in_fastapi.ipynb).
NOTEBOOKS ?= notebooks/*.ipynb
refresh-notebooks: setup
	$(BIN)/jupyter nbconvert --to notebook --execute --inplace $(NOTEBOOKS)
	$(BIN)/nbstripout --keep-output --keep-count $(NOTEBOOKS)
