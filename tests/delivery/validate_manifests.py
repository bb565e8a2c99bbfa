#!/usr/bin/env python3
"""Validates every YAML document of the Istio delivery (wasmplugin/, istio-examples/).

* Istio kinds: the `-strict` JSON schemas of ../shared/schemas/istio-<v>/ (additionalProperties: false, so a
  misspelt field fails), checked with the real `check-jsonschema` CLI, one JSON file per document (the CLI reads
  one document per file), plus the CRDs' CEL rules that no JSON-schema tool enforces (emulated here).
* Kubernetes core kinds (Namespace, ServiceAccount, Service, Deployment): `kubernetes-validate` in strict mode.
  It silently passes kinds it has no schema for, so it is only used for the kinds listed in CORE_KINDS.
* Any other kind is an error (nothing passes unchecked).
* Every WasmPlugin `pluginConfig` is converted to JSON and parsed by the filter's own parser
  (`mirror-waf-config-check`, i.e. `Config::parse`).
* `*.values.yaml` files are Helm values (mesh config), not resources: checked for the access-log provider.
* Envoy bootstrap configs (`local/` directories) are not Kubernetes resources: skipped here, validated with
  `envoy --mode validate` by the tests.

usage: validate_manifests.py --schemas DIR [--config-check BIN] PATH...   (exit 1 on any error)
"""
from __future__ import annotations

import argparse
import json
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

K8S_VERSION = "1.33.0"
CORE_KINDS = {("v1", "Namespace"), ("v1", "ServiceAccount"), ("v1", "Service"), ("v1", "ConfigMap"),
              ("apps/v1", "Deployment")}
SKIP_DIRS = {"local"}
URL_SCHEMES = {"", "http", "https", "oci", "file"}


def yaml_files(paths: list[str]) -> list[pathlib.Path]:
    out: list[pathlib.Path] = []
    for p in map(pathlib.Path, paths):
        if p.is_dir():
            out += sorted(f for f in p.rglob("*") if f.suffix in (".yaml", ".yml")
                          and not SKIP_DIRS.intersection(f.relative_to(p).parts[:-1]))
        else:
            out.append(p)
    return out


def documents(path: pathlib.Path) -> list[tuple[int, dict]]:
    with open(path, encoding="utf-8") as f:
        docs = list(yaml.safe_load_all(f))
    return [(i, d) for i, d in enumerate(docs) if d is not None]


def schema_file(root: pathlib.Path, doc: dict) -> pathlib.Path:
    group, _, version = str(doc.get("apiVersion", "")).rpartition("/")
    return root / group / f"{str(doc.get('kind', '')).lower()}_{version}-strict.json"


def cel_errors(doc: dict) -> list[str]:
    """The x-kubernetes-validations (CEL) rules of the Istio CRDs that JSON schema cannot express."""
    errs: list[str] = []
    spec = doc.get("spec") or {}
    attach = [k for k in ("selector", "targetRef", "targetRefs") if k in spec]
    if len(attach) > 1:
        errs.append(f"$.spec: only one of selector/targetRef/targetRefs may be set (got {attach})")
    for k, v in ((spec.get("selector") or {}).get("matchLabels") or {}).items():
        if "*" in str(k) or "*" in str(v):
            errs.append(f"$.spec.selector.matchLabels.{k}: wildcard not allowed in labels")
    if doc.get("kind") == "WasmPlugin":
        url = str(spec.get("url", ""))
        scheme = url.split("://", 1)[0] if "://" in url else ""
        if scheme not in URL_SCHEMES:
            errs.append(f"$.spec.url: scheme '{scheme}' not in {sorted(URL_SCHEMES)}")
        for i, e in enumerate((spec.get("vmConfig") or {}).get("env") or []):
            if e.get("valueFrom") == "HOST" and "value" in e:
                errs.append(f"$.spec.vmConfig.env[{i}]: value cannot be set when valueFrom is HOST")
        for i, ref in enumerate(spec.get("targetRefs") or []):
            if ref.get("namespace"):
                errs.append(f"$.spec.targetRefs[{i}].namespace: cross namespace referencing is not allowed")
    return errs


def check_plugin_config(bin_path: str, where: str, config) -> list[str]:
    data = json.dumps(config if config is not None else {}).encode()
    r = subprocess.run([bin_path, "-"], input=data, capture_output=True, timeout=30)
    if r.returncode != 0:
        return [f"{where} pluginConfig rejected by Config::parse: {r.stdout.decode().strip()} {r.stderr.decode().strip()}"]
    return []


def check_mesh_values(path: pathlib.Path, doc: dict) -> list[str]:
    errs: list[str] = []
    providers = ((doc.get("meshConfig") or {}).get("extensionProviders")) or []
    if not providers:
        return [f"{path}: no meshConfig.extensionProviders"]
    for p in providers:
        if not isinstance(p, dict) or not p.get("name"):
            errs.append(f"{path}: extension provider without a name")
            continue
        fmt = json.dumps(((p.get("envoyFileAccessLog") or {}).get("logFormat")) or {})
        if "%FILTER_STATE(wasm.mirror_waf.event:" not in fmt:
            errs.append(f"{path}: provider {p['name']} does not log %FILTER_STATE(wasm.mirror_waf.event:…)%")
    return errs


def mesh_provider_names(files: list[pathlib.Path]) -> set[str]:
    names: set[str] = set()
    for f in files:
        if f.name.endswith(".values.yaml"):
            for _, d in documents(f):
                for p in ((d.get("meshConfig") or {}).get("extensionProviders")) or []:
                    if isinstance(p, dict) and p.get("name"):
                        names.add(p["name"])
    return names


def validate(paths: list[str], schemas: pathlib.Path, config_check: str | None, verbose: bool = True) -> list[str]:
    import kubernetes_validate  # imported here so --help works without it

    errors: list[str] = []
    files = yaml_files(paths)
    if not files:
        return ["no YAML files found in " + " ".join(paths)]
    providers = mesh_provider_names(files)
    by_schema: dict[pathlib.Path, list[tuple[str, pathlib.Path]]] = {}
    checked = 0
    with tempfile.TemporaryDirectory(prefix="mw-validate-") as tmp:
        for f in files:
            try:
                docs = documents(f)
            except yaml.YAMLError as e:
                errors.append(f"{f}: YAML error: {e}")
                continue
            if f.name.endswith(".values.yaml"):
                for _, d in docs:
                    errors += check_mesh_values(f, d)
                    checked += 1
                continue
            for i, doc in docs:
                where = f"{f}[{i}]"
                if not isinstance(doc, dict) or "apiVersion" not in doc or "kind" not in doc:
                    errors.append(f"{where}: not a Kubernetes resource (no apiVersion/kind)")
                    continue
                where += f" {doc['kind']}/{(doc.get('metadata') or {}).get('name', '?')}"
                checked += 1
                key = (doc["apiVersion"], doc["kind"])
                if key in CORE_KINDS:
                    try:
                        kubernetes_validate.validate(doc, K8S_VERSION, strict=True)
                    except kubernetes_validate.ValidationError as e:
                        path = ".".join(map(str, e.path))
                        errors.append(f"{where}: $.{path}: {e.message}")
                    except Exception as e:  # SchemaNotFoundError etc.: never a silent pass
                        errors.append(f"{where}: kubernetes-validate: {type(e).__name__}: {e}")
                    continue
                sf = schema_file(schemas, doc)
                if not sf.exists():
                    errors.append(f"{where}: no schema for {doc['apiVersion']} {doc['kind']} ({sf})")
                    continue
                tmpf = pathlib.Path(tmp) / f"{len(sum(by_schema.values(), []))}.json"
                tmpf.write_text(json.dumps(doc))
                by_schema.setdefault(sf, []).append((where, tmpf))
                errors += [f"{where}: {e}" for e in cel_errors(doc)]
                if doc["kind"] == "WasmPlugin" and config_check:
                    errors += check_plugin_config(config_check, where, (doc.get("spec") or {}).get("pluginConfig"))
                if doc["kind"] == "Telemetry":
                    for al in (doc.get("spec") or {}).get("accessLogging") or []:
                        for p in al.get("providers") or []:
                            if providers and p.get("name") not in providers:
                                errors.append(f"{where}: provider '{p.get('name')}' is not defined in any *.values.yaml")
        cli = shutil.which("check-jsonschema") or str(pathlib.Path(sys.executable).parent / "check-jsonschema")
        for sf, docs in by_schema.items():
            r = subprocess.run([cli, "--schemafile", str(sf), *[str(p) for _, p in docs]],
                               capture_output=True, text=True, timeout=120)
            if r.returncode != 0:
                names = {str(p): w for w, p in docs}
                out = r.stdout + r.stderr
                for tmpname, w in names.items():
                    out = out.replace(tmpname, w)
                errors.append(f"check-jsonschema {sf.name}:\n{out.strip()}")
    if verbose:
        print(f"validated {checked} documents in {len(files)} files "
              f"({sum(len(v) for v in by_schema.values())} Istio, schemas {schemas})")
    return errors


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--schemas", required=True, type=pathlib.Path)
    ap.add_argument("--config-check", help="path of the mirror-waf-config-check binary")
    ap.add_argument("paths", nargs="+")
    a = ap.parse_args()
    errs = validate(a.paths, a.schemas, a.config_check)
    for e in errs:
        print("ERROR", e)
    print("ok" if not errs else f"{len(errs)} error(s)")
    return 1 if errs else 0


if __name__ == "__main__":
    sys.exit(main())
