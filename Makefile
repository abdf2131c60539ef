# CounterDesk: build the one-folder bundle, prove it works, run the tests.
# On Windows without make, run the same commands by hand (docs/operations.md).

PYTHON ?= .venv/bin/python
PYINSTALLER ?= $(PYTHON) -m PyInstaller
BUNDLE_DIR := dist/CounterDesk
BUNDLE_CLI := $(BUNDLE_DIR)/counterdesk-cli

.PHONY: installer selftest selftest-bundle test test-fast bench clean

installer:  ## build dist/CounterDesk/ from build_installer.spec
	$(PYINSTALLER) --noconfirm --clean build_installer.spec

selftest:  ## the self-test from the source tree, on a fresh temporary data directory
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	QT_QPA_PLATFORM=offscreen $(PYTHON) -m app --self-test --data-dir "$$tmp/data"

selftest-bundle:  ## the built bundle's self-test (run `make installer` first)
	@test -x $(BUNDLE_CLI) || { echo "no bundle at $(BUNDLE_DIR): run 'make installer' first" >&2; exit 2; }
	@tmp=$$(mktemp -d) && trap 'rm -rf "$$tmp"' EXIT && \
	QT_QPA_PLATFORM=offscreen $(BUNDLE_CLI) --self-test --data-dir "$$tmp/data"

test:  ## the whole test suite, slow tests included (as CI runs it)
	$(PYTHON) -m pytest -q

test-fast:  ## everything but the slow and GUI tests
	$(PYTHON) -m pytest -q -m "not slow and not gui"

bench:  ## case list benchmark on 100k cases (prints timings, asserts nothing)
	$(PYTHON) bench/bench_case_list.py

clean:
	rm -rf build dist
