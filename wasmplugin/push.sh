#!/usr/bin/env bash
# Pushes the OCI layouts built by build-oci.sh to a registry with skopeo (no Docker daemon):
#   <REGISTRY>/<NAME>:<TAG>       the compat image (recommended; use this in WasmPlugin.url)
#   <REGISTRY>/<NAME>:<TAG>-oci   the Wasm OCI artifact variant
# and prints the digests the registry reports (they must equal build/oci/*.digest: --preserve-digests).
#
# usage: push.sh OUT_DIR REGISTRY NAME TAG [extra skopeo copy flags, e.g. --dest-tls-verify=false --dest-creds u:p]
set -euo pipefail
if [ $# -lt 4 ]; then echo "usage: $0 OUT_DIR REGISTRY NAME TAG [skopeo flags…]" >&2; exit 2; fi
OUT=$1 REGISTRY=${2%/} NAME=$3 TAG=$4; shift 4
command -v skopeo >/dev/null || { echo "push: skopeo not found (apt-get install skopeo)" >&2; exit 1; }
# skopeo inspect takes --tls-verify / --creds instead of --dest-*
INSPECT_FLAGS=()
for f in "$@"; do case "$f" in --dest-*) INSPECT_FLAGS+=("--${f#--dest-}");; esac; done
for variant in compat oci; do
  [ -f "$OUT/$variant/index.json" ] || { echo "push: $OUT/$variant missing, run make image" >&2; exit 1; }
  suffix=""; [ "$variant" = oci ] && suffix="-oci"
  dest="docker://$REGISTRY/$NAME:$TAG$suffix"
  skopeo copy --quiet --preserve-digests "$@" "oci:$OUT/$variant:$TAG" "$dest"
  got=$(skopeo inspect "${INSPECT_FLAGS[@]}" --raw "$dest" | sha256sum | cut -d' ' -f1)
  want=$(cut -d: -f2 < "$OUT/$variant.digest")
  if [ "$got" != "$want" ]; then echo "push: $dest has manifest digest $got, built $want" >&2; exit 1; fi
  echo "pushed $variant: ${dest#docker://}  sha256:$got"
  echo "  WasmPlugin: url: oci://$REGISTRY/$NAME:$TAG$suffix   sha256: $got"
done
