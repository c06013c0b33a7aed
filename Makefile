# RoomControl: `make run` starts the room with simulated devices; `make test` checks the layers and the types,
# runs the whole test suite with branch coverage, and holds the domain and the vitals parsers at 100 % of lines.
# Both create the virtual environment (.venv) and install the system packages Qt needs when missing.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test bench lint typecheck dist clean

$(STAMP): pyproject.toml scripts/system-deps.sh
	scripts/system-deps.sh
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/roomcontrol run --simulate $(ARGS)

lint: $(STAMP)
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

# ARGS narrows pytest (e.g. ARGS=tests/core); the perfect-files check then only means something for the whole suite.
# Two workers (pytest-xdist; WORKERS=0 runs in one process): most tests wait on real devices, sockets and clocks, so
# two halves on two cores take about half the time.
WORKERS ?= 2
test: lint typecheck
	$(BIN)/python -m pytest -n $(WORKERS) --cov --cov-report=term-missing:skip-covered $(ARGS)
	$(BIN)/python scripts/check_coverage.py

bench: $(STAMP)
	for b in bench/*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

# The app bundle (PyInstaller, one folder): dist/roomcontrol/roomcontrol runs without Python or the venv.
# scripts/check_bundle.sh checks it as a clinic PC runs it.
dist: $(STAMP)
	$(BIN)/pyinstaller --noconfirm --clean --log-level WARN --distpath dist --workpath build packaging/roomcontrol.spec

clean:
	rm -rf $(VENV) build dist .pytest_cache .hypothesis .import_linter_cache .mypy_cache .coverage
