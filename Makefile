# The README's two commands: `make serve` (set up, build, serve) and `make test` (set up, test).
# Every step installs what it needs, so both work on a fresh machine.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: setup setup-test serve build test bench bench-scale clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)
	@if [ -f ui/package.json ]; then npm ci --prefix ui --no-audit --no-fund --loglevel=error; fi

# Debian packages the tests use: a real headless browser for the page tests, and OpenLink
# Virtuoso for the remote-store tests. Only Virtuoso's binaries (virtuoso-opensource-7-bin):
# the full virtuoso-opensource package starts a system server from its postinst and asks for
# a dba password through debconf; the tests start their own private server in a temp folder.
# (The Oxigraph server comes from PyPI, in the test extra.) wrk drives the load test.
setup-test: setup
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null && command -v virtuoso-t >/dev/null \
	  && command -v wrk >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	      chromium chromium-driver virtuoso-opensource-7-bin wrk >/dev/null; }

build: setup
	$(BIN)/clusterkg build

serve: setup
	$(BIN)/clusterkg serve

test: setup-test
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python bench/run.py

# Against the limit (raw pyoxigraph) and a peer (rdflib-endpoint) on synthetic graphs of scale
# 0.1 and 1 (>5M quads); about an hour on 2 cores. Not a test: it prints a table of ratios.
bench-scale: setup
	$(BIN)/pip install --quiet -e '.[test,bench]'
	$(BIN)/python bench/scale.py --scale 0.1 --scale 1

clean:
	rm -rf var
