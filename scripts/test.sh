#!/usr/bin/env bash
# The whole test suite: Rust tests (incl. the header drift check), lint, the C suite under
# ctest, and the Python ctypes tests. What CI runs.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh

echo "== cargo fmt / clippy"
cargo fmt --check
cargo clippy --release --all-targets --quiet -- -D warnings
cargo clippy --release --all-targets --quiet --features fault-injection --target-dir target/fault -- -D warnings

echo "== cargo test"
cargo test --release

echo "== C tests (ctest)"
cmake -S . -B build -DCMAKE_BUILD_TYPE=Release >/dev/null
cmake --build build -j2
ctest --test-dir build --output-on-failure

echo "== Python tests (pytest)"
.venv/bin/python -m pytest -q python/tests
