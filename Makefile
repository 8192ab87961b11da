# The first two targets are the README's promise: `make demo` runs the product,
# `make test` passes, on a machine with only Python 3.11.
PYTHON ?= python3.11
VENV ?= .venv
PY := $(VENV)/bin/python

.PHONY: demo test lint install services-stop clean

demo: install
	DEBUG=true $(PY) manage.py rundemo

test: install
	$(VENV)/bin/pytest -q

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check . || true

install: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[dev,test]'
	touch $@

services-stop:
	$(PY) -m ssi_dashboard.devservices

clean: services-stop
	rm -rf .devservices .test-media staticfiles
