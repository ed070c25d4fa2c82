#!/usr/bin/env bash
# Packs what the GPU machine needs to run tsrl's GPU benchmarks without Node or network there:
#   node.xz          this machine's Node binary (Node 20, linux-x64), xz -6
#   app.tar.xz       the built project (dist/, bin/, configs/, bench/gpu/) with a pruned production
#                    install: no dev dependencies, no source maps, no other platforms' binaries,
#                    tfjs packages reduced to the Node bundle each loads (and the wasm binaries)
#   libvulkan1.deb   Debian's Vulkan loader (apt-get download), unpacked there with dpkg -x
# into OUT (default bench/gpu/out, git-ignored), then checks that the total fits the 64 MiB the device
# runner carries. It builds dist/ from the tree first (`npm run build`), so a clone needs only `npm ci`:
#   git clone ... && cd tsrl && npm ci && bash bench/gpu/pack.sh
# Any failing step stops it with a message naming the step (exit 1).
set -euo pipefail
trap 'echo "pack: FAILED at line $LINENO: $BASH_COMMAND" >&2' ERR
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
OUT=${1:-$ROOT/bench/gpu/out}
LIMIT_BYTES=$((64 * 1024 * 1024))
STAGE=$(mktemp -d /tmp/tsrl-gpu-pack.XXXXXX)
trap 'rm -rf "$STAGE"' EXIT

[ -d "$ROOT/node_modules/typescript" ] || {
  echo "pack: no dev install in $ROOT/node_modules; run npm ci first" >&2
  exit 1
}
echo "pack: npm run build"
(cd "$ROOT" && npm run build >/dev/null)
[ -f "$ROOT/dist/bin/main.js" ] || {
  echo "pack: npm run build made no dist/bin/main.js" >&2
  exit 1
}
node_major=$(node -p 'process.versions.node.split(".")[0]')
[ "$node_major" = 20 ] || echo "pack: warning: Node $(node --version) here; the GPU runs were planned on Node 20" >&2
[ "$(node -p 'process.platform + "-" + process.arch')" = linux-x64 ] || {
  echo "pack: needs linux-x64 (the GPU machine's platform)" >&2
  exit 1
}

mkdir -p "$OUT"
rm -f "$OUT"/node.xz "$OUT"/app.tar.xz "$OUT"/libvulkan1*.deb

echo "pack: node $(node --version) -> node.xz"
xz -6 -T0 -c "$(command -v node)" >"$OUT/node.xz"

echo "pack: production install (npm ci --omit=dev --ignore-scripts) in $STAGE/app"
mkdir -p "$STAGE/app"
cp "$ROOT/package.json" "$ROOT/package-lock.json" "$STAGE/app/"
cp -r "$ROOT/dist" "$ROOT/bin" "$ROOT/configs" "$STAGE/app/"
mkdir -p "$STAGE/app/bench" && cp -r "$ROOT/bench/gpu" "$STAGE/app/bench/" && rm -rf "$STAGE/app/bench/gpu/out"
(cd "$STAGE/app" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund --prefer-offline >/dev/null)

echo "pack: pruning"
node "$ROOT/bench/gpu/prune.mjs" "$STAGE/app/node_modules"
find "$STAGE/app" -name '*.map' -delete

tar -C "$STAGE" -cf - app | xz -6 -T0 >"$OUT/app.tar.xz"

echo "pack: apt-get download libvulkan1"
(cd "$OUT" && apt-get download libvulkan1 >/dev/null)

total=$(du -cb "$OUT"/node.xz "$OUT"/app.tar.xz "$OUT"/libvulkan1*.deb | tail -1 | cut -f1)
ls -l "$OUT"
echo "pack: total $((total / 1024 / 1024)) MiB of 64 MiB"
if [ "$total" -gt "$LIMIT_BYTES" ]; then
  echo "pack: over the 64 MiB the device runner carries" >&2
  exit 1
fi
