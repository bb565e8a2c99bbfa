# Engine area (issue 3): corpus evaluation, corpus ratchet, wasm32 core tests, benchmark.
# `make test` should run: test-ratchet test-wasm  (test-native already runs the unit tests).

CORPORA ?= ../shared/corpora
SCAN_BIN := target/release/mirror-waf-scan
# wasm-bindgen-cli must match the wasm-bindgen version in Cargo.lock exactly.
WASM_BINDGEN_VERSION = $(shell awk '/^name = "wasm-bindgen"$$/{getline; gsub(/[^0-9.]/,""); print; exit}' Cargo.lock)
WASM_BINDGEN_DIR := target/tools
WASM_BINDGEN_RUNNER := $(WASM_BINDGEN_DIR)/bin/wasm-bindgen-test-runner

.PHONY: eval scan-bin test-ratchet test-wasm bench-engine wasm-bindgen-cli

scan-bin:
	$(CARGO) build --release --bin mirror-waf-scan

# Detection / false-positive report over every corpus file, at PL1 and PL2.
eval: scan-bin
	CORPORA=$(CORPORA) SCAN=$(SCAN_BIN) bash scripts/eval.sh > docs/detection.md
	@echo "wrote docs/detection.md"

# Corpus ratchet (skips with a message when $(CORPORA) is absent).
test-ratchet:
	$(CARGO) test --test corpus_ratchet -- --nocapture

# Installs wasm-bindgen-cli of the exact version the lockfile pins, into target/tools.
wasm-bindgen-cli:
	@v="$(WASM_BINDGEN_VERSION)"; test -n "$$v" || { echo "wasm-bindgen not in Cargo.lock"; exit 1; }; \
	if ! $(WASM_BINDGEN_RUNNER) --version 2>/dev/null | grep -q "$$v"; then \
	  $(CARGO) install --locked --root $(WASM_BINDGEN_DIR) wasm-bindgen-cli --version "$$v" \
	  || { echo "locked install failed (a locked dependency is missing from the registry); retrying unlocked"; \
	       $(CARGO) install --root $(WASM_BINDGEN_DIR) wasm-bindgen-cli --version "$$v"; }; \
	fi

# The pure core's tests compiled to wasm32-unknown-unknown and run under Node.
test-wasm: wasm-bindgen-cli
	@rustup target list --installed 2>/dev/null | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=$(abspath $(WASM_BINDGEN_RUNNER)) \
	  $(CARGO) test --target wasm32-unknown-unknown --test wasm

# Native inspection-time benchmark (median / p99) over the corpora and synthetic requests.
bench-engine:
	$(CARGO) bench --bench engine
