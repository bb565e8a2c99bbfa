"""The Wasm OCI image: built with no Docker daemon, reproducible, pushed to a real registry with skopeo, pulled
back byte-identical, and readable the way istio-agent reads it, in both variants (compat and Wasm artifact)."""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import pathlib
import subprocess
import tarfile
import urllib.request

import pytest

import istio_agent
from registry import Registry

TAG = "0.1.0"
REPO = "mirror-waf/mirror-waf"


def sha(b: bytes) -> str:
    return hashlib.sha256(b).hexdigest()


def build(root: pathlib.Path, wasm: pathlib.Path, out: pathlib.Path) -> dict:
    r = subprocess.run([str(root / "wasmplugin" / "build-oci.sh"), str(wasm), str(out), TAG],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    return {"out": out, "report": r.stdout,
            "compat": (out / "compat.digest").read_text().strip().removeprefix("sha256:"),
            "oci": (out / "oci.digest").read_text().strip().removeprefix("sha256:")}


@pytest.fixture(scope="module")
def image(root, wasm_file, tmp_path_factory) -> dict:
    return build(root, wasm_file, tmp_path_factory.mktemp("oci"))


@pytest.fixture(scope="module")
def registry(tmp_path_factory):
    reg = Registry(tmp_path_factory.mktemp("registry")).start()
    yield reg
    reg.stop()


def layout(out: pathlib.Path, variant: str) -> tuple[dict, dict, pathlib.Path]:
    d = out / variant
    index = json.loads((d / "index.json").read_text())
    (desc,) = index["manifests"]
    assert desc["annotations"]["org.opencontainers.image.ref.name"] == TAG
    mbytes = (d / "blobs" / "sha256" / desc["digest"].removeprefix("sha256:")).read_bytes()
    assert sha(mbytes) == desc["digest"].removeprefix("sha256:") and len(mbytes) == desc["size"]
    return json.loads(mbytes), desc, d


def blob(d: pathlib.Path, desc: dict) -> bytes:
    data = (d / "blobs" / "sha256" / desc["digest"].removeprefix("sha256:")).read_bytes()
    assert "sha256:" + sha(data) == desc["digest"] and len(data) == desc["size"]
    return data


# ---------------------------------------------------------------------------- the layouts on disk


def test_build_prints_the_manifest_digests(image, wasm_file):
    assert f"sha256:{image['compat']}" in image["report"]
    assert f"sha256:{image['oci']}" in image["report"]
    assert f"sha256:{sha(wasm_file.read_bytes())}" in image["report"]
    assert image["compat"] != image["oci"]


def test_compat_layout(image, wasm_file):
    m, desc, d = layout(image["out"], "compat")
    assert desc["digest"] == f"sha256:{image['compat']}"
    assert m["mediaType"] == "application/vnd.oci.image.manifest.v1+json"
    assert m["config"]["mediaType"] == "application/vnd.oci.image.config.v1+json"
    (layer,) = m["layers"]
    assert layer["mediaType"] == "application/vnd.oci.image.layer.v1.tar+gzip"
    gz = blob(d, layer)
    raw = gzip.decompress(gz)
    cfg = json.loads(blob(d, m["config"]))
    assert cfg["rootfs"]["diff_ids"] == [f"sha256:{sha(raw)}"]
    with tarfile.open(fileobj=io.BytesIO(raw)) as t:
        members = t.getmembers()
        assert [x.name for x in members] == ["plugin.wasm"]
        assert members[0].mtime == 0 and members[0].uid == 0 and members[0].mode == 0o644
        assert t.extractfile(members[0]).read() == wasm_file.read_bytes()
    assert gz[4:8] == b"\0\0\0\0", "gzip header carries a timestamp (use gzip -n)"


def test_oci_artifact_layout(image, wasm_file):
    m, desc, d = layout(image["out"], "oci")
    assert desc["digest"] == f"sha256:{image['oci']}"
    assert m["config"]["mediaType"] == "application/vnd.module.wasm.config.v1+json"
    assert [x["mediaType"] for x in m["layers"]] == ["application/vnd.module.wasm.config.v1+json",
                                                     "application/vnd.module.wasm.content.layer.v1+wasm"]
    assert blob(d, m["layers"][1]) == wasm_file.read_bytes()
    rc = json.loads(blob(d, m["config"]))
    assert rc == {"type": "envoy_proxy", "abiVersions": ["v0.2.1"], "config": {"rootIds": ["mirror_waf"]}}


def test_build_is_reproducible(root, wasm_file, image, tmp_path):
    again = build(root, wasm_file, tmp_path / "again")
    assert (again["compat"], again["oci"]) == (image["compat"], image["oci"])
    for variant in ("compat", "oci"):
        a = sorted(p.name for p in (image["out"] / variant / "blobs" / "sha256").iterdir())
        b = sorted(p.name for p in (again["out"] / variant / "blobs" / "sha256").iterdir())
        assert a == b


def test_different_module_gives_a_different_digest(root, wasm_file, image, tmp_path):
    other = tmp_path / "other.wasm"
    other.write_bytes(wasm_file.read_bytes() + b"\0")  # trailing byte: still starts with \0asm
    o = build(root, other, tmp_path / "other")
    assert o["compat"] != image["compat"] and o["oci"] != image["oci"]


def test_build_refuses_a_non_wasm_file(root, tmp_path):
    bad = tmp_path / "x.wasm"
    bad.write_bytes(b"ELF\0not wasm")
    r = subprocess.run([str(root / "wasmplugin" / "build-oci.sh"), str(bad), str(tmp_path / "o"), TAG],
                       capture_output=True, text=True, timeout=60)
    assert r.returncode != 0 and "magic" in r.stderr


@pytest.mark.parametrize("variant", ["compat", "oci"])
def test_skopeo_reads_the_layout(image, variant):
    r = subprocess.run(["skopeo", "inspect", "--raw", f"oci:{image['out'] / variant}:{TAG}"],
                       capture_output=True, timeout=60)
    assert r.returncode == 0, r.stderr
    assert sha(r.stdout) == image[variant]


# ---------------------------------------------------------------------------- through a real registry


def push(root, image, registry) -> str:
    r = subprocess.run([str(root / "wasmplugin" / "push.sh"), str(image["out"]), registry.host, REPO, TAG,
                        "--dest-tls-verify=false"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stdout + r.stderr
    return r.stdout


@pytest.fixture(scope="module")
def pushed(root, image, registry) -> str:
    return push(root, image, registry)


def test_push_reports_the_built_digests(pushed, image, registry):
    assert f"{registry.host}/{REPO}:{TAG}  sha256:{image['compat']}" in pushed
    assert f"{registry.host}/{REPO}:{TAG}-oci  sha256:{image['oci']}" in pushed


@pytest.mark.parametrize("variant,suffix", [("compat", ""), ("oci", "-oci")])
def test_registry_digest_is_the_manifest_digest(pushed, image, registry, variant, suffix):
    ref = f"docker://{registry.host}/{REPO}:{TAG}{suffix}"
    raw = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--raw", ref], capture_output=True, timeout=60)
    assert raw.returncode == 0, raw.stderr
    assert sha(raw.stdout) == image[variant]
    req = urllib.request.Request(f"http://{registry.host}/v2/{REPO}/manifests/{TAG}{suffix}", method="HEAD",
                                 headers={"Accept": istio_agent.MANIFEST_ACCEPT})
    with urllib.request.urlopen(req, timeout=10) as r:
        assert r.headers["Docker-Content-Digest"] == f"sha256:{image[variant]}"
    if variant == "compat":  # skopeo's image view refuses artifacts ("unsupported image-specific operation")
        r = subprocess.run(["skopeo", "inspect", "--tls-verify=false", "--format", "{{.Digest}}", ref],
                           capture_output=True, text=True, timeout=60)
        assert r.returncode == 0, r.stderr
        assert r.stdout.strip() == f"sha256:{image[variant]}"


@pytest.mark.parametrize("variant,suffix", [("compat", ""), ("oci", "-oci")])
def test_pull_back_is_byte_identical(pushed, image, registry, tmp_path, variant, suffix):
    dest = tmp_path / "pulled"
    r = subprocess.run(["skopeo", "copy", "--quiet", "--src-tls-verify=false",
                        f"docker://{registry.host}/{REPO}:{TAG}{suffix}", f"oci:{dest}:{TAG}"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    built = {p.name: p.read_bytes() for p in (image["out"] / variant / "blobs" / "sha256").iterdir()}
    got = {p.name: p.read_bytes() for p in (dest / "blobs" / "sha256").iterdir()}
    assert got == built
    _, desc, _ = layout(dest.parent, dest.name)
    assert desc["digest"] == f"sha256:{image[variant]}"


@pytest.mark.parametrize("variant,suffix", [("compat", ""), ("oci", "-oci")])
def test_istio_agent_fetch(pushed, image, registry, wasm_file, variant, suffix):
    got = istio_agent.fetch(registry.host, REPO, f"{TAG}{suffix}", image[variant])
    assert got["variant"] == variant
    assert got["wasm"] == wasm_file.read_bytes()
    assert sha(got["wasm"]) == sha(wasm_file.read_bytes())
    # by digest (url: oci://…@sha256:<digest>) as well
    by_digest = istio_agent.fetch(registry.host, REPO, f"sha256:{image[variant]}", image[variant])
    assert by_digest["wasm"] == got["wasm"]


@pytest.mark.parametrize("variant,suffix", [("compat", ""), ("oci", "-oci")])
def test_istio_agent_rejects_the_wasm_sha_as_image_sha(pushed, image, registry, wasm_file, variant, suffix):
    # the classic mistake: putting sha256(plugin.wasm) in WasmPlugin.sha256 for an oci:// URL
    with pytest.raises(istio_agent.FetchError, match="does not match"):
        istio_agent.fetch(registry.host, REPO, f"{TAG}{suffix}", sha(wasm_file.read_bytes()))


def test_docker_v2_manifest_is_accepted_too(pushed, image, registry, wasm_file):
    # `docker build -f wasmplugin/Dockerfile` + push gives a Docker v2 manifest; skopeo converts ours to one.
    r = subprocess.run(["skopeo", "copy", "--quiet", "--format", "v2s2", "--dest-tls-verify=false",
                        f"oci:{image['out'] / 'compat'}:{TAG}", f"docker://{registry.host}/{REPO}:{TAG}-docker"],
                       capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    got = istio_agent.fetch(registry.host, REPO, f"{TAG}-docker", None)
    assert got["variant"] == "docker" and got["wasm"] == wasm_file.read_bytes()
    assert got["manifest_digest"] != image["compat"]  # another manifest, another WasmPlugin sha256


def test_agent_emulation_rejects_broken_images(registry, tmp_path, root, wasm_file):
    """The emulated checks can fail: an image whose layer holds no plugin.wasm, and one that is not wasm."""
    stage = tmp_path / "stage"
    stage.mkdir()
    (stage / "module.wasm").write_bytes(wasm_file.read_bytes())
    out = build(root, wasm_file, tmp_path / "good")["out"]
    # rewrite the compat layer with a wrongly named file
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w") as t:
        t.add(stage / "module.wasm", arcname="module.wasm")
    gz = gzip.compress(buf.getvalue(), mtime=0)
    d = out / "compat"
    m, desc, _ = layout(out, "compat")
    (d / "blobs" / "sha256" / sha(gz)).write_bytes(gz)
    m["layers"][0].update(digest=f"sha256:{sha(gz)}", size=len(gz))
    mb = json.dumps(m).encode()
    (d / "blobs" / "sha256" / sha(mb)).write_bytes(mb)
    (d / "index.json").write_text(json.dumps({"schemaVersion": 2, "manifests": [
        {"mediaType": m["mediaType"], "digest": f"sha256:{sha(mb)}", "size": len(mb),
         "annotations": {"org.opencontainers.image.ref.name": TAG}}]}))
    r = subprocess.run(["skopeo", "copy", "--quiet", "--dest-tls-verify=false", f"oci:{d}:{TAG}",
                        f"docker://{registry.host}/broken/noplugin:{TAG}"], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    with pytest.raises(istio_agent.FetchError, match="plugin.wasm not found"):
        istio_agent.fetch(registry.host, "broken/noplugin", TAG, sha(mb))


def test_push_writes_pinned_manifests_that_validate(pushed, image, registry, schemas, config_check):
    import validate_manifests as vm
    import yaml

    mdir = image["out"] / "manifests"
    files = sorted(mdir.glob("*.yaml"))
    assert [f.name for f in files] == ["11-receiver-wasmplugin.yaml", "wasmplugin-inspect.yaml", "wasmplugin-sink.yaml"]
    for f in files:
        (doc,) = [d for d in yaml.safe_load_all(f.read_text()) if d]
        assert doc["spec"]["url"] == f"oci://{registry.host}/{REPO}:{TAG}"
        assert doc["spec"]["sha256"] == image["compat"]
        # what istio-agent would do with exactly this url + sha256
        host, _, rest = doc["spec"]["url"].removeprefix("oci://").partition("/")
        repo, _, tag = rest.rpartition(":")
        assert istio_agent.fetch(host, repo, tag, doc["spec"]["sha256"])["variant"] == "compat"
    assert vm.validate([str(mdir)], schemas, config_check, verbose=False) == []


def test_dockerfile_builds_the_compat_layout(root):
    """No Docker here: check the Dockerfile makes the same image shape (scratch + /plugin.wasm) by reading it."""
    lines = [l.split() for l in (root / "wasmplugin" / "Dockerfile").read_text().splitlines()
             if l.strip() and not l.lstrip().startswith("#")]
    instrs = [l[0].upper() for l in lines]
    assert instrs[0] == "FROM" and lines[0][1] == "scratch"
    (copy_line,) = [l for l in lines if l[0].upper() == "COPY"]
    assert copy_line[-1] == "/plugin.wasm"
    assert not {"RUN", "ENTRYPOINT", "CMD"} & set(instrs)  # scratch image: nothing to run


def test_plain_envoy_loads_the_artifact_layer_from_the_registry(pushed, registry, wasm_file, root, tmp_path):
    """Without istio-agent: Envoy's own remote fetch can take the raw module layer of the artifact variant straight
    from the registry's blob URL, checked with the module's sha256."""
    import sys as _sys
    _sys.path.insert(0, str(root / "tests" / "e2e"))
    import test_istio_remote_fetch as rf

    wasm_sha = sha(wasm_file.read_bytes())
    admin, listen = rf.free_port(), rf.free_port()
    cfg = rf.envoy_config(admin, listen, registry.port, wasm_sha, "FAIL_OPEN", rf.plugin_config("wasmplugin/wasmplugin-sink.yaml"))
    code = cfg["static_resources"]["listeners"][0]["filter_chains"][0]["filters"][0]["typed_config"]["http_filters"][0][
        "typed_config"]["config"]["vm_config"]["code"]["remote"]
    code["http_uri"]["uri"] = f"http://{registry.host}/v2/{REPO}/blobs/sha256:{wasm_sha}"
    with rf.envoy(tmp_path, cfg) as a:
        status, _ = rf.get(listen)
        s = rf.stats(a)
    assert s.get("wasm.remote_load_fetch_successes") == 1, s
    assert status == 204  # the sink filter answered: the module from the registry runs
