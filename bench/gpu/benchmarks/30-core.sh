#!/usr/bin/env bash
# The runtime benchmarks on the large machine (issue 9): `rl bench core` over ipc and tcp and
# `rl bench envs`, with the load before and after (the former bench/gpu/core.sh).
set -euo pipefail
cd "$APP"
echo "load before core: $(cut -d' ' -f1-3 /proc/loadavg)"
"$NODE" bin/rl.js bench core --json >"$RESULTS/bench-core.json"
echo "load after core: $(cut -d' ' -f1-3 /proc/loadavg)"
[ "${BENCH_QUICK:-0}" = 1 ] && exit 0
"$NODE" --input-type=module -e "import('./dist/bench/core.js').then(async (m) => console.log(JSON.stringify(await m.benchCore({ transport: 'tcp' }), null, 2)))" >"$RESULTS/bench-core-tcp.json"
"$NODE" bin/rl.js bench envs --json >"$RESULTS/bench-envs.json"
echo "load at end: $(cut -d' ' -f1-3 /proc/loadavg)"
