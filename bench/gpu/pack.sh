#!/usr/bin/env bash
# Packs what bench/gpu/core.sh needs on a large machine that has no Node and no network:
#   - the Node binary running this script (`command -v node`: same OS and CPU architecture as the
#     target is assumed: linux x86_64 here; check with `file` before copying elsewhere),
#   - the built runtime (dist/, bin/, package.json) after `npm run build`,
#   - the production node_modules: `npm ci --omit=dev --ignore-scripts` in a staging copy (needs the
#     npm registry, here; zeromq ships its native addon prebuilt inside the package),
#   - bench/gpu/core.sh itself.
# Usage (repository root, a machine with Node and the npm registry):
#   bash bench/gpu/pack.sh [out.tar.gz]     (default: tsrl-bench-gpu.tar.gz)
set -euo pipefail
out=${1:-tsrl-bench-gpu.tar.gz}
root=$(pwd)
stage=$(mktemp -d)
trap 'rm -rf "$stage"' EXIT
npm run build >/dev/null
mkdir -p "$stage/tsrl/node/bin" "$stage/tsrl/bench/gpu"
cp "$(command -v node)" "$stage/tsrl/node/bin/node"
cp -r dist bin package.json package-lock.json "$stage/tsrl/"
cp bench/gpu/core.sh "$stage/tsrl/bench/gpu/"
(cd "$stage/tsrl" && npm ci --omit=dev --ignore-scripts --no-audit --no-fund >/dev/null)
"$stage/tsrl/node/bin/node" --version >"$stage/tsrl/NODE_VERSION"
tar -C "$stage" -czf "$root/$out" tsrl
echo "packed $out ($(du -h "$root/$out" | cut -f1)); on the target: tar xzf $out && bash tsrl/bench/gpu/core.sh"
