# Istio delivery (issue 6): OCI image without Docker, push, manifest validation, delivery + remote-fetch tests.
# Included by the top-level Makefile (-include mk/*.mk). Uses the lead's `wasm` target
# (cargo build --release --target wasm32-wasip1 -> target/wasm32-wasip1/release/mirror_waf.wasm).
#
#   make image                    build/oci/{compat,oci} OCI layouts + print the manifest digests (WasmPlugin sha256)
#   make push REGISTRY=host/path  push both with skopeo (PUSH_FLAGS='--dest-tls-verify=false --dest-creds u:p')
#   make validate-istio           schema-check every YAML document in wasmplugin/ and istio-examples/
#   make test-istio               validate-istio + tests/delivery (image build, real registry, skopeo, agent emulation)
# The Envoy tests of this area (tests/e2e/test_istio_*.py: remote fetch with sha256, istio-examples/local configs)
# run with the lead's `make test-e2e` (pytest tests/e2e); `make test-istio-e2e` runs just them.

ISTIO_PY        := .venv/bin/python
ISTIO_SCHEMAS   ?= ../shared/schemas/istio-1.30.3
IMAGE_NAME      ?= mirror-waf
IMAGE_TAG       ?= $(shell sed -n 's/^version *= *"\(.*\)"/\1/p' Cargo.toml | head -n1)
OCI_DIR         ?= build/oci
ISTIO_WASM      ?= target/wasm32-wasip1/release/mirror_waf.wasm
CONFIG_CHECK    := target/debug/mirror-waf-config-check
PUSH_FLAGS      ?=

.PHONY: image push istio-deps config-check validate-istio test-istio test-istio-e2e

TEST_TARGETS += test-istio

# Debian packages: skopeo (push/pull, no daemon) and docker-registry (local registry for the tests).
istio-deps:
	@missing=""; command -v skopeo >/dev/null || missing="$$missing skopeo"; \
	 command -v docker-registry >/dev/null || missing="$$missing docker-registry"; \
	 if [ -n "$$missing" ]; then \
	   echo "installing$$missing"; \
	   apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends $$missing; \
	 fi

config-check:
	cargo build --quiet --bin mirror-waf-config-check

image: wasm
	@wasmplugin/build-oci.sh $(ISTIO_WASM) $(OCI_DIR) $(IMAGE_TAG)

push: image istio-deps
	@test -n "$(REGISTRY)" || { echo "usage: make push REGISTRY=registry.example.com/path [PUSH_FLAGS=...]"; exit 2; }
	wasmplugin/push.sh $(OCI_DIR) $(REGISTRY) $(IMAGE_NAME) $(IMAGE_TAG) $(PUSH_FLAGS)

validate-istio: venv config-check
	$(ISTIO_PY) tests/delivery/validate_manifests.py --schemas $(ISTIO_SCHEMAS) --config-check $(CONFIG_CHECK) \
	  wasmplugin istio-examples

test-istio: venv istio-deps config-check wasm validate-istio
	MIRROR_WAF_WASM=$(ISTIO_WASM) MIRROR_WAF_CONFIG_CHECK=$(CONFIG_CHECK) ISTIO_SCHEMAS=$(ISTIO_SCHEMAS) \
	  $(ISTIO_PY) -m pytest -q tests/delivery

test-istio-e2e: venv wasm
	$(ISTIO_PY) -m pytest -q tests/e2e/test_istio_remote_fetch.py tests/e2e/test_istio_local.py
