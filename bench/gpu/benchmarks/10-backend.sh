#!/usr/bin/env bash
# `rl bench backend --json` on wasm and webgpu: MLP forward/Adam steps and the PPO CNN learner step
# (issue 12's target: the CNN step >= 20x faster on webgpu than on wasm, `ppoCnnWebgpuSpeedup`).
set -euo pipefail
cd "$APP"
TSRL_BENCH_BACKENDS=wasm,webgpu "$NODE" bin/rl.js bench backend --json >"$RESULTS/backend.json"
"$NODE" -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8")); const b = r.results?.backend ?? r;
  console.log(JSON.stringify({ webgpu: b.backends.webgpu.available ? b.backends.webgpu.adapter : b.backends.webgpu.reason, ppoCnnStepUs: { wasm: b.backends.wasm.ppoCnnStepUs, webgpu: b.backends.webgpu.ppoCnnStepUs }, speedup: b.ppoCnnWebgpuSpeedup }, null, 1))' "$RESULTS/backend.json"
