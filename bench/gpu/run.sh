#!/usr/bin/env bash
# Runs tsrl's GPU benchmarks on the GPU machine (no Node, no network) from what bench/gpu/pack.sh made:
# unpacks Node, the app and the Vulkan loader under WORK, points Dawn at the NVIDIA driver's Vulkan ICD,
# then runs every bench/gpu/benchmarks/*.sh in name order. Each benchmark gets NODE (the node binary),
# APP (the unpacked project: `$NODE $APP/bin/rl.js ...`) and RESULTS (a folder for its JSON), and may
# read BENCH_QUICK=1 (a short smoke run) and BENCH_NO_GPU=1 (everything on wasm, webgpu skipped: a
# dry run on a machine without a GPU). BENCH_ONLY=10,20 runs only the benchmarks whose names start
# so. A failing benchmark is reported and the others still run; the exit status is the number of
# failures, or 100 and up when the pack cannot be unpacked.
#
# Usage (repository root of the carried tree):  bash bench/gpu/run.sh [PACK_DIR] [RESULTS_DIR]
#   PACK_DIR    default bench/gpu/out;  RESULTS_DIR default $OUT (the device runner's output folder)
#               or bench/gpu/results
set -uo pipefail
fail() {
  echo "run: $1" >&2
  exit "$2"
}
HERE=$(cd "$(dirname "$0")" && pwd)
PACK=${1:-$HERE/out}
export RESULTS=${2:-${OUT:-$HERE/results}}
WORK=${WORK:-/tmp/tsrl-gpu}
mkdir -p "$WORK" "$RESULTS"

for f in node.xz app.tar.xz; do
  [ -f "$PACK/$f" ] || fail "$PACK/$f missing; run bench/gpu/pack.sh on a machine with Node first" 100
done

export NODE="$WORK/node"
xz -dc "$PACK/node.xz" >"$NODE" || fail "cannot unpack $PACK/node.xz" 101
chmod +x "$NODE"
"$NODE" --version >/dev/null || fail "the unpacked Node ($NODE) does not run here" 102
rm -rf "$WORK/app"
xz -dc "$PACK/app.tar.xz" | tar -C "$WORK" -xf - || fail "cannot unpack $PACK/app.tar.xz" 103
export APP="$WORK/app"
[ -f "$APP/bin/rl.js" ] || fail "$PACK/app.tar.xz has no app/bin/rl.js" 103

# The Vulkan loader (libvulkan.so.1) from Debian's package; dpkg -x where dpkg exists, else ar + tar.
deb=$(ls "$PACK"/libvulkan1*.deb 2>/dev/null | head -1)
if [ -n "$deb" ]; then
  rm -rf "$WORK/vulkan" && mkdir -p "$WORK/vulkan"
  if command -v dpkg >/dev/null; then
    dpkg -x "$deb" "$WORK/vulkan"
  else
    (cd "$WORK/vulkan" && ar x "$deb" && tar -xf data.tar.* && rm -f data.tar.* control.tar.* debian-binary)
  fi
  so=$(find "$WORK/vulkan" -name 'libvulkan.so.1' | head -1)
  [ -n "$so" ] || fail "$deb has no libvulkan.so.1" 104
  lib=$(dirname "$so")
  export LD_LIBRARY_PATH="$lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
fi

# The driver's Vulkan ICD: where NVIDIA's container toolkit mounts it, else the usual system places.
if [ -z "${VK_DRIVER_FILES:-}" ]; then
  for icd in /usr/local/nvidia/share/vulkan/icd.d/nvidia_icd.json /usr/share/vulkan/icd.d/nvidia_icd.json \
    /etc/vulkan/icd.d/nvidia_icd.json; do
    if [ -f "$icd" ]; then export VK_DRIVER_FILES="$icd"; break; fi
  done
fi

{
  echo "node $("$NODE" --version)"
  echo "VK_DRIVER_FILES=${VK_DRIVER_FILES:-<none found>}"
  echo "LD_LIBRARY_PATH=${LD_LIBRARY_PATH:-}"
  nvidia-smi --query-gpu=name,driver_version,memory.total --format=csv,noheader 2>/dev/null || echo "nvidia-smi: not found"
  echo "cpus $(nproc), load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "BENCH_QUICK=${BENCH_QUICK:-0} BENCH_NO_GPU=${BENCH_NO_GPU:-0} BENCH_ONLY=${BENCH_ONLY:-all}"
} | tee "$RESULTS/machine.txt"

failures=0
for bench in "$APP"/bench/gpu/benchmarks/*.sh; do
  name=$(basename "$bench" .sh)
  if [ -n "${BENCH_ONLY:-}" ] && ! [[ ",$BENCH_ONLY," == *",${name%%-*},"* ]]; then continue; fi
  echo "== $name"
  start=$(date +%s)
  if bash "$bench" >"$RESULTS/$name.log" 2>&1; then
    echo "   ok in $(($(date +%s) - start)) s"
  else
    echo "   FAILED (exit $?) in $(($(date +%s) - start)) s; last lines:"
    tail -5 "$RESULTS/$name.log" | sed 's/^/   /'
    failures=$((failures + 1))
  fi
done
ls -l "$RESULTS"
exit "$failures"
