"""End to end, with two real Envoys (front mirrors to receiver) and the built mirror_waf.wasm:
mirror context on events, roles, config rejection, primary path untouched."""
import hashlib
import json
import time

import pytest

from topology import Topology, default_plugin_config, local_ip

TRUSTED = ["127.0.0.0/8", "::1/128", "10.0.0.0/8"] + ([f"{local_ip()}/32"] if local_ip() else [])


def cfg(role="sink", **extra):
    return default_plugin_config(role, trusted=list(TRUSTED), **extra)


def by_request_id(topo, rid, timeout=10):
    evs = topo.wait_events(1, timeout=timeout, predicate=lambda e: e.get("request_id") == rid)
    assert evs, f"no event for request id {rid}; receiver log tail:\n{topo.receiver.log_text()[-3000:]}"
    return evs[0]


@pytest.fixture(scope="module")
def sink_topo():
    with Topology(cfg("sink", events={"include_benign": True})) as t:
        yield t


def strip_volatile(headers):
    return sorted((k.lower(), v) for k, v in headers if k.lower() not in ("date", "x-envoy-upstream-service-time"))


def test_primary_response_identical_with_and_without_mirroring(sink_topo):
    t = sink_topo
    big = bytes(range(256)) * 4096  # 1 MiB, every byte value
    cases = [
        ("GET", "/get?id=1&q=hello", {"user-agent": "t"}, None),
        ("GET", "/search?q=%27%20or%201%3D1--", {"x-forwarded-for": "198.51.100.1"}, None),
        ("POST", "/upload", {"content-type": "application/octet-stream"}, big),
        ("PUT", "/json", {"content-type": "application/json"}, json.dumps({"a": [1, 2, {"b": "<script>"}]})),
    ]
    for method, path, headers, body in cases:
        hdrs = dict(headers, **{"x-request-id": f"cmp-{method}-{len(path)}", "host": "app.example"})
        s1, h1, b1 = t.request(method, path, hdrs, body)
        s2, h2, b2 = t.request(method, path, hdrs, body, port_key="FRONT_NOMIRROR_PORT")
        assert (s1, strip_volatile(h1), b1) == (s2, strip_volatile(h2), b2), f"{method} {path}"
        assert s1 == 200
        if body is not None:
            raw = body.encode() if isinstance(body, str) else body
            assert json.loads(b1)["body_sha256"] == hashlib.sha256(raw).hexdigest()


def test_event_mirror_context_through_trusted_proxy(sink_topo):
    t = sink_topo
    rid = "ctx-trusted-1"
    status, _, body = t.request("GET", "/account?x=1", {"host": "shop.example.com", "x-request-id": rid,
                                                         "x-forwarded-for": "198.51.100.23, 10.1.2.3"})
    assert status == 200
    primary = json.loads(body)
    ev = by_request_id(t, rid)
    assert ev["schema"] == "mirror-waf/event/v1"
    assert ev["mirrored"] is True
    assert ev["client"] == {"ip": "198.51.100.23", "source": "x-forwarded-for", "peer": "127.0.0.1"}
    assert ev["server"] == {"addr": "127.0.0.1", "port": t.ports["FRONT_PORT"], "source": "header"}
    assert ev["request"]["host"] == "shop.example.com"
    assert ev["request"]["path"] == "/account"
    assert ev["request_id"] == primary["request_id"] == rid
    assert ev["response"] == {"status": 0, "time_ms": 0, "size": 0}
    assert ev["verdict"]["blocked"] is False
    # The copy really arrived with Envoy's -shadow suffix (the access log prints :authority).
    deadline = time.time() + 5
    line = ""
    while time.time() < deadline and rid not in line:
        line = next((l for l in t.access_log.read_text().splitlines() if l.startswith(rid)), "") if t.access_log.exists() else ""
        time.sleep(0.05)
    assert "shop.example.com-shadow" in line, t.access_log.read_text() if t.access_log.exists() else "no access log"


def test_event_client_through_untrusted_proxy(sink_topo):
    t = sink_topo
    rid = "ctx-untrusted-1"
    t.request("GET", "/account", {"x-request-id": rid, "x-forwarded-for": "198.51.100.23, 203.0.113.77"})
    ev = by_request_id(t, rid)
    assert ev["client"]["ip"] == "203.0.113.77"
    assert ev["client"]["source"] == "x-forwarded-for"


def test_event_ipv6_and_garbage_forwarded_for(sink_topo):
    t = sink_topo
    t.request("GET", "/v6", {"x-request-id": "ctx-v6", "x-forwarded-for": "2001:db8::7, 10.0.0.9"})
    assert by_request_id(t, "ctx-v6")["client"]["ip"] == "2001:db8::7"
    t.request("GET", "/junk", {"x-request-id": "ctx-junk", "x-forwarded-for": "198.51.100.1, <junk>, 10.0.0.9"})
    ev = by_request_id(t, "ctx-junk")
    # nginx semantics: the walk stops at the unparsable entry, keeping the last good (trusted) address.
    assert ev["client"]["ip"] == "10.0.0.9"
    assert any("invalid entry '<junk>'" in n for n in ev["notes"]), ev["notes"]


def test_large_post_passes_untouched_and_is_bounded(sink_topo):
    t = sink_topo
    body = hashlib.sha256(b"seed").digest() * (1024 * 1024 // 32)  # 1 MiB
    status, _, resp = t.request("POST", "/big", {"x-request-id": "big-1", "content-type": "application/octet-stream"}, body)
    assert status == 200
    doc = json.loads(resp)
    assert doc["body_len"] == len(body) and doc["body_sha256"] == hashlib.sha256(body).hexdigest()
    ev = by_request_id(t, "big-1")
    assert ev["request"]["inspected_bytes"] == 131072
    assert ev["request"]["truncated"] is True
    assert ev["request"]["body_bytes"] >= 131072


def test_metrics_count_requests_and_events():
    with Topology(cfg("sink", events={"include_benign": True})) as t:
        for i in range(7):
            t.request("GET", f"/m{i}", {"x-request-id": f"m-{i}"})
        t.wait_events(7)
        assert t.wait_stat("wasmcustom.mirror_waf_requests_total", 7) == 7
        assert t.receiver.stats()["wasmcustom.mirror_waf_mirrored_requests_total"] == 7
        assert t.receiver.stats()["wasmcustom.mirror_waf_events_total"] == 7
        prom = t.receiver.admin("/stats/prometheus")
        assert "mirror_waf_requests_total{} 7" in prom


def test_inspect_role_continues_upstream():
    with Topology(cfg("inspect", events={"include_benign": True}), role="inspect") as t:
        body = b"x" * 200_000
        status, _, _ = t.request("POST", "/post", {"x-request-id": "insp-1"}, body)
        assert status == 200
        ev = by_request_id(t, "insp-1")
        assert ev["request"]["inspected_bytes"] == 131072 and ev["request"]["truncated"] is True
        # primary + the copy forwarded by the receiver
        deadline = time.time() + 5
        while time.time() < deadline and t.backend.requests < 2:
            time.sleep(0.05)
        assert t.backend.requests == 2


def test_only_mirrored_skips_direct_traffic_and_log_switch():
    with Topology(cfg("sink", mirror={"only_mirrored": True}, events={"include_benign": True})) as t:
        # direct to the receiver: no server headers, no -shadow suffix
        status, _, _ = t.request("GET", "/direct", {"x-request-id": "direct-1"}, port_key="RECEIVER_PORT")
        assert status == 204
        t.request("GET", "/mirrored", {"x-request-id": "mirrored-1"})
        by_request_id(t, "mirrored-1")
        assert not [e for e in t.receiver.events() if e.get("request_id") == "direct-1"]
        assert t.receiver.stats()["wasmcustom.mirror_waf_requests_total"] == 2
        assert t.receiver.stats()["wasmcustom.mirror_waf_inspected_requests_total"] == 1
    with Topology(cfg("sink", events={"include_benign": True, "log": False})) as t:
        t.request("GET", "/quiet", {"x-request-id": "quiet-1"})
        assert t.wait_stat("wasmcustom.mirror_waf_events_total", 1) == 1
        assert t.receiver.events() == []


def test_missing_server_headers_fall_back_with_a_note():
    with Topology(cfg("sink", events={"include_benign": True})) as t:
        # straight to the receiver with a -shadow host but no server headers
        t.request("GET", "/x", {"host": "api.local-shadow", "x-request-id": "fb-1"}, port_key="RECEIVER_PORT")
        ev = by_request_id(t, "fb-1")
        assert ev["mirrored"] is True
        assert ev["request"]["host"] == "api.local"
        assert ev["server"] == {"addr": "127.0.0.1", "port": t.ports["RECEIVER_PORT"], "source": "destination"}
        assert any("x-server-addr: missing" in n for n in ev["notes"]), ev["notes"]
        t.request("GET", "/x", {"host": "api.local-shadow", "x-server-addr": "bogus", "x-server-port": "70000", "x-request-id": "fb-2"},
                  port_key="RECEIVER_PORT")
        ev = by_request_id(t, "fb-2")
        assert ev["server"]["source"] == "destination"
        assert any("invalid address 'bogus'" in n for n in ev["notes"]) and any("invalid port '70000'" in n for n in ev["notes"])


@pytest.mark.parametrize("bad,message", [
    ('{"rol": "sink"}', "configuration rejected: rol: unknown field `rol`"),
    ('{"role": 3}', "configuration rejected: role: invalid type: integer `3`, expected a string"),
    ('{"real_ip": {"trusted_proxies": ["10.0.0.0/33"]}}', "configuration rejected: real_ip.trusted_proxies[0]: '10.0.0.0/33' is not an IPv4/IPv6 address or CIDR"),
    ('{"mirror": {"server_addr_header": "x server"}}', "configuration rejected: mirror.server_addr_header: 'x server' is not a valid HTTP header name"),
])
def test_bad_config_is_rejected_with_its_message(bad, message):
    t = Topology(bad, with_front=False)
    try:
        t.start(wait=False)
        deadline = time.time() + 20
        while time.time() < deadline and message not in t.receiver.log_text():
            if t.receiver.proc.poll() is not None:
                break
            time.sleep(0.1)
        log = t.receiver.log_text()
        assert message in log, log[-3000:]
    finally:
        t.stop()


def test_sink_without_header_hold_support_answers_copies_and_says_why():
    """Istio's WasmPlugin cannot set allow_on_headers_stop_iteration: then a held copy gets no
    body callbacks. The sink must not hang: the first held copy is answered by the watch
    after ~0.5 s, later ones at once, each event noting that its body was not inspected."""
    with Topology(cfg("sink", events={"include_benign": True}), allow_headers_hold=False) as t:
        attack = "1' UNION SELECT password FROM users--"
        for i in range(3):
            status, _, body = t.request("POST", f"/login?id={attack.replace(' ', '%20')}",
                                        {"x-request-id": f"nohold-{i}", "content-type": "application/x-www-form-urlencoded"},
                                        "user=admin&pass=x")
            assert status == 200 and json.loads(body)["body_len"] == len("user=admin&pass=x")
        evs = [by_request_id(t, f"nohold-{i}") for i in range(3)]
        for ev in evs:
            assert any("body not inspected" in n and "allow_on_headers_stop_iteration" in n for n in ev["notes"]), ev["notes"]
            assert ev["request"]["inspected_bytes"] == 0
            # the query is still inspected
            assert "sqli" in ev["verdict"]["classes"], ev["verdict"]
        codes = [l.split()[1] for l in t.access_log.read_text().splitlines()] if t.access_log.exists() else []
        deadline = time.time() + 5
        while len(codes) < 3 and time.time() < deadline:
            time.sleep(0.1)
            codes = [l.split()[1] for l in t.access_log.read_text().splitlines()] if t.access_log.exists() else []
        assert codes == ["204", "204", "204"], codes


def test_sink_with_header_hold_inspects_bodies(sink_topo):
    t = sink_topo
    t.request("POST", "/comment", {"x-request-id": "hold-body-1", "content-type": "application/x-www-form-urlencoded"},
              "text=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E")
    ev = by_request_id(t, "hold-body-1")
    assert ev["request"]["inspected_bytes"] > 0
    assert "xss" in ev["verdict"]["classes"], ev
    assert not any("body not inspected" in n for n in ev["notes"])
