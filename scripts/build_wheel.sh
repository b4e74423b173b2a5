#!/usr/bin/env bash
# Builds the Python wheel, with libovms_shared.so inside:
#   target/wheels/ovms_shared-0.1.0-cp310-abi3-linux_x86_64.whl
# `pip install` of it pulls numpy and openvino==2026.4.1, whose C runtime the package points the
# library at; no environment variable is needed. The build is PEP 517 (python/pyproject.toml,
# setuptools-rust): pip fetches setuptools and setuptools-rust into an isolated build env, and
# cargo builds the crate in its own target dir (target/wheel-build), so `cargo build --release`
# and the wheel do not rebuild each other. $PYTHON picks the interpreter (default .venv's).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3

rm -f target/wheels/ovms_shared-*.whl
CARGO_TARGET_DIR="$PWD/target/wheel-build" \
    "$PYTHON" -m pip wheel --quiet --no-deps --disable-pip-version-check -w target/wheels ./python
rm -rf python/build python/*.egg-info   # setuptools' in-tree leftovers
ls target/wheels/ovms_shared-*.whl
