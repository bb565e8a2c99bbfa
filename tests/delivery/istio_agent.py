"""Emulates how istio-agent fetches a Wasm module from an OCI registry (istio/istio@1.30.3 pkg/wasm/imagefetcher.go),
over the registry's HTTP API, so the images are checked the way Istio will read them:

1. GET the manifest (Accept: OCI + Docker manifest types); its digest is sha256(manifest bytes) and must equal the
   registry's Docker-Content-Digest and the expected WasmPlugin `sha256` (checked BEFORE any layer is fetched);
2. docker v2 manifest -> compat: the LAST layer must be application/vnd.docker.image.rootfs.diff.tar.gzip;
   OCI manifest whose last layer is application/vnd.oci.image.layer.v1.tar+gzip -> compat;
   otherwise the Wasm artifact: exactly 2 layers, one application/vnd.module.wasm.content.layer.v1+wasm (raw module);
3. compat: gunzip + untar, the first entry whose basename is plugin.wasm is the module;
4. the module must start with \\0asm.
"""
from __future__ import annotations

import gzip
import hashlib
import io
import json
import posixpath
import tarfile
import urllib.request

MANIFEST_ACCEPT = ", ".join([
    "application/vnd.oci.image.manifest.v1+json",
    "application/vnd.docker.distribution.manifest.v2+json",
    "application/vnd.oci.image.index.v1+json",
    "application/vnd.docker.distribution.manifest.list.v2+json",
])
DOCKER_MANIFEST = "application/vnd.docker.distribution.manifest.v2+json"
DOCKER_LAYER = "application/vnd.docker.image.rootfs.diff.tar.gzip"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"
WASM_LAYER = "application/vnd.module.wasm.content.layer.v1+wasm"
MAX_BINARY = 256 * 1024 * 1024  # ISTIO_WASM_MAX_BINARY_SIZE_BYTES default


class FetchError(Exception):
    pass


def _get(url: str, accept: str | None = None) -> tuple[bytes, dict]:
    req = urllib.request.Request(url, headers={"Accept": accept} if accept else {})
    with urllib.request.urlopen(req, timeout=10) as r:
        return r.read(), dict(r.headers)


def fetch(registry: str, repo: str, ref: str, expected_sha256: str | None) -> dict:
    """Returns {'variant', 'manifest_digest', 'wasm', 'media_type'}; raises FetchError like the agent would."""
    body, headers = _get(f"http://{registry}/v2/{repo}/manifests/{ref}", MANIFEST_ACCEPT)
    digest = hashlib.sha256(body).hexdigest()
    header_digest = headers.get("Docker-Content-Digest", "")
    if header_digest != f"sha256:{digest}":
        raise FetchError(f"registry digest {header_digest} != sha256 of manifest bytes {digest}")
    if expected_sha256 and expected_sha256 != digest:
        raise FetchError(f"module downloaded from {registry}/{repo}:{ref} has checksum {digest}, "
                         f"which does not match: {expected_sha256}")
    manifest = json.loads(body)
    media_type = manifest.get("mediaType", "")
    layers = manifest.get("layers") or []
    if not layers:
        raise FetchError("manifest has no layers")

    def blob(desc: dict) -> bytes:
        data, _ = _get(f"http://{registry}/v2/{repo}/blobs/{desc['digest']}")
        if "sha256:" + hashlib.sha256(data).hexdigest() != desc["digest"] or len(data) != desc["size"]:
            raise FetchError(f"blob {desc['digest']} corrupt")
        return data

    if media_type == DOCKER_MANIFEST:
        if layers[-1]["mediaType"] != DOCKER_LAYER:
            raise FetchError(f"invalid media type {layers[-1]['mediaType']} (expect {DOCKER_LAYER})")
        variant, wasm = "docker", _untar_plugin(blob(layers[-1]))
    elif layers[-1]["mediaType"] == OCI_LAYER:
        variant, wasm = "compat", _untar_plugin(blob(layers[-1]))
    else:
        if len(layers) != 2:
            raise FetchError(f"number of layers must be 2 but got {len(layers)}")
        wasm_layers = [l for l in layers if l["mediaType"] == WASM_LAYER]
        if not wasm_layers:
            raise FetchError("could not find the layer of Wasm binary")
        variant, wasm = "oci", blob(wasm_layers[0])
    if not wasm.startswith(b"\0asm"):
        raise FetchError("fetched Wasm binary is invalid (no \\0asm magic)")
    return {"variant": variant, "manifest_digest": digest, "wasm": wasm, "media_type": media_type}


def _untar_plugin(layer: bytes) -> bytes:
    raw = gzip.decompress(layer)
    with tarfile.open(fileobj=io.BytesIO(raw), mode="r:") as tar:
        for m in tar:
            if m.isfile() and posixpath.basename(m.name) == "plugin.wasm":
                f = tar.extractfile(m)
                if f is None:
                    break
                data = f.read(MAX_BINARY + 1)
                if len(data) > MAX_BINARY:
                    raise FetchError("plugin.wasm larger than ISTIO_WASM_MAX_BINARY_SIZE_BYTES")
                return data
    raise FetchError("plugin.wasm not found in the image layer")
