"""Shared fixtures for the end-to-end tests: the local topology library and the built .wasm."""
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "local"))

from topology import DEFAULT_WASM  # noqa: E402


@pytest.fixture(scope="session", autouse=True)
def built_wasm():
    if not DEFAULT_WASM.exists():
        pytest.fail(f"{DEFAULT_WASM} is missing: run `make wasm` (make test does)")
    return DEFAULT_WASM
