#!/usr/bin/env bash
# Runs the core and sampling benchmarks on a large machine without Node and without network, from
# the folder unpacked out of bench/gpu/pack.sh's tarball (it brings its own Node binary). Writes
# bench-core.json, bench-core-tcp.json, bench-envs.json and machine.txt (cores, load, Node version)
# into ${OUT:-./bench-results}.
# Usage: tar xzf tsrl-bench-gpu.tar.gz && bash tsrl/bench/gpu/core.sh
set -euo pipefail
here=$(cd "$(dirname "$0")/../.." && pwd)
node="$here/node/bin/node"
out=${OUT:-$(pwd)/bench-results}
mkdir -p "$out"
[ -x "$node" ] || { echo "core.sh: no Node binary at $node: run bench/gpu/pack.sh first" >&2; exit 1; }
export PATH="$here/node/bin:$PATH"
{
  echo "date: $(date -u +%FT%TZ)"
  echo "cores: $(nproc)"
  echo "load: $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "node: $("$node" --version)"
} >"$out/machine.txt"
cd "$here"
"$node" bin/rl.js bench core --json >"$out/bench-core.json"
echo "load after core: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"
"$node" --input-type=module -e "import('./dist/bench/core.js').then(async (m) => console.log(JSON.stringify(await m.benchCore({ transport: 'tcp' }), null, 2)))" >"$out/bench-core-tcp.json"
"$node" bin/rl.js bench envs --json >"$out/bench-envs.json"
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)" >>"$out/machine.txt"
echo "results in $out"
