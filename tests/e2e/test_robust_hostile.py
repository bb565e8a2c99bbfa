"""Hostile traffic end to end (issue 8): through the real mirrored topology (front Envoy mirrors to
the receiver Envoy running mirror-waf, sink role), each hostile input must leave the VM alive
(no trap in the receiver log, Wasm VM stats unchanged), be answered on the primary exactly as the
backend answered it, and reach the filter (an event per mirrored request), with `truncated` set
where a limit cut the inspection.

Both Envoys get `max_request_headers_kb: 96` here (default 60) so a 60 KiB header value really
reaches the filter; `test_default_header_limit_rejects_before_any_filter` shows what the
defaults do with it."""
import hashlib
import json
import time

import pytest

from robust_util import assert_vm_healthy, h2c_requests, raw_exchange, wasm_stats
from topology import Topology, default_plugin_config, local_ip

TRUSTED = ["127.0.0.0/8", "::1/128"] + ([f"{local_ip()}/32"] if local_ip() else [])
MAX_BODY = 131072


def big_header_limits(topo: Topology, kb: int = 96) -> Topology:
    for prefix in ("stat_prefix: front\n", "stat_prefix: receiver\n"):
        yaml_attr = "front_yaml" if "front" in prefix else "receiver_yaml"
        text = getattr(topo, yaml_attr)
        assert prefix in text
        indent = text.split(prefix)[0].rsplit("\n", 1)[1]
        setattr(topo, yaml_attr, text.replace(prefix, f"{prefix}{indent}max_request_headers_kb: {kb}\n", 1))
    return topo


@pytest.fixture(scope="module")
def topo():
    cfg = default_plugin_config("sink", trusted=list(TRUSTED), events={"include_benign": True})
    t = big_header_limits(Topology(cfg))  # the topology's backend echoes chunked bodies too
    t.start()
    t.active_vms = wasm_stats(t.receiver).get("wasm.envoy.wasm.runtime.v8.active")
    yield t
    t.stop()


@pytest.fixture(autouse=True)
def vm_stays_healthy(topo):
    yield
    assert_vm_healthy(topo.receiver, topo.active_vms)


def event_for(t, rid, timeout=15):
    evs = t.wait_events(1, timeout=timeout, predicate=lambda e: e.get("request_id") == rid)
    assert evs, f"no event for {rid}; receiver log tail:\n{t.receiver.log_text()[-3000:]}"
    return evs[0]


def primary_ok(resp_body: bytes, sent_body: bytes = b""):
    doc = json.loads(resp_body)
    assert doc["body_len"] == len(sent_body)
    assert doc["body_sha256"] == hashlib.sha256(sent_body).hexdigest()
    return doc


def test_60k_header_value(topo):
    value = ("A" * 1023 + ";") * 60  # 60 KiB
    status, _, body = topo.request("GET", "/h", {"x-request-id": "hdr-60k", "x-big": value, "user-agent": "u" * 4096})
    assert status == 200
    primary_ok(body)
    ev = event_for(topo, "hdr-60k")
    assert ev["request"]["user_agent"].startswith("uuuu")


def test_default_header_limit_rejects_before_any_filter():
    """With Envoy's default 60 KiB limit, the front answers 431 itself: nothing reaches the
    backend or the mirror, so the filter never sees (and cannot be hurt by) such a request."""
    with Topology(default_plugin_config("sink", trusted=list(TRUSTED), events={"include_benign": True})) as t:
        status, _, _ = t.request("GET", "/h", {"x-request-id": "hdr-default", "x-big": "A" * (61 * 1024)})
        assert status == 431
        assert t.backend.requests == 0
        time.sleep(0.5)
        assert t.receiver.stats().get("wasmcustom.mirror_waf_requests_total", 0) == 0
        assert_vm_healthy(t.receiver)


def test_10000_query_args(topo):
    query = "&".join(f"a={i % 10}" for i in range(10_000))  # 40 KB: Envoy answers 414 past its URI limit
    status, _, body = topo.request("GET", "/q?" + query, {"x-request-id": "args-10k"})
    assert status == 200
    assert json.loads(body)["path"] == "/q?" + query
    ev = event_for(topo, "args-10k")
    assert ev["request"]["truncated"] is True  # max_args (512) cut the extraction


def test_10_mib_body_passes_untouched_and_inspection_is_bounded(topo):
    body = hashlib.sha256(b"ten").digest() * (10 * 1024 * 1024 // 32)
    status, _, resp = topo.request("POST", "/upload", {"x-request-id": "body-10m", "content-type": "application/octet-stream"},
                                   body, timeout=60)
    assert status == 200
    primary_ok(resp, body)
    ev = event_for(topo, "body-10m")
    assert ev["request"]["inspected_bytes"] == MAX_BODY
    assert ev["request"]["truncated"] is True
    assert MAX_BODY <= ev["request"]["body_bytes"] <= len(body)


def test_invalid_utf8_everywhere(topo):
    """Invalid UTF-8 in every place the filter reads: percent-encoded in the path and query (raw
    bytes there never get past Envoy's codec, see below), raw in header values, cookies and the body."""
    body = b"name=\xff\xfe\xc3\x28&x=\xed\xa0\x80\x00end&%ff%c0%af=%ed%a0%80"
    req = (b"POST /p%c3%28%ff/x%c0%af..%c0%af?q=%ff%fe&%e2%82=%c0%af HTTP/1.1\r\nHost: app.example\r\nx-request-id: utf8-bad\r\n"
           b"x-bin: \xff\xfe\xfd\x80\r\nuser-agent: \xc3\x28\x9f\r\ncookie: s=\xff; t=\xc0\xae\r\n"
           b"x-forwarded-for: \xff\xfe, 10.0.0.1\r\ncontent-type: application/x-www-form-urlencoded; charset=\xff\r\n"
           b"content-length: " + str(len(body)).encode() + b"\r\nconnection: close\r\n\r\n" + body)
    [(status, _, resp)] = raw_exchange(topo.ports["FRONT_PORT"], req)
    assert status == 200
    doc = primary_ok(resp, body)
    assert doc["path"].startswith("/p%c3%28%ff/")
    ev = event_for(topo, "utf8-bad")
    assert ev["request"]["body_bytes"] == len(body) == ev["request"]["inspected_bytes"]
    assert "\ufffd" in ev["request"]["user_agent"]  # lossily decoded, not dropped


@pytest.mark.parametrize("target", [b"/p\xc3\x28\xff/x", b"/p?q=\xff\xfe"])
def test_raw_non_ascii_request_target_is_rejected_by_envoy(topo, target):
    """Envoy's HTTP/1 codec answers 400 to raw bytes >= 0x80 in the request-target, before any
    filter and before mirroring: the filter only ever sees such bytes percent-encoded."""
    before = topo.front.stats().get("cluster.receiver.upstream_rq_total", 0)
    req = b"GET " + target + b" HTTP/1.1\r\nHost: app.example\r\nconnection: close\r\n\r\n"
    [(status, _, _)] = raw_exchange(topo.ports["FRONT_PORT"], req)
    assert status == 400
    assert topo.front.stats().get("cluster.receiver.upstream_rq_total", 0) == before


def test_truncated_multipart(topo):
    body = (b"--XyZ\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nvalue-a\r\n"
            b"--XyZ\r\nContent-Disposition: form-data; name=\"f\"; filename=\"x.php\"\r\nContent-Type: application/x-php\r\n\r\n<?php system($_GET['c']); ?>")
    status, _, resp = topo.request("POST", "/form", {"x-request-id": "mp-trunc", "content-type": "multipart/form-data; boundary=XyZ"}, body)
    assert status == 200
    primary_ok(resp, body)
    ev = event_for(topo, "mp-trunc")
    assert ev["request"]["inspected_bytes"] == len(body)


@pytest.mark.parametrize("shape", ["array", "object"])
def test_json_nested_10000_deep(topo, shape):
    n = 10_000
    leaf = b'"<script>alert(1)</script>"'  # a value below max_depth: its path is cut, the value still inspected
    body = (b"[" * n + leaf + b"]" * n) if shape == "array" else (b'{"a":' * n + leaf + b"}" * n)
    rid = f"json-deep-{shape}"
    status, _, resp = topo.request("POST", "/api", {"x-request-id": rid, "content-type": "application/json"}, body)
    assert status == 200
    primary_ok(resp, body)
    ev = event_for(topo, rid)
    assert ev["request"]["truncated"] is True  # max_depth (16) cut the walk
    assert ev["request"]["inspected_bytes"] == len(body)


@pytest.mark.parametrize("ctype,body", [
    ("application/json", b"<?xml version='1.0'?><a><b>x</b></a>"),
    ("application/xml", b'{"a": [1, 2, {"b": "<c>"}]}'),
    ("multipart/form-data", b"--nobound\r\n\r\nx"),
    ("multipart/form-data; boundary=", b"----\r\n\r\n"),
    ("application/x-www-form-urlencoded", bytes(range(256)) * 4),
    ("text/plain; charset=utf-16", "\u00e9t\u00e9".encode("utf-16")),
    ("image/png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 64 + b'{"a":1}'),
])
def test_content_type_lies(topo, ctype, body):
    rid = "ct-" + hashlib.sha1(ctype.encode() + body).hexdigest()[:10]
    status, _, resp = topo.request("POST", "/lie", {"x-request-id": rid, "content-type": ctype}, body)
    assert status == 200
    primary_ok(resp, body)
    assert event_for(topo, rid)["request"]["inspected_bytes"] == len(body)


def test_chunked_body_in_one_byte_chunks(topo):
    body = b"q=" + b"%27%20UNION%20SELECT%20password%20FROM%20users--" + b"&pad=" + b"x" * 400
    chunks = b"".join(b"1\r\n" + bytes([c]) + b"\r\n" for c in body) + b"0\r\n\r\n"
    head = (b"POST /chunked HTTP/1.1\r\nHost: app.example\r\nx-request-id: chunk-1b\r\n"
            b"content-type: application/x-www-form-urlencoded\r\ntransfer-encoding: chunked\r\nconnection: close\r\n\r\n")
    # the chunks go out in several writes so Envoy really sees many small body callbacks
    pieces = [head] + [chunks[i:i + 60] for i in range(0, len(chunks), 60)]
    [(status, _, resp)] = raw_exchange(topo.ports["FRONT_PORT"], pieces, pause=0.002)
    assert status == 200
    primary_ok(resp, body)
    ev = event_for(topo, "chunk-1b")
    assert ev["request"]["body_bytes"] == len(body)
    assert ev["request"]["inspected_bytes"] == len(body)
    assert ev["request"]["truncated"] is False


@pytest.mark.parametrize("port_key", ["FRONT_PORT", "RECEIVER_PORT"])
def test_http2_prior_knowledge(topo, port_key):
    """h2c to the front (mirrored over HTTP/1.1 to the receiver) and straight to the receiver (the
    filter then sees HTTP/2 streams): both HCMs use codec_type AUTO, which accepts h2c prior knowledge."""
    body = b'{"user": "admin\' OR 1=1--"}' * 100
    reqs = [("GET", f"/h2/{i}?x={i}", [("x-request-id", f"h2-{port_key}-{i}"), ("x-bin", "\u00ff")], b"") for i in range(5)]
    reqs.append(("POST", "/h2/post", [("x-request-id", f"h2-{port_key}-post"), ("content-type", "application/json")], body))
    reqs.append(("POST", "/h2/big", [("x-request-id", f"h2-{port_key}-big")], b"z" * 300_000))
    results = h2c_requests(topo.ports[port_key], reqs)
    want = 200 if port_key == "FRONT_PORT" else 204
    assert [s for s, _ in results] == [want] * len(reqs), results
    if port_key == "FRONT_PORT":
        primary_ok(results[5][1], body)
        primary_ok(results[6][1], b"z" * 300_000)
    for _, _, hdrs, b in reqs:
        ev = event_for(topo, dict(hdrs)["x-request-id"])
        assert ev["request"]["inspected_bytes"] == min(len(b), MAX_BODY)
        assert ev["request"]["truncated"] is (len(b) > MAX_BODY)


def test_pipelined_http11(topo):
    reqs = []
    for i in range(8):
        body = f"n={i}&q=%3Cscript%3E{i}".encode()
        reqs.append(f"POST /pipe/{i} HTTP/1.1\r\nHost: app.example\r\nx-request-id: pipe-{i}\r\n"
                    f"content-type: application/x-www-form-urlencoded\r\ncontent-length: {len(body)}\r\n\r\n".encode() + body)
    reqs.append(b"GET /pipe/last HTTP/1.1\r\nHost: app.example\r\nx-request-id: pipe-last\r\nconnection: close\r\n\r\n")
    responses = raw_exchange(topo.ports["FRONT_PORT"], b"".join(reqs), responses=len(reqs))
    assert [r[0] for r in responses] == [200] * len(reqs)
    assert [json.loads(r[2])["path"] for r in responses] == [f"/pipe/{i}" for i in range(8)] + ["/pipe/last"]
    for i in range(8):
        event_for(topo, f"pipe-{i}")
    event_for(topo, "pipe-last")


def test_every_mirrored_request_went_through_the_filter(topo):
    """Last in the module: the filter counted every copy the front sent (none lost to a trap)."""
    time.sleep(0.5)
    sent = topo.front.stats().get("cluster.receiver.upstream_rq_total", 0)
    seen = topo.receiver.stats().get("wasmcustom.mirror_waf_requests_total", 0)
    direct = topo.receiver.stats().get("http.receiver.downstream_rq_total", 0) - sent
    assert sent > 0
    assert seen == sent + direct, (seen, sent, direct)
