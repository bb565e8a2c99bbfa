#!/usr/bin/env bash
# Builds the mirror-waf Wasm image as OCI image layouts on disk, with no Docker daemon, in the two
# forms istio-agent accepts (istio/istio pkg/wasm/imagefetcher.go):
#   compat/ : OCI image manifest, one application/vnd.oci.image.layer.v1.tar+gzip layer holding
#             /plugin.wasm (Istio's recommended form; what `docker build -f wasmplugin/Dockerfile` makes);
#   oci/    : the Wasm OCI artifact (solo-io/wasm spec): config application/vnd.module.wasm.config.v1+json
#             and exactly two layers, the runtime config and the raw module
#             (application/vnd.module.wasm.content.layer.v1+wasm).
# Reproducible: fixed mtime/owner/order in the tar, `gzip -n`, JSON written byte-for-byte here, so the
# same .wasm always gives the same manifest digest.
#
# usage: build-oci.sh WASM_FILE OUT_DIR TAG [ROOT_ID]
# Writes OUT_DIR/{compat,oci}/ (oci-layout, index.json, blobs/sha256/*) and OUT_DIR/{compat,oci}.digest
# (sha256:<manifest digest> = what WasmPlugin.sha256 must hold, without the "sha256:" prefix).
set -euo pipefail

if [ $# -lt 3 ]; then
  echo "usage: $0 WASM_FILE OUT_DIR TAG [ROOT_ID]" >&2
  exit 2
fi
WASM=$1 OUT=$2 TAG=$3 ROOT_ID=${4:-mirror_waf}

if [ ! -f "$WASM" ]; then
  echo "build-oci: $WASM not found (run: cargo build --release --target wasm32-wasip1)" >&2
  exit 1
fi
if [ "$(head -c 4 "$WASM" | od -An -tx1 | tr -d ' \n')" != "0061736d" ]; then
  echo "build-oci: $WASM does not start with the wasm magic \\0asm" >&2
  exit 1
fi
case "$TAG" in *[!A-Za-z0-9_.-]*|"") echo "build-oci: bad tag '$TAG'" >&2; exit 2;; esac

sha() { sha256sum "$1" | cut -d' ' -f1; }
size() { stat -c%s "$1"; }

mkdir -p "$OUT"
WORK=$(mktemp -d "$OUT/.work.XXXXXX")
trap 'rm -rf "$WORK"' EXIT

# put FILE into layout DIR as a blob; prints its hex digest
put_blob() { local d; d=$(sha "$2"); cp "$2" "$1/blobs/sha256/$d"; echo "$d"; }

new_layout() { rm -rf "$1"; mkdir -p "$1/blobs/sha256"; printf '{"imageLayoutVersion":"1.0.0"}' > "$1/oci-layout"; }

# index.json with one manifest tagged TAG
write_index() { # DIR MANIFEST_HEX MANIFEST_SIZE
  printf '{"schemaVersion":2,"manifests":[{"mediaType":"application/vnd.oci.image.manifest.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.ref.name":"%s"}}]}' \
    "$2" "$3" "$TAG" > "$1/index.json"
}

WASM_HEX=$(sha "$WASM"); WASM_SIZE=$(size "$WASM")

# ---------------------------------------------------------------- compat variant
D="$OUT/compat"; new_layout "$D"
mkdir -p "$WORK/stage"
cp "$WASM" "$WORK/stage/plugin.wasm"
chmod 0644 "$WORK/stage/plugin.wasm"
tar --sort=name --owner=0 --group=0 --numeric-owner --mtime=@0 --mode=0644 --format=posix \
    --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime \
    -C "$WORK/stage" -cf "$WORK/layer.tar" plugin.wasm
gzip -9 -n -c "$WORK/layer.tar" > "$WORK/layer.tar.gz"
DIFF_ID=$(sha "$WORK/layer.tar")
LAYER=$(put_blob "$D" "$WORK/layer.tar.gz"); LAYER_SIZE=$(size "$WORK/layer.tar.gz")
printf '{"architecture":"amd64","os":"linux","config":{},"rootfs":{"type":"layers","diff_ids":["sha256:%s"]}}' \
  "$DIFF_ID" > "$WORK/config.json"
CFG=$(put_blob "$D" "$WORK/config.json"); CFG_SIZE=$(size "$WORK/config.json")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.oci.image.layer.v1.tar+gzip","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.title":"plugin.wasm"}}],"annotations":{"module.wasm.image/variant":"compat","org.opencontainers.image.title":"mirror-waf"}}' \
  "$CFG" "$CFG_SIZE" "$LAYER" "$LAYER_SIZE" > "$WORK/manifest.json"
MAN_COMPAT=$(put_blob "$D" "$WORK/manifest.json")
write_index "$D" "$MAN_COMPAT" "$(size "$WORK/manifest.json")"
echo "sha256:$MAN_COMPAT" > "$OUT/compat.digest"

# ---------------------------------------------------------------- oci (Wasm artifact) variant
D="$OUT/oci"; new_layout "$D"
printf '{"type":"envoy_proxy","abiVersions":["v0.2.1"],"config":{"rootIds":["%s"]}}' "$ROOT_ID" > "$WORK/runtime-config.json"
RCFG=$(put_blob "$D" "$WORK/runtime-config.json"); RCFG_SIZE=$(size "$WORK/runtime-config.json")
MOD=$(put_blob "$D" "$WASM")
printf '{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.module.wasm.config.v1+json","digest":"sha256:%s","size":%d},"layers":[{"mediaType":"application/vnd.module.wasm.config.v1+json","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.title":"runtime-config.json"}},{"mediaType":"application/vnd.module.wasm.content.layer.v1+wasm","digest":"sha256:%s","size":%d,"annotations":{"org.opencontainers.image.title":"plugin.wasm"}}]}' \
  "$RCFG" "$RCFG_SIZE" "$RCFG" "$RCFG_SIZE" "$MOD" "$WASM_SIZE" > "$WORK/manifest.json"
MAN_OCI=$(put_blob "$D" "$WORK/manifest.json")
write_index "$D" "$MAN_OCI" "$(size "$WORK/manifest.json")"
echo "sha256:$MAN_OCI" > "$OUT/oci.digest"

cat <<REPORT
plugin.wasm          sha256:$WASM_HEX  $WASM_SIZE bytes
compat layout        $OUT/compat  (oci:$OUT/compat:$TAG, layer $LAYER_SIZE bytes tar+gzip)
  manifest digest    sha256:$MAN_COMPAT   <- WasmPlugin sha256 (compat image)
oci artifact layout  $OUT/oci  (oci:$OUT/oci:$TAG)
  manifest digest    sha256:$MAN_OCI   <- WasmPlugin sha256 (artifact image)
REPORT
