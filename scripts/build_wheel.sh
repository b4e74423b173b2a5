#!/usr/bin/env bash
# Builds the Python wheel, with libovms_shared.so inside:
#   target/wheels/ovms_shared-0.1.0-cp310-abi3-linux_x86_64.whl
# `pip install` of it pulls numpy and openvino==2026.4.1, whose C runtime the package points the
# library at; no environment variable is needed. The build is PEP 517 (python/pyproject.toml,
# setuptools-rust): pip fetches setuptools and setuptools-rust into an isolated build env, and
# cargo builds in the project's target dir, so the dependencies (tokio, tonic, axum, ...) are
# shared with `cargo build --release` and only this crate is compiled again (setuptools-rust
# asks for the cdylib alone, so after each other the two builds recompile just this crate).
# $PYTHON picks the interpreter (default .venv's).
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-.venv/bin/python}
[ -x "$PYTHON" ] || PYTHON=python3

rm -f target/wheels/ovms_shared-*.whl
CARGO_TARGET_DIR="$PWD/target" \
    "$PYTHON" -m pip wheel --quiet --no-deps --disable-pip-version-check -w target/wheels ./python
rm -rf python/build python/*.egg-info   # setuptools' in-tree leftovers
ls target/wheels/ovms_shared-*.whl
