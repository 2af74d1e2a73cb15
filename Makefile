# devcenter: `make run` serves the dashboard on its embedded default, `make test` runs the suite.
VENV := .venv
PY := $(VENV)/bin/python
# Two stamps: `make run` installs what running needs, `make test` adds the test tools.
RUN_STAMP := $(VENV)/.installed-run
STAMP := $(VENV)/.installed
SAY := @echo "[make run]"
# Where the environment forbids bytecode files, every Python process compiles all it imports
# again: about 6 s of CPU per Django process, and `make run` starts nine of them.
unexport PYTHONDONTWRITEBYTECODE
# uv (bin/ensure-uv) installs; no bytecode is compiled ahead (Python compiles what it imports).
INSTALL := "$$(bin/ensure-uv)" pip install --quiet --python $(PY)

.PHONY: run test bench lint migrate seed clean

$(PY):
	$(SAY) "creating $(VENV) with $$(bin/find-python)"
	"$$(bin/ensure-uv)" venv --quiet --python "$$(bin/find-python)" $(VENV)

$(RUN_STAMP): pyproject.toml kubesim/pyproject.toml | $(PY)
	$(SAY) "installing devcenter, kubesim and $$($(PY) -c 'import tomllib; print(len(tomllib.load(open("pyproject.toml", "rb"))["project"]["dependencies"]))') packages it runs on (with what they need)"
	$(INSTALL) -e ./kubesim -e .
	touch $(RUN_STAMP)

$(STAMP): $(RUN_STAMP)
	@echo "[make test] installing $$($(PY) -c 'import tomllib; print(len(tomllib.load(open("pyproject.toml", "rb"))["project"]["optional-dependencies"]["test"]))') test tools"
	$(INSTALL) -e ".[test]"
	touch $(STAMP)

migrate: $(RUN_STAMP)
	$(SAY) "migrating the SQLite database in var/"
	DEBUG=1 $(PY) manage.py migrate --noinput --verbosity 0

seed: migrate
	$(SAY) "loading demo data"
	DEBUG=1 $(PY) manage.py seed_demo

## Serve the dashboard on http://127.0.0.1:8000/ with demo data: SQLite, no Redis, simulated clusters.
## DEVCENTER_ADDRESS=127.0.0.1:9000 moves it (and the simulated clusters' ports with it).
run: $(RUN_STAMP)
	$(SAY) "migrating the SQLite database in var/ and loading demo data"
	DEBUG=1 $(PY) manage.py seed_demo --migrate
	$(SAY) "starting simulated clusters, their workspace ingresses, the worker and the web server"
	DEBUG=1 $(PY) -m demo.embedded

## Run the whole suite against PostgreSQL and Redis on this machine (started if stopped).
test: $(STAMP)
	bin/ensure-services
	bin/ensure-chromium
	bin/ensure-nginx
	bin/ensure-axe
	$(PY) -m ruff check .
	$(VENV)/bin/lint-imports
	$(PY) -m pytest

bench: $(STAMP)
	bin/ensure-services
	QUICK=$(QUICK) $(PY) -m bench

lint: $(STAMP)
	$(PY) -m ruff check .

clean:
	rm -rf $(VENV) var staticfiles
