"""Short soak (the long one is `make soak`): 20,000 mixed requests through the receiver with wrk;
no VM failure, every request answered 2xx and accounted for by the filter's counters, and the
Envoy process's RSS flat after warm-up (bounded growth: a leak of even ~200 bytes per request
would exceed it)."""
import shutil

import pytest

from soak import check_counters, soak

REQUESTS = 20_000
MAX_GROWTH_KIB = 4096


def test_short_soak_flat_memory_and_counters():
    if not shutil.which("wrk"):
        pytest.fail("wrk not installed: `make test` installs it (mk/robust.mk, wrk-tool)")
    r = soak(REQUESTS, segment_s=5, log=lambda *_: None)
    assert r["requests_served_envoy"] >= REQUESTS
    assert r["non_2xx"] == 0 and r["socket_errors"] == 0, r
    assert check_counters(r) == [], r
    assert r["wasm_vm_active"] and r["wasm_vm_active"] > 0
    growth = r["rss_kib_end"] - r["rss_kib_after_warmup"]
    assert growth < MAX_GROWTH_KIB, r
