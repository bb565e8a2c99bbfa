"""What each event output carries, end to end with real Envoy, the built wasm and a real
collector: OTLP/HTTP JSON validity (decoded with opentelemetry-proto), the filter-state
summary in a file access log, Envoy/Prometheus metrics with exact counts, and redaction
of secrets across every output (issue 5)."""
from __future__ import annotations

import json
import re
import time
import urllib.parse

import pytest
from google.protobuf import json_format
from opentelemetry.proto.collector.logs.v1.logs_service_pb2 import ExportLogsServiceRequest
from opentelemetry.proto.logs.v1.logs_pb2 import SeverityNumber

from collector import CLUSTER, Collector, collector_cluster
from test_event_delivery import SQLI, XSS, balanced, cfg, export_stats, settle
from topology import Topology

P = "wasmcustom.mirror_waf_"


@pytest.fixture
def collector():
    c = Collector()
    yield c
    c.stop()


def any_value(v):
    kind = v.WhichOneof("value")
    if kind == "array_value":
        return [any_value(x) for x in v.array_value.values]
    return getattr(v, kind)


def test_otlp_batches_decode_as_export_logs_service_request(collector):
    http_cfg = {"format": "otlp", "batch_max": 3, "flush_ms": 50}
    with Topology(cfg(http_cfg), extra_clusters=collector_cluster(collector.port)) as t:
        xff = "198.51.100.23, 10.1.2.3"
        reqs = [
            ("GET", SQLI, {"x-request-id": "otlp-sqli", "host": "shop.example.com", "user-agent": "pytest-otlp/1.0", "x-forwarded-for": xff}),
            ("GET", "/products?id=42", {"x-request-id": "otlp-benign", "host": "shop.example.com:8080", "user-agent": "Mozilla/5.0 (X11)"}),
            ("POST", "/comment", {"x-request-id": "otlp-xss", "host": "shop.example.com", "content-type": "application/x-www-form-urlencoded"}),
            ("GET", "/a", {"x-request-id": "otlp-4"}),
        ]
        t_start = time.time_ns()
        for method, path, headers in reqs:
            body = "text=%3Cscript%3Ealert(1)%3C%2Fscript%3E" if method == "POST" else None
            t.request(method, path, headers, body)
        assert len(collector.wait_events(4)) == 4
        t_end = time.time_ns()
        records = {}
        batches = collector.received()
        assert len(batches) >= 2  # batch_max 3
        for b in batches:
            assert b.path == "/v1/logs" and b.headers["content-type"] == "application/json"
            msg = json_format.Parse(b.body.decode(), ExportLogsServiceRequest())  # unknown fields raise
            assert len(msg.resource_logs) == 1
            rl = msg.resource_logs[0]
            res = {a.key: any_value(a.value) for a in rl.resource.attributes}
            assert res["service.name"] == "mirror-waf"
            assert rl.scope_logs[0].scope.name == "mirror-waf"
            for rec in rl.scope_logs[0].log_records:
                attrs = {a.key: any_value(a.value) for a in rec.attributes}
                ev = json.loads(rec.body.string_value)
                records[ev["request_id"]] = (rec, attrs, ev)
        assert set(records) == {"otlp-sqli", "otlp-benign", "otlp-xss", "otlp-4"}
        front_port = t.ports["FRONT_PORT"]
        for rid, (rec, attrs, ev) in records.items():
            assert t_start - 5e9 <= rec.time_unix_nano <= t_end + 5e9
            assert attrs["mirror_waf.request_id"] == rid
            assert attrs["mirror_waf.score"] == ev["verdict"]["score"]
            assert attrs["mirror_waf.classes"] == ev["verdict"]["classes"]
            assert attrs["mirror_waf.attack"] is ev["verdict"]["attack"]
            assert attrs["mirror_waf.rules"] == list(dict.fromkeys(f["rule"] for f in ev["findings"]))
            assert attrs["server.port"] == front_port and isinstance(attrs["server.port"], int)
            assert attrs["network.local.address"] == "127.0.0.1"
            assert attrs["client.address"] == ev["client"]["ip"]
            assert attrs["http.request.method"] == ev["request"]["method"]
            assert attrs["url.path"] == ev["request"]["path"]
            want = SeverityNumber.SEVERITY_NUMBER_WARN if ev["verdict"]["attack"] else SeverityNumber.SEVERITY_NUMBER_INFO
            assert rec.severity_number == want
        rec, attrs, ev = records["otlp-sqli"]
        assert attrs["client.address"] == "198.51.100.23"
        assert attrs["server.address"] == "shop.example.com"
        assert attrs["url.path"] == "/search"
        assert attrs["user_agent.original"] == "pytest-otlp/1.0"
        assert attrs["mirror_waf.attack"] is True and "sqli" in attrs["mirror_waf.classes"]
        assert records["otlp-benign"][1]["server.address"] == "shop.example.com"  # port stripped
        assert records["otlp-benign"][1]["mirror_waf.attack"] is False
        assert "xss" in records["otlp-xss"][1]["mirror_waf.classes"]
        assert "user_agent.original" not in records["otlp-4"][1] or records["otlp-4"][1]["user_agent.original"]
        s = settle(t, 4)
        assert s["exported"] == 4 and balanced(s)


def access_line(t: Topology, rid: str, timeout: float = 5.0) -> str:
    deadline = time.time() + timeout
    while time.time() < deadline:
        if t.access_log.exists():
            for line in t.access_log.read_text().splitlines():
                if line.startswith(rid + " "):
                    return line
        time.sleep(0.05)
    raise AssertionError(f"no access-log line for {rid}: {t.access_log.read_text() if t.access_log.exists() else 'no file'}")


def test_filter_state_summary_in_the_file_access_log():
    with Topology(cfg(None)) as t:
        t.request("GET", SQLI, {"x-request-id": "fs-sqli"})
        t.request("GET", XSS, {"x-request-id": "fs-xss"})
        t.request("GET", "/products?id=42", {"x-request-id": "fs-benign"})
        evs = {e["request_id"]: e for e in t.wait_events(3)}
        for rid in ("fs-sqli", "fs-xss", "fs-benign"):
            rid_, code, authority, state = access_line(t, rid).split(" ", 3)
            summary = json.loads(state)
            ev = evs[rid]
            assert code == "204" and authority.endswith("-shadow:" + str(t.ports["FRONT_PORT"]))
            assert set(summary) == {"attack", "classes", "score", "rules"}
            # the summary is the event's verdict, compactly
            assert summary["attack"] == ev["verdict"]["attack"]
            assert summary["classes"] == ev["verdict"]["classes"]
            assert summary["score"] == ev["verdict"]["score"]
            assert summary["rules"] == list(dict.fromkeys(f["rule"] for f in ev["findings"]))
        sqli = json.loads(access_line(t, "fs-sqli").split(" ", 3)[3])
        assert sqli["attack"] is True and "sqli" in sqli["classes"] and all(r.split(".")[0] in sqli["classes"] for r in sqli["rules"])
        assert json.loads(access_line(t, "fs-xss").split(" ", 3)[3])["classes"] == ["xss"]
        assert json.loads(access_line(t, "fs-benign").split(" ", 3)[3]) == {"attack": False, "classes": [], "score": 0, "rules": []}
    with Topology(cfg(None, filter_state=False)) as t:
        t.request("GET", SQLI, {"x-request-id": "fs-off"})
        assert access_line(t, "fs-off").endswith(" -")


def test_metrics_exact_counts_in_stats_and_prometheus(collector):
    http_cfg = {"batch_max": 4, "flush_ms": 50}
    with Topology(cfg(http_cfg, include_benign=False), extra_clusters=collector_cluster(collector.port)) as t:
        for i in range(4):
            t.request("GET", SQLI, {"x-request-id": f"mx-sqli-{i}"})
        for i in range(3):
            t.request("GET", XSS, {"x-request-id": f"mx-xss-{i}"})
        for i in range(5):
            t.request("GET", f"/products?id={i}", {"x-request-id": f"mx-ok-{i}"})
        for i in range(2):  # parse anomalies: invalid JSON bodies (benign)
            t.request("POST", "/api", {"x-request-id": f"mx-bad-{i}", "content-type": "application/json"}, '{"a": [1, 2')
        s = settle(t, 7)
        evs = collector.events()
        st = t.receiver.stats()
        assert st[P + "requests_total"] == 14
        assert st[P + "mirrored_requests_total"] == 14
        assert st[P + "inspected_requests_total"] == 14
        assert st[P + "attack_requests_total"] == 7
        assert st[P + "events_total"] == 7 == len(evs)
        assert st[P + "attacks_total.class=.=sqli;.;"] == 4
        assert st[P + "attacks_total.class=.=xss;.;"] == 3
        findings = {}
        for e in evs:
            for f in e["findings"]:
                findings[f["class"]] = findings.get(f["class"], 0) + 1
        for cls, n in findings.items():
            assert st[f"{P}findings_total.class=.={cls};.;"] == n
        assert st[P + "parse_anomalies_total"] == 2
        assert s["exported"] == 7 and s["dropped"] == 0 and s["queued"] == 0 and balanced(s)
        assert st[P + "batches_sent_total"] == len(collector.accepted())
        prom = t.receiver.admin("/stats/prometheus")
        for line in [
            'mirror_waf_attacks_total{class="sqli"} 4',
            'mirror_waf_attacks_total{class="xss"} 3',
            "mirror_waf_requests_total{} 14",
            "mirror_waf_events_total{} 7",
            "mirror_waf_events_exported_total{} 7",
            'mirror_waf_events_dropped_total{reason="queue_full"} 0',
            'mirror_waf_events_dropped_total{reason="collector_error"} 0',
            'mirror_waf_events_dropped_total{reason="timeout"} 0',
            'mirror_waf_batches_failed_total{reason="timeout"} 0',
            "mirror_waf_events_queued{} 0",
            "mirror_waf_parse_anomalies_total{} 2",
            f"mirror_waf_batches_sent_total{{}} {len(collector.accepted())}",
            "# TYPE mirror_waf_events_queued gauge",
            "# TYPE mirror_waf_events_dropped_total counter",
        ]:
            assert line in prom.splitlines(), f"{line!r} not in:\n" + "\n".join(l for l in prom.splitlines() if "mirror_waf" in l)


SECRET_AUTH = "S3cr3tT0ken-4f9a2c7e1b"
SECRET_COOKIE = "CookieS3cret-88d1e0a5"


def forms(secret: str) -> list[str]:
    return [secret, secret.lower(), urllib.parse.quote(secret), json.dumps(secret)[1:-1]]


@pytest.mark.parametrize("fmt", ["ndjson", "otlp"])
def test_no_secret_reaches_any_output(collector, fmt):
    http_cfg = {"format": fmt, "batch_max": 2, "flush_ms": 50}
    redact = ["authorization", "cookie", "x-api-key"]
    with Topology(cfg(http_cfg, redact_headers=redact), extra_clusters=collector_cluster(collector.port)) as t:
        reqs = [
            ("red-1", SQLI, {"authorization": f"Bearer {SECRET_AUTH}' OR 1=1--", "cookie": f"lang=en; sid={SECRET_COOKIE}"}),
            ("red-2", "/x", {"authorization": f"Bearer {SECRET_AUTH}' UNION SELECT password FROM users--"}),
            ("red-3", "/y", {"cookie": f"sid={SECRET_COOKIE}'><script>alert(1)</script>; theme=dark"}),
            ("red-4", "/z", {"authorization": f"Basic {SECRET_AUTH}", "cookie": f"a=1; session={SECRET_COOKIE}' OR '1'='1"}),
            # a configured redact header the engine does inspect: the finding is there, its evidence is not
            ("red-5", "/k", {"x-api-key": f"{SECRET_AUTH}' UNION SELECT password FROM users--"}),
            # the client also pasted its token into an attack elsewhere: scrubbed from that evidence too
            ("red-6", f"/s?q={SECRET_AUTH}%27%20UNION%20SELECT%20password%20FROM%20users--", {"authorization": f"Bearer {SECRET_AUTH}"}),
        ]
        for rid, path, headers in reqs:
            st, _, _ = t.request("GET", path, dict(headers, **{"x-request-id": rid}))
            assert st == 200
        assert len(collector.wait_events(6)) == 6
        log_events = {e["request_id"]: e for e in t.wait_events(6)}
        assert set(log_events) == {f"red-{i}" for i in range(1, 7)}
        s = settle(t, 6)
        assert s["exported"] == 6 and balanced(s)
        access_line(t, "red-6")
        time.sleep(0.3)  # file flush interval
        outputs = {
            "receiver log": t.receiver.log_text(),
            "front log": t.front.log_text(),
            "access log": t.access_log.read_text(),
            "collector batches": "\n".join(b.body.decode() for b in collector.received()),
            "collector headers": json.dumps([b.headers for b in collector.received()]),
        }
        for where, text in outputs.items():
            for secret in (SECRET_AUTH, SECRET_COOKIE):
                for form in forms(secret):
                    assert form not in text, f"{form!r} leaked into the {where}"
        # the payloads around the secrets were still inspected and reported
        ev3 = log_events["red-3"]
        cookie_findings = [f for f in ev3["findings"] if f["location"].startswith("cookie.")]
        assert ev3["verdict"]["attack"] is True and cookie_findings, ev3
        assert all(f["evidence"] == "[redacted]" for f in cookie_findings)
        key_findings = [f for f in log_events["red-5"]["findings"] if f["location"] == "header.x-api-key"]
        assert key_findings and all(f["evidence"] == "[redacted]" for f in key_findings), log_events["red-5"]
        q_findings = [f for f in log_events["red-6"]["findings"] if f["location"] == "query.q"]
        assert log_events["red-6"]["verdict"]["attack"] is True and q_findings, log_events["red-6"]
        assert any("[redacted]" in f["evidence"] for f in q_findings), q_findings
        for ev in log_events.values():
            for f in ev["findings"]:
                if f["location"].startswith(("header.authorization", "header.x-api-key", "cookie.")):
                    assert f["evidence"] == "[redacted]", f


def test_metrics_switch_turns_off_per_class_counters_only():
    with Topology(cfg(None, metrics=False)) as t:
        t.request("GET", SQLI, {"x-request-id": "nometrics-1"})
        assert t.wait_events(1)[0]["verdict"]["attack"] is True
        assert t.wait_stat(P + "attack_requests_total", 1) == 1
        st = t.receiver.stats()
        assert st[P + "events_total"] == 1
        assert not [k for k in st if "attacks_total.class" in k or "findings_total.class" in k], st
