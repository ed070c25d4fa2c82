#!/usr/bin/env bash
# Builds the tsrl-env wheel (envs/python -> envs/python/wheel/*.whl) offline, with Debian's
# python3-setuptools and python3-wheel (no build isolation, so nothing is downloaded). The wheel is
# committed so that the npm package ships it; test/envs/python/wheel.test.ts fails when it is stale.
set -euo pipefail
cd "$(dirname "$0")/.."
python="${PYTHON:-/usr/bin/python3}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
# Build from a copy: setuptools writes build/ and *.egg-info next to the sources.
cp -r envs/python "$work/src"
rm -rf "$work/src/wheel" "$work/src/__pycache__" "$work/src/tsrl_env/__pycache__"
"$python" -m pip wheel --no-deps --no-build-isolation --no-index -q "$work/src" -w "$work/out"
rm -f envs/python/wheel/*.whl
mkdir -p envs/python/wheel
cp "$work"/out/*.whl envs/python/wheel/
ls envs/python/wheel/
