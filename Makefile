# Two commands: `make lab` opens the workbook, `make test` runs every test.
# Also: `make test-fast` (package tests only, 3 CPU-minutes), `make serve` (the playground outside
# Jupyter), `make bench` (every benchmark; rewrites the README's table).
# Setup steps leave stamps and re-run only when their inputs change. Each stamp lives inside what
# it stands for: deleting .venv, a node_modules or the built page deletes its stamp, and the next
# `make` installs or builds it again (a stamp kept beside them would outlive them and lie).

PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
NODE_PROJECT := playground/better_auth
FRONTEND     := playground/frontend
KERNEL_CONFIG := $(VENV)/etc/ipython/ipython_kernel_config.py
# Every Python package pinned (see its header; `make lock` rewrites it).
CONSTRAINTS  := constraints.txt
PYTHON_STAMP := $(VENV)/.installed
NODE_STAMP   := $(NODE_PROJECT)/node_modules/.installed
FRONTEND_MODULES := $(FRONTEND)/node_modules/.installed
FRONTEND_BUILD   := $(FRONTEND)/dist/main.js
# configurable-http-proxy for the real-JupyterHub test (tests/workshop/test_hub.py)
HUB_PROXY        := tests/workshop/proxy
HUB_PROXY_STAMP  := $(HUB_PROXY)/node_modules/.installed

.PHONY: lab learner test test-fast serve bench track setup clean refresh-notebooks learner-copy lock lint

# JupyterLab refuses to start as root unless told to (containers and CI machines often are root).
LAB_ARGS ?=
ROOT_ARGS := $(if $(filter 0,$(shell id -u)),--allow-root)

# The answered lessons (notebooks/, tracked: what authors edit and CI runs).
lab: setup
	$(BIN)/jupyter lab notebooks/ $(ROOT_ARGS) $(LAB_ARGS)

# A participant's workbook: the lessons without answers in build/learner/, created when missing and
# refreshed on every start without overwriting a notebook the learner changed (scripts/notebooks.py).
learner: setup
	$(BIN)/python scripts/notebooks.py learner-copy --out $(LEARNER_DIR)
	$(BIN)/jupyter lab $(LEARNER_DIR) $(ROOT_ARGS) $(LAB_ARGS)

# Three workers per core, at most 12: much of the suite waits (on Node, kernels, Chromium, the
# checker's timed cases and the processes it starts), and a waiting worker leaves its core to the
# others. On 2 cores, quiet: 3 workers 7 min 32 s, 6 workers under 5 minutes (README, "How long").
# --dist loadscope keeps each notebook's cells (and each module, or each test class) together, in
# order, on one worker; the long independent tests are split into classes and modules to spread, and
# handed out longest first (tests/conftest.py LONGEST_FIRST; --no-loadscope-reorder keeps that order).
# A worker that dies (a crash, a signal, pytest-timeout's thread method ending a stuck test) fails
# the run at once, naming it and its test: xdist would start a replacement and, with loadscope,
# can then wait forever with every worker idle (tests/test_suite_never_hangs.py proves it).
# TEST_CEILING bounds the whole run (about 5 minutes on a quiet 2-core machine today; CI allows 90).
WORKERS ?= $(shell n=$$(( $$(nproc) * 3 )); echo $$(( n > 12 ? 12 : n )))
XDIST_ARGS := -n $(WORKERS) --dist loadscope --no-loadscope-reorder --max-worker-restart=0
TEST_CEILING ?= 30m
test: setup
	timeout --kill-after=30 $(TEST_CEILING) $(BIN)/python -m pytest $(XDIST_ARGS)

# The package tests without what is slow: the notebooks (nbval, and the tooling tests that execute
# them), the real Better Auth (Node), the browser (Chromium), the checker's end-to-end grading and
# the built wheel's fresh venv. Naming `tests` replaces the configured testpaths (no nbval).
FAST_SKIPS := --ignore=tests/test_notebooks_tooling.py --ignore=tests/check --ignore=tests/test_packaging.py
test-fast: $(PYTHON_STAMP)
	timeout --kill-after=30 $(TEST_CEILING) $(BIN)/python -m pytest $(XDIST_ARGS) -q tests -m "not node and not browser" $(FAST_SKIPS)

# ruff over the whole tree (notebooks included; rules in pyproject.toml), and mypy strict on the
# code people copy. .ci/run runs it before `make test`.
lint: $(PYTHON_STAMP)
	$(BIN)/ruff check .
	$(BIN)/python -m mypy --strict playground/backend

# The playground outside Jupyter, with the venv's Python (no need to activate it); Ctrl-C stops it.
# Another issuer or ports: make serve SERVE_ARGS="--issuer better-auth --auth-port 3000 --api-port 8000"
SERVE_ARGS ?= --auth-port 3000 --api-port 8000
serve: setup
	$(BIN)/python -m playground serve $(SERVE_ARGS)

# Every benchmark, one after the other (minutes, needs wrk); prints the README's table and
# rewrites it between its markers. Not part of `make test`: timings are measured, not asserted.
BENCH_ARGS ?=
bench: setup
	$(BIN)/python benchmarks/run_all.py $(BENCH_ARGS)

# The 90-minute workshop track run through in JupyterLab by a machine (Chromium types the answers;
# minutes, not part of `make test`). TRACK_ARGS=--write puts its table into notebooks/README.md.
TRACK_ARGS ?=
track: setup
	$(BIN)/python benchmarks/workshop_track.py $(TRACK_ARGS)

setup: $(PYTHON_STAMP) $(KERNEL_CONFIG) $(NODE_STAMP) $(FRONTEND_BUILD) $(HUB_PROXY_STAMP)

# Kernels run with the venv's Python read <sys.prefix>/etc/ipython: this loads the notebook guard
# (playground/notebook_guard.py) in every kernel of the workbook, whoever starts it.
$(KERNEL_CONFIG): scripts/ipython_kernel_config.py | $(VENV)/pyvenv.cfg
	install -D -m 644 $< $@

$(VENV)/pyvenv.cfg:
	$(PYTHON) -m venv $(VENV)

# The pins apply to everything pip installs here (pyproject.toml's bounds alone would take
# whatever is newest on the day).
$(PYTHON_STAMP): pyproject.toml $(CONSTRAINTS) | $(VENV)/pyvenv.cfg
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -c $(CONSTRAINTS) -e '.[test]'
	$(BIN)/python -m ipykernel install --sys-prefix --name python3 \
		--display-name "Python 3 (Better Auth workbook)" >/dev/null
	@touch $@

# Moving the pins: install pyproject.toml's dependencies in a scratch venv, keeping every current
# pin that still fits (a new dependency gets its newest release; UPGRADE=1: every package does),
# write what it installed to constraints.txt, then reinstall .venv from it and run the whole
# suite. Commit pyproject.toml and constraints.txt together, only when it is green.
UPGRADE ?=
lock:
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && \
	$(PYTHON) -m venv "$$scratch/venv" && \
	"$$scratch/venv/bin/python" -m pip install --quiet $(if $(UPGRADE),,-c $(CONSTRAINTS)) '.[test]' && \
	{ grep '^#' $(CONSTRAINTS); \
	  "$$scratch/venv/bin/python" -m pip freeze --all --exclude pip --exclude better-auth-fastapi-workbook; \
	} > "$$scratch/constraints.txt" && \
	mv "$$scratch/constraints.txt" $(CONSTRAINTS)
	$(MAKE) test

# Without Node the real-Better-Auth tests are skipped (and say why); everything else still runs.
# npm ci empties node_modules first, stamp included: the stamp exists only after a whole install.
$(NODE_STAMP): $(NODE_PROJECT)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(NODE_PROJECT) --no-audit --no-fund --loglevel=error && \
		touch $@; \
	else \
		echo "Node.js not found: tests against the real better-auth will be skipped."; \
		echo "Install Node 20+ (Debian 12 ships 18; as .ci/run does: npm install --prefix ~/.local/node20 node@20,"; \
		echo "then put ~/.local/node20/node_modules/node/bin first on PATH) and run make again."; \
	fi

# The real-JupyterHub test's proxy; without npm that test fails and says so (PLAYGROUND_SKIP_HUB=1
# opts out of it on a laptop: `make test PLAYGROUND_SKIP_HUB=1`, never in CI).
$(HUB_PROXY_STAMP): $(HUB_PROXY)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(HUB_PROXY) --no-audit --no-fund --loglevel=error && \
		touch $@; \
	fi

# The browser page: the real better-auth client bundled with esbuild into playground/frontend/dist.
# Its stamp is the bundle itself, rebuilt when the sources change or the modules were reinstalled.
$(FRONTEND_MODULES): $(FRONTEND)/package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
		npm ci --prefix $(FRONTEND) --no-audit --no-fund --loglevel=error && \
		touch $@; \
	fi

$(FRONTEND_BUILD): $(FRONTEND_MODULES) $(wildcard $(FRONTEND)/src/*)
	@if command -v npm >/dev/null 2>&1; then \
		npm run build --prefix $(FRONTEND) --silent && \
		touch $@; \
	else \
		echo "Node.js not found: the browser page is not built (browser tests are skipped)."; \
	fi

clean:
	rm -rf $(VENV) $(NODE_PROJECT)/node_modules $(FRONTEND)/node_modules $(FRONTEND)/dist

# After editing a lesson: run it top to bottom, merge the stream outputs a run happened to split
# (flush timing varies: unmerged, the stored output would change from run to run), hide the
# solutions' outputs (solution cells are stored unexecuted: nbval runs them without comparing),
# then drop volatile metadata; --keep-count leaves those null execution counts alone. One notebook
# at a time, so that a lesson that fails stops the run with every earlier one finished.
# (one lesson: make refresh-notebooks NOTEBOOKS=notebooks/03_verify_in_fastapi.ipynb).
NOTEBOOKS ?= notebooks/*.ipynb
EXECUTE_THEN_MERGE := --NotebookExporter.preprocessors='["nbconvert.preprocessors.ExecutePreprocessor","nbconvert.preprocessors.CoalesceStreamsPreprocessor"]'
refresh-notebooks: setup
	@set -e; for notebook in $(NOTEBOOKS); do \
	  $(BIN)/jupyter nbconvert --to notebook --inplace $(EXECUTE_THEN_MERGE) "$$notebook"; \
	  $(BIN)/python scripts/notebooks.py strip-solutions "$$notebook"; \
	  $(BIN)/nbstripout --keep-output --keep-count "$$notebook"; \
	done

# The learners' copy (build/learner/): the lessons without answers or outputs. Regenerating keeps a
# notebook the learner changed (the new version goes beside it as NAME.latest.ipynb).
LEARNER_DIR ?= build/learner
learner-copy: $(PYTHON_STAMP)
	$(BIN)/python scripts/notebooks.py learner-copy --out $(LEARNER_DIR)

# Track Better Auth releases (not part of `make test`): install better-auth@latest in a scratch
# folder beside a copy of the Node project, run the conformance suite against it (the launcher
# runs $$PLAYGROUND_BETTER_AUTH_DIR instead of playground/better_auth) and print what changed:
# the versions, the files of better-auth/dist that differ, then one row per field that now differs
# (scenario, option set, field, the pinned release's value, the latest one's) and every other
# failure (scripts/conformance_drift.py); exit 1 when anything changed. The weekly canary
# (.github/workflows/canary.yml) adds the lessons to LATEST_TESTS and files DRIFT_REPORT as an issue.
# All green: move the pin (npm install better-auth@X --save-exact --prefix playground/better_auth).
LATEST_TESTS ?= tests/conformance
DRIFT_REPORT ?=
conformance-latest: setup
	@scratch=$$(mktemp -d) && trap 'rm -rf "$$scratch"' EXIT && \
	cp $(NODE_PROJECT)/*.mjs $(NODE_PROJECT)/demo-users.json $(NODE_PROJECT)/package.json "$$scratch"/ && \
	npm install better-auth@latest --save-exact --prefix "$$scratch" --no-audit --no-fund --loglevel=error && \
	pinned=$$(node -p "require('./$(NODE_PROJECT)/node_modules/better-auth/package.json').version") && \
	latest=$$(node -p "require('$$scratch/node_modules/better-auth/package.json').version") && \
	echo "better-auth: pinned $$pinned, latest $$latest" && \
	echo "files of better-auth/dist that changed:" && \
	(diff -rq $(NODE_PROJECT)/node_modules/better-auth/dist "$$scratch/node_modules/better-auth/dist" \
		| sed "s|$$scratch/node_modules/||; s|$(NODE_PROJECT)/node_modules/||" || true) && \
	{ status=0; \
	  PLAYGROUND_BETTER_AUTH_DIR="$$scratch" $(BIN)/python -m pytest -p no:cacheprovider -q -n 2 --dist loadscope \
		--junit-xml "$$scratch/report.xml" $(LATEST_TESTS) || status=$$?; \
	  echo; $(BIN)/python scripts/conformance_drift.py "$$scratch/report.xml" --pinned "$$pinned" \
		--latest "$$latest" $(if $(DRIFT_REPORT),--markdown "$(DRIFT_REPORT)") || status=1; \
	  exit $$status; }
