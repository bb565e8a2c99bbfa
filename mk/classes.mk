# Attack-class detectors (issue 4): unit tests, end-to-end class tests, per-class evaluation.
# Included by the top-level Makefile (`-include mk/*.mk`).

CORPORA ?= ../shared/corpora
SCAN_BIN := target/release/mirror-waf-scan

.PHONY: test-classes eval-classes

## Unit tests of every class detector plus the end-to-end class tests through the engine.
test-classes:
	cargo test --lib detect::
	cargo test --test classes_engine

## Per-class detection / false-positive tables at PL1 and PL2 (Markdown) on the corpora.
eval-classes:
	cargo build --release --bin mirror-waf-scan
	@for pl in 1 2; do $(SCAN_BIN) --paranoia $$pl --summary --markdown $(CORPORA)/*.jsonl; done

.PHONY: test-wasm-classes
## The class cases under wasm32-unknown-unknown + wasm-bindgen-test (runner from mk/engine.mk).
test-wasm-classes: wasm-bindgen-cli
	CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER=$(abspath $(WASM_BINDGEN_RUNNER)) \
	  cargo test --target wasm32-unknown-unknown --test wasm_classes
