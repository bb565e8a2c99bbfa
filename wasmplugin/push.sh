#!/usr/bin/env bash
# Pushes the OCI layouts built by build-oci.sh to a registry with skopeo (no Docker daemon):
#   <REGISTRY>/<NAME>:<TAG>       the compat image (recommended; use this in WasmPlugin.url)
#   <REGISTRY>/<NAME>:<TAG>-oci   the Wasm OCI artifact variant
# and prints the digests the registry reports (they must equal build/oci/*.digest: --preserve-digests).
# Then writes ready-to-apply, pinned WasmPlugins to OUT_DIR/manifests/ (url = the pushed compat image,
# sha256 = its manifest digest): wasmplugin-sink.yaml, wasmplugin-inspect.yaml, 11-receiver-wasmplugin.yaml.
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
  [ "$variant" = compat ] && COMPAT_DIGEST=$got
done

HERE=$(cd "$(dirname "$0")" && pwd)
mkdir -p "$OUT/manifests"
for src in "$HERE/wasmplugin-sink.yaml" "$HERE/wasmplugin-inspect.yaml" "$HERE/../istio-examples/11-receiver-wasmplugin.yaml"; do
  dst="$OUT/manifests/$(basename "$src")"
  sed -e "s#^  url: oci://.*#  url: oci://$REGISTRY/$NAME:$TAG#" \
      -e "s#^  \# sha256: .*#  sha256: $COMPAT_DIGEST   \# manifest digest of the image pushed by make push#" "$src" > "$dst"
  grep -q "^  sha256: $COMPAT_DIGEST" "$dst" || { echo "push: could not pin $dst" >&2; exit 1; }
  echo "pinned manifest: $dst"
done
