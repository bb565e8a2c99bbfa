"""Shared fixtures for the delivery tests (manifests, OCI image, registry)."""
from __future__ import annotations

import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parent))


def _schemas() -> pathlib.Path:
    env = os.environ.get("ISTIO_SCHEMAS")
    return pathlib.Path(env) if env else (ROOT.parent / "shared" / "schemas" / "istio-1.30.3")


@pytest.fixture(scope="session")
def root() -> pathlib.Path:
    return ROOT


@pytest.fixture(scope="session")
def schemas() -> pathlib.Path:
    s = _schemas()
    assert (s / "extensions.istio.io" / "wasmplugin_v1alpha1-strict.json").exists(), f"Istio schemas missing at {s}"
    return s


@pytest.fixture(scope="session")
def config_check() -> str:
    """The native `mirror-waf-config-check` binary (Config::parse); built with cargo if not given."""
    env = os.environ.get("MIRROR_WAF_CONFIG_CHECK")
    if env:
        return env
    subprocess.run(["cargo", "build", "--quiet", "--bin", "mirror-waf-config-check"], cwd=ROOT, check=True, timeout=600)
    return str(ROOT / "target" / "debug" / "mirror-waf-config-check")


@pytest.fixture(scope="session")
def wasm_file() -> pathlib.Path:
    """The release .wasm (make wasm). MIRROR_WAF_WASM overrides; built with cargo when missing."""
    env = os.environ.get("MIRROR_WAF_WASM")
    p = pathlib.Path(env) if env else ROOT / "target" / "wasm32-wasip1" / "release" / "mirror_waf.wasm"
    if not p.exists() and not env:
        subprocess.run(["cargo", "build", "--quiet", "--release", "--target", "wasm32-wasip1"], cwd=ROOT,
                       check=True, timeout=900)
    assert p.exists(), f"{p} missing (make wasm)"
    assert p.read_bytes()[:4] == b"\0asm"
    return p
