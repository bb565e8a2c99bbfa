"""Every YAML document of wasmplugin/ and istio-examples/ is valid, and the validator really catches errors."""
from __future__ import annotations

import copy
import json
import pathlib
import subprocess
import sys

import pytest
import yaml

import validate_manifests as vm

DIRS = ["wasmplugin", "istio-examples"]


def docs_of(root: pathlib.Path) -> list[tuple[pathlib.Path, dict]]:
    out = []
    for f in vm.yaml_files([str(root / d) for d in DIRS]):
        if f.name.endswith(".values.yaml"):
            continue
        out += [(f, d) for _, d in vm.documents(f)]
    return out


def of_kind(root, kind):
    return [d for _, d in docs_of(root) if d.get("kind") == kind]


def write_docs(path: pathlib.Path, docs: list[dict]) -> pathlib.Path:
    path.write_text(yaml.safe_dump_all(docs, sort_keys=False))
    return path


# ---------------------------------------------------------------------------- the shipped manifests


def test_all_shipped_manifests_are_valid(root, schemas, config_check, capsys):
    errs = vm.validate([str(root / d) for d in DIRS], schemas, config_check)
    assert errs == []
    out = capsys.readouterr().out
    assert "validated" in out


def test_every_kind_is_covered(root):
    kinds = {d["kind"] for _, d in docs_of(root)}
    for k in ("WasmPlugin", "ServiceEntry", "VirtualService", "Gateway", "Telemetry", "Deployment", "Service",
              "ServiceAccount"):
        assert k in kinds, f"no {k} in {DIRS}"


def test_every_pluginconfig_parses_with_the_filter_parser(root, config_check):
    plugins = of_kind(root, "WasmPlugin")
    assert len(plugins) >= 3
    roles = set()
    for p in plugins:
        cfg = p["spec"]["pluginConfig"]
        r = subprocess.run([config_check, "-"], input=json.dumps(cfg).encode(), capture_output=True, timeout=30)
        assert r.returncode == 0, r.stdout
        roles.add(cfg.get("role", "inspect"))
    assert roles == {"sink", "inspect"}


def test_reference_pluginconfig_shows_every_section(root):
    for name in ("wasmplugin-sink.yaml", "wasmplugin-inspect.yaml"):
        (doc,) = [d for _, d in vm.documents(root / "wasmplugin" / name)]
        cfg = doc["spec"]["pluginConfig"]
        assert set(cfg) == {"role", "mirror", "real_ip", "inspection", "events"}
        assert set(cfg["mirror"]) == {"server_addr_header", "server_port_header", "strip_shadow_suffix",
                                      "only_mirrored", "sink_status"}
        assert set(cfg["real_ip"]) == {"header", "trusted_proxies", "recursive"}
        assert set(cfg["inspection"]) == {"paranoia_level", "anomaly_threshold", "max_body_bytes", "max_args",
                                          "max_depth", "classes", "exclusions"}
        assert set(cfg["events"]) >= {"log", "metrics", "filter_state", "include_benign", "redact_headers",
                                      "max_evidence_bytes"}


def test_wasmplugins_are_fail_open_oci_and_scoped(root):
    for p in of_kind(root, "WasmPlugin"):
        s = p["spec"]
        assert s["failStrategy"] == "FAIL_OPEN"
        assert s["url"].startswith("oci://")
        assert s["imagePullPolicy"] in ("IfNotPresent", "Always")
        assert s["phase"] in ("AUTHN", "AUTHZ", "STATS")
        assert isinstance(s["priority"], int)
        assert s["selector"]["matchLabels"]
        assert s["match"][0]["mode"] == "SERVER"


def test_examples_fit_together(root):
    ex = root / "istio-examples"
    docs = [d for f, d in docs_of(root) if ex in f.parents and "external" not in f.parts]
    by = lambda k: [d for d in docs if d["kind"] == k]  # noqa: E731
    (svc,) = by("Service")
    (dep,) = by("Deployment")
    (wp,) = by("WasmPlugin")
    (gw,) = by("Gateway")
    (vs,) = by("VirtualService")
    (tel,) = by("Telemetry")
    ns = svc["metadata"]["namespace"]
    pod_labels = dep["spec"]["template"]["metadata"]["labels"]
    # the WasmPlugin and the Telemetry select the receiver pods, in their namespace
    assert wp["metadata"]["namespace"] == ns == tel["metadata"]["namespace"]
    assert wp["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert tel["spec"]["selector"]["matchLabels"].items() <= pod_labels.items()
    assert svc["spec"]["selector"].items() <= pod_labels.items()
    # inbound match port = the Service targetPort = the container port
    target_ports = {p["targetPort"] for p in svc["spec"]["ports"]}
    assert {p["number"] for p in wp["spec"]["match"][0]["ports"]} <= target_ports
    assert wp["spec"]["pluginConfig"]["role"] == "sink"
    # metric tags are declared on the receiver pods
    tags = dep["spec"]["template"]["metadata"]["annotations"]["sidecar.istio.io/extraStatTags"]
    assert {"class", "reason"} <= {t.strip() for t in tags.split(",")}
    # the VirtualService mirrors to the receiver Service, from the Gateway and from the mesh
    http = vs["spec"]["http"][0]
    assert http["mirror"]["host"] == f"{svc['metadata']['name']}.{ns}.svc.cluster.local"
    assert http["mirror"]["port"]["number"] in {p["port"] for p in svc["spec"]["ports"]}
    assert 0 < http["mirrorPercentage"]["value"] <= 100
    assert set(vs["spec"]["gateways"]) == {gw["metadata"]["name"], "mesh"}
    assert gw["metadata"]["namespace"] == vs["metadata"]["namespace"]
    hset = http["headers"]["request"]["set"]
    assert hset == {"x-server-addr": "%DOWNSTREAM_LOCAL_ADDRESS_WITHOUT_PORT%", "x-server-port": "%DOWNSTREAM_LOCAL_PORT%"}
    # the header names stamped are the ones the filter reads
    mirror_cfg = wp["spec"]["pluginConfig"].get("mirror", {})
    assert mirror_cfg.get("server_addr_header", "x-server-addr") in hset
    assert mirror_cfg.get("server_port_header", "x-server-port") in hset


def test_external_mirror_uses_the_serviceentry(root):
    ext = [d for f, d in docs_of(root) if "external" in f.parts]
    (se,) = [d for d in ext if d["kind"] == "ServiceEntry"]
    (vs,) = [d for d in ext if d["kind"] == "VirtualService"]
    m = vs["spec"]["http"][0]["mirror"]
    assert m["host"] in se["spec"]["hosts"]
    assert m["port"]["number"] in {p["number"] for p in se["spec"]["ports"]}
    assert se["spec"]["location"] == "MESH_EXTERNAL"


# ---------------------------------------------------------------------------- the validator catches errors


def _first(root, kind) -> dict:
    return copy.deepcopy(of_kind(root, kind)[0])


def _rename(d: dict, path: list[str], new: str) -> dict:
    obj = d
    for k in path[:-1]:
        obj = obj[k]
    obj[new] = obj.pop(path[-1])
    return d


MISSPELT = [
    ("WasmPlugin", ["spec", "failStrategy"], "failstrategy"),
    ("WasmPlugin", ["spec", "imagePullPolicy"], "imagePulPolicy"),
    ("VirtualService", ["spec", "http", 0, "mirrorPercentage"], "mirrorPercentge"),
    ("VirtualService", ["spec", "http", 0, "headers", "request", "set"], "sett"),
    ("Gateway", ["spec", "servers", 0, "hosts"], "host"),
    ("ServiceEntry", ["spec", "resolution"], "resolutoin"),
    ("Telemetry", ["spec", "accessLogging"], "accessLoging"),
]


@pytest.mark.parametrize("kind,path,new", MISSPELT, ids=[f"{k}-{n}" for k, _, n in MISSPELT])
def test_misspelt_istio_field_fails(root, schemas, tmp_path, kind, path, new):
    d = _rename(_first(root, kind), path, new)
    errs = vm.validate([str(write_docs(tmp_path / "broken.yaml", [d]))], schemas, None, verbose=False)
    assert len(errs) == 1 and f"'{new}' was unexpected" in errs[0], errs


def test_misspelt_field_fails_in_multi_document_file(root, schemas, tmp_path):
    # a broken document in the middle of a valid multi-document file is found and named
    docs = [d for _, d in vm.documents(root / "istio-examples" / "30-virtualservice.yaml")]
    wp = _rename(_first(root, "WasmPlugin"), ["spec", "failStrategy"], "failstrategy")
    gw = _first(root, "Gateway")
    errs = vm.validate([str(write_docs(tmp_path / "multi.yaml", [gw, wp, *docs]))], schemas, None, verbose=False)
    assert len(errs) == 1 and "multi.yaml[1] WasmPlugin" in errs[0] and "failstrategy" in errs[0], errs


@pytest.mark.parametrize("field,value,needle", [
    ("phase", "LOGGING", "is not one of"),
    ("priority", "10", "is not of type"),
    ("sha256", "NOT-A-SHA", "does not match"),
    ("failStrategy", "FAIL_CLOSED", "is not one of"),  # Envoy's spelling, not Istio's
])
def test_bad_wasmplugin_value_fails(root, schemas, tmp_path, field, value, needle):
    d = _first(root, "WasmPlugin")
    d["spec"][field] = value
    errs = vm.validate([str(write_docs(tmp_path / "bad.yaml", [d]))], schemas, None, verbose=False)
    assert len(errs) == 1 and needle in errs[0], errs


@pytest.mark.parametrize("mutate,needle", [
    (lambda s: s.__setitem__("url", "ftp://example.com/x.wasm"), "scheme 'ftp'"),
    (lambda s: s.__setitem__("targetRefs", [{"kind": "Gateway", "name": "gw"}]), "only one of"),
    (lambda s: s.__setitem__("vmConfig", {"env": [{"name": "X", "value": "1", "valueFrom": "HOST"}]}), "valueFrom is HOST"),
])
def test_cel_rules_are_enforced(root, schemas, tmp_path, mutate, needle):
    d = _first(root, "WasmPlugin")
    mutate(d["spec"])
    errs = vm.validate([str(write_docs(tmp_path / "cel.yaml", [d]))], schemas, None, verbose=False)
    assert len(errs) == 1 and needle in errs[0], errs


@pytest.mark.parametrize("mutate,needle", [
    (lambda c: c.__setitem__("role", "block"), "role: "),
    (lambda c: c["mirror"].__setitem__("sink_statu", 204), "unknown field `sink_statu`"),
    (lambda c: c["real_ip"].__setitem__("trusted_proxies", ["10.0.0.0/33"]), "real_ip.trusted_proxies[0]"),
    (lambda c: c["inspection"].__setitem__("classes", {"sqlinj": True}), "unknown attack class"),
])
def test_bad_pluginconfig_is_rejected_by_the_filter_parser(root, schemas, config_check, tmp_path, mutate, needle):
    (d,) = [d for _, d in vm.documents(root / "wasmplugin" / "wasmplugin-sink.yaml")]
    mutate(d["spec"]["pluginConfig"])
    errs = vm.validate([str(write_docs(tmp_path / "cfg.yaml", [d]))], schemas, config_check, verbose=False)
    assert len(errs) == 1 and "Config::parse" in errs[0] and needle in errs[0], errs


@pytest.mark.parametrize("mutate,needle", [
    (lambda d: _rename(d, ["spec", "replicas"], "replcas"), "replcas"),
    (lambda d: d["spec"].__setitem__("replicas", "two"), "is not of type"),
    (lambda d: _rename(d["spec"]["template"]["spec"]["containers"][0], ["image"], "imgae"), "imgae"),
])
def test_broken_deployment_fails(root, schemas, tmp_path, mutate, needle):
    d = _first(root, "Deployment")
    mutate(d)
    f = write_docs(tmp_path / "dep.yaml", [d])
    errs = vm.validate([str(f)], schemas, None, verbose=False)
    assert len(errs) == 1 and needle in errs[0], errs
    # and the kubernetes-validate CLI itself (strict) fails on it too
    cli = pathlib.Path(sys.executable).parent / "kubernetes-validate"
    r = subprocess.run([str(cli), "--strict", "-k", vm.K8S_VERSION, str(f)], capture_output=True, text=True, timeout=60)
    assert r.returncode != 0, r.stdout + r.stderr


def test_broken_service_fails(root, schemas, tmp_path):
    d = _first(root, "Service")
    d["spec"]["ports"][0]["port"] = "eighty"
    errs = vm.validate([str(write_docs(tmp_path / "svc.yaml", [d]))], schemas, None, verbose=False)
    assert len(errs) == 1 and "Service/mirror-receiver" in errs[0], errs


def test_kubernetes_validate_alone_would_pass_a_broken_crd(root, tmp_path):
    """Why Istio kinds go through check-jsonschema: kubernetes-validate exits 0 on a kind it does not know."""
    d = _rename(_first(root, "WasmPlugin"), ["spec", "failStrategy"], "failstrategy")
    f = write_docs(tmp_path / "wp.yaml", [d])
    cli = pathlib.Path(sys.executable).parent / "kubernetes-validate"
    r = subprocess.run([str(cli), "--strict", str(f)], capture_output=True, text=True, timeout=60)
    assert r.returncode == 0 and "WasmPlugin" in (r.stdout + r.stderr)


def test_unknown_kind_is_an_error(schemas, tmp_path):
    d = {"apiVersion": "example.com/v1", "kind": "Widget", "metadata": {"name": "w"}, "spec": {}}
    errs = vm.validate([str(write_docs(tmp_path / "w.yaml", [d]))], schemas, None, verbose=False)
    assert len(errs) == 1 and "no schema" in errs[0], errs


def test_telemetry_provider_must_be_defined(root, schemas, tmp_path):
    values = (root / "istio-examples" / "mesh-config.values.yaml").read_text()
    (tmp_path / "mesh-config.values.yaml").write_text(values)
    tel = _first(root, "Telemetry")
    write_docs(tmp_path / "tel.yaml", [tel])
    assert vm.validate([str(tmp_path)], schemas, None, verbose=False) == []
    tel["spec"]["accessLogging"][0]["providers"][0]["name"] = "mirror-waf-logs"
    write_docs(tmp_path / "tel.yaml", [tel])
    errs = vm.validate([str(tmp_path)], schemas, None, verbose=False)
    assert len(errs) == 1 and "mirror-waf-logs" in errs[0], errs


def test_mesh_values_must_log_the_filter_state(root, schemas, tmp_path):
    values = (root / "istio-examples" / "mesh-config.values.yaml").read_text()
    assert "%FILTER_STATE(wasm.mirror_waf.event:PLAIN)%" in values
    (tmp_path / "m.values.yaml").write_text(values.replace("wasm.mirror_waf.event", "mirror_waf.event"))
    errs = vm.validate([str(tmp_path)], schemas, None, verbose=False)
    assert len(errs) == 1 and "FILTER_STATE" in errs[0], errs


def test_cli_exit_codes(root, schemas, config_check, tmp_path):
    script = pathlib.Path(vm.__file__)
    ok = subprocess.run([sys.executable, str(script), "--schemas", str(schemas), "--config-check", config_check,
                         str(root / "wasmplugin"), str(root / "istio-examples")], capture_output=True, text=True, timeout=300)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    d = _rename(_first(root, "ServiceEntry"), ["spec", "location"], "locaton")
    bad = subprocess.run([sys.executable, str(script), "--schemas", str(schemas),
                          str(write_docs(tmp_path / "se.yaml", [d]))], capture_output=True, text=True, timeout=300)
    assert bad.returncode == 1 and "locaton" in bad.stdout
