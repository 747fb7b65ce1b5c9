# The two commands a new user needs: `make run` and `make test`.
VENV := .venv
PY := $(VENV)/bin/python
LODESTAR := $(VENV)/bin/lodestar
DEMO_OP := demo-op
DEMO_WS := demo-ws
SCALE ?= small

.PHONY: setup run test lint bench clean-demo

$(VENV)/.ready: pyproject.toml scripts/setup.sh
	bash scripts/setup.sh
	touch $@

setup: $(VENV)/.ready

run: setup
	bash scripts/demo.sh $(DEMO_OP) $(DEMO_WS) $(SCALE)

test: setup
	bash scripts/ensure-postgres.sh
	$(VENV)/bin/pytest -q -p no:cacheprovider -n auto --dist loadgroup

lint: setup
	$(VENV)/bin/ruff check src tests benchmarks
	$(VENV)/bin/mypy

bench: setup
	$(PY) benchmarks/ingest.py

clean-demo:
	rm -rf $(DEMO_OP) $(DEMO_WS)
