# Event delivery (issue 5): the exporter's native tests and its end-to-end tests.
# `make test` already runs both (test-native runs every cargo test, test-e2e every tests/e2e file);
# this target runs just these, e.g. while working on src/export or src/filter/export.rs.
.PHONY: test-events

test-events: wasm venv
	$(CARGO) test --lib -- export:: event::
	$(PY) -m pytest -q tests/e2e/test_event_delivery.py tests/e2e/test_event_outputs.py
