# The README's two commands: `make serve` (set up, build, serve) and `make test` (set up, test).
# Every step installs what it needs, so both work on a fresh machine.
PY      ?= python3
VENV    := .venv
BIN     := $(VENV)/bin
STAMP   := $(VENV)/.installed

.PHONY: setup setup-test serve build test bench clean

$(STAMP): pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)
	@if [ -f ui/package.json ]; then npm ci --prefix ui --no-audit --no-fund --loglevel=error; fi

# Debian packages the tests use: a real headless browser for the page tests.
setup-test: setup
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; }

build: setup
	$(BIN)/clusterkg build

serve: setup
	$(BIN)/clusterkg serve

test: setup-test
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python bench/run.py

clean:
	rm -rf var
