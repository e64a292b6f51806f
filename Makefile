# archgraph: the two commands that matter are `make run` and `make test`.
# Both create the virtual environment in .venv and install what they need.

PYTHON ?= $(shell command -v python3.11 || command -v python3.12 || command -v python3.13 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: help run test lint typecheck unit neo4j-fetch structurizr-fetch graphviz chromium bench lock clean

help:
	@echo "make run    start the service on 127.0.0.1:8000 with the embedded store"
	@echo "make test   install everything, fetch Neo4j, lint, type-check and run every test"
	@echo "make bench  run the benchmarks and print the figures"

$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "archgraph needs Python 3.11 or newer; found " + sys.version.split()[0] + " at " + sys.executable + " (set PYTHON=/path/to/python3.11)")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -c constraints.txt -e '.[dev]'
	@touch $(STAMP)

# A system command the project needs: installed with apt-get when we run as
# root and apt is there, otherwise stop and say how.
# $(call need,COMMAND,DEBIAN PACKAGE,WHAT NEEDS IT,HOW TO INSTALL ELSEWHERE)
define need
	@command -v $(1) >/dev/null 2>&1 || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
	    echo "installing $(2) with apt-get"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $(2) >/dev/null; \
	  else \
	    echo "archgraph needs $(1) for $(3) and it is not on PATH."; \
	    echo "Install it: sudo apt-get install $(2) (Debian/Ubuntu), $(4) - then run make again."; \
	    exit 1; \
	  fi; \
	}
endef

# Diagrams need Graphviz's `dot`.
graphviz:
	$(call need,dot,graphviz,diagrams,brew install graphviz (macOS) or see https://graphviz.org/download/)
	@dot -V

# The review's rendering test opens the HTML in headless Chromium (Debian's chromium package).
chromium:
	$(call need,chromium,chromium,the review's rendering test,or put a chromium binary on PATH)
	@chromium --version

run: $(STAMP) graphviz
	$(BIN)/archgraph serve --dev

neo4j-fetch: $(STAMP)
	@$(BIN)/python -m tests.neo4j.server java >/dev/null
	$(BIN)/python -m tests.neo4j.server fetch

# The real Structurizr DSL parser (Maven Central, cached in ~/.cache/archgraph) for the DSL test.
structurizr-fetch: $(STAMP)
	$(BIN)/python -m tests.structurizr.parser fetch

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/hadolint --ignore DL3008 Dockerfile

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP)
	$(BIN)/python -m pytest -m "not neo4j"

# Every test, the Neo4j-backed ones included: they must run, never skip.
test: $(STAMP) graphviz chromium neo4j-fetch structurizr-fetch lint typecheck
	ARCHGRAPH_REQUIRE_NEO4J=1 $(BIN)/python -m pytest

bench: $(STAMP) neo4j-fetch
	$(BIN)/python -m bench.run --write

# Refresh the pinned versions after changing dependencies in pyproject.toml.
lock: $(STAMP)
	$(BIN)/pip freeze --exclude-editable | grep -v '^-e' > constraints.txt

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis *.egg-info
