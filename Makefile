# The two commands: `make run` and `make test`. Both set up whatever is missing first.
PYTHON := .venv/bin/python
MANAGE := $(PYTHON) manage.py
export DJANGO_DEBUG ?= 1

.PHONY: run serve test setup setup-test lint fmt bench messages

run: setup
	$(MANAGE) load_demo
	$(MANAGE) load_demo_usage
	$(MANAGE) load_demo_indicators
	$(MANAGE) load_demo_contributions
	$(MANAGE) evaluate --all --not-evaluated
	@printf '\n  Tactique est servi sur \033[1mhttp://127.0.0.1:8000\033[0m  (Ctrl-C pour arrêter)\n\n'
	# The web server and, beside it, the worker of the background jobs (imports, evaluations, emails).
	scripts/with_worker.sh $(MANAGE) runserver 127.0.0.1:8000

# The production configuration, locally: gunicorn (WEB_CONCURRENCY workers, default 2), static
# files collected and served by WhiteNoise, a jobs worker (README, "Deployment").
serve: setup
	scripts/serve.sh

test: setup-test lint
	# Small numpy matrices: one BLAS thread per process avoids threads fighting over the cores.
	OPENBLAS_NUM_THREADS=1 $(PYTHON) -m pytest

setup:
	scripts/bootstrap.sh run

setup-test:
	scripts/bootstrap.sh test

lint:
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	# The layers and the engine's purity (contracts in pyproject.toml).
	.venv/bin/lint-imports
	# Types (strict but for the ratchet list in pyproject.toml).
	.venv/bin/mypy
	$(MANAGE) makemigrations --check --dry-run
	$(MANAGE) check

# Fix what the linter can and format: what `make lint` and the pre-commit hooks check.
fmt:
	.venv/bin/ruff check --fix .
	.venv/bin/ruff format .

bench: setup
	$(PYTHON) benchmarks/geojson_endpoint.py
	$(PYTHON) benchmarks/open_data_export.py
	$(PYTHON) benchmarks/counter_import.py
	$(PYTHON) benchmarks/evaluation.py
	$(PYTHON) benchmarks/http_load.py
	$(PYTHON) benchmarks/readings_scale.py

messages:
	$(MANAGE) makemessages -l fr -l en --ignore .venv --ignore staticfiles
