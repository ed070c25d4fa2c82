#!/usr/bin/env bash
# `rl bench backend --json` on wasm and webgpu: MLP forward/Adam steps, the Adam step vs model size
# behind the webgpu threshold (`webgpuRule`), and the PPO CNN learner step (issue 12's target: the CNN
# step >= 20x faster on webgpu than on wasm, `ppoCnnWebgpuSpeedup`). Fails when webgpu does not start
# (printing why and what to install), unless BENCH_NO_GPU=1 (wasm only).
set -euo pipefail
cd "$APP"
backends=wasm,webgpu
[ "${BENCH_NO_GPU:-0}" = 1 ] && backends=wasm
TSRL_BENCH_BACKENDS=$backends "$NODE" bin/rl.js bench backend --json >"$RESULTS/backend.json"
"$NODE" -e '
const r = JSON.parse(require("fs").readFileSync(process.argv[1], "utf8"));
const b = r.backend ?? r.results?.backend ?? r;
const noGpu = process.argv[2] === "1";
const gpu = b.backends.webgpu;
console.log(JSON.stringify({
  webgpu: noGpu ? "skipped (BENCH_NO_GPU=1)" : gpu.available ? gpu.adapter : gpu.reason,
  ppoCnnStepUs: { wasm: b.backends.wasm.ppoCnnStepUs, webgpu: gpu?.ppoCnnStepUs },
  speedup: b.ppoCnnWebgpuSpeedup,
  webgpuRule: b.webgpuRule,
}, null, 1));
if (!b.backends.wasm?.available) { console.error("10-backend: wasm did not start: " + b.backends.wasm?.reason); process.exit(1); }
if (!noGpu && !gpu?.available) { console.error("10-backend: webgpu did not start: " + gpu?.reason); process.exit(1); }
' "$RESULTS/backend.json" "${BENCH_NO_GPU:-0}"
